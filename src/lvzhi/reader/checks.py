"""Arithmetic checks: recompute stated figures from the other figures of the same passage.

Tolerance (gold README §3): a stated figure is consistent when it is within half a unit of its last
written decimal of the unrounded recomputation; a sum may also be off by the half-units of its parts.
A check is only made when the passage names its inputs unambiguously: a check the reader cannot be
sure of is left out rather than risk flagging an honest report.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Final

from lvzhi.reader.claims import Context
from lvzhi.reader.model import Check, Claim, Section
from lvzhi.reader.sections import marker_number

# Optional parts of several characters are written (?:X|), not X?: see numbers.ARABIC_RE.
_NUM: Final = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+|)|\d+(?:\.\d+|)")
_LEAD_HEDGE: Final = re.compile(r"^[ \xa0]*[余多]?")
_TAIL_HEDGE: Final = re.compile(r"(?:余|多|以上|以下|及以上|及以下|左右)$")
_QUOTE_CUT: Final = re.compile(r"[,;。:!?\n]")
_OTHER_RATE: Final = re.compile(r"^[、,]?[^,;。、]{0,4}率")
_SHARE_WORD: Final = re.compile(r"占比(?:为|达|约)?\s*$|占\s*$")
_COMMA: Final = re.compile(r"[,;]")
_IN_N_NOUNS: Final = re.compile(r"在(\d+)\s*[个项所名人类条件]?([\u4e00-\u9fff]{2,6}?)中")
_TOTAL_SCORE: Final = re.compile(r"(?:合计|总|自评)得分(?:为)?\s*$")
_BONUS: Final = re.compile(r"加分[^,;。]{0,6}得\s*$|加\s*$")
_TOPIC_END: Final = re.compile(r"[,;:]")
_DIGITS_RUN: Final = re.compile(r"[\d.]+")
_AREA_LEAD: Final = re.compile(r"^(?:全市|全区|全县|全州|全省|辖区)")
_OTHER_PARTS: Final = re.compile(r"另有|此外|另外")
_PAREN: Final = re.compile(r"[()]")
_HUNDRED: Final = Decimal(100)


class Figure:
    """A claim together with the number as written and the scale of its written unit."""

    # A plain slotted class whose written form is read on first use: one Figure is built per claim,
    # but only the few that take part in a check ever need it.
    __slots__ = ("_form", "claim", "index")

    def __init__(self, index: int, claim: Claim) -> None:
        self.index = index
        self.claim = claim
        self._form: tuple[Decimal, int, Decimal] | None = None

    def _written_form(self) -> tuple[Decimal, int, Decimal]:
        """(number as written, decimals written, scale), read from the surface once."""
        if self._form is None:
            self._form = _written_form(self.claim)
        return self._form

    @property
    def written(self) -> Decimal:
        """The number as written: 62.99 for 62.99万."""
        return self._written_form()[0]

    @property
    def decimals(self) -> int:
        """How many decimals the number is written with."""
        return self._written_form()[1]

    @property
    def scale(self) -> Decimal:
        """value = written × scale."""
        return self._written_form()[2]

    @property
    def half_unit(self) -> Decimal:
        """Half a unit of the last written decimal, in the base unit."""
        return Decimal(5) * Decimal(10) ** (-self.decimals - 1) * self.scale

    @property
    def label_unit(self) -> str:
        """The unit as written, for input names: 亿元, 人, %."""
        m = _NUM.search(self.claim.surface)
        rest = self.claim.surface[m.end() :] if m else self.claim.unit
        rest = _LEAD_HEDGE.sub("", rest)
        rest = _TAIL_HEDGE.sub("", rest).replace("余", "")
        return rest.strip() or self.claim.unit


def _written_form(c: Claim) -> tuple[Decimal, int, Decimal]:
    surface = c.surface.replace("．", ".") if "．" in c.surface else c.surface  # \d and Decimal read ０-９
    m = _NUM.search(surface)
    if m is None:  # Chinese numeral: 百分之四点五 is stated to one decimal
        _, _, frac = c.surface.partition("点")
        return c.value, len(frac), Decimal(1)
    written = Decimal(m.group(0).replace(",", ""))
    _, _, frac = m.group(0).partition(".")
    return written, len(frac), c.value / written if written else Decimal(1)


def _round(x: Decimal, decimals: int) -> Decimal:
    # Enough precision for any stated figure: quantize fails when the result exceeds the context's 28 digits.
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, x.adjusted() + decimals + 2)
        return x.quantize(Decimal(10) ** -decimals, rounding=ROUND_HALF_UP)


def _fmt(x: Decimal) -> str:
    s = format(x.normalize(), "f")
    return s


class _Builder:
    def __init__(self, ctx: Context, claims: list[Claim]) -> None:
        self.ctx = ctx
        self.norm = ctx.norm
        self.figs = [Figure(i, c) for i, c in enumerate(claims)]
        self.starts = [c.start for c in claims]
        self.sentences = ctx.layout.sentence_starts_of(self.starts)  # asked for many times per figure
        self.checks: list[Check] = []
        self.done: set[tuple[str, int]] = set()

    # -- passage helpers ---------------------------------------------------------------------
    def sentence_of(self, f: Figure) -> int:
        return self.sentences[f.index]

    def same_sentence_before(self, f: Figure) -> list[Figure]:
        lo = bisect_left(self.starts, self.sentence_of(f), 0, f.index)
        return self.figs[lo : f.index][::-1]  # nearest first

    def figs_in(self, lo: int, hi: int) -> list[Figure]:
        """Figures starting in ``[lo, hi)``."""
        return self.figs[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]

    def between(self, a: int, b: int) -> str:
        return self.norm[a:b]

    def depth(self, start: int, pos: int) -> int:
        """Parenthesis depth of ``pos`` relative to ``start``."""
        seg = self.norm[start:pos]
        return seg.count("(") - seg.count(")")

    def quote(self, first: int, last: int) -> str:
        lo = max(self.ctx.layout.sentence_start(first), first - 20)
        clause = lo
        for m in _QUOTE_CUT.finditer(self.norm[lo:first]):
            clause = lo + m.end()
        return self.ctx.text[clause:last].strip()

    def add(
        self,
        kind: str,
        stated: Figure,
        inputs: list[tuple[str, Figure | Decimal]],
        recomputed: Decimal,
        tolerance: Decimal,
        formula: str,
        stated_value: Decimal | None = None,
        scale: Decimal = Decimal(1),
        doubt: str = "",
        bounds: tuple[Decimal, Decimal] | None = None,
    ) -> None:
        """Record a check. ``bounds`` is the range the recomputation can take when its inputs are
        themselves rounded; the stated figure is consistent when it lies within ``tolerance`` of it."""
        key = (kind, stated.claim.start)
        if key in self.done:
            return
        self.done.add(key)
        target = stated.claim.value if stated_value is None else stated_value
        low, high = bounds if bounds is not None else (recomputed, recomputed)
        consistent = low - tolerance <= target <= high + tolerance
        shown = _round(recomputed / scale, stated.decimals)
        figures = [x for _, x in inputs if isinstance(x, Figure)]
        first = min([stated.claim.start] + [x.claim.start for x in figures])
        last = max([stated.claim.end] + [x.claim.end for x in figures])
        names: dict[str, Decimal] = {}
        for name, x in inputs:
            unique, n = name, 2
            while unique in names:  # two inputs described by the same words stay apart
                unique, n = f"{name}#{n}", n + 1
            names[unique] = x.written if isinstance(x, Figure) else x
        verdict = "一致" if consistent else "无法确认" if doubt else "不一致"
        message = (
            f"{_KIND_ZH[kind]}核验:{formula} = {_fmt(shown)}{stated.label_unit if kind in ('sum', 'duplicate', 'gap') and stated.claim.unit not in ('%', '百分点') else ''},"
            f"报告为 {stated.claim.surface},{verdict}"
        )
        if kind == "duplicate":
            earlier = figures[0].claim.surface if figures else _fmt(recomputed / scale)
            message = (
                f"同一指标“{stated.claim.metric}”前后表述不同:先为 {earlier},后为 {stated.claim.surface}"
            )
        if doubt and not consistent:
            message += f",{verdict}({doubt})" if kind == "duplicate" else f"({doubt})"
        self.checks.append(
            Check(
                start=stated.claim.start,
                kind=kind,
                # A quote spans from the first figure involved to the stated one; a duplicate may sit
                # pages after its first statement, and quoting everything between would make the output
                # (and the time to build it) grow with the square of the text: quote the stated clause.
                quote=self.quote(first, last)
                if last - first <= _MAX_QUOTE_SPAN
                else self.quote(stated.claim.start, stated.claim.end),
                inputs=names,
                stated=stated.written,
                recomputed=shown,
                consistent=consistent,
                message=message,
                end=stated.claim.end,
                doubt="" if consistent else doubt,
            )
        )


_MAX_QUOTE_SPAN: Final = 600  # characters; ample for one paragraph

_KIND_ZH: Final = {
    "share": "占比",
    "completion": "完成率",
    "growth": "增长率",
    "gap": "差距",
    "sum": "合计",
    "average": "平均数",
    "duplicate": "重复表述",
}
_RATE_WORD: Final = re.compile(r"(开工|完工|完成|建成|竣工|办结|整改|达标)率(?:为|达到|达|)\s*$")
_REMAINING: Final = re.compile(r"(?:正在整改|尚未完成|未完成|剩余|还有|仍有|尚有|待整改)\s*$")
_NAMED_WHOLE: Final = re.compile(
    r"占([^,;。:、占]{2,20}?)(?:的|总数的|总量的|)(?:比例|比重|)(?:为|达|约)?\s*$"
)
_PREV_YEAR: Final = re.compile(r"(?:比|较)(?:上年|去年|上一年)(?:同期|)\s*$")
_FROM_PREV_YEAR: Final = re.compile(r"(?:由|从)(?:上年|去年|上一年)(?:同期|底|末|)的?\s*$")
# `平均班额43.4人`, `平均每班43.4人` — but not 人均 (per head of population: its inputs are rarely stated).
_AVERAGE_WORD: Final = re.compile(r"平均[\u4e00-\u9fff]{0,4}(?:为|达|约)?\s*$")
# `招聘教师386人,具体为:` at the end of a line, its parts on the following ①②③ lines.
# Spelled as alternatives that each start with a literal (an optional `[,:]?` in front would make the
# engine try every position of the text).
_LIST_LEAD: Final = re.compile(
    r"(?:,(?:具体为|分别为|包括|其中)|:(?:具体为|分别为|包括|其中)|具体为|分别为|包括|其中)[:]?[ \t]*\n"
)
_CIRCLED: Final = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

_EXHAUSTIVE: Final = re.compile(r"各级各类|总计|合计|共计")
_PARTS_START: Final = re.compile(r"其中[,:]?")


def _label(f: Figure, fallback: str = "") -> str:
    metric = f.claim.metric or fallback
    return f"{metric}({f.label_unit})"


def _dated_label(f: Figure, fallback: str) -> str:
    year = f.claim.year
    when = f"{year}年" if isinstance(year, int) else fallback
    return f"{when}{f.claim.metric}({f.label_unit})"


def find_checks(ctx: Context, claims: list[Claim]) -> list[Check]:
    """All recomputable figures with their verdicts, in text order."""
    b = _Builder(ctx, claims)
    for f in b.figs:
        c = f.claim
        if c.unit == "%":
            _completion(b, f) or _share(b, f)
            if c.kind == "growth":
                _growth(b, f)
        elif c.unit == "百分点" and c.kind == "gap":
            _gap(b, f)
        elif c.unit == "百分点" and c.kind == "growth":
            _point_change(b, f)
        elif c.kind == "growth":
            _change_amount(b, f)
        elif (
            c.kind == "value"
            and "平均" in b.norm[max(0, c.start - 10) : c.start]
            and _AVERAGE_WORD.search(b.norm, max(0, c.start - 10), c.start)
        ):
            _average(b, f)
    _sums(b)
    _listed_parts(b)
    _following_parts(b)
    _bracketed_parts(b)
    _item_parts(b)
    _category_sums(b)
    _score_total(b)
    _continued_parts(b)
    _duplicates(b)
    b.checks.sort(key=lambda k: k.start)
    return b.checks


def _completion(b: _Builder, f: Figure) -> bool:
    before = b.norm[max(0, f.claim.start - 12) : f.claim.start]
    m = _RATE_WORD.search(before)
    if not m:
        return False
    prev = [g for g in b.same_sentence_before(f) if g.claim.unit != "%"]
    if not prev:
        return False
    num = prev[0]
    gap = b.between(num.claim.end, f.claim.start)
    verb = m.group(1)
    if len(gap) > 12 or verb[0] not in b.norm[max(0, num.claim.start - 8) : num.claim.start]:
        return False
    den = None
    for g in prev[1:]:
        if g.claim.unit != num.claim.unit:
            continue
        if _OTHER_RATE.match(b.between(g.claim.end, g.claim.end + 8)):
            continue  # the numerator of another rate (开工34项、开工率…)
        if g.claim.value >= num.claim.value:
            den = g
        break
    if den is None or den.claim.value == 0:
        return False
    ratio = num.claim.value / den.claim.value * _HUNDRED
    b.add(
        "completion",
        f,
        [(_label(num), num), (_label(den), den)],
        ratio,
        f.half_unit,
        f"{_fmt(num.written)}/{_fmt(den.written)}×100",
    )
    # 正在整改3个: the remainder is the total minus the completed ones.
    after = b.figs_in(f.claim.end, _sentence_end(b, f))
    for g in after:
        if g.claim.unit == num.claim.unit and _REMAINING.search(
            b.norm[max(0, g.claim.start - 8) : g.claim.start]
        ):
            b.add(
                "sum",
                g,
                [(_label(den), den), (_label(num).replace(")", ",减)"), num)],
                den.claim.value - num.claim.value,
                g.half_unit + den.half_unit + num.half_unit,
                f"{_fmt(den.written)}-{_fmt(num.written)}",
            )
            break
    return True


def _matching_paren(norm: str, open_pos: int) -> int:
    """Offset of the `)` closing the `(` at ``open_pos`` (end of line if unbalanced)."""
    depth = 0
    line_end = norm.find("\n", open_pos, open_pos + 400)
    limit = line_end if line_end != -1 else min(len(norm), open_pos + 400)
    for m in _PAREN.finditer(norm, open_pos, limit):
        depth += 1 if m.group(0) == "(" else -1
        if depth == 0:
            return m.start()
    return limit


def _sentence_end(b: _Builder, f: Figure) -> int:
    return b.ctx.layout.sentence_end(f.claim.end)


def _amounts(figs: list[Figure]) -> list[Figure]:
    """Stated amounts of the current period: no percentages, changes or earlier periods' values."""
    return [g for g in figs if g.claim.unit not in ("%", "百分点") and g.claim.kind in ("value", "rate")]


