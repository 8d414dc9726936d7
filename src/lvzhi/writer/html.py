"""HTML renderer: ReportDocument → a self-contained HTML page (preview, and the input of the PDF renderer).

The page comes from `templates/report.html.j2`, a Jinja template an office can restyle; its print CSS
carries the GB/T 9704 page (A4, margins, 28.95 pt lines, `— n —` page numbers) for WeasyPrint.
"""

from __future__ import annotations

import base64
import functools

import jinja2

from lvzhi.writer import layout
from lvzhi.writer.builder import ReportDocument


@functools.cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lvzhi.writer", "templates"),
        autoescape=True,  # staff narratives are user input
        trim_blocks=True,
    )
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    # the same title lines and column widths as the Word document
    env.filters["title_lines"] = layout.title_lines
    env.filters["column_shares"] = layout.column_shares
    return env


def render_html(document: ReportDocument, template: str = "report.html.j2") -> str:
    """The report as an HTML page (charts inlined, no external resources)."""
    return _env().get_template(template).render(doc=document)
