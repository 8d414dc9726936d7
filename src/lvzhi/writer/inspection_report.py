"""The on-site inspection report of one region (实地督导情况报告), from plain data (pure: no Django).

The platform hands over what was planned, what the checklist asked to verify and what the inspectors
found; the document follows the writer's official format (title, addressee, numbered sections, tables,
signature and date), rendered by render_docx / render_pdf like the other documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lvzhi.writer import number_style as numbers
from lvzhi.writer.builder import Block, ReportDocument, _enumerate, signature_blocks


@dataclass(frozen=True, slots=True)
class CheckLine:
    indicator: str
    name: str
    verify: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingLine:
    indicator: str  # "" for a general finding (综合)
    description: str
    item: str = ""  # the statistic's name, when a figure was verified
    reported: Decimal | None = None
    verified: Decimal | None = None
    tolerance: Decimal | None = None
    flagged: bool = False
    problem: str = ""  # the rectification problem raised for it (e.g. 已列入整改台账，编号12), if any
    rate: Decimal | None = None  # 偏差率: (verified − reported) in percent of the reported figure


@dataclass(frozen=True, slots=True)
class InspectionInput:
    region_name: str
    year: int
    plan_name: str
    team: str
    starts_on: date
    ends_on: date
    issuer: str
    lines: tuple[CheckLine, ...]
    findings: tuple[FindingLine, ...]
    when: date


def _value(v: Decimal | None) -> str:
    return "—" if v is None else numbers.plain(v)


def _difference(f: FindingLine) -> str:
    """`核查数少8，偏差13.3%，超出允许偏差5%`: the gap in words (no sign a line could break after), its rate
    and the verdict, as an inspector writes it."""
    if f.reported is None or f.verified is None:
        return "—"
    gap = f.verified - f.reported
    if not gap:
        return "一致"
    parts = [f"核查数{'多' if gap > 0 else '少'}{numbers.plain(abs(gap))}"]
    if f.rate is not None:
        parts.append(f"偏差{numbers.plain(abs(f.rate).quantize(Decimal('0.1')))}%")
    limit = f"允许偏差{_value(f.tolerance)}%" if f.tolerance is not None else "允许偏差"
    parts.append(f"超出{limit}" if f.flagged else f"在{limit}以内")
    return "，".join(parts)


def build_inspection_report(i: InspectionInput) -> ReportDocument:
    """The report: arrangements, what was verified (flagged items first), findings with the figures, and the
    problems handed to rectification."""
    title = f"关于{i.region_name}{i.year}年度履行教育职责实地督导情况的报告"
    flagged = [f for f in i.findings if f.flagged]
    problems = [f for f in i.findings if f.problem]
    blocks = [
        Block("title", title),
        Block("addressee", f"{i.region_name}人民政府："),
        Block(
            "para",
            f"根据{i.plan_name}安排，督导组（{i.team or '成员见附件'}）于{numbers.cn_date(i.starts_on)}至"
            f"{numbers.cn_date(i.ends_on)}对{i.region_name}{i.year}年度履行教育职责情况进行了实地督导，"
            f"逐项核查了 {len(i.lines)} 项内容，记录发现 {len(i.findings)} 条，"
            f"其中核查数据与填报数据差异超出允许偏差 {len(flagged)} 项，移交整改问题 {len(problems)} 个。现将有关情况报告如下。",
            role="figures",
        ),
        Block("h1", "一、核查内容"),
        Block(
            "table",
            rows=(
                ("指标", "核查内容", "重点原因"),
                *tuple(
                    (f"{c.indicator} {c.name}".strip(), c.verify, "；".join(c.flags) or "常规")
                    for c in i.lines
                ),
            ),
        ),
        Block("h1", "二、督导发现"),
    ]
    if i.findings:
        blocks.append(
            Block(
                "table",
                rows=(
                    ("指标", "发现", "数据项", "填报数值", "核查数值", "差异"),
                    *tuple(
                        (
                            f.indicator or "综合",
                            f.description,
                            f.item or "—",
                            _value(f.reported),
                            _value(f.verified),
                            _difference(f),
                        )
                        for f in i.findings
                    ),
                ),
            )
        )
    else:
        blocks.append(Block("para", "本次督导未发现需要记录的问题。"))
    blocks.append(Block("h1", "三、整改要求"))
    if problems:
        blocks.extend(
            Block("para", t)
            for t in _enumerate(
                f"{f.description}（{f.problem}），请按整改台账要求限期整改并报送整改情况。" for f in problems
            )
        )
    else:
        blocks.append(Block("para", "本次督导未移交整改问题，请继续做好履行教育职责各项工作。"))
    blocks.extend(signature_blocks(i.issuer, i.when))
    return ReportDocument(title, blocks)