def _share(b: _Builder, f: Figure) -> bool:
    sent = b.sentence_of(f)
    before = b.norm[max(sent, f.claim.start - 30) : f.claim.start]
    prev = [g for g in _amounts(b.same_sentence_before(f)) if not _prior(b, g)]
    named = _NAMED_WHOLE.search(before)
    inner: list[Figure] = []
    whole: Figure | None
    part: Figure | None
    doubt = ""
    if named:
        zhan = max(sent, f.claim.start - 30) + named.start()
        inner = [g for g in prev if g.claim.start > zhan]
    if inner:
        # 占在园幼儿总数15230人的55.3%: the whole is stated inside the 占…的 phrase.
        whole = inner[0]
        part = next(
            (
                g
                for g in prev
                if g.claim.start < whole.claim.start and g.claim.unit == whole.claim.unit and g not in inner
            ),
            None,
        )
        if part is None and named is not None:
            # `一般公共预算教育经费占一般公共预算支出6916.71亿元的比例为11.06%`: the part is named as the
            # subject and was stated before.
            zhan = max(sent, f.claim.start - 30) + named.start()
            subject = _strip_subject(b.norm[b.ctx.layout.clause_start(zhan, sent) : zhan])
            part = _stated_earlier(b, f, subject, whole.claim.unit)
            if part is not None and b.sentence_of(part) != sent:
                doubt = f"分子取前文“{part.claim.metric}”{part.claim.surface}"
    elif named and not named.group(1).startswith("比"):
        whole_name = named.group(1)
        whole = next((g for g in prev if g.claim.metric and g.claim.metric.endswith(whole_name)), None)
        core = _TOTAL_SUFFIX.sub("", whole_name)
        if whole is None and not core:
            # `学前教育专业毕业的专任教师947人,占总数的69.84%`: the whole is the total of the part's own
            # category (专任教师), stated before it.
            part = prev[0] if prev else None
            whole = _category_total(b, part) if part is not None else None
            if whole is None or part is None:
                return False
            if b.sentence_of(whole) != sent:
                doubt = f"总数取前文“{whole.claim.metric}”{whole.claim.surface}"
            return _add_share(b, f, part, whole, doubt)
        if whole is None:
            # `占专任教师总数的4.5%`: the whole may be stated earlier in the report under its own name.
            whole = _stated_earlier(b, f, core)
            if whole is not None:
                doubt = f"总数取前文“{whole.claim.metric}”{whole.claim.surface}"
        if whole is None:
            return False
        part = next(
            (
                g
                for g in prev
                if g is not whole
                and g.claim.unit == whole.claim.unit
                and b.depth(g.claim.end, f.claim.start) <= 0
            ),
            None,
        )
    elif _SHARE_WORD.search(before):
        part = next((g for g in prev if b.depth(sent, g.claim.start) == 0), None)
        if part is None:
            return False
        if _PARTS_START.match(b.norm, _skip_blank(b.norm, sent)):
            # `…115.72亿元…。其中,一般公共预算安排的教育经费113亿元,占97.65%;政府性基金…2.72亿元,
            # 占2.35%`: a sentence opening with 其中 breaks down the total of the sentence before.
            earlier = [
                g
                for g in _amounts(b.figs_in(b.ctx.layout.sentence_start(sent - 1), sent))
                if g.claim.unit == part.claim.unit and not _prior(b, g)
            ]
            whole = earlier[0] if earlier else None
        else:
            whole = next((g for g in prev if g.index < part.index and g.claim.unit == part.claim.unit), None)
            if whole is not None:
                between = b.between(whole.claim.end, part.claim.start)
                related = "其中" in between or (
                    len(whole.claim.metric) >= 2 and whole.claim.metric in part.claim.metric
                )
                if not related:
                    return False
        if whole is None:
            return False
    else:
        return _named_rate(b, f, prev) or _part_rate(b, f, prev)
    if part is None:
        return False
    return _add_share(b, f, part, whole, doubt)


