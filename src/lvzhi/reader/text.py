"""Offset-preserving text normalisation and passage boundaries shared by the reader rules."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Final

# One character in, one character out: every rule runs on the normalised copy and every offset it
# finds is valid in the original text, so surfaces can be sliced from the text as given.
_FULL: Final = "０１２３４５６７８９．％（）：，；！？／＋－～　\xa0\u2002\u2003\u2009\u3000﹝﹞［］"
_HALF: Final = "0123456789.%():,;!?/+-~ \u0020\u0020\u0020\u0020\u0020〔〕[]"
assert len(_FULL) == len(_HALF)


_PAIRS: Final = [(a, b) for a, b in zip(_FULL, _HALF, strict=True) if a != b]


def normalise(text: str) -> str:
    """Map full-width digits, punctuation and odd spaces to ASCII without changing the length."""
    # One C-level replace per character pair is several times faster than str.translate with a dict.
    out = text
    for a, b in _PAIRS:
        if a in out:
            out = out.replace(a, b)
    return out


# Longer "sentences" and "paragraphs" (text without punctuation or line breaks) are cut, which keeps
# every look-back bounded and the whole reader linear in the input size.
MAX_SENTENCE: Final = 400
MAX_PARAGRAPH: Final = 3000

_SENTENCE_MARKS: Final = "。!?\n"
# Greedy, then back to the last mark: one C call finds the last clause mark of a window.
_TO_LAST_CLAUSE_MARK: Final = re.compile(r".*[,;。:!?\n、]", re.DOTALL)
_QUOTE: Final = re.compile(r"“[^”\n]{1,40}”|\"[^\"\n]{1,40}\"|「[^」\n]{1,40}」")
_BOOK: Final = re.compile(r"《[^》〉\n]{0,120}[》〉]")


@dataclass(frozen=True)
class Layout:
    """Sentence, line and quotation boundaries of a normalised text, for O(log n) look-ups."""

    sentence_starts: list[int]
    line_starts: list[int]
    quotes: list[tuple[int, int]]
    books: list[tuple[int, int]]
    text: str = field(repr=False, compare=False)  # the normalised text the offsets refer to

    @property
    def length(self) -> int:
        """Length of the text."""
        return len(self.text)

    def clause_start(self, pos: int, lo: int) -> int:
        """Offset just after the last clause mark (, ; 。 : ! ? 、 line break) in ``[lo, pos)``, else ``lo``."""
        m = _TO_LAST_CLAUSE_MARK.match(self.text, lo, pos)
        return m.end() if m else lo

    def sentence_start(self, pos: int) -> int:
        """Offset where the sentence holding ``pos`` starts (after 。 ! ? or a line break).

        Capped at MAX_SENTENCE characters back so that text without punctuation stays linear.
        """
        i = bisect_right(self.sentence_starts, pos) - 1
        start = self.sentence_starts[i] if i >= 0 else 0
        return max(start, pos - MAX_SENTENCE)

    def sentence_starts_of(self, positions: list[int]) -> list[int]:
        """``sentence_start`` of each position, for a whole list at once (one call instead of hundreds)."""
        starts = self.sentence_starts  # starts[0] is 0, so every position finds one
        return [max(starts[bisect_right(starts, pos) - 1], pos - MAX_SENTENCE) for pos in positions]

    def line_start(self, pos: int) -> int:
        """Offset where the line (paragraph) holding ``pos`` starts, at most MAX_PARAGRAPH back."""
        i = bisect_right(self.line_starts, pos) - 1
        start = self.line_starts[i] if i >= 0 else 0
        return max(start, pos - MAX_PARAGRAPH)

    def sentence_end(self, pos: int) -> int:
        """Offset of the 。/!/?/line break ending the sentence holding ``pos`` (bounded)."""
        i = bisect_right(self.sentence_starts, pos)
        end = self.sentence_starts[i] - 1 if i < len(self.sentence_starts) else self.length
        return min(end, pos + MAX_SENTENCE)

    def in_quote(self, pos: int) -> bool:
        """Whether ``pos`` lies inside a short “quoted” label."""
        return _inside(self.quotes, pos)


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect_right(spans, (pos, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _ends_of(text: str, mark: str) -> list[int]:
    """Offsets just after each occurrence of the one-character ``mark``."""
    ends = []
    i = text.find(mark)
    while i != -1:
        i += 1
        ends.append(i)
        i = text.find(mark, i)
    return ends


def layout(norm: str) -> Layout:
    """Compute the boundaries of a normalised text in one pass per pattern."""
    # One find loop per sentence mark is faster than one scan for the class [。!?\n] (and than a match
    # object per mark).
    sentences = [0]
    for mark in _SENTENCE_MARKS:
        sentences += _ends_of(norm, mark)
    sentences.sort()
    lines = [0, *_ends_of(norm, "\n")]
    quotes = [(m.start(), m.end()) for m in _QUOTE.finditer(norm)]
    books = [(m.start(), m.end()) for m in _BOOK.finditer(norm)]
    return Layout(sentences, lines, quotes, books, norm)
