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


def score_chart(ctx: ReportContext) -> bytes:
    """A horizontal bar chart of each top-level indicator's score as a share of its points (PNG)."""
    font = _font()
    names = [p.name for p in ctx.indicators][::-1]
    shares = [100 * score_fraction(p.score, p.points) for p in ctx.indicators][::-1]
    done = [p.complete for p in ctx.indicators][::-1]
    # Figure (not pyplot) keeps no global state: safe when many reports are built in one process.
    fig = Figure(figsize=(6.0, 0.45 * len(names) + 1.0), dpi=110)
    ax = fig.add_subplot()
    colours = ["#b22222" if d else "#bbbbbb" for d in done]
    ax.barh(range(len(names)), shares, color=colours)
    ax.set_yticks(range(len(names)), names, fontproperties=font, fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("得分率（%，灰色为尚有指标待评定）", fontproperties=font, fontsize=9)
    for i, v in enumerate(shares):
        ax.text(v + 1, i, f"{v:.0f}%", va="center", fontsize=8)
    # fixed margins rather than tight_layout(), which draws the figure an extra time
    fig.subplots_adjust(left=0.32, right=0.95, top=0.95, bottom=0.8 / (0.45 * len(names) + 1.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