_RATE_NAME: Final = re.compile(r"(?:覆盖率|占比|比例|比重)$")


def _part_rate(b: _Builder, f: Figure, prev: list[Figure]) -> bool:
    """`寄宿生3000人,床位1800个,床位率为75%`: a rate named after the figure just before it, over the
    figure before that (the two stated side by side, the rate right after them)."""
    metric = _core(f.claim.metric)
    if len(prev) < 2 or not metric.endswith("率") or metric.endswith(("增长率", "增幅")):
        return False
    num, den = prev[0], prev[1]
    name = metric[:-1]
    if len(name) < 2 or _core(num.claim.metric) != name or den.claim.value < num.claim.value:
        return False
    if not _VALUE_THEN_PRIOR_GAP.fullmatch(b.between(den.claim.end, num.claim.start)):
        return False
    if not _RATE_GAP.fullmatch(b.between(num.claim.end, f.claim.start)):
        return False
    if den.claim.value == 0:
        return False
    b.add(
        "share",
        f,
        [(_label(num), num), (_label(den), den)],
        num.claim.value / den.claim.value * _HUNDRED,
        f.half_unit,
        f"{_fmt(num.written)}/{_fmt(den.written)}×100",
        doubt=_coarse(num, den),
        bounds=_ratio_bounds(num, den),
    )
    return True


_VALUE_THEN_PRIOR_GAP: Final = re.compile(r"\s*[,、]\s*[\u4e00-\u9fff]{1,10}(?:为|有|)\s*")
_RATE_GAP: Final = re.compile(r"\s*[,、]\s*[\u4e00-\u9fff]{1,12}率(?:为|达到|达|)\s*")


def _named_rate(b: _Builder, f: Figure, prev: list[Figure]) -> bool:
    """`在园幼儿64.97万人。其中普惠性幼儿园在园幼儿53.82万人,普惠性幼儿园覆盖率达到82.85%`: a rate named
    after the subset just stated (其中 …) is taken as that subset over the total before 其中."""
    metric = _core(f.claim.metric)
    if not prev or not _RATE_NAME.search(metric):
        return False
    part = prev[0]
    name = _RATE_NAME.sub("", metric)
    if len(name) < 3 or not _core(part.claim.metric).startswith(name):
        return False
    sent = b.sentence_of(f)
    if _PARTS_START.match(b.norm, _skip_blank(b.norm, sent)):
        earlier = _amounts(b.figs_in(b.ctx.layout.sentence_start(sent - 1), sent))
    else:
        opening = b.norm.rfind("其中", sent, part.claim.start)
        earlier = _amounts(b.figs_in(sent, opening)) if opening != -1 else []
    whole = next((g for g in reversed(earlier) if g.claim.unit == part.claim.unit and not _prior(b, g)), None)
    if whole is None:
        return False
    doubt = f"{f.claim.metric}按{part.claim.metric}占{whole.claim.metric}计算,口径可能不同"
    return _add_share(b, f, part, whole, doubt)


