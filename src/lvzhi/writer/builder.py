"""The report builder: ReportContext → ReportDocument, a renderer-neutral list of blocks.

Every figure in the text is generated from the data (numbers.py says how it is written); staff write only
the narrative per indicator, the problems they add and the rectification plans. Where staff text is missing
the draft says so in 【】, so that a draft can never be filed by mistake as a finished report.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lvzhi.writer import layout
from lvzhi.writer import number_style as numbers
from lvzhi.writer.model import (
    PROFILE_CODES,
    PROFILE_GROUPS,
    IndicatorPart,
    LeafOutcome,
    ProblemItem,
    ReportContext,
    Stat,
)

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


def _yes_no(s: Stat) -> str:
    """A yes/no item as a true sentence: 未发现评价材料弄虚作假问题, 已实现…, 尚未实现…."""
    name = re.sub(r"[（(]是否[)）]$", "", s.name)
    if s.adverse:
        return f"存在{name}问题。" if s.value == 1 else f"未发现{name}问题。"
    return f"已实现{name}。" if s.value == 1 else f"尚未实现{name}。"


def _unit(s: Stat) -> str:
    """The unit as the sentence needs it: a name naming its basis (非正常死亡率（每10万生）) takes the
    unit's head only (0.68人, not 0.68人/10万生); a count named …数 takes 个 (班级数139个, not 139个班)."""
    if "/" in s.unit and "每" in s.name:
        return s.unit.split("/")[0]
    if s.unit == "班" and s.name.endswith("数"):
        return "个"
    return s.unit


def stat_sentence(s: Stat) -> str:
    """One sentence stating a statistic, its period and qualifier where the data gives them and, when
    last year's is known, its change: a stated growth as stated, a derived last-year figure never."""
    period = f"{s.period}，" if s.period else ""
    if s.unit == "是否":
        return period + _yes_no(s)
    if s.adverse and s.value == 0 and not s.qualifier:
        return f"{period}未发生{s.name}。"
    exact = not s.qualifier  # a bound (以上, 余, 近) is not compared: its change is unknown
    # A figure measured on a sample says on what, right after it.
    sampled = (
        f"（{numbers.sample_phrase(s.sample.n, s.sample.low, s.sample.high, s.unit, s.sample.level)}）"
        if s.sample is not None
        else ""
    )
    if s.unit == "%":
        if s.qualifier in ("近", "接近"):  # 接入率接近100%, not 接入率为近100%
            return f"{period}{s.name}接近{numbers.plain(s.value)}%{sampled}。"
        text = f"{s.name}为{numbers.quantity(s.value, '%', s.qualifier)}{sampled}"
        if s.previous is not None and exact:
            if s.previous == s.value:
                text += "，与上年持平"
            elif s.previous_derived:
                text += f"，较上年{numbers.points_phrase(s.value, s.previous)}"
            else:
                text += f"，较上年{numbers.plain(s.previous)}%{numbers.points_phrase(s.value, s.previous)}"
        return period + text + "。"
    if s.previous is not None and exact and not s.previous_derived and s.previous != s.value:
        current, last = numbers.quantity_pair(s.value, s.previous, _unit(s))
        text = f"{s.name}{current}{sampled}，较上年{last}"
        if s.growth is not None:
            text += numbers.change_phrase(s.growth)
        elif s.previous != 0:
            text += numbers.change_phrase(numbers.growth_rate(s.value, s.previous))
        return period + text + "。"
    text = f"{s.name}{numbers.quantity(s.value, _unit(s), s.qualifier)}{sampled}"
    if not exact:
        return period + text + "。"
    if s.previous_derived:
        # only the change the data states; last year's figure was back-calculated from it
        if s.growth is not None:
            text += f"，比上年{numbers.change_phrase(s.growth)}"
        return period + text + "。"
    if s.previous is not None:  # the same as last year
        return period + text + "，与上年持平。"
    return period + text + "。"


def stat_sentences(stats: Iterable[Stat]) -> str:
    """Sentences for several statistics: plain counts run on in one sentence, each comparison, percentage,
    yes/no or figure of its own period stands alone (so that the reader never pairs a rate with the wrong
    figures). Figures not to be printed (implied, unconfirmed) are left out."""
    out: list[str] = []
    run: list[str] = []
    for s in stats:
        if not s.printed:
            continue
        text = stat_sentence(s)
        plain_count = s.previous is None and s.unit not in ("%", "是否") and not s.period and not s.adverse
        if plain_count:
            run.append(text.rstrip("。"))
            continue
        if run:
            out.append("，".join(run) + "。")
            run = []
        out.append(text)
    if run:
        out.append("，".join(run) + "。")
    return "".join(out)


