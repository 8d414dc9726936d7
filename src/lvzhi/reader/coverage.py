"""Scheme coverage: which of a scheme's indicators a report addresses, and its length against the limit.

Matching is by Chinese character bigrams: an indicator's name is cut into bigrams (numbers, thresholds and
words such as 不低于 removed), each report paragraph likewise, and a bigram weighs by how rare it is in the
report (inverse paragraph frequency), so that 教育/发展, present everywhere, prove little and 大班额 or
轮岗 prove a lot. An indicator is addressed when some paragraph or section title carries at least
``THRESHOLD`` of its weight; an inner node is addressed when it or any child is.

How characters are counted (``count_chars``): every character of the report text that is not whitespace and
lies outside web-page boilerplate counts one — a Chinese character, a punctuation mark, a digit or a Latin
letter alike (a word processor's "字数, 不计空格"). Titles, addressee and signature lines count.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lvzhi.reader.model import Analysis, Span
from lvzhi.reader.statistics_map import map_claims
from lvzhi.schemes.model import Indicator, Scheme
from lvzhi.schemes.names import names_read

THRESHOLD = 0.42
"""Share of an indicator's bigram weight a paragraph must carry for the indicator to count as addressed."""

_NOISE = re.compile(
    r"不低于|不高于|不少于|不超过|达到|以上|以下|低于|高于|[0-9０-９.%％≥≤<>＞＜]+|[“”\"'《》（）()，,、；;：:。]"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WS = re.compile(r"\s")


@dataclass(frozen=True)
class IndicatorCoverage:
    """One indicator: whether the report addresses it, how well (0–1), and where (paragraph/section offsets)."""

    code: str
    name: str
    depth: int
    addressed: bool
    score: float
    paragraphs: tuple[int, ...] = ()
    sections: tuple[int, ...] = ()
    figures: tuple[int, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """A report read against a scheme: indicator coverage, unaddressed indicators and the length check."""

    scheme: str
    title: str
    chars: int
    limit: int | None
    indicators: list[IndicatorCoverage] = field(default_factory=list)

    @property
    def over_limit(self) -> bool:
        """True when the scheme sets a limit and the report exceeds it."""
        return self.limit is not None and self.chars > self.limit

    @property
    def missing(self) -> list[IndicatorCoverage]:
        """Indicators the report never addresses."""
        return [i for i in self.indicators if not i.addressed]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form used by ``lvzhi check --json``."""
        return {
            "scheme": self.scheme,
            "title": self.title,
            "chars": self.chars,
            "chars_rule": "正文非空白字符数（不含网页样板），汉字、标点、数字、字母各计 1",
            "limit": self.limit,
            "over_limit": self.over_limit,
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "addressed": i.addressed,
                    "score": round(i.score, 3),
                    "paragraphs": list(i.paragraphs),
                    "sections": list(i.sections),
                    "figures": list(i.figures),
                }
                for i in self.indicators
            ],
            "missing": [i.code for i in self.missing],
        }


def count_chars(text: str, boilerplate: Iterable[Span] = ()) -> int:
    """Characters counted against a report limit: non-whitespace characters outside boilerplate."""
    total = len(text) - len(_WS.findall(text))
    for b in boilerplate:
        piece = text[b.start : b.end]
        total -= len(piece) - len(_WS.findall(piece))
    return total


def bigrams(text: str) -> set[str]:
    """The CJK character bigrams of ``text`` (single characters for one-character runs)."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(_NOISE.sub(" ", text)):
        if len(run) == 1:
            out.add(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _paragraphs(text: str, boilerplate: list[Span]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if line.strip() and not any(b.start <= start < b.end for b in boilerplate):
            out.append((start, line))
    return out


def coverage(analysis: Analysis, scheme: Scheme) -> Coverage:
    """Map the report's paragraphs and section titles to the scheme's indicators."""
    paras = _paragraphs(analysis.text, analysis.boilerplate)
    para_grams = [bigrams(t) for _, t in paras]
    df: Counter[str] = Counter(g for gs in para_grams for g in gs)
    n = max(len(paras), 1)

    def weight(g: str) -> float:
        return math.log((n + 1) / (df.get(g, 0) + 0.5))

    titles = [(s.start, bigrams(s.title)) for s in analysis.sections]
    figures_by_item: dict[str, list[int]] = {}
    for cand in map_claims(analysis, scheme.catalogue):
        figures_by_item.setdefault(cand.code, []).append(cand.start)
    results: list[IndicatorCoverage] = []

    def visit(node: Indicator, depth: int) -> bool:
        grams = bigrams(node.name)
        total = sum(weight(g) for g in grams) or 1.0

        def score(gs: set[str]) -> float:
            return sum(weight(g) for g in grams & gs) / total

        p_scores = [(score(gs), start) for (start, _), gs in zip(paras, para_grams, strict=True)]
        s_scores = [(score(gs), start) for start, gs in titles]
        best = max([s for s, _ in p_scores + s_scores], default=0.0)
        hits_p = tuple(start for s, start in p_scores if s >= THRESHOLD)
        hits_s = tuple(start for s, start in s_scores if s >= THRESHOLD)
        figures = tuple(
            sorted({f for name in _data_names(node, scheme) for f in figures_by_item.get(name, ())})
        )
        index = len(results)
        results.append(
            IndicatorCoverage(
                node.code, node.name, depth, bool(hits_p or hits_s or figures), best, hits_p, hits_s, figures
            )
        )
        child_hit = False
        for child in node.children:
            child_hit = visit(child, depth + 1) or child_hit
        own = results[index]
        if child_hit and not own.addressed:
            results[index] = IndicatorCoverage(
                own.code, own.name, depth, True, own.score, own.paragraphs, own.sections, own.figures
            )
        return results[index].addressed

    for node in scheme.indicators:
        visit(node, 0)
    return Coverage(
        scheme.id,
        scheme.title,
        count_chars(analysis.text, analysis.boilerplate),
        scheme.report_limit,
        results,
    )


def _data_names(node: Indicator, scheme: Scheme) -> set[str]:
    """The catalogue items an indicator's rule reads, computed items expanded to the items they read."""
    return set() if node.rule is None else names_read(scheme, node.rule.formulas())
