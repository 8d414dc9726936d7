"""The mypyc-compiled reader: built by set-up, equal to the pure-Python reader, never run when stale."""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lvzhi
import lvzhi.reader
from lvzhi.reader import compiled
from lvzhi.reader.extract import extract
from lvzhi.reader.pipeline import analyse

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
REPORTS = Path(__file__).parent / "reports"
needs_build = pytest.mark.skipif(
    not lvzhi.reader.COMPILED, reason=f"the compiled reader is not in use ({compiled.status()})"
)

# Seeded mutations of the real reports: deletions, insertions of rule-triggering pieces, duplications
# and swaps, as the fuzz tests make them, but fixed so that both readers see the same texts.
_PIECES = ["一、", "(二)", "1.", "万元", "亿元", "%", "个百分点", "余", "约", "以上", "不低于", "比上年", "增长",
           "下降", "占", "其中", "合计", "差", "2023年", "〔2023〕12号", "第五届", "三千二百八十七", "两所",
           "百分之十二点五", "点击浏览下一页", "。", ",", "\n", "\xa0", "０１２", "9" * 30, ".5"]  # fmt: skip


def _corpus() -> list[str]:
    texts = [extract(p).text for p in sorted(SEEDS.glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))]
    rng = random.Random(20261123)
    mutated = []
    for _ in range(150):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 8)):
            i = rng.randint(0, len(text))
            j = rng.randint(i, min(len(text), i + 40))
            op = rng.randrange(4)
            if op == 0:
                text = text[:i] + text[j:]
            elif op == 1:
                text = text[:i] + rng.choice(_PIECES) + text[i:]
            elif op == 2:
                text = text[:j] + text[i:j] + text[j:]
            else:
                text = text[i:j] + text[:i] + text[j:]
        mutated.append(text)
    return texts + mutated


def corpus_digest() -> str:
    """SHA-256 of the full repr of every analysis of the corpus: any difference in any field shows."""
    h = hashlib.sha256()
    for text in _corpus():
        h.update(repr(analyse(text)).encode())
    return h.hexdigest()


def _python(
    code: str, *, pythonpath: Path | None = None, pure: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != compiled.FORCE_PURE}
    if pure:
        env[compiled.FORCE_PURE] = "1"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_set_up_builds_the_compiled_reader() -> None:
    if os.environ.get(compiled.FORCE_PURE):
        pytest.skip(f"{compiled.FORCE_PURE} is set: this run tests the pure-Python reader")
    assert compiled.status() == "compiled", "run bash scripts/setup.sh (it compiles the reader with mypyc)"
    assert lvzhi.reader.COMPILED
    for name in compiled.MODULES:
        module = sys.modules.get(f"lvzhi.reader.{name}") or __import__(f"lvzhi.reader.{name}", fromlist=["_"])
        assert module.__file__ is not None
        assert module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), name


@needs_build
def test_pure_and_compiled_readers_agree_on_every_field_of_every_report() -> None:
    pure = _python(
        "import lvzhi.reader, lvzhi.reader.claims as c\n"
        "assert not lvzhi.reader.COMPILED and c.__file__.endswith('.py')\n"
        f"import importlib.util; spec = importlib.util.spec_from_file_location('t', {str(Path(__file__))!r})\n"
        "t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)\n"
        "print(t.corpus_digest())",
        pure=True,
    )
    assert pure.returncode == 0, pure.stderr
    assert pure.stdout.strip() == corpus_digest()


def _copy_package(tmp_path: Path) -> Path:
    """The lvzhi package with its reader — sources and built extensions — copied into tmp_path."""
    package = Path(lvzhi.__file__).parent
    (tmp_path / "lvzhi").mkdir()
    shutil.copy2(package / "__init__.py", tmp_path / "lvzhi" / "__init__.py")
    shutil.copytree(
        package / "reader", tmp_path / "lvzhi" / "reader", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path / "lvzhi" / "reader"


_REPORT_VARIANT = (
    "import lvzhi.reader, lvzhi.reader.claims as c\n"
    "from lvzhi.reader.pipeline import analyse\n"
    "print(lvzhi.reader.COMPILED, c.__file__.rsplit('.', 1)[-1], len(analyse('投入资金3.5亿元,比上年增长12%。').claims))"
)


@needs_build
def test_a_copy_of_the_current_build_runs_compiled(tmp_path: Path) -> None:
    _copy_package(tmp_path)
    run = _python(_REPORT_VARIANT, pythonpath=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "so", "2"]
    assert "RuntimeWarning" not in run.stderr


@needs_build
def test_a_build_made_from_other_sources_is_not_run(tmp_path: Path) -> None:
    # A developer changes a rule and has not rebuilt: the old compiled rule must not run in its place.
    reader = _copy_package(tmp_path)
    claims = reader / "claims.py"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    run = _python(_REPORT_VARIANT, pythonpath=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "py", "2"]
    assert "compiled reader modules are stale" in run.stderr


@needs_build
def test_a_partial_build_is_not_run(tmp_path: Path) -> None:
    reader = _copy_package(tmp_path)
    for ext in reader.glob("numbers.*"):
        if ext.suffix != ".py":
            ext.unlink()
    run = _python(_REPORT_VARIANT, pythonpath=tmp_path)
    assert run.stdout.split() == ["False", "py", "2"], run.stderr
    assert "compiled reader modules are partial" in run.stderr


@needs_build
def test_the_pure_reader_can_be_forced_without_a_warning(tmp_path: Path) -> None:
    _copy_package(tmp_path)
    run = _python(_REPORT_VARIANT, pythonpath=tmp_path, pure=True)
    assert run.stdout.split() == ["False", "py", "2"], run.stderr
    assert "RuntimeWarning" not in run.stderr


def test_a_tree_without_extensions_is_pure_and_silent(tmp_path: Path) -> None:
    reader = _copy_package(tmp_path)
    for ext in reader.iterdir():
        if ext.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            ext.unlink()
    assert compiled.status(reader) == "absent"
    run = _python(_REPORT_VARIANT, pythonpath=tmp_path)
    assert run.stdout.split() == ["False", "py", "2"], run.stderr
    assert run.stderr == ""


def test_the_source_digest_changes_with_any_compiled_module(tmp_path: Path) -> None:
    reader = _copy_package(tmp_path)
    before = compiled.source_digest(reader)
    assert before == compiled.source_digest(reader)
    text = reader / "text.py"
    source = text.read_text(encoding="utf-8")
    text.write_text(source.replace("MAX_PARAGRAPH", "MAX_PARAGRAPH ", 1), encoding="utf-8")  # one space more
    assert compiled.source_digest(reader) != before
