"""Charts for reports (matplotlib, Agg backend, a Noto CJK font found through the alias file)."""

from __future__ import annotations

import functools
import io

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

from matplotlib import font_manager
from matplotlib.figure import Figure

from lvzhi.writer.builder import score_fraction
from lvzhi.writer.fontconf import SANS, font_file
from lvzhi.writer.model import ReportContext


@functools.cache
def _font() -> font_manager.FontProperties:
    return font_manager.FontProperties(fname=str(font_file(SANS)))


def _wrapped(name: str, width: int = 9) -> str:
    """A long indicator name on two lines, so that the chart never cuts it off."""
    if len(name) <= width:
        return name
    half = (len(name) + 1) // 2
    return name[:half] + "\n" + name[half:]


def score_chart(ctx: ReportContext) -> bytes:
    """A horizontal bar chart of each top-level indicator's score as a share of its points (PNG).

    Only indicators fully scored get a bar and a percentage; the others read 待评定, as in the table beside
    the chart — a partial score would show a share the evaluation has not reached.
    """
    font = _font()
    parts = ctx.indicators[::-1]
    names = [_wrapped(p.name) for p in parts]
    shares = [100 * score_fraction(p.score, p.points) if p.complete else 0.0 for p in parts]
    # Figure (not pyplot) keeps no global state: safe when many reports are built in one process.
    height = 0.55 * len(names) + 1.0
    fig = Figure(figsize=(6.0, height), dpi=110)
    ax = fig.add_subplot()
    ax.barh(range(len(names)), shares, color="#b22222")
    ax.set_yticks(range(len(names)), names, fontproperties=font, fontsize=9)
    ax.set_xlim(0, 118)  # room for the label of a full bar: 100%
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("得分率（%）", fontproperties=font, fontsize=9)
    for i, (v, part) in enumerate(zip(shares, parts, strict=True)):
        label = f"{v:.0f}%" if part.complete else "待评定"
        ax.text(v + 1, i, label, va="center", fontsize=8, fontproperties=font)
    # fixed margins rather than tight_layout(), which draws the figure an extra time
    fig.subplots_adjust(left=0.3, right=0.97, top=0.95, bottom=0.85 / height)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