def scope(region_name: str) -> str:
    """`区` / `市` / `县` / `旗`: the kind of region, as 全区 / 你市 call it ("" when the name does not say)."""
    last = region_name[-1:] if region_name else ""
    if "县" in region_name and last not in "区市县旗":
        last = "县"
    return last if last in ("区", "市", "县", "旗") else ""


def _change(s: Stat | None) -> Decimal | None:
    """The year-on-year change of a figure (its stated growth, else this year minus last), if known."""
    if s is None or s.qualifier:
        return None
    if s.growth is not None:
        return s.growth
    if s.previous is not None:
        return s.value - s.previous
    return None


def policy_sentences(stats: Mapping[str, Stat]) -> str:
    """What the law and national policy ask of the spending, stated when the data has the figures:
    the 4 % ratio (国家财政性教育经费占地区生产总值) and the 两个只增不减."""
    out = []
    share = stats.get("edu_fiscal_gdp_share")
    if share is not None and share.printed and not share.qualifier:
        verb = "高于" if share.value > 4 else ("达到" if share.value == 4 else "低于")
        out.append(f"{share.period}{'，' if share.period else ''}财政性教育经费占地区生产总值比例{verb}4%。")
    total, per_student = stats.get("edu_gpb_spending"), stats.get("per_student_gpb_overall")
    a, b = _change(total), _change(per_student)
    if total is not None and a is not None and b is not None:
        lead = f"{total.period}，" if total.period else ""
        if a >= 0 and b >= 0:
            out.append(
                f"{lead}一般公共预算教育支出和按在校学生人数平均的一般公共预算教育支出均未减少，落实了“两个只增不减”。"
            )
        else:
            fell = "、".join(
                n for n, c in (("一般公共预算教育支出", a), ("生均一般公共预算教育支出", b)) if c < 0
            )
            out.append(f"{lead}{fell}较上年减少，“两个只增不减”未全部落实。")
    return "".join(out)


def profile_paragraphs(ctx: ReportContext) -> list[str]:
    """一、基本情况 as ordered paragraphs: 概况, 学校与学生, 教师, 经费, then the figures no indicator reads."""
    placed = set(ctx.profile)
    groups = [
        (name, [ctx.stats[c] for c in codes if c in placed and c in ctx.stats])
        for name, codes in PROFILE_GROUPS.items()
    ]
    groups.append(("其他", [ctx.stats[c] for c in ctx.profile if c not in PROFILE_CODES and c in ctx.stats]))
    where = f"全{scope(ctx.region_name)}" if scope(ctx.region_name) else ctx.region_name
    out = []
    for name, stats in groups:
        shown = [st for st in stats if st.printed]
        if not shown:
            continue
        text = stat_sentences(shown)
        if name == "经费":
            text += policy_sentences(ctx.stats)
        if shown[0].period:  # the first figure names its own period
            lead = "此外，" if name == "其他" else ""
        elif name == "概况":
            lead = ctx.region_name
        elif name == "其他":
            lead = f"此外，{ctx.year}年，"
        else:
            lead = f"{ctx.year}年，{where}"
        out.append(lead + text)
    return out


def _inner(name: str) -> str:
    """A name quoted inside “”: its own quotation marks become single ones (“‘教育强国’战略…”)."""
    return name.replace("“", "‘").replace("”", "’")


def _names(leaves: list[LeafOutcome], most: int = 2) -> str:
    """“A”“B”等3项 — the first indicators by name, and how many there are."""
    named = "".join(f"“{_inner(leaf.name)}”" for leaf in leaves[:most])
    return named + (f"等{len(leaves)}项" if len(leaves) > most else "")


def score_sentence(part: IndicatorPart, turn: int = 0) -> str:
    """How the section scored, in a sentence of its own: which indicators lost points or wait to be judged
    (by name); `turn` (the section's place) varies the wording, so that no two sections read alike."""
    assert part.points is not None
    full = numbers.score(part.points)
    pending = [leaf for leaf in part.leaves if not leaf.scored]
    lost = [
        leaf for leaf in part.leaves if leaf.scored and leaf.score is not None and leaf.score < leaf.points
    ]
    if part.complete and part.score is not None:
        if not lost:
            return f"{part.name}{len(part.leaves)}项指标均得满分，自评得分{numbers.score(part.score)}。"
        detail = "；".join(
            f"“{_inner(leaf.name)}”得{numbers.score(leaf.score or Decimal(0))}（满分{numbers.score(leaf.points)}）"
            for leaf in lost
        )
        return f"本项满分{full}，自评得分{numbers.score(part.score)}，其中{detail}。"
    judged = [leaf for leaf in part.leaves if leaf.scored and leaf.score is not None]
    got = sum((leaf.score or Decimal(0) for leaf in judged), Decimal(0))
    names, done, count = _names(pending), numbers.score(got), len(judged)
    if not judged:
        return (
            f"本项满分{full}，{names}指标尚待评定。",
            f"{names}指标尚待评定，本项得分待评定后确定（满分{full}）。",
        )[turn % 2]
    return (
        f"本项满分{full}，已评定的{count}项指标得{done}，{names}指标尚待评定。",
        f"{names}指标尚待评定；其余{count}项指标已评定，得{done}（本项满分{full}）。",
        f"本项已有{count}项指标评定、计{done}，{names}指标待评定后计入（满分{full}）。",
    )[turn % 3]


