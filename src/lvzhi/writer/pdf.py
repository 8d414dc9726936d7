"""PDF renderer: the HTML page through WeasyPrint, with the CJK fonts embedded.

Fonts come from the project's fontconfig alias file (fonts/fonts.conf: 仿宋_GB2312, 黑体 … → Noto CJK),
which must be in effect before pango first initialises fontconfig: hence the environment is set before
WeasyPrint is imported. Nothing is ever downloaded: a URL the page might name is refused.
"""

from __future__ import annotations

from lvzhi.writer.fontconf import use_alias_file

use_alias_file()

import weasyprint  # noqa: E402

from lvzhi.writer.builder import ReportDocument  # noqa: E402
from lvzhi.writer.html import render_html  # noqa: E402

# Charts are inlined as data: URLs; any other protocol (http, file) is refused, so a report can never
# make the renderer fetch something.
_FETCHER = weasyprint.URLFetcher(allowed_protocols=("data",))


def html_to_pdf(html: str) -> bytes:
    """Render an HTML page (GB/T 9704 print CSS) to PDF bytes."""
    out = weasyprint.HTML(string=html, url_fetcher=_FETCHER).write_pdf()
    assert out is not None
    return bytes(out)


def render_pdf(document: ReportDocument) -> bytes:
    """The report as PDF (bytes), fonts embedded (subset)."""
    return html_to_pdf(render_html(document))
