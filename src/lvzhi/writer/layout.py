"""Layout decisions shared by the Word and the PDF renderer, so that both print the same lines.

* `title_lines`: a title broken at phrase boundaries into balanced lines (GB/T 9704 7.3.1: 回行时，要做到词意
  完整，排列对称，长短适宜).
* `signature_indents`: where 发文机关署名 and 成文日期 stand (GB/T 9704 7.3.5.1 with a seal, 7.3.5.2 without).
* `column_shares`: table column widths that fit their content.
* `chinese_punctuation`: half-width `( ) , ; : ? !` in Chinese text written full-width.

Widths are counted in characters of the body face: a CJK character or full-width mark is 1, an ASCII
character (digits, Latin letters, `.` `%`) 0.5 — what 仿宋/宋体 and their Noto stand-ins print.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
from collections.abc import Sequence

# 156 mm of 22 pt 小标宋: 20 title characters a line.
TITLE_CHARS = 20
# Phrases of the genre that a title must never split; jieba's general dictionary cuts some of them
# (自/评/报告, 海东/市) and would allow a break inside.
GENRE_WORDS = (
    "履行教育职责",
    "自评报告",
    "反馈意见",
    "问题清单",
    "整改报告",
    "人民政府",
    "教育督导委员会办公室",
    "评价方案",
)
# A line may not start with these (they lean on the word before) …
_NO_START = set("的和与及、，。；：）》”")
# … nor end with these (they lean on the word after).
_NO_END = set("（《“")


def width(text: str) -> float:
    """Printed width in body characters: ASCII counts half."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


@functools.cache
def _segmenter() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in GENRE_WORDS:
        tokenizer.add_word(word, freq=10**6)
    return tokenizer


def words(title: str) -> list[str]:
    """The title's words (jieba, without its statistical guessing of unknown words: only the dictionary's)."""
    tokenizer = _segmenter()
    return [w for w in tokenizer.cut(title, HMM=False) if w]  # type: ignore[attr-defined]


def _breakable(before: str, after: str) -> bool:
    """May a title line end after `before` and the next start with `after`?"""
    if after[0] in _NO_START or before[-1] in _NO_END:
        return False
    if before.isascii() and before[-1].isdigit():  # 2023|年度: a number stays with its unit
        return False
    if before == "的":  # …情况的|自评报告: a line may end on the particle
        return len(after) >= 2
    # A one-character word leans on its neighbour (海东|市, 自|评): no break beside it.
    return len(before) >= 2 and len(after) >= 2


def title_lines(title: str, chars: int = TITLE_CHARS) -> tuple[str, ...]:
    """The title in as few lines as fit `chars`, broken only between phrases, the lines as even as possible.

    Among the breaks giving the fewest lines, the one whose longest line is shortest wins; on a tie the
    one whose lines differ least, then the one with the longer line on top (the 倒梯形 offices prefer).
    A title with no allowed break that fits stays one paragraph the renderer wraps.
    """
    if width(title) <= chars:
        return (title,)
    parts = words(title)
    ends = list(itertools.accumulate(len(w) for w in parts))
    allowed = [ends[i] for i in range(len(parts) - 1) if _breakable(parts[i], parts[i + 1])]
    need = math.ceil(width(title) / chars)
    for n in range(need, need + 3):
        best: tuple[tuple[float, float, tuple[float, ...]], tuple[str, ...]] | None = None
        for cuts in itertools.combinations(allowed, n - 1):
            bounds = (0, *cuts, len(title))
            lines = tuple(title[a:b] for a, b in itertools.pairwise(bounds))
            sizes = tuple(width(line) for line in lines)
            if max(sizes) > chars:
                continue
            key = (max(sizes), max(sizes) - min(sizes), tuple(-s for s in sizes))
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return (title,)


def signature_indents(signer: str, dated: str, sealed: bool = True) -> tuple[float, float]:
    """Right indents, in characters, of 发文机关署名 and 成文日期.

    With a seal (7.3.5.1) the date stands 4 characters from the right and the signer is centred over it
    (a signer too long to centre keeps 2 characters from the right edge).
    Without (7.3.5.2) the signer stands 2 characters from the right and the date starts 2 characters
    further right than the signer; when that would bring the date nearer than 2 characters to the right
    edge, the date keeps 2 and the signer moves left accordingly.
    """
    s, d = width(signer), width(dated)
    if sealed:
        return max(2.0, 4 + (d - s) / 2), 4.0
    if s - d >= 2:
        return 2.0, s - d
    return d - s + 4, 2.0


# 156 mm of 12 pt table text: 36 characters a line.
TABLE_CHARS = 36.0


def column_shares(rows: Sequence[Sequence[str]], chars: float = TABLE_CHARS) -> tuple[float, ...]:
    """Each column's share of the table width, so that short content (序号, a date, a score) stays on one
    line and long text columns share the rest by how much they hold.

    A column needs its longest cell plus one character of padding. When everything fits, each column gets
    what it needs; otherwise columns needing at most 9 characters keep their need and the text columns
    divide the remainder in proportion to their content (up to 14 characters of it).
    """
    if not rows:
        return ()
    cols = len(rows[0])
    need = [max(2.0, *(width(r[c]) for r in rows if c < len(r))) + 1 for c in range(cols)]
    if sum(need) <= chars:
        return tuple(n / sum(need) for n in need)
    short = [n if n <= 9 else 0.0 for n in need]
    rest = max(chars - sum(short), chars / 3)
    # a long cell wraps anyway: beyond 14 characters a column claims no more, so one long column cannot
    # squeeze the others to a character or two
    weight = [min(n, 14.0) for n in need]
    long_total = sum(w for w, sh in zip(weight, short, strict=True) if not sh)
    sized = [sh if sh else rest * w / long_total for w, sh in zip(weight, short, strict=True)]
    return tuple(x / sum(sized) for x in sized)


_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’—…]"
_HALF = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# a mark next to a CJK character on at least one side; a comma or colon between digits (1,000 or 9:30)
# and a bracket pair holding only ASCII inside ASCII text are left as they are
_MARK = re.compile(rf"(?<={_CJK})\s*([,;:?!])\s*|\s*([,;:?!])\s*(?={_CJK})")
_PAREN = re.compile(r"\(([^()]*)\)")
# a space beside a full-width mark is a typing slip in Chinese text (“…责任制， 区领导…”)
_SPACED = re.compile(r"(?<=[，；：。、！？）])[ \t]+|[ \t]+(?=[，；：。、！？（])")


def chinese_punctuation(text: str) -> str:
    """Half-width punctuation in Chinese text written full-width (学前教育(普惠) → 学前教育（普惠）).

    Only marks touching a Chinese character (or, for brackets, enclosing or touching one) change:
    numbers (1,000.5), times and ASCII-only spans keep theirs. Idempotent: a mark made full-width makes
    its neighbour's context Chinese too (`()!学`), so the passes repeat until nothing changes.
    """
    while True:
        changed = _MARK.sub(lambda m: _HALF[m.group(1) or m.group(2)], _PAREN.sub(_paren, text))
        changed = _SPACED.sub("", changed)
        if changed == text:
            return text
        text = changed


def _paren(m: re.Match[str]) -> str:
    whole = m.string
    inner = m.group(1)
    before = whole[m.start() - 1] if m.start() else ""
    after = whole[m.end()] if m.end() < len(whole) else ""
    if re.search(_CJK, inner + before + after):
        return f"（{inner}）"
    return m.group(0)
