"""Which reader modules are compiled with mypyc, and whether a compiled build may be used.

The reader's hot path (lexer, claim rules, checks) is plain, strictly typed Python. ``setup.py`` also
compiles it with mypyc into C extension modules that sit beside the sources and, when present, are
imported in their place — the same code, about 1.4 times faster. The pure-Python modules stay the
reference and the fallback: with no C compiler the install is simply pure; ``LVZHI_PURE_PYTHON=1`` forces
the sources; and a build made from other sources than the ones on disk (a developer edited a rule and has
not rebuilt) is never run — the sources are, with a warning — because a stale extension would silently
execute old rules.

This module is standard library only and is also loaded by ``setup.py`` by path, before the package
can be imported, so that the list of modules and the digest are defined once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

# The modules of the analysis path, compiled together as one mypyc group (calls between them are
# then direct C calls). model (plain dataclasses shared with the platform; compiling it gained nothing),
# extract (I/O and third-party parsers) and the rarely run coverage/statistics modules stay interpreted.
MODULES = ("boilerplate", "checks", "claims", "numbers", "pipeline", "sections", "text")
GROUP = "lvzhi.reader.native"  # mypyc's shared library: lvzhi/reader/native__mypyc.*.so
DIGEST_MODULE = "built_from"  # generated at build time (SOURCE_DIGEST = …) and compiled with the group
FORCE_PURE = "LVZHI_PURE_PYTHON"

HERE = Path(__file__).resolve().parent


def source_digest(folder: Path = HERE) -> str:
    """SHA-256 over the compiled modules' sources, in a fixed order."""
    h = hashlib.sha256()
    for name in MODULES:
        data = (folder / f"{name}.py").read_bytes()
        h.update(f"{name}:{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()


def _has_extension(folder: Path, name: str) -> bool:
    return any((folder / f"{name}{suffix}").exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def status(folder: Path = HERE) -> str:
    """``compiled`` (a current build is there), ``absent``, ``partial``, ``stale`` or ``forced-pure``."""
    names = (*MODULES, DIGEST_MODULE)
    present = [_has_extension(folder, name) for name in names]
    if not any(present):
        return "absent"
    if os.environ.get(FORCE_PURE):
        return "forced-pure"
    if not all(present):
        return "partial"
    if not all((folder / f"{name}.py").exists() for name in MODULES):
        return "compiled"  # an install that ships only the extensions: nothing to compare with
    built: ModuleType = importlib.import_module(f"{__package__}.{DIGEST_MODULE}")
    return "compiled" if getattr(built, "SOURCE_DIGEST", None) == source_digest(folder) else "stale"


class _SourcesFirst:
    """Meta path finder: imports the named reader modules from their .py files even where an extension
    module exists (a finder needs only find_spec; importlib.abc would cost 20 ms of imports)."""

    def __init__(self, package: str, folder: Path) -> None:
        self.names = {f"{package}.{name}": folder / f"{name}.py" for name in MODULES}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.names.get(fullname)
        return importlib.util.spec_from_file_location(fullname, source) if source else None


def choose(package: str, folder: Path = HERE) -> bool:
    """Decide once, before any reader module is imported, whether the compiled modules run; True if so."""
    state = status(folder)
    if state == "compiled":
        return True
    if state in ("stale", "partial"):
        # All or nothing: compiled modules of one group call each other directly, so a mix would run
        # compiled code behind a module that was loaded from source.
        why = "built from other sources than those on disk" if state == "stale" else "some are missing"
        warnings.warn(
            f"lvzhi.reader: the compiled reader modules are {state} ({why}); running the pure-Python "
            "reader. Rebuild with: bash scripts/setup.sh",
            RuntimeWarning,
            stacklevel=3,
        )
    if state != "absent":
        sys.meta_path.insert(0, _SourcesFirst(package, folder))
    return False
