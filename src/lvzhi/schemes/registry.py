"""Built-in schemes and the built-in statistics catalogue, shipped in `lvzhi/schemes/builtin/`."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lvzhi.schemes.errors import Problem, SchemeError
from lvzhi.schemes.loader import load_catalogue, load_scheme
from lvzhi.schemes.model import Catalogue, Scheme

CATALOGUE_FILE = "catalogue.yaml"


def builtin_dir() -> Path:
    """The directory holding the built-in YAML files."""
    return Path(str(resources.files("lvzhi.schemes") / "builtin"))


@functools.cache
def builtin_catalogue() -> Catalogue:
    """The shared statistics catalogue (loaded once)."""
    return load_catalogue(builtin_dir() / CATALOGUE_FILE)


def builtin_files() -> dict[str, Path]:
    """Scheme id (= file stem) → file, for every built-in scheme."""
    return {p.stem: p for p in sorted(builtin_dir().glob("*.yaml")) if p.name != CATALOGUE_FILE}


def list_builtin() -> list[str]:
    """Ids of the built-in schemes, sorted."""
    return list(builtin_files())


@functools.cache
def load_builtin(scheme_id: str) -> Scheme:
    """Load a built-in scheme by id; raises SchemeError if it is unknown or invalid."""
    files = builtin_files()
    if scheme_id not in files:
        known = ", ".join(files) or "-"
        raise SchemeError(
            [
                Problem(
                    scheme_id,
                    0,
                    0,
                    f"没有内置方案 “{scheme_id}”（已有: {known}）",
                    f"no built-in scheme {scheme_id!r} (known: {known})",
                )
            ]
        )
    scheme = load_scheme(files[scheme_id], builtin_catalogue())
    if scheme.id != scheme_id:
        raise SchemeError(
            [
                Problem(
                    str(files[scheme_id]),
                    1,
                    1,
                    f"文件名须与方案 id “{scheme.id}” 一致",
                    f"file name must match the scheme id {scheme.id!r}",
                )
            ]
        )
    return scheme
