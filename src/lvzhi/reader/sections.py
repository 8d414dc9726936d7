"""Numbered headings (一、 (一) 1. (1) ①), including run-in and inline ones, and numbering findings."""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from typing import Final

from lvzhi.reader.model import Finding, Section, Span
from lvzhi.reader.numbers import chinese_to_int

_CN: Final = "一二三四五六七八九十"
_CIRCLED: Final = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Markers at the start of a line (after indentation).  Works on the normalised text, where
# full-width （）．： are already ASCII.  `1.2万` and `2023.` are excluded by the (?!\d) guards.
_LINE_HEADING: Final = re.compile(
    r"(?m)^[ \t]*(?P<marker>"
    r"[" + _CN + r"]{1,3}(?:、|,|\.(?!\d))(?![" + _CN + r"]{1,3}[、.,级])"
    r"|\([" + _CN + r"]{1,3}\)"
    r"|\d{1,2}(?:\.(?!\d)|、)"
    r"|\(\d{1,2}\)"
    r"|[" + _CIRCLED + r"]"
    r")"
)
# Level-3 markers inside a paragraph (seed 004 style): after a sentence end, a colon, or a number
# followed by a full stop (`全省排名41.2.教育投入…`).  Accepted only when they continue the
# numbering of the current block, so ordinary figures are never mistaken for headings.
# `1.` run into a paragraph after 。;:!?)” or a number: `(?<=[。;:!?)”\d.])\d{1,2}\.(?=[ 中“《(])`.
# Spelled from the dot backwards, so that the pattern starts with a single literal (the fastest scan
# the engine has); two digits are tried before one, as \d{1,2} would. The marker ends at the match end.
_INLINE_L3: Final = re.compile(
    r"\.(?:(?<=[。;:!?)”\d.](?P<two>\d\d)\.)|(?<=[。;:!?)”\d.](?P<one>\d)\.))(?=[ \u4e00-\u9fff“《(])"
)
_YEAR_TITLE: Final = re.compile(r"(?:19|20)\d\d(?:年|—|-)")
# A level-1 heading run into a line flattened from a web page: `…如下。 一、教育收入概况 2023年,…`.
_INLINE_L1: Final = re.compile(r"(?<=[。;!?] )(?P<marker>[" + _CN + r"]{1,3}、)(?=[ \u4e00-\u9fff])")
_MAX_TITLE: Final = 200  # a title runs to the first 。/:/line break, but never further than this
_TITLE_END: Final = re.compile(r"[。:\n]")
_LEVEL_OF: Final = (
    (re.compile(r"[" + _CN + r"]+[、.．,]"), 1),
    (re.compile(r"\([" + _CN + r"]+\)"), 2),
    (re.compile(r"\d+[.、]"), 3),
    (re.compile(r"\(\d+\)"), 4),
    (re.compile(r"[" + _CIRCLED + r"]"), 5),
)


@functools.lru_cache(maxsize=1024)  # a report repeats a few dozen markers hundreds of times
def marker_level(marker: str) -> int:
    """Heading level given by the marker type alone: 一、=1, (一)=2, 1.=3, (1)=4, ①=5."""
    for pattern, level in _LEVEL_OF:
        if pattern.fullmatch(marker):
            return level
    raise ValueError(f"不是标题编号: {marker!r}")


@functools.lru_cache(maxsize=1024)
def marker_number(marker: str) -> int:
    """The ordinal a marker stands for: (三) → 3, 12. → 12, ④ → 4."""
    core = marker.strip("()（）、.．,")
    if core in _CIRCLED:
        return _CIRCLED.index(core) + 1
    if core.isdigit():
        return int(core)
    return chinese_to_int(core)


def _in_spans(pos: int, spans: list[Span]) -> bool:
    i = bisect_right(spans, pos, key=lambda s: s.start) - 1
    return i >= 0 and spans[i].start <= pos < spans[i].end