def _add_share(b: _Builder, f: Figure, part: Figure, whole: Figure, doubt: str = "") -> bool:
    if whole.claim.value == 0 or part.claim.value > whole.claim.value or part.claim.unit != whole.claim.unit:
        return False
    b.add(
        "share",
        f,
        [(_label(part), part), (_label(whole), whole)],
        part.claim.value / whole.claim.value * _HUNDRED,
        f.half_unit,
        f"{_fmt(part.written)}/{_fmt(whole.written)}×100",
        doubt=doubt or _coarse(part, whole),
        bounds=_ratio_bounds(part, whole),
    )
    return True


def _coarse(*figs: Figure) -> str:
    """A reason not to call a recomputation wrong: an input rounded too coarsely to recompute from."""
    for g in figs:
        if g.claim.value and _half(g) / g.claim.value > _COARSE:
            return f"{g.claim.surface}的舍入误差过大,无法据此确认"
    return ""


_COARSE: Final = Decimal("0.05")  # relative rounding error of an input beyond which nothing is certain
_SUBJECT_LEAD: Final = re.compile(r"^(?:(?:19|20)\d\d年(?:度|)|全[国省市区县州]|我[省市区县]|[,;:\s])+")


def _strip_subject(phrase: str) -> str:
    return _SUBJECT_LEAD.sub("", phrase).strip()


def _core(metric: str) -> str:
    """A metric without 全省/共有/有 in front: what is counted."""
    return _CORE_LEAD.sub("", metric)


_CORE_LEAD: Final = re.compile(r"^(?:全[国省市区县州]|我[省市区县]|[省市区县])?(?:共有|共|有|拥有)?")


def _category_total(b: _Builder, part: Figure) -> Figure | None:
    """The latest earlier total of the part's own category: 专任教师 for 学前教育专业毕业的专任教师."""
    name = _core(part.claim.metric)
    if len(name) < 3:
        return None
    for g in reversed(_amounts(b.figs_in(part.claim.start - _LOOK_BACK, part.claim.start))):
        core = _core(g.claim.metric)
        if (
            g.claim.unit == part.claim.unit
            and len(core) >= 2
            and core != name
            and name.endswith(core)
            and not _prior(b, g)
            and g.claim.value >= part.claim.value
        ):
            return g
    return None


_TOTAL_SUFFIX: Final = re.compile(r"(?:总数|总量|总额|总人数)$")
_LOOK_BACK: Final = 3000  # characters searched for an earlier statement of a whole or a total


def _stated_earlier(b: _Builder, f: Figure, name: str, unit: str | None = None) -> Figure | None:
    """The latest earlier amount of the current period whose metric is exactly ``name``."""
    if len(name) < 2:
        return None
    for g in reversed(_amounts(b.figs_in(f.claim.start - _LOOK_BACK, f.claim.start))):
        if g.claim.metric == name and (unit is None or g.claim.unit == unit) and not _prior(b, g):
            return g
    return None


def _exact(f: Figure) -> bool:
    """A count written as a whole number (226所, 2802人) is exact; money, areas, rates and anything
    written with decimals or 万/亿 are rounded to their last written digit."""
    return f.decimals == 0 and f.scale == 1 and f.claim.unit not in _ROUNDED_UNITS


_ROUNDED_UNITS: Final = frozenset({"元", "%", "百分点", "平方米"})


def _half(f: Figure) -> Decimal:
    """Half a unit of the last written digit, or zero for an exact count."""
    return Decimal(0) if _exact(f) else f.half_unit


def _ratio_bounds(num: Figure, den: Figure) -> tuple[Decimal, Decimal] | None:
    """The range of num/den×100 over the values that round to the two figures as written."""
    hn, hd = _half(num), _half(den)
    n, d = num.claim.value, den.claim.value
    if d - hd <= 0:
        return None
    return (max(n - hn, Decimal(0)) / (d + hd) * _HUNDRED, (n + hn) / (d - hd) * _HUNDRED)


def _prior(b: _Builder, f: Figure) -> bool:
    """Whether the figure is the earlier period's value (比上年的…, 较上年同期…)."""
    return _PRIOR_BEFORE.search(b.norm, max(0, f.claim.start - 12), f.claim.start) is not None


_CHANGE: Final = r"(?:增加|减少|增长|下降|提高|降低|上升|回落)了?"
_PRIOR_BEFORE: Final = re.compile(
    r"(?:同口径|)(?:比|较|同比)(?:上年|去年|上一年|上学年)(?:同期|)(?:的|为|)\s*$"
)
_VALUE_THEN_CHANGE: Final = re.compile(
    r"\s*,?\s*(?:同口径|)(?:比|较|同比)(?:上年|去年|上一年|上学年)(?:同期|)\s*" + _CHANGE + r"\s*"
)
_PRIOR_THEN_CHANGE: Final = re.compile(r"\s*" + _CHANGE + r"\s*")
_CHANGE_THEN_RATE: Final = re.compile(r"\s*,?\s*(?:同比|)(?:" + _CHANGE + r"|增幅|降幅|减幅)(?:为|)\s*")
_FROM_TO: Final = re.compile(r"\s*(?:提高|提升|上升|增长|增加|下降|降低|减少|回落)(?:到|至)\s*")
_FROM_BEFORE: Final = re.compile(r"[由从]$")
_VALUE_THEN_PRIOR: Final = re.compile(
    r"\s*,?\s*(?:同口径|)(?:比|较|同比)(?:上年|去年|上一年|上学年)(?:同期|)(?:的|为|)\s*"
)


def _change_pattern(b: _Builder, f: Figure) -> tuple[Figure, Figure | None, Figure | None] | None:
    """For a change amount Y: `X,比上年的W减少Y` → (Y, X, W); `X,比上年增加Y` → (Y, X, None)."""
    prev = b.same_sentence_before(f)
    if not prev:
        return None
    first = prev[0]
    if first.claim.unit != f.claim.unit or first.claim.kind not in ("value", "rate", "share"):
        return None
    if _PRIOR_THEN_CHANGE.fullmatch(b.between(first.claim.end, f.claim.start)) and _prior(b, first):
        x = prev[1] if len(prev) > 1 else None
        if (
            x is not None
            and x.claim.unit == f.claim.unit
            and x.claim.kind == first.claim.kind
            and _VALUE_THEN_PRIOR.fullmatch(b.between(x.claim.end, first.claim.start))
        ):
            return f, x, first
        return None
    if _VALUE_THEN_CHANGE.fullmatch(b.between(first.claim.end, f.claim.start)):
        return f, first, None
    return None


