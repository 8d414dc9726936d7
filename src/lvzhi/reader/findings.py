"""Findings about the report as a document: placeholders left in it, and figures whose year does not fit.

Pure functions over the text and the reader's claims; the pipeline adds them to the analysis.
"""

from __future__ import annotations

import re
from typing import Final

from lvzhi.reader.model import Claim, Finding, Span

# Placeholders of a template that was never filled in: 【请填写…】, an empty 【 】, XX / ×× standing for
# a name or a number, and blanks to write on (＿＿, ____). Each kind is scanned for only when the text holds
# its characters at all (a scan for a character class at every position costs more than the whole lexer).
_PLACEHOLDERS: Final = (
    (("【",), re.compile(r"【\s*(?:请|待|)(?:填写|填报|补充|填入|输入)[^】]{0,20}】|【[\s\u3000]*】")),
    (("XX", "xx", "Xx", "xX"), re.compile(r"(?<![A-Za-z])[Xx]{2,}(?![A-Za-z])")),
    (("××", "✕✕", "╳╳"), re.compile(r"[×✕╳]{2,}")),
    (("＿＿", "__"), re.compile(r"[＿_]{2,}")),
)
# The report's own year, from its title: 关于2023年…自评报告, 2022年全市教育经费执行情况统计公告.
_TITLE_YEAR: Final = re.compile(r"((?:19|20)\d\d)年(?:度|)[^。\n]{0,40}(?:报告|公告|公报|情况|结果)")
_NUMBERED: Final = re.compile(
    r"\s*(?:[一二三四五六七八九十]{1,3}[、,.]|[(（][一二三四五六七八九十\d]|\d{1,2}[.、])"
)
_VALUE_KINDS: Final = frozenset({"value", "rate", "share"})


def placeholders(text: str, boilerplate: list[Span]) -> list[Finding]:
    """Template placeholders left in the report body."""
    out = []
    for triggers, pattern in _PLACEHOLDERS:
        if not any(t in text for t in triggers):
            continue
        for m in pattern.finditer(text):
            if any(s.start <= m.start() < s.end for s in boilerplate):
                continue
            message = f"报告中留有未填写的占位符“{m.group(0)}”,应填写实际内容"
            out.append(Finding("placeholder", m.start(), "warning", message))
    out.sort(key=lambda f: f.start)
    return out


def report_year(text: str) -> int | None:
    """The year the report is about, as its title states it (the first titled line of the first 20)."""
    for line in text.strip().splitlines()[:20]:
        if _NUMBERED.match(line):
            break  # the body has begun: a heading's year is not the report's
        m = _TITLE_YEAR.search(line)
        if m:
            return int(m.group(1))
    return None


def year_findings(claims: list[Claim], year: int | None) -> list[Finding]:
    """One figure stated for two different years, and figures dated after the report's year."""
    out: list[Finding] = []
    seen: dict[tuple[str, str, object], Claim] = {}
    for c in claims:
        if c.kind not in _VALUE_KINDS or not isinstance(c.year, int):
            continue
        if year is not None and c.year > year:
            out.append(
                Finding(
                    "year_outside_report",
                    c.start,
                    "warning",
                    f"“{c.metric or '数字'}”{c.surface}标为{c.year}年,晚于报告所述的{year}年",
                )
            )
        # The same amount of the same thing under two years: one of the two years is wrong. Rates and
        # small counts repeat honestly from year to year (巩固率100%), so only amounts are compared.
        if len(c.metric) < 2 or c.unit in ("%", "百分点") or c.value < 10:
            continue
        key = (c.metric, c.unit, c.value)
        first = seen.setdefault(key, c)
        if first is not c and first.year != c.year:
            out.append(
                Finding(
                    "figure_two_years",
                    c.start,
                    "warning",
                    f"同一数字“{c.metric}”{c.surface}先标为{first.year}年,此处标为{c.year}年",
                )
            )
    return out
