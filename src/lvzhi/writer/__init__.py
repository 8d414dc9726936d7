"""Report writer (pure): self-evaluation reports and feedback letters in official document format (GB/T 9704).

Public API::

    ctx = context_from(scheme, result, region_input, year, narratives=..., plans=..., statutory=...)
    doc = build_report(ctx)                          # ReportDocument: blocks + warnings (e.g. over length)
    render_docx(doc) / render_html(doc) / render_pdf(doc) -> bytes | str
    build_feedback(ctx) -> ReportDocument; problem_list_xlsx(ctx) -> bytes
"""