def _change_amount(b: _Builder, f: Figure) -> None:
    """`…为X万元,比上年的W万元减少Y万元`: the change is the difference X − W."""
    found = _change_pattern(b, f)
    if found is None or found[2] is None:
        return
    _, x, w = found
    assert x is not None and w is not None
    sign = Decimal(-1) if f.claim.direction == "down" else Decimal(1)
    diff = x.claim.value - w.claim.value
    b.add(
        "gap",
        f,
        [(_dated_label(x, "本期"), x), (_dated_label(w, "上期") + "(减)", w)],
        diff,
        _half(f) + _half(x) + _half(w),
        f"{_fmt(x.written)}-{_fmt(w.written)}",
        stated_value=sign * f.claim.value,
        scale=f.scale,
    )


def _point_change(b: _Builder, f: Figure) -> None:
    """`比例15.68%,比上年的18.92%下降3.24个百分点`: the change is the difference of the two rates."""
    found = _change_pattern(b, f)
    if found is None or found[2] is None:
        prev = b.same_sentence_before(f)
        if len(prev) < 2 or prev[0].claim.unit != "%" or prev[1].claim.unit != "%":
            return
        if _FROM_TO.fullmatch(b.between(prev[1].claim.end, prev[0].claim.start)) and _FROM_BEFORE.search(
            b.norm, max(0, prev[1].claim.start - 2), prev[1].claim.start
        ):
            # `由85.2%提高到88.5%,提高3.3个百分点`
            old, new = prev[1], prev[0]
            if not _CHANGE_THEN_RATE.fullmatch(b.between(new.claim.end, f.claim.start)):
                return
        else:
            old, new = prev[0], prev[1]
            if not (
                _prior(b, old)
                and _PRIOR_THEN_CHANGE.fullmatch(b.between(old.claim.end, f.claim.start))
                and _VALUE_THEN_PRIOR.fullmatch(b.between(new.claim.end, old.claim.start))
            ):
                return
    else:
        _, new_, old_ = found
        assert new_ is not None and old_ is not None
        new, old = new_, old_
    if new.claim.unit != "%" or old.claim.unit != "%":
        return
    sign = Decimal(-1) if f.claim.direction == "down" else Decimal(1)
    b.add(
        "gap",
        f,
        [(_dated_label(new, "本期"), new), (_dated_label(old, "上期") + "(减)", old)],
        new.claim.value - old.claim.value,
        _half(f) + _half(new) + _half(old),
        f"{_fmt(new.written)}-{_fmt(old.written)}",
        stated_value=sign * f.claim.value,
    )


def _growth(b: _Builder, f: Figure) -> None:
    before = b.same_sentence_before(f)
    # `X,比上年增加Y,增长Z%` / `X,比上年的W减少Y,下降Z%`: the rate follows the amount of change.
    if before and before[0].claim.kind == "growth" and before[0].claim.unit not in ("%", "百分点"):
        y = before[0]
        if not _CHANGE_THEN_RATE.fullmatch(b.between(y.claim.end, f.claim.start)):
            return
        found = _change_pattern(b, y)
        if found is None:
            return
        _, x, w = found
        assert x is not None
        if w is not None:
            _growth_of(b, f, x, w)
            return
        _growth_from_change(b, f, x, y)
        return
    prev = [g for g in before if g.claim.unit not in ("%", "百分点") and g.claim.kind != "growth"]
    if len(prev) < 2:
        return
    a, c = prev[0], prev[1]  # nearest first
    if a.claim.unit != c.claim.unit:
        return
    if _prior(b, a):
        new, old = c, a
    elif _FROM_PREV_YEAR.search(b.norm[max(0, c.claim.start - 8) : c.claim.start]):
        new, old = a, c  # 由上年的58人减少至12人
    elif isinstance(a.claim.year, int) and isinstance(c.claim.year, int) and a.claim.year != c.claim.year:
        new, old = (a, c) if a.claim.year > c.claim.year else (c, a)
    else:
        return
    _growth_of(b, f, new, old)


def _growth_of(b: _Builder, f: Figure, new: Figure, old: Figure) -> None:
    if old.claim.value == 0:
        return
    ratio = new.claim.value / old.claim.value * _HUNDRED
    bounds = _ratio_bounds(new, old)
    change = ratio - _HUNDRED
    formula = f"({_fmt(new.written)}-{_fmt(old.written)})/{_fmt(old.written)}×100"
    low_high = (bounds[0] - _HUNDRED, bounds[1] - _HUNDRED) if bounds else None
    if f.claim.direction == "down":  # 下降79.3%: the stated figure is the size of the fall
        change = -change
        formula = f"({_fmt(old.written)}-{_fmt(new.written)})/{_fmt(old.written)}×100"
        low_high = (-low_high[1], -low_high[0]) if low_high else None
    b.add(
        "growth",
        f,
        [(_dated_label(new, "本期"), new), (_dated_label(old, "上期"), old)],
        change,
        f.half_unit,
        formula,
        bounds=low_high,
        doubt=_coarse(new, old),
    )


def _growth_from_change(b: _Builder, f: Figure, x: Figure, y: Figure) -> None:
    """`226所,比上年减少9所,下降3.83%`: the earlier value is X ± Y, the rate Y over it."""
    down = y.claim.direction == "down"
    old = x.claim.value + y.claim.value if down else x.claim.value - y.claim.value
    if old <= 0:
        return
    hx, hy = _half(x), _half(y)
    yl, yh = max(y.claim.value - hy, Decimal(0)), y.claim.value + hy
    if down:
        low_den, high_den = x.claim.value + hx + yl, x.claim.value - hx + yh
    else:
        low_den, high_den = x.claim.value + hx - yl, x.claim.value - hx - yh
    bounds = (yl / low_den * _HUNDRED, yh / high_den * _HUNDRED) if high_den > 0 and low_den > 0 else None
    sign = "+" if down else "-"
    b.add(
        "growth",
        f,
        [(_dated_label(x, "本期"), x), (f"{y.claim.metric}增减({y.label_unit})", y)],
        y.claim.value / old * _HUNDRED,
        f.half_unit,
        f"{_fmt(y.written)}/({_fmt(x.written)}{sign}{_fmt(y.written)})×100",
        bounds=bounds,
        doubt=_coarse(x, y),
    )


def _gap(b: _Builder, f: Figure) -> None:
    prev = b.same_sentence_before(f)
    clause_start = f.claim.start
    for m in _COMMA.finditer(b.norm[b.sentence_of(f) : f.claim.start]):
        clause_start = b.sentence_of(f) + m.end()
    bench = next((g for g in prev if g.claim.unit == "%" and g.claim.start >= clause_start), None)
    if bench is None:
        return
    value = next(
        (g for g in prev if g.claim.unit == "%" and g.claim.start < clause_start and g.claim.kind != "gap"),
        None,
    )
    if value is None:
        return
    diff = abs(bench.claim.value - value.claim.value)
    b.add(
        "gap",
        f,
        [(f"{bench.claim.metric or '目标'}(%)", bench), (_label(value), value)],
        diff,
        f.half_unit,
        f"{_fmt(bench.written)}-{_fmt(value.written)}",
    )


