"""Fuzzing the reader: random and mutated text through analyse, mutated files through extract + analyse.

The only failure allowed is the extractor's own ExtractError; everything the reader returns must point into
the text it read. A 5 MB input is read soundly (how time grows with size: bench/bench_reader_linear.py).
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lvzhi.reader.extract import ExtractError, extract
from lvzhi.reader.model import Analysis
from lvzhi.reader.pipeline import analyse

REPORTS = Path(__file__).parent / "reports"
_spec = importlib.util.spec_from_file_location("report_formats", REPORTS / "formats.py")
assert _spec is not None and _spec.loader is not None
formats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(formats)

TEXTS = [formats.report_text(p.name) for p in sorted(REPORTS.glob("*.txt"))]

# Pieces that exercise the rules: numerals, units, qualifiers, heading markers, years, document numbers,
# boilerplate phrases and the characters the seeds contain (NBSP, EN SPACE, full-width digits).
PIECES = [
    "一、",
    "(一)",
    "（二）",
    "1.",
    "2、",
    "(1)",
    "①",
    "41.2.",
    "万元",
    "亿元",
    "万",
    "亿",
    "%",
    "个百分点",
    "所",
    "人",
    "平方米",
    "平方公里",
    "余",
    "近",
    "约",
    "以上",
    "以下",
    "不低于",
    "达到",
    "比上年",
    "增长",
    "下降",
    "占",
    "其中",
    "合计",
    "完成率",
    "差",
    "2023年",
    "〔2023〕12号",
    "第五届",
    "排名",
    "三千二百八十七",
    "两所",
    "百分之十二点五",
    "点击浏览下一页",
    "发布日期:",
    "ICP备",
    "如若转载",
    "。",
    ",",
    "，",
    ";",
    "：",
    "\n",
    "\u3000\u3000",
    "\xa0",
    "\u2002",
    "０１２",
    "1+1+2+N",
    "各5所",
    "—",
    "-",
    ".",
    "..",
    "%%",
    "9" * 30,
    "0.",
    ".5",
]
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))


def assert_sound(a: Analysis, text: str) -> None:
    n = len(text)
    assert a.text == text
    for b in a.boilerplate:
        assert 0 <= b.start <= b.end <= n
    for s in a.sections:
        assert 0 <= s.start < n and text[s.start :].startswith(s.marker)
    for c in a.claims:
        assert 0 <= c.start < c.end <= n and text[c.start : c.end] == c.surface
    for k in a.checks:
        assert 0 <= k.start < n
    for f in a.findings:
        assert 0 <= f.start <= n and f.message


fuzz = settings(max_examples=120, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.text(ALPHABET, max_size=6), st.integers(0, 10**9).map(str)),
        max_size=80,
    ).map("".join)
)
def test_random_report_like_text_never_crashes_the_reader(text: str) -> None:
    assert_sound(analyse(text), text)


@fuzz
@given(st.text(ALPHABET, max_size=400))
def test_arbitrary_unicode_never_crashes_the_reader(text: str) -> None:
    assert_sound(analyse(text), text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[i:j] + text[:i] + text[j:]
    return text


@fuzz
@given(mutated())
def test_mutated_reports_never_crash_the_reader(text: str) -> None:
    assert_sound(analyse(text), text)


def test_figures_beyond_28_digits_are_read_not_crashed_on() -> None:
    # Found by the fuzzer: Decimal.quantize fails past the default 28-digit context.
    text = "全县学校126所，其中小学52所、初中99999999999999999999999999999918所。经费增长99999999999999999999999999999.13%。"
    a = analyse(text)
    assert_sound(a, text)
    # The value itself may be rounded to Decimal's 28 significant digits; the figure must still be read.
    huge = next(c for c in a.claims if c.surface == "99999999999999999999999999999918所")
    assert abs(huge.value - Decimal("99999999999999999999999999999918")) / huge.value < Decimal("1e-27")


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    text = TEXTS[-1]
    return {
        ".txt": text.encode("gb18030"),
        ".html": formats.gbk_page(text),
        ".docx": formats.docx_bytes(text, [["指标", "数值"], ["学校", "1032所"]]),
        ".pdf": formats.pdf_bytes(text),
    }


@settings(
    max_examples=60,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    suffix=st.sampled_from([".txt", ".html", ".docx", ".pdf"]),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 255), st.sampled_from(["flip", "cut", "zero"])),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_files_give_text_or_a_clean_error(
    files: dict[str, bytes],
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
    edits: list[tuple[float, int, str]],
) -> None:
    data = bytearray(files[suffix])
    for where, byte, op in edits:
        i = min(int(where * len(data)), len(data) - 1)
        if op == "flip":
            data[i] = byte
        elif op == "cut":
            del data[i:]
        else:
            data[i : i + 64] = bytes(min(64, len(data) - i))
        if not data:
            break
    path = tmp_path_factory.mktemp("fuzz") / f"mutated{suffix}"
    path.write_bytes(bytes(data))
    try:
        got = extract(path)
    except ExtractError as exc:
        assert "mutated" in str(exc)
        return
    assert_sound(analyse(got.text), got.text)


def _sized(megabytes: int) -> str:
    base = "\n".join(TEXTS) + "\n"
    target = megabytes * 1024 * 1024
    reps = target // len(base.encode("utf-8")) + 1
    return (base * reps)[: len(base) * reps * target // len((base * reps).encode("utf-8"))]


def test_a_5_mb_report_is_read_soundly(tmp_path: Path) -> None:
    # How the time grows with size is measured by bench/bench_reader_linear.py (never a timed assertion here).
    five = _sized(5)
    assert len(five.encode("utf-8")) >= 5 * 1024 * 1024 - 8
    path = tmp_path / "big.txt"
    path.write_text(five, encoding="utf-8")
    got = extract(path)
    assert_sound(analyse(got.text), got.text)
