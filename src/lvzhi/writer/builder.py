"""The report builder: ReportContext → ReportDocument, a renderer-neutral list of blocks.

Every figure in the text is generated from the data (numbers.py says how it is written); staff write only
the narrative per indicator, the problems they add and the rectification plans. Where staff text is missing
the draft says so in 【】, so that a draft can never be filed by mistake as a finished report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lvzhi.writer import layout, numbers
from lvzhi.writer.model import ProblemItem, ReportContext, Stat

_ORDINALS = "一二三四五六七八九十"
_DOC_NUMBER = re.compile(r"〔\d{4}〕\d+号")


@dataclass(frozen=True, slots=True)
class Block:
    """One element of the document.

    Kinds: title, addressee, para, h1, h2, table, chart, attachments (附件说明 under the text), signature,
    date, attachment (the 附件 label opening an attachment on a new page).
    """

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()  # tables: header row first
    image: bytes = b""  # charts: PNG
    role: str = ""  # "figures": a paragraph whose every number is generated from the data
    indent: float = 0.0  # signature and date: right indent in characters (layout.signature_indents)

    def normalised(self) -> Block:
        """The block with its Chinese text's half-width punctuation written full-width."""
        return dataclasses.replace(
            self,
            text=layout.chinese_punctuation(self.text),
            rows=tuple(tuple(layout.chinese_punctuation(c) for c in r) for r in self.rows),
        )


@dataclass(slots=True)
class ReportDocument:
    """A generated document and what the builder wants the user to know about it (e.g. over length)."""

    title: str
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Staff texts, scheme names and data labels come with half-width brackets and commas; a Chinese
        # document prints them full-width, whatever built the blocks.
        self.title = layout.chinese_punctuation(self.title)
        self.blocks = [b.normalised() for b in self.blocks]

    def text(self) -> str:
        """The document as plain text, one block per line (tables row by row), as a reader would see it."""
        lines: list[str] = []
        for b in self.blocks:
            if b.kind == "table":
                lines.extend("\t".join(r) for r in b.rows)
            elif b.kind != "chart":
                lines.append(b.text)
        return "\n".join(lines) + "\n"

    def body_length(self) -> int:
        """Characters of the text proper (title, addressee, headings and paragraphs; no tables), no spaces."""
        return sum(len(re.sub(r"\s", "", b.text)) for b in self.blocks if b.kind not in ("table", "chart"))


def signature_blocks(signer: str, when: date, sealed: bool = True) -> list[Block]:
    """发文机关署名 and 成文日期 placed per GB/T 9704 (with a seal by default: the documents are sealed)."""
    dated = numbers.cn_date(when)
    signer_indent, date_indent = layout.signature_indents(signer, dated, sealed)
    return [Block("signature", signer, indent=signer_indent), Block("date", dated, indent=date_indent)]


def title_of(ctx: ReportContext) -> str:
    """`XX人民政府关于XXXX年度履行教育职责情况的自评报告`."""
    return f"{ctx.region_name}人民政府关于{ctx.year}年度履行教育职责情况的自评报告"


def stat_sentence(s: Stat) -> str:
    """One sentence stating a statistic and, when last year's is known, its year-on-year change."""
    if s.unit == "是否":
        name = re.sub(r"[（(]是否[)）]$", "", s.name)
        return f"{'已实现' if s.value == 1 else '尚未实现'}{name}。"
    if s.unit == "%":
        text = f"{s.name}为{numbers.plain(s.value)}%"
        if s.previous is not None and s.previous_derived:
            text += f"，较上年{numbers.points_phrase(s.value, s.previous)}"
        elif s.previous is not None:
            text += f"，较上年{numbers.plain(s.previous)}%{numbers.points_phrase(s.value, s.previous)}"
        return text + "。"
    text = f"{s.name}{numbers.quantity(s.value, s.unit)}"
    if s.previous_derived:
        # only the change the data states; last year's figure was back-calculated from it
        if s.growth is not None:
            text += f"，比上年{numbers.change_phrase(s.growth)}"
        return text + "。"
    if s.previous is not None:
        text += f"，较上年{numbers.quantity(s.previous, s.unit)}"
        if s.growth is not None:
            text += numbers.change_phrase(s.growth)
        elif s.previous != 0:
            text += numbers.change_phrase(numbers.growth_rate(s.value, s.previous))
    return text + "。"


def stat_sentences(stats: Iterable[Stat]) -> str:
    """Sentences for several statistics: plain counts run on in one sentence, each comparison or
    percentage stands alone (so that the reader never pairs a rate with the wrong figures)."""
    out: list[str] = []
    run: list[str] = []
    for s in stats:
        text = stat_sentence(s)
        if s.previous is None and s.unit not in ("%", "是否"):
            run.append(text.rstrip("。"))
            continue
        if run:
            out.append("，".join(run) + "。")
            run = []
        out.append(text)
    if run:
        out.append("，".join(run) + "。")
    return "".join(out)


def _enumerate(texts: Iterable[str]) -> list[str]:
    """`一是……。二是……。` for up to ten items, `1.…` beyond."""
    items = [t.rstrip("。；;") + "。" for t in texts if t.strip()]
    if len(items) <= len(_ORDINALS):
        return [f"{_ORDINALS[i]}是{t}" for i, t in enumerate(items)]
    return [f"{i + 1}.{t}" for i, t in enumerate(items)]


# A scheme's title may carry a note on where it comes from (据巴南区自评报告重构): not for a signed document.
_SOURCE_NOTE = re.compile(r"[（(]据[^）)]*[)）]")
_BRACKETED = re.compile(r"[（(][^（）()]*[)）]")


def scheme_name(ctx: ReportContext) -> str:
    """The scheme's title as an office cites it: without the project's notes on its reconstruction."""
    return _SOURCE_NOTE.sub("", ctx.scheme_title).strip()


