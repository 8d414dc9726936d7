"""Errors of the scheme engine: every problem has a place (file, line, column) and a bilingual message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem, located in a file (line and column are 1-based; 0 when unknown)."""

    file: str
    line: int
    column: int
    zh: str
    en: str
    cell: str = ""  # spreadsheet position (Sheet!B3) for data files

    def __str__(self) -> str:
        if self.cell:
            where = f"{self.file} {self.cell}"
        elif self.line:
            where = f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        else:
            where = self.file
        return f"{where}: {self.zh} ({self.en})"


class SchemeError(Exception):
    """A scheme, catalogue or data file is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FormulaError(Exception):
    """A formula was rejected when compiled; `position` is the 0-based character offset in its text."""

    def __init__(self, zh: str, en: str, position: int, text: str = "") -> None:
        self.zh = zh
        self.en = en
        self.position = position
        self.text = text
        super().__init__(f"第 {position + 1} 个字符: {zh} (at offset {position}: {en})")
