"""The reader pipeline: text in, :class:`Analysis` out (offsets index into the text as given)."""

from __future__ import annotations

from dataclasses import replace

from lvzhi.reader.boilerplate import find_boilerplate
from lvzhi.reader.checks import find_checks
from lvzhi.reader.claims import Context, TimeIndex, find_claims
from lvzhi.reader.findings import placeholders, report_year, year_findings
from lvzhi.reader.model import Analysis, Finding
from lvzhi.reader.sections import find_sections, numbering_findings
from lvzhi.reader.text import layout, normalise


def analyse(text: str) -> Analysis:
    """Read one report: boilerplate, headings, figures, arithmetic checks and findings."""
    norm = normalise(text)
    boilerplate = find_boilerplate(norm)
    sections = find_sections(text, norm, boilerplate)
    lay = layout(norm)
    ctx = Context(
        text=text,
        norm=norm,
        layout=lay,
        boilerplate=boilerplate,
        sections=sections,
        marker_starts=frozenset(s.start for s in sections),
        times=TimeIndex.build(norm, lay),
    )
    claims = find_claims(ctx)
    checks = find_checks(ctx, claims)
    # A rate whose numerator and denominator are both stated is a share (gold README, kinds).
    completed = {c.start for c in checks if c.kind == "completion"}
    claims = [replace(c, kind="share") if c.start in completed and c.kind == "rate" else c for c in claims]
    findings: list[Finding] = numbering_findings(sections)
    findings += placeholders(text, boilerplate)
    findings += year_findings(claims, report_year(text))
    for c in checks:
        if c.alarm:
            kind = "duplicate_metric" if c.kind == "duplicate" else f"inconsistent_{c.kind}"
            findings.append(Finding(kind, c.start, "error", c.message))
        elif c.doubt:  # 无法确认: shown with its reason, never as an error
            findings.append(Finding(f"unconfirmed_{c.kind}", c.start, "info", c.message))
    findings.sort(key=lambda f: f.start)
    return Analysis(text, boilerplate, sections, claims, checks, findings)