def find_sections(text: str, norm: str, boilerplate: list[Span]) -> list[Section]:
    """All numbered headings, in text order."""
    found: dict[int, str] = {}
    for m in _LINE_HEADING.finditer(norm):
        start = m.start("marker")
        rest = norm[m.end() : m.end() + 8].lstrip(" ")
        if not rest or rest[0] in "\n,;。、%" or (rest[0].isdigit() and not _YEAR_TITLE.match(rest)):
            continue  # a bare number or a list of grade names, not a heading (`二、2017年…` is one)
        if not _in_spans(start, boilerplate):
            found[start] = m.group("marker")
    candidates = {}
    for m in _INLINE_L3.finditer(norm):
        marker = (m.group("two") or m.group("one")) + "."
        candidates[m.end() - len(marker)] = marker
    if candidates:
        _add_inline(found, candidates, norm)
    flattened = _add_inline_l1(found, norm, boilerplate)
    sections = []
    for start in sorted(found):
        marker = text[start : start + len(found[start])]
        body_start = start + len(marker)
        while body_start < len(norm) and norm[body_start] == " ":
            body_start += 1
        stop = _TITLE_END.search(norm, body_start, body_start + _MAX_TITLE)
        end = stop.start() if stop else min(len(norm), body_start + _MAX_TITLE)
        if start in flattened:  # the heading's own line ended where the page put a space
            space = norm.find(" ", body_start, end)
            end = space if space != -1 else end
        sections.append(Section(start, marker_level(found[start]), marker, text[body_start:end].strip()))
    return sections


def _add_inline_l1(found: dict[int, str], norm: str, boilerplate: list[Span]) -> set[int]:
    """Level-1 markers inside a flattened line, accepted when they continue the level-1 numbering."""
    if "、" not in norm:
        return set()
    added: set[int] = set()
    last = 0
    inline = {m.start("marker"): m.group("marker") for m in _INLINE_L1.finditer(norm)}
    for start in sorted(set(found) | set(inline)):
        if start in found:
            if marker_level(found[start]) == 1:
                last = marker_number(found[start])
            continue
        number = marker_number(inline[start])
        if number == last + 1 and not _in_spans(start, boilerplate):
            found[start] = inline[start]
            added.add(start)
            last = number
    return added


def _add_inline(found: dict[int, str], candidates: dict[int, str], norm: str) -> None:
    """Accept inline `N.` markers that continue the level-3 numbering of their block."""
    starts = sorted(set(found) | set(candidates))
    restart = True  # a new parent heading: numbering may start again at 1
    last = 0  # the last level-3 number, which may also simply continue
    for start in starts:
        if start in found:
            level = marker_level(found[start])
            if level < 3:
                restart = True
            elif level == 3:
                last, restart = marker_number(found[start]), False
            continue
        number = marker_number(candidates[start])
        if (number == last + 1 or (restart and number == 1)) and _inline_context_ok(norm, start):
            found[start] = candidates[start]
            last, restart = number, False


def _inline_context_ok(norm: str, start: int) -> bool:
    before = norm[start - 1]
    if before.isdigit() or before == ".":
        # `41.2.`: only a heading when a whole number and a full stop precede it.
        return norm[start - 1] == "." and norm[start - 2].isdigit()
    return True


def numbering_findings(sections: list[Section]) -> list[Finding]:
    """Gaps, repeats and disorder in the numbering of sibling headings."""
    findings: list[Finding] = []
    last: dict[int, int] = {}  # last number per level under the current parent
    running: dict[int, int] = {}  # last number per level across parents: many reports number on
    for s in sections:
        for deeper in [lv for lv in last if lv > s.level]:
            del last[deeper]
        try:
            n = marker_number(s.marker)
        except ValueError:
            continue
        prev = last.get(s.level)
        if prev is None and s.level in running and n == running[s.level] + 1:
            prev = running[s.level]  # 3. under (二) continuing 1. 2. under (一)
        expected = 1 if prev is None else prev + 1
        where = f"第{s.level}级标题“{s.marker}{s.title[:20]}”"
        if prev is not None and n == prev:
            findings.append(Finding("numbering_repeat", s.start, "warning", f"{where}编号重复"))
        elif prev is not None and n < prev:
            findings.append(
                Finding("numbering_disorder", s.start, "warning", f"{where}编号顺序颠倒(前一个为{prev})")
            )
        elif n > expected:
            missing = "、".join(str(i) for i in range(expected, n))
            findings.append(
                Finding("numbering_gap", s.start, "warning", f"{where}编号跳号,缺少第{missing}项")
            )
        last[s.level] = running[s.level] = n
    return findings