def _cite(ctx: ReportContext) -> str:
    # several documents (`A号(实施方案); B号(通知)`) are listed with 、 as in running text, their notes dropped
    doc = ctx.scheme_document
    if doc:
        doc = "、".join(_BRACKETED.sub("", d).strip() for d in re.split(r"\s*[;；]\s*", doc) if d.strip())
    title = scheme_name(ctx)
    if doc and _DOC_NUMBER.search(doc):
        return f"《{title}》（{doc}）"
    if doc:
        return f"《{doc}》"
    return f"《{title}》"


def _score_rows(ctx: ReportContext) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = [("序号", "评价指标", "分值", "自评得分")]
    for i, part in enumerate(ctx.indicators, 1):
        pts = numbers.plain(part.points) if part.points is not None else "—"
        got = numbers.plain(part.score) if part.score is not None and part.complete else "待评定"
        rows.append((str(i), part.name, pts, got))
    total = numbers.plain(ctx.total_points) if ctx.total_points is not None else "—"
    got = numbers.plain(ctx.score_total) if ctx.score_total is not None and ctx.complete else "待评定"
    rows.append(("", "合计", total, got))
    return tuple(rows)


def _problem_sentence(p: ProblemItem) -> str:
    return p.text.rstrip("。")


def build_report(ctx: ReportContext, charts: bool = True) -> ReportDocument:
    """The self-evaluation report (自评报告) for one region, as blocks."""
    title = title_of(ctx)
    blocks: list[Block] = [Block("title", title)]
    if ctx.addressee:
        blocks.append(Block("addressee", f"{ctx.addressee}："))
    blocks.append(
        Block(
            "para",
            (
                f"根据{_cite(ctx)}要求，{ctx.region_name}人民政府对照评价指标，对{ctx.year}年度履行教育职责情况"
                f"开展了全面自查自评。现将有关情况报告如下。"
            ),
        )
    )

    h1 = 0

    def heading(text: str) -> None:
        nonlocal h1
        h1 += 1
        blocks.append(Block("h1", numbers.section_marker(1, h1) + text))

    heading("基本情况")
    profile = stat_sentences(ctx.stats[c] for c in ctx.profile if c in ctx.stats)
    if profile:
        blocks.append(Block("para", f"{ctx.year}年，{ctx.region_name}" + profile, role="figures"))
    else:
        blocks.append(Block("para", "【请填写本地区学校、学生、教师和教育经费等基本情况】"))

    heading("履职情况")
    for i, part in enumerate(ctx.indicators, 1):
        blocks.append(Block("h2", numbers.section_marker(2, i) + part.name))
        if part.narrative:
            blocks.extend(Block("para", p.strip()) for p in part.narrative.splitlines() if p.strip())
        else:
            topics = "、".join(re.split(r"[，,、；;。（(]", name)[0] for _, name in part.sub[:3])
            hint = f"围绕{topics}等方面" if topics else ""
            blocks.append(Block("para", f"【请填写{hint}采取的主要措施和取得的成效】"))
        figures = stat_sentences(ctx.stats[c] for c in part.stats if c in ctx.stats)
        if figures:
            blocks.append(Block("para", figures, role="figures"))
        if part.points is not None:
            if part.complete and part.score is not None:
                blocks.append(
                    Block(
                        "para", f"本项满分{numbers.score(part.points)}，自评得分{numbers.score(part.score)}。"
                    )
                )
            else:
                blocks.append(Block("para", f"本项满分{numbers.score(part.points)}，尚有指标待评定。"))
    if ctx.total_points is not None:
        if ctx.complete and ctx.score_total is not None:
            grade = f"，等次为{ctx.grade_name}" if ctx.grade_name else ""
            summary = (
                f"经自评，{ctx.region_name}{ctx.year}年度履行教育职责自评得分{numbers.score(ctx.score_total)}"
                f"（满分{numbers.score(ctx.total_points)}）{grade}。各项指标得分见下表。"
            )
        else:
            summary = "部分指标尚待评定，自评总分和等次在全部指标评定后确定。已评定情况见下表。"
        blocks.append(Block("para", summary))
        blocks.append(Block("table", rows=_score_rows(ctx)))
        if charts and any(p.score is not None for p in ctx.indicators):
            from lvzhi.writer.charts import score_chart

            blocks.append(Block("chart", "各项指标得分率", image=score_chart(ctx)))

    heading("存在的主要问题")
    if ctx.problems:
        blocks.extend(Block("para", t) for t in _enumerate(_problem_sentence(p) for p in ctx.problems))
    else:
        blocks.append(
            Block("para", "经自查，已评定的量化指标均达到评价要求。【请补充工作中存在的短板和不足】")
        )

    heading("下步工作打算")
    plans = list(ctx.plans) or [p.measure for p in ctx.problems if p.measure]
    if plans:
        blocks.extend(Block("para", t) for t in _enumerate(dict.fromkeys(plans)))
    else:
        blocks.append(Block("para", "【请填写下一步工作打算】"))

    blocks.extend(signature_blocks(ctx.signer, ctx.date))

    doc = ReportDocument(title, blocks)
    if ctx.report_limit is not None:
        n = doc.body_length()
        if n > ctx.report_limit:
            doc.warnings.append(
                f"报告正文{n}字，超出方案限定的{ctx.report_limit}字{n - ctx.report_limit}字 "
                f"(report is {n - ctx.report_limit} characters over the scheme's limit of {ctx.report_limit})"
            )
    return doc


def score_fraction(score: Decimal | None, points: Decimal | None) -> float:
    """Score as a share of the points (0 when unknown), for charts."""
    if score is None or not points:
        return 0.0
    return float(score / points)