def _average(b: _Builder, f: Figure) -> None:
    """`新生3950人,分91个班,平均班额43.4人`: the mean is the total over the number of groups."""
    prev = [g for g in b.same_sentence_before(f) if g.claim.kind == "value"]  # nearest first
    groups = next((i for i, g in enumerate(prev) if g.claim.unit not in (f.claim.unit, "%", "百分点")), None)
    if groups is None:
        return
    count = prev[groups]
    total = next((g for g in prev[groups + 1 :] if g.claim.unit == f.claim.unit), None)
    if total is None or count.claim.value == 0:
        return
    b.add(
        "average",
        f,
        [(_label(total), total), (_label(count), count)],
        total.claim.value / count.claim.value,
        f.half_unit,
        f"{_fmt(total.written)}/{_fmt(count.written)}",
    )


def _skip_blank(text: str, pos: int) -> int:
    """The next position that is not blank (line breaks, indents of \u3000 included)."""
    while pos < len(text) and text[pos] in " \t\n\r\u3000":
        pos += 1
    return pos


def _listed_parts(b: _Builder) -> None:
    """A total ending its line with `具体为:`, its parts on the following ①②③ lines."""
    for m in _LIST_LEAD.finditer(b.norm):
        before = b.figs_in(b.ctx.layout.sentence_start(m.start()), m.start() + 1)
        if not before or before[-1].claim.kind != "value":
            continue
        total = before[-1]
        if b.norm[total.claim.end : m.start()].strip(" ,"):
            continue  # words between the figure and 具体为: it is not what the list breaks down
        parts: list[Figure] = []
        pos = _skip_blank(b.norm, m.end())
        while pos < len(b.norm) and b.norm[pos] in _CIRCLED:
            end = b.norm.find("\n", pos)
            end = len(b.norm) if end < 0 else end
            line = [g for g in b.figs_in(pos, end) if g.claim.unit == total.claim.unit]
            if len(line) != 1 or line[0].claim.kind != "value":
                break  # a line with no figure of that unit, or several: not a plain list of parts
            parts.append(line[0])
            pos = _skip_blank(b.norm, end)
        exhaustive = "其中" not in m.group(0)
        _sum_check(b, total, parts, exhaustive=exhaustive and len(parts) >= 2)


def _sum_check(
    b: _Builder, total: Figure, parts: list[Figure], exhaustive: bool = False, only_if_equal: bool = False
) -> None:
    if len(parts) < 2:
        return
    s = sum((p.claim.value for p in parts), Decimal(0))
    # Rounded parts (decimals, 万/亿) may add up their rounding; exact integer counts may not.
    tol = total.half_unit + sum((p.half_unit for p in parts if p.decimals or p.scale != 1), Decimal(0))
    if s < total.claim.value - tol and not exhaustive:
        return  # a partial list (其中 names only some categories): nothing to recompute
    if only_if_equal and abs(s - total.claim.value) > tol:
        return
    doubt = ""
    if not exhaustive:
        doubt = "分项未说明是否穷尽,可能相互包含或不全属于该总数"
    each = next((p for p in parts if b.norm[max(0, p.claim.start - 1) : p.claim.start] == "各"), None)
    if each is not None:
        doubt = f"“各{each.claim.surface}”指每类各有,类别数未计"
    b.add(
        "sum",
        total,
        [(_label(p), p) for p in parts],
        s,
        tol,
        "+".join(_fmt(p.written) for p in parts),
        scale=total.scale,
        doubt=doubt,
    )


def _sums(b: _Builder) -> None:
    """`共X所,其中A所、B所…`: the listed parts add up to the stated total."""
    for m in _PARTS_START.finditer(b.norm):
        pos = m.start()
        sent = b.ctx.layout.sentence_start(pos)
        opens_sentence = not b.norm[sent:pos].strip(" ,")
        inside_paren = b.norm[pos - 1 : pos] == "("
        # the total: nearest figure before 其中 (previous sentence when 其中 opens a sentence)
        lo = b.ctx.layout.sentence_start(sent - 1) if opens_sentence and sent > 0 else sent
        before = b.figs_in(lo, pos)
        if not before:
            continue
        if inside_paren:
            end = _matching_paren(b.norm, pos - 1)
        else:
            end = b.ctx.layout.sentence_end(pos)
            extra = _OTHER_PARTS.search(b.norm, pos, end)
            if extra:
                end = extra.start()
        nested = _PARTS_START.search(b.norm, m.end(), end)
        if nested:
            end = nested.start()
        candidates = [g for g in b.figs_in(m.end(), end) if not _prior(b, g)]
        for total in reversed(before):
            if total.claim.kind not in ("value",) or _prior(b, total):
                continue
            if not opens_sentence and not inside_paren and b.depth(total.claim.end, pos) > 0:
                continue
            parts = [
                g
                for g in candidates
                if g.claim.unit == total.claim.unit
                and b.depth(m.end(), g.claim.start) <= 0
                and g.claim.kind == "value"
            ]
            if (
                len(parts) >= 3
                and sum((p.claim.value for p in parts), Decimal(0)) > total.claim.value
                and _nested_total(b, parts)
            ):
                break  # `其中,随迁子女26.28万人,小学就读19.21万人,初中就读7.07万人`: a total of its own
            if len(parts) >= 2:
                # `各级各类学校126所,其中…` / `总计`/`合计`: the list claims to cover the whole.
                lead = b.norm[max(lo, total.claim.start - 16) : total.claim.start]
                _sum_check(b, total, parts, exhaustive=bool(_EXHAUSTIVE.search(lead)) and len(parts) >= 3)
                break
            if opens_sentence and total.claim.unit != (parts[0].claim.unit if parts else None):
                continue
            break
    # `在24项测评点中,有22个测评点…,2个测评点…`: parts named by the same noun as the whole.
    for m in _IN_N_NOUNS.finditer(b.norm):
        whole = next(
            (g for g in b.figs_in(m.start(), m.end()) if g.claim.start <= m.start(1) < g.claim.end), None
        )
        if whole is None:
            continue
        noun = m.group(2)
        end = b.ctx.layout.sentence_end(m.end())
        parts = [g for g in b.figs_in(m.end(), end) if b.norm.startswith(noun, g.claim.end)]
        if len(parts) >= 2:
            _sum_check(b, whole, parts)


def _nested_total(b: _Builder, parts: list[Figure]) -> bool:
    """Whether the first listed figure is itself the total of the ones after it (checked as such)."""
    first, rest = parts[0], parts[1:]
    s = sum((p.claim.value for p in rest), Decimal(0))
    tol = first.half_unit + sum((p.half_unit for p in rest if p.decimals or p.scale != 1), Decimal(0))
    if abs(s - first.claim.value) > tol:
        return False
    _sum_check(b, first, rest, exhaustive=True)
    return True


_TOTAL_WORD: Final = re.compile(r"(?:共有|共计|总计|合计|共)\s*$")
_PART_GAP: Final = re.compile(r"[,、;]\s*[\u4e00-\u9fff()]{1,12}?(?:为|有|)\s*")


