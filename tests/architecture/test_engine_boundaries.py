"""The pure engines take plain data and return plain data: they must not import the web platform or the ORM."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "lvzhi"
ENGINES = ("schemes", "scoring", "reader", "writer")
FORBIDDEN = ("django", "ninja", "django_htmx", "lvzhi.site", "lvzhi.cli")
# Every other package of lvzhi is the platform, found on disk so that a new app is covered the day it is added.
PLATFORM_APPS = tuple(
    sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file() and p.name not in ENGINES)
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def engine_files() -> list[Path]:
    return [p for engine in ENGINES for p in sorted((SRC / engine).rglob("*.py"))]


def test_every_engine_package_exists():
    for engine in ENGINES:
        assert (SRC / engine / "__init__.py").is_file(), f"engine package lvzhi.{engine} is missing"


def test_the_platform_list_covers_every_app():
    assert {"accounts", "evaluations", "rectification", "ops", "jobs", "site", "cli"} <= set(PLATFORM_APPS)


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_engine_module_imports_no_web_framework_or_platform_app(path: Path):
    bad = []
    for lineno, module in imported_modules(path):
        top = module.split(".")[0]
        if top in FORBIDDEN or any(module == f or module.startswith(f + ".") for f in FORBIDDEN):
            bad.append(f"{path.name}:{lineno} imports {module}")
        if module.startswith("lvzhi.") and module.split(".")[1] in PLATFORM_APPS:
            bad.append(f"{path.name}:{lineno} imports platform app {module}")
    assert not bad, "pure engines must not import the platform: " + "; ".join(bad)
