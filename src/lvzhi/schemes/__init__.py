"""Scheme engine (pure): the scheme model, the YAML loader, the formula language and the built-in schemes.

Public API::

    load_scheme(path, catalogue=None) -> Scheme      # SchemeError(problems) with file:line:col, bilingual
    load_catalogue(path) -> Catalogue
    list_builtin() -> list[str]; load_builtin(id) -> Scheme; builtin_catalogue() -> Catalogue
    compile_formula(text, known=None) -> Formula     # FormulaError(position) for anything not allowed
"""

from lvzhi.schemes.errors import FormulaError, Problem, SchemeError
from lvzhi.schemes.formula import Formula, Unavailable, compile_formula
from lvzhi.schemes.loader import load_catalogue, load_scheme, validate_scheme
from lvzhi.schemes.model import Catalogue, Condition, DataItem, Grade, Indicator, Rule, Scheme
from lvzhi.schemes.registry import builtin_catalogue, list_builtin, load_builtin

__all__ = [
    "Catalogue",
    "Condition",
    "DataItem",
    "Formula",
    "FormulaError",
    "Grade",
    "Indicator",
    "Problem",
    "Rule",
    "Scheme",
    "SchemeError",
    "Unavailable",
    "builtin_catalogue",
    "compile_formula",
    "list_builtin",
    "load_builtin",
    "load_catalogue",
    "load_scheme",
    "validate_scheme",
]