def _following_parts(b: _Builder) -> None:
    """`随迁子女共39.09万人,小学就读27.80万人,初中就读11.30万人`: a total with 共, its parts after it."""
    for f in b.figs:
        c = f.claim
        if c.kind != "value" or not _TOTAL_WORD.search(b.norm, max(0, c.start - 3), c.start):
            continue
        end = _sentence_end(b, f)
        cut = _PARTS_START.search(b.norm, c.end, end)
        parts: list[Figure] = []
        pos = c.end
        for g in b.figs_in(c.end, cut.start() if cut else end):
            if (
                g.claim.unit != c.unit
                or g.claim.kind != "value"
                or not _PART_GAP.fullmatch(b.between(pos, g.claim.start))
            ):
                break
            parts.append(g)
            pos = g.claim.end
        if len(parts) >= 2:
            _sum_check(b, f, parts)


def _bracketed_parts(b: _Builder) -> None:
    """`学校30所(24所小学、4所初中、2所九年一贯制学校)`: a total and its breakdown in brackets."""
    for f in b.figs:
        c = f.claim
        if (
            c.kind != "value"
            or b.norm[c.end : c.end + 1] != "("
            or b.norm[c.end + 1 : c.end + 3] in ("含", "其中")
        ):
            continue
        close = _matching_paren(b.norm, c.end)
        inside = b.figs_in(c.end + 1, close)
        parts = [g for g in inside if g.claim.unit == c.unit and g.claim.kind == "value"]
        if len(parts) >= 2 and len(parts) == len(inside) and "、" in b.between(c.end, close):
            _sum_check(b, f, parts)


_ITEM_LEAD: Final = re.compile(r"(?:具体为|分别为|包括|如下)\s*:?\s*$")


def _item_parts(b: _Builder) -> None:
    """A total followed by `具体为:` and numbered items (一)(二)…, each opening with one of its parts."""
    secs = b.ctx.sections
    for i, sec in enumerate(secs):
        lead_end = sec.start
        if i == 0 or not _ITEM_LEAD.search(b.norm, max(0, lead_end - 12), lead_end):
            continue
        if secs[i - 1].start > b.ctx.layout.sentence_start(lead_end - 1) or marker_number(sec.marker) != 1:
            continue
        lead_sent = b.ctx.layout.sentence_start(lead_end - 1)
        if lead_sent >= lead_end - 1 or not b.norm[lead_sent:lead_end].strip(" \n:").endswith(
            ("具体为", "分别为", "包括", "如下")
        ):
            continue
        totals_from = (
            b.ctx.layout.sentence_start(lead_sent - 1)
            if b.norm[lead_sent:lead_end].strip().startswith(("具体", "分别", "包括", "如下"))
            else lead_sent
        )
        totals = [
            g
            for g in b.figs_in(totals_from, lead_end)
            if g.claim.unit not in ("%", "百分点") and not _prior(b, g)
        ]
        items = []
        for later in secs[i:]:
            if later.level < sec.level:
                break
            if later.level == sec.level:
                items.append(later)
        if len(items) < 2:
            continue
        bounds = [it.start for it in items[1:]] + [_block_end(secs, items[-1])]
        for total in totals:
            parts = []
            for it, end in zip(items, bounds, strict=True):
                g = next(
                    (
                        g
                        for g in b.figs_in(it.start, end)
                        if g.claim.unit == total.claim.unit
                        and g.claim.kind == total.claim.kind
                        and g.claim.direction == total.claim.direction
                        and not _prior(b, g)
                    ),
                    None,
                )
                if g is None:
                    break
                parts.append(g)
            else:
                _sum_check(b, total, parts, exhaustive=True)


def _block_end(secs: list[Section], sec: Section) -> int:
    """Where a heading's block ends: the next heading of the same or a higher level (or 3000 characters on)."""
    after = [s.start for s in secs if s.start > sec.start and s.level <= sec.level]
    return after[0] if after else sec.start + 3000


# Parts of the categories of education statistics: the scope a paragraph opens with and the categories
# that make it up (义务教育 = 小学 + 初中 …); a category may be written in several ways.
_CATEGORY_PARTS: Final = (
    (re.compile(r"义务教育(?:阶段|)"), (("小学",), ("初中",))),
    (re.compile(r"高中(?:阶段|段)(?:教育|)"), (("普通高中",), ("中等职业", "中职"))),
)
_PARA_LEAD: Final = re.compile(
    r"[\s—-]*(?:(?:19|20)\d\d年(?:度|),?|)(?:全[国省市区县州]|我[省市区县]|)(?:共有|共|有|)"
)  # used with .match at a line start
_INCLUDES: Final = re.compile(r"\((?:包括|含)([^()]{2,30})\)")  # used with .match after the scope
_SCHOOL_WORDS: Final = frozenset({"", "学校", "校数", "中小学", "学校数", "校"})


def _quantity(metric: str, names: tuple[str, ...]) -> str:
    """What a figure counts once the scope or category is taken out: 学校, 在校生, 专任教师 …"""
    q = _core(metric)
    for name in sorted(names, key=len, reverse=True):
        q = q.replace(name, "")
    q = _core(_PAREN_NOTE.sub("", q)).replace("在校学生", "在校生").strip()
    return q


_PAREN_NOTE: Final = re.compile(r"\([^()]*\)")


def _category_sums(b: _Builder) -> None:
    """A paragraph opening with a scope (义务教育, 高中阶段教育(包括普通高中、中职)) and later paragraphs
    opening with its categories: each figure of the scope is the sum of the categories' figures of the
    same quantity."""
    layout = b.ctx.layout
    norm = b.norm
    for pattern, parts in _CATEGORY_PARTS:
        for m in pattern.finditer(norm):
            line = layout.line_start(m.start())
            lead = _PARA_LEAD.match(norm, line)
            if lead is None or lead.end() != m.start():
                continue
            names = parts
            listed = _INCLUDES.match(norm, m.end())
            if listed:
                written = [w for w in re.split(r"[、和及与]", listed.group(1)) if w]
                if len(written) != len(parts):
                    continue
            line_end = norm.find("\n", m.end())
            line_end = len(norm) if line_end == -1 else line_end
            blocks = _category_blocks(b, line_end, names)
            if blocks is None:
                continue
            scope = (m.group(0),)
            for total in b.figs_in(m.end(), line_end):
                c = total.claim
                if c.unit in ("%", "百分点") or c.kind not in ("value", "growth") or _prior(b, total):
                    continue
                q = _quantity(c.metric, scope)
                if c.unit == "所" and q in _SCHOOL_WORDS:
                    q = "学校"
                found = []
                for (lo, hi), alternatives in zip(blocks, names, strict=True):
                    g = next(
                        (g for g in b.figs_in(lo, hi) if _same_quantity(b, g, total, q, alternatives)), None
                    )
                    if g is None:
                        break
                    found.append(g)
                else:
                    _sum_check(b, total, found, exhaustive=True)


def _same_quantity(b: _Builder, g: Figure, total: Figure, q: str, names: tuple[str, ...]) -> bool:
    c = g.claim
    if c.unit != total.claim.unit or c.kind != total.claim.kind or c.direction != total.claim.direction:
        return False
    if _prior(b, g):
        return False
    gq = _quantity(c.metric, names)
    if c.unit == "所" and gq in _SCHOOL_WORDS:
        gq = "学校"
    return gq == q