def peer_comparisons(ctx: ReportContext, codes: Iterable[str]) -> list[str]:
    """Each printed figure of a section against the average of the regions evaluated together."""
    out = []
    for code in codes:
        s, average = ctx.stats.get(code), ctx.peer_average.get(code)
        if s is None or average is None or not s.printed or s.qualifier or s.unit == "是否":
            continue
        shown = average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # a derived figure: two decimals
        verb = "高于" if s.value > shown else ("低于" if s.value < shown else "持平于")
        out.append(f"{s.name}{verb}平均水平{numbers.quantity(shown, _unit(s))}")
    return out


def _why_no_total(ctx: ReportContext) -> str:
    """Why the report states no total and grade yet: how many indicators wait, and for what."""
    waiting = [leaf for part in ctx.indicators for leaf in part.leaves if not leaf.scored]
    judged = sum(1 for leaf in waiting if leaf.manual)
    missing = len(waiting) - judged
    reasons = "，".join(
        r
        for r in (
            f"{judged}项须经人工评定并附佐证材料" if judged else "",
            f"{missing}项缺少评分所需数据" if missing else "",
        )
        if r
    )
    if not waiting:
        return "否决项和限制条件尚不能判断，自评总分和等次待相关情况核实后确定。已评定情况见下表。"
    return (
        f"全部{sum(len(p.leaves) for p in ctx.indicators)}项指标中尚有{len(waiting)}项待评定（{reasons}），"
        "自评总分和等次在全部指标评定后确定。已评定情况见下表。"
    )


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
    profile = profile_paragraphs(ctx)
    blocks.extend(Block("para", text, role="figures") for text in profile)
    peers = peer_comparisons(ctx, ctx.profile)
    if peers:  # the averages are derived figures: a paragraph of their own, not among the data
        blocks.append(Block("para", "与参评地区平均水平相比，" + "；".join(peers) + "。"))
    if not profile:
        blocks.append(Block("para", "【请填写学校、学生、教师和经费等基本情况】"))

    heading("履职情况")
    for i, part in enumerate(ctx.indicators, 1):
        blocks.append(Block("h2", numbers.section_marker(2, i) + part.name))
        figures = stat_sentences(ctx.stats[c] for c in part.stats if c in ctx.stats)
        findings = [leaf.finding for leaf in part.leaves if leaf.finding]
        if part.narrative:
            blocks.extend(Block("para", p.strip()) for p in part.narrative.splitlines() if p.strip())
        elif not figures and not findings:
            # short enough for the reader to flag as a placeholder; the heading names the subject
            blocks.append(Block("para", "【请填写本项采取的主要措施和取得的成效】"))
        if figures:
            blocks.append(Block("para", figures, role="figures"))
        if findings:  # the data against the scheme's targets (the targets are the scheme's, not data)
            blocks.append(Block("para", "对照评价标准，" + "；".join(findings) + "。"))
        peers = peer_comparisons(ctx, part.stats)
        if peers:
            blocks.append(Block("para", "与参评地区平均水平相比，" + "；".join(peers) + "。"))
        if part.points is not None:
            blocks.append(Block("para", score_sentence(part, i - 1)))
    if ctx.total_points is not None:
        if ctx.complete and ctx.score_total is not None:
            grade = f"，等次为{ctx.grade_name}" if ctx.grade_name else ""
            summary = (
                f"经自评，{ctx.region_name}{ctx.year}年度履行教育职责自评得分{numbers.score(ctx.score_total)}"
                f"（满分{numbers.score(ctx.total_points)}）{grade}。各项指标得分见下表。"
            )
        else:
            summary = _why_no_total(ctx)
        blocks.append(Block("para", summary))
        blocks.append(Block("table", rows=_score_rows(ctx)))
        if charts and any(p.complete and p.score is not None for p in ctx.indicators):
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