def _category_blocks(
    b: _Builder, after: int, names: tuple[tuple[str, ...], ...]
) -> list[tuple[int, int]] | None:
    """The paragraphs after ``after`` that open with each category, in order (within the next ten lines)."""
    norm = b.norm
    starts: list[int] = []
    pos = after
    for _ in range(10):
        if pos >= len(norm) or len(starts) == len(names):
            break
        line = _skip_blank(norm, pos + 1)
        nxt = norm.find("\n", line)
        lead = _PARA_LEAD.match(norm, line)
        head = norm[lead.end() if lead else line : lead.end() + 12 if lead else line + 12]
        if head.startswith(names[len(starts)]):
            starts.append(line)
        pos = len(norm) if nxt == -1 else nxt
    if len(starts) != len(names):
        return None
    last = norm.find("\n", starts[-1])
    ends = [*starts[1:], last if last != -1 else len(norm)]
    return list(zip(starts, ends, strict=True))


def _score_total(b: _Builder) -> None:
    """Self-evaluation totals: 满分 100 − 扣分 + 加分 = 合计得分 (the 100 is implicit)."""
    for f in b.figs:
        if f.claim.unit != "分" or not _TOTAL_SCORE.search(b.norm[max(0, f.claim.start - 8) : f.claim.start]):
            continue
        s = b.sentence_of(f)
        if "满分" not in b.norm[s : f.claim.start]:
            continue
        minus = [
            g
            for g in b.same_sentence_before(f)
            if g.claim.unit == "分" and b.norm[g.claim.start - 1 : g.claim.start] == "扣"
        ]
        plus = [
            g
            for g in b.same_sentence_before(f)
            if g.claim.unit == "分" and _BONUS.search(b.norm[max(0, g.claim.start - 10) : g.claim.start])
        ]
        if not minus and not plus:
            continue
        base = Decimal(100)
        total = (
            base
            - sum((g.claim.value for g in minus), Decimal(0))
            + sum((g.claim.value for g in plus), Decimal(0))
        )
        inputs: list[tuple[str, Figure | Decimal]] = [("满分(未明示,按100分计)", base)]
        inputs += [("扣分(减)", g) for g in minus] + [("加分指标得分", g) for g in plus]
        tol = f.half_unit + sum((g.half_unit for g in minus + plus), Decimal(0))
        formula = (
            "100"
            + "".join(f"-{_fmt(g.written)}" for g in minus)
            + "".join(f"+{_fmt(g.written)}" for g in plus)
        )
        b.add("sum", f, inputs, total, tol, formula)


def _continued_parts(b: _Builder) -> None:
    """`…公办园20所…。公办园县城内8所,农场3所,乡镇9所`: a sentence breaking down an earlier figure."""
    sentences, starts = b.sentences, b.starts
    for f in b.figs:
        i = f.index
        sent = sentences[i]
        if i > 0 and starts[i - 1] >= sent:
            continue  # only the first figure of each sentence
        prefix = b.norm[sent : f.claim.start].strip()
        if len(prefix) < 3:
            continue
        prev_sent = b.ctx.layout.sentence_start(sent - 1) if sent > 0 else 0
        # the latest figure of the previous sentence whose metric (2+ characters) opens this sentence
        for total in reversed(b.figs_in(prev_sent, sent)):
            metric = total.claim.metric
            if len(metric) >= 2 and len(prefix) > len(metric) and prefix.startswith(metric):
                break
        else:
            continue
        end = _sentence_end(b, f)
        parts = b.figs_in(f.claim.start, end)
        if len(parts) >= 2 and all(
            p.claim.unit == total.claim.unit and p.claim.kind == "value" for p in parts
        ):
            _sum_check(b, total, parts)


def _topic(b: _Builder, f: Figure) -> str:
    """The opening clause of a figure's sentence with numbers removed: what the sentence is about."""
    sent = b.sentence_of(f)
    m = _TOPIC_END.search(b.norm, sent, _sentence_end(b, f))
    head = b.norm[sent : m.start() if m else f.claim.start]
    return _DIGITS_RUN.sub("#", head).strip()


# Totals that describe the place itself (population, area, all schools) have one value per year
# anywhere in the report, so two different statements contradict each other even across sections.
# The whole metric must name the place's own total: 校舍总面积 or 在校生总人口 are not the place's.
_STOCK_METRIC: Final = re.compile(
    r"(?:全[省市区县]|辖区|本地|行政区域|区域|)(?:总人口|常住人口|户籍人口|总面积|面积|国土面积|土地面积|国土总面积)"
)  # each holds 人口 or 面积; matched against the whole metric


def _stock_duplicate(b: _Builder, f: Figure, stock: dict[tuple[str, str], Figure]) -> None:
    c = f.claim
    key = (_AREA_LEAD.sub("", c.metric), c.unit)
    first = stock.get(key)
    stock.setdefault(key, f)
    if first is None or first.claim.value == c.value or first.claim.year != c.year:
        return
    if (c.kind, c.start) in b.done or ("duplicate", c.start) in b.done:
        return
    b.add(
        "duplicate",
        f,
        [(f"{c.metric}(首次表述,{first.label_unit})", first)],
        first.claim.value,
        Decimal(0),
        "",
        scale=f.scale,
    )


def _duplicates(b: _Builder) -> None:
    """The same metric stated twice in one paragraph, in sentences about the same thing, with different values."""
    seen: dict[tuple[int, str, str], list[Figure]] = {}
    stock: dict[tuple[str, str], Figure] = {}
    dated: dict[tuple[str, str, int], Figure] = {}
    line_start = b.ctx.layout.line_start
    for f in b.figs:
        c = f.claim
        if c.kind != "value" or len(c.metric) < 3 or c.qualifier:
            continue
        if isinstance(c.year, int) and len(_core(c.metric)) >= 4 and not _prior(b, f):
            # The same dated quantity in another paragraph with another value: worth a look, but the two
            # may count differently (another scope, with or without a special item), so never an alarm.
            key = (_core(c.metric), c.unit, c.year)
            other = dated.setdefault(key, f)
            if (
                other is not f
                and other.claim.value != c.value
                and line_start(other.claim.start) != line_start(c.start)
            ):
                b.add(
                    "duplicate",
                    f,
                    [(f"{c.metric}(首次表述,{other.label_unit})", other)],
                    other.claim.value,
                    Decimal(0),
                    "",
                    scale=f.scale,
                    doubt="两处可能统计口径或范围不同",
                )
        earlier = seen.setdefault((line_start(c.start), c.metric, c.unit), [])
        if earlier:
            topic = _topic(b, f)  # computed only for repeated metrics: most figures never get here
            first = next(
                (g for g in earlier[-20:] if b.sentence_of(g) != b.sentence_of(f) and _topic(b, g) == topic),
                None,
            )
            if first is not None and first.claim.value != c.value and first.claim.year == c.year:
                b.add(
                    "duplicate",
                    f,
                    [(f"{c.metric}(首次表述,{first.label_unit})", first)],
                    first.claim.value,
                    Decimal(0),
                    "",
                    scale=f.scale,
                )
        earlier.append(f)
        if ("人口" in c.metric or "面积" in c.metric) and _STOCK_METRIC.fullmatch(_core(c.metric)):
            _stock_duplicate(b, f, stock)
