"""Figures (claims): which numbers are quantities, their unit, hedge, metric, year and kind."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from lvzhi.reader.model import Claim, Section, Span
from lvzhi.reader.numbers import Token, lex
from lvzhi.reader.text import Layout

# --- exclusions ---------------------------------------------------------------------------------
# Ordinals and ranks: 第五届, 首批, 全省排名41, 位列第3.
_RANK_BEFORE = re.compile(r"(?:第|排名|排第|名列|位列|位居|排在)\s*$")
# Grade and school names and other labels where a numeral is part of a name.
_NAME_AFTER = re.compile(r"^(?:年级|级|届|轮|号|月|日|时|点|中(?![心小])|小(?!学)|高|职|校区)")

# --- unit inference for figures written without a unit -----------------------------------------
_NOUN_UNIT = (
    (re.compile(r"^ ?(?:中小学|小学|初中|高中|中学|普通高中)?(?:新生|学生|教师|幼儿|儿童)"), "人"),
    (re.compile(r"^ ?(?:所)?(?:学校|幼儿园|中小学校)"), "所"),
    (re.compile(r"^ ?(?:县市区|县区|县市|区县|乡镇|街道|市州)"), "个"),
)
_POPULATION = re.compile(r"人口|总人口|常住|户籍|人数")
_MONEY = re.compile(r"资金|经费|投入|投资|元|支持|补助|捐|预算|支出|拨付|筹措|收入|奖励|帮扶|资助|拨款")
_PER_DENOMINATOR = re.compile(r"(?:每)?(\d+)(万|千)(?:名)?(生|人)")
_RANGE_DASH = "—–-~至到"

# --- qualifiers (verbs before the number stay out of the surface) ------------------------------
_VERB_QUALIFIER = (
    (re.compile(r"(?:不低于|不少于)\s*$"), "不低于"),
    (re.compile(r"(?:不足|不到|低于)\s*$"), "以下"),
    (re.compile(r"(?:接近|将近)\s*$"), "近"),
    (re.compile(r"(?:超过|多于)\s*$"), "超过"),
    (re.compile(r"逾\s*$"), "逾"),
    (re.compile(r"(?:达到|达)\s*$"), "达"),
    (re.compile(r"约占[^,;。]{0,20}$"), "约"),
)

# --- kinds ---------------------------------------------------------------------------------------
_GROWTH_BEFORE = re.compile(r"(增长|增加|提高|提升|上升|下降|减少|降低|增幅|降幅|减幅|回落)(?:了)?\s*$")
_GAP_BEFORE = re.compile(
    r"(?:相差|差距|差|高出|高于|低于|超出|落后)(?:全国|全省|全市|全县|省|市|县|国家)?[^,;。]{0,4}$"
)
_TARGET_SENTENCE = re.compile(
    r"力争|(?<![^年月,;。\n])拟|规划(?:投资|用地|建设|新建|到|在)|预计|计划(?:于|到|在|用)|目标(?:是|为)|确保到|到20\d\d年(?:底|末)?[,前]"
)
_TARGET_BEFORE = re.compile(r"保底|补足|不足$|标准为$|门槛")
_SHARE_CLAUSE = re.compile(r"占|比例|比重|覆盖率|占比")
_RATE_CLAUSE = re.compile(r"率|进度|每(?:千|万|百|十万)人|每\d+(?:万|千)|万生|千人")
_BOUND_ACHIEVED = re.compile(r"(?:控制在|保持在|稳定在|维持在)\s*$")
_PLAN_TITLE = re.compile(r"打算|下步|下一步|今后|展望|努力方向|工作思路|工作计划|重点工作|工作安排")
_PROBLEM_TITLE = re.compile(r"问题|不足|困难|短板|差距|挑战|薄弱")

# --- years ---------------------------------------------------------------------------------------
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-—~至]((?:19|20)\d\d))?(?:学年|年度|年)(?![级轮届])")
_RELATIVE_TIME = re.compile(
    r"今年|全年|本年|去年|截至目前|截止目前|目前|近[一二三四五六七八九十\d]+年|至今|以来|每年|年均|历年|累计"
)
_PREVIOUS_YEAR_BEFORE = re.compile(r"(?:比|较|同比)?(?:上年|去年|上一年)(?:同期)?(?:为)?\s*$")
_ITEM_OPENER = re.compile(r"[一二三四五六七八九十]是")

# --- metric phrase -------------------------------------------------------------------------------
_CLAUSE_BOUNDARY = re.compile(r"[,;。:!?\n、]")
_METRIC_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]是|其中|另有|成功|申报|立项|全市|全区|全县|全省|全州|全盟|我市|我区|我县|我省|共计|总计|累计|共|先后|已|"
    r"20\d\d年(?:度)?|比上年|较上年)+"
)
# Verbs and particles between a metric and its figure; stripped from the end of the phrase.
_TAIL_WORDS = tuple(
    sorted(
        [
            "达到",
            "提高至",
            "提高到",
            "增至",
            "增加到",
            "削减至",
            "下降至",
            "下降到",
            "保持在",
            "控制在",
            "稳定在",
            "不低于",
            "不少于",
            "不足",
            "接近",
            "超过",
            "约占",
            "约为",
            "比上年",
            "较上年",
            "同比",
            "较去年",
            "比去年",
            "增长",
            "增加",
            "提高",
            "提升",
            "下降",
            "减少",
            "降低",
            "分别",
            "达",
            "为",
            "是",
            "有",
            "共",
            "约",
            "近",
            "逾",
            "按",
            "在",
            "占",
            "计",
            "的",
        ],
        key=len,
        reverse=True,
    )
)


def _strip_tail(phrase: str) -> str:
    """Remove trailing verbs and particles (达到, 比上年增长, 为 …) from a metric phrase."""
    while phrase.endswith(_TAIL_WORDS):
        for w in _TAIL_WORDS:
            if phrase.endswith(w):
                phrase = phrase[: -len(w)]
                break
    return phrase


@dataclass(frozen=True)
class Context:
    """What the claim rules need to know about the text around the numbers."""

    text: str
    norm: str
    layout: Layout
    boilerplate: list[Span]
    sections: list[Section]
    marker_starts: frozenset[int]
    times: TimeIndex


def _in(spans: list[Span], pos: int) -> bool:
    i = bisect.bisect_right(spans, pos, key=lambda s: s.start) - 1
    return i >= 0 and spans[i].start <= pos < spans[i].end


def find_claims(ctx: Context) -> list[Claim]:
    """All quantitative mentions in the report body, in text order."""
    tokens = lex(ctx.norm)
    kept: list[Token] = []
    for i, tok in enumerate(tokens):
        if _excluded(ctx, tok):
            continue
        tok = _infer_unit(ctx, tok, tokens, i)
        if tok.unit is None:
            continue
        kept.append(tok)
    section_starts = [s.start for s in ctx.sections]
    flags = _section_flags(ctx.sections)
    claims = [_claim(ctx, tok, section_starts, flags) for tok in kept]
    return _inherit_metrics(ctx, _continue_lists(ctx.norm, claims))


def _inherit_metrics(ctx: Context, claims: list[Claim]) -> list[Claim]:
    """`…11444.49元,比上年增长0.13%`, `1000元、900元`: a figure with no words of its own measures
    the same thing as the figure before it in the sentence."""
    out: list[Claim] = []
    for c in claims:
        prev = out[-1] if out else None
        if (
            not c.metric
            and prev is not None
            and prev.metric
            and ctx.layout.sentence_start(c.start) <= prev.start
        ):
            c = replace(c, metric=prev.metric)
        out.append(c)
    return out


def _continue_lists(norm: str, claims: list[Claim]) -> list[Claim]:
    """`高出省11个百分点、市7个百分点`, `下降81%和82%`: list items share the kind of the first."""
    out: list[Claim] = []
    for c in claims:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind in ("gap", "growth")
            and c.kind != prev.kind
            and prev.unit == c.unit
            and c.start - prev.end <= 4
            and re.fullmatch(r"[、和及与]\s*[\u4e00-\u9fff]{0,2}", norm[prev.end : c.start])
        ):
            c = replace(c, kind=prev.kind, direction=prev.direction)
        out.append(c)
    return out


def _excluded(ctx: Context, tok: Token) -> bool:
    norm = ctx.norm
    if _in(ctx.boilerplate, tok.num_start) or tok.num_start in ctx.marker_starts:
        return True
    before = norm[max(0, tok.start - 6) : tok.start]
    after = norm[tok.end : tok.end + 3]
    if _RANK_BEFORE.search(before):
        return True
    if ctx.layout.in_book_title(tok.num_start):
        return True
    nxt = norm[tok.num_start + len_num(norm, tok) : tok.num_start + len_num(norm, tok) + 1]
    if (nxt in "+×*xX" and nxt) or (before.endswith(("+", "×")) and tok.unit is None):
        return True
    if before.endswith("+"):
        return True
    if tok.chinese:
        if tok.value == 1 or ctx.layout.in_quote(tok.num_start):
            return True
        # 四个一批, 五个一: a count followed by another numeral is a slogan.
        if after[:1] == "一":
            return True
        if before.endswith(("星期", "周", "年")):
            return True
    if tok.unit is None and _NAME_AFTER.match(norm[tok.end : tok.end + 2]):
        return True
    if tok.written_unit == "年" and not tok.bound:
        return True  # 近3年, 2023年: time, not a quantity
    if tok.written_unit in ("个月", "天") and before.endswith(("近", "前", "每", "后")):
        return True
    return bool(tok.unit == "%" and tok.value > 1000)


_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def len_num(norm: str, tok: Token) -> int:
    """Length of the digits of a token (1 for Chinese numerals, which are never followed by + or ×)."""
    m = _DIGITS.match(norm, tok.num_start)
    return m.end() - tok.num_start if m else 1


def _infer_unit(ctx: Context, tok: Token, tokens: list[Token], i: int) -> Token:
    if tok.unit is not None:
        return tok
    norm = ctx.norm
    after = norm[tok.end : tok.end + 12]
    clause_start = _clause_start(norm, tok.start, ctx.layout)
    before = norm[clause_start : tok.start]
    if tok.chinese:
        return tok
    # Year-like numbers without a unit are time or codes, never figures.
    if not tok.magnitude and re.fullmatch(r"(?:19|20)\d\d", norm[tok.num_start : tok.end]):
        return tok
    if tok.magnitude:
        if after.startswith(("生", "名生", "人口")) and not tok.bound:
            return tok  # rate denominators (10万生, 每10万人口)
        # The figure's own clause decides; a parenthesised figure (其中…17.21万) inherits the clause
        # before the parenthesis; otherwise the nearby words decide.
        scopes = [before + after[:4]]
        paren = norm.rfind("(", max(0, tok.start - 30), tok.start)
        if paren != -1 and ")" not in norm[paren : tok.start]:
            scopes.append(norm[_clause_start(norm, paren, ctx.layout) : paren])
        scopes.append(norm[max(0, tok.start - 30) : tok.start] + after[:6])
        for scope in scopes:
            if _POPULATION.search(scope):
                return tok._replace(unit="人")
            if _MONEY.search(scope):
                return tok._replace(unit="元")
        return tok
    if before.endswith("每"):
        return tok
    for pattern, unit in _NOUN_UNIT:
        if pattern.match(after) and not tok.bound:
            return tok._replace(unit=unit)
    # Range: 0—20周岁 takes the unit of its upper end.
    nxt_char = norm[tok.end : tok.end + 1]
    if nxt_char and nxt_char in _RANGE_DASH and i + 1 < len(tokens):
        nxt = tokens[i + 1]
        if nxt.start == tok.end + 1 and nxt.unit and nxt.unit not in ("年",):
            return tok._replace(unit=nxt.unit)
    # A rate per N people stated without a unit: 10万生非正常死亡率下降至0.68.
    if "." in norm[tok.num_start : tok.end] or before.endswith(("至", "为")):
        sentence = norm[ctx.layout.sentence_start(tok.start) : tok.start]
        per = _PER_DENOMINATOR.search(sentence)
        if per and "率" in sentence[per.end() :]:
            return tok._replace(unit=f"人/{per.group(1)}{per.group(2)}{per.group(3)}")
    return tok


def _clause_start(norm: str, pos: int, layout: Layout, sent: int | None = None) -> int:
    lo = max(layout.sentence_start(pos) if sent is None else sent, pos - 40)
    best = lo
    for m in _CLAUSE_BOUNDARY.finditer(norm, lo, pos):
        best = m.end()
    return best


def _qualifier(ctx: Context, tok: Token) -> str:
    before = ctx.norm[max(0, tok.start - 24) : tok.start]
    verb = ""
    for pattern, q in _VERB_QUALIFIER:
        if pattern.search(before):
            verb = q
            break
    if tok.bound in ("以上", "及以上"):
        return "以上"
    if tok.bound in ("以下", "及以下"):
        return "以下"
    if verb in ("不低于", "以下", "超过", "逾"):
        return verb
    if tok.pre == "近" or verb == "近":
        return "近"
    if tok.pre == "约" or tok.bound == "左右" or verb == "约":
        return "约"
    if tok.many:
        return "余"
    return verb


def _section_flags(sections: list[Section]) -> list[tuple[bool, bool]]:
    """Per heading: (inside a plans section, inside a problems or plans section), from its ancestors."""
    flags = []
    level1 = level2 = ""
    for sec in sections:
        if sec.level == 1:
            level1, level2 = sec.title, ""
        elif sec.level == 2:
            level2 = sec.title
        titles = level1 + "|" + level2
        plan = bool(_PLAN_TITLE.search(titles))
        flags.append((plan, plan or bool(_PROBLEM_TITLE.search(titles))))
    return flags


def _kind(
    ctx: Context, tok: Token, qualifier: str, plan: bool, sent: int, clause_start: int
) -> tuple[str, str | None]:
    norm = ctx.norm
    clause = norm[clause_start : tok.start]
    near = norm[max(0, tok.start - 12) : tok.start]
    after = norm[tok.end : tok.end + 4]
    sentence = norm[max(sent, tok.start - 40) : tok.start]
    pct = tok.unit in ("%", "百分点")
    if tok.unit == "百分点" and _GAP_BEFORE.search(clause[-16:]):
        return "gap", None
    growth = _GROWTH_BEFORE.search(near)
    if pct and growth:
        down = growth.group(1) in ("下降", "减少", "降低", "降幅", "减幅", "回落")
        return "growth", "down" if down else "up"
    if pct and re.search(r"(?:同比)?(?:下降|减少|降低)\d+(?:\.\d+)?%和$", near):
        return "growth", "down"
    if pct and re.search(r"(?:同比)?(?:增长|增加|提高)\d+(?:\.\d+)?%和$", near):
        return "growth", "up"
    if plan or ctx.times.has_target(sent, tok.start) or after.startswith("的目标"):
        return "target", None
    if qualifier == "不低于" or _TARGET_BEFORE.search(clause):
        return "target", None
    if (
        tok.bound
        and tok.bound != "左右"
        and not pct
        and not _BOUND_ACHIEVED.search(near)
        and (after[:1] in "的)" or "\u4e00" <= after[:1] <= "\u9fff")
    ):
        return "target", None  # a category threshold: 200人以下 small schools, 30周岁以下 teachers
    if qualifier == "以下" and after.startswith("的"):
        return "target", None
    if pct:
        bare_clause = not _strip_tail(clause.strip())
        if bare_clause and _SHARE_CLAUSE.search(sentence):
            return "share", None  # 占比提升约3个百分点,达80.91%
        if _SHARE_CLAUSE.search(clause) or clause.endswith(("其中", "×", "的")):
            return "share", None
        if after[:1] and "\u4e00" <= after[:1] <= "\u9fff" and not after.startswith(("以", "及")):
            return "share", None  # 98.67%参与…: a proportion of a named population
        return "rate", None
    if _RATE_CLAUSE.search(clause) and ("每" in clause or "万生" in clause or "千人" in clause):
        return "rate", None
    if tok.unit is not None and tok.unit.startswith("人/"):
        return "rate", None
    return "value", None


@dataclass(frozen=True)
class TimeIndex:
    """Every year and relative time expression of the text, found once, looked up by bisection."""

    year_starts: list[int]
    year_ends: list[int]
    year_values: list[int | str]
    relative_starts: list[int]
    openers: list[int]  # 一是/二是 sub-item starts
    targets: list[int]  # plan words: 力争, 拟, 规划投资 …

    @staticmethod
    def build(norm: str, layout: Layout) -> TimeIndex:
        """Scan the text once for time expressions."""
        starts, ends, values = [], [], []
        for m in _YEAR.finditer(norm):
            if layout.in_book_title(m.start()):
                continue
            starts.append(m.start())
            ends.append(m.end())
            values.append(f"{m.group(1)}-{m.group(2)}" if m.group(2) else int(m.group(1)))
        relative = [m.start() for m in _RELATIVE_TIME.finditer(norm)]
        openers = [m.start() for m in _ITEM_OPENER.finditer(norm)]
        targets = [m.start() for m in _TARGET_SENTENCE.finditer(norm)]
        return TimeIndex(starts, ends, values, relative, openers, targets)

    def has_target(self, lo: int, hi: int) -> bool:
        """Whether a plan word (力争, 拟 …) occurs in ``[lo, hi)``."""
        k = bisect.bisect_left(self.targets, lo)
        return k < len(self.targets) and self.targets[k] < hi

    def last_year(self, lo: int, hi: int) -> int:
        """Index of the last year expression ending within ``[lo, hi]``, or -1."""
        i = bisect.bisect_right(self.year_ends, hi) - 1
        return i if i >= 0 and self.year_starts[i] >= lo else -1

    def has_time(self, lo: int, hi: int) -> bool:
        """Whether any year or relative time expression starts in ``[lo, hi)``."""
        j = bisect.bisect_left(self.year_starts, lo)
        if j < len(self.year_starts) and self.year_starts[j] < hi:
            return True
        k = bisect.bisect_left(self.relative_starts, lo)
        return k < len(self.relative_starts) and self.relative_starts[k] < hi

    def last_relative(self, lo: int, hi: int) -> int:
        """Start of the last relative time expression in ``[lo, hi)``, or -1."""
        k = bisect.bisect_left(self.relative_starts, hi) - 1
        return self.relative_starts[k] if k >= 0 and self.relative_starts[k] >= lo else -1

    def last_opener(self, lo: int, hi: int) -> int:
        """Start of the last 一是/二是 in ``[lo, hi)``, or -1."""
        k = bisect.bisect_left(self.openers, hi) - 1
        return self.openers[k] if k >= 0 and self.openers[k] >= lo else -1


_OPENER_YEAR = re.compile(r"\s*(?:[一二三四五六七八九十]是)?\s*((?:19|20)\d\d)年(?:度)?(?:[,]|以来)?")


def _year(
    ctx: Context, tok: Token, section_starts: list[int], restricted: bool, sent_start: int
) -> int | str | None:
    norm = ctx.norm
    times = ctx.times
    i = times.last_year(sent_start, tok.start)
    rel = times.last_relative(sent_start, tok.start)
    if i >= 0:
        if rel > times.year_ends[i]:
            return None
        year = times.year_values[i]
        if isinstance(year, int) and _PREVIOUS_YEAR_BEFORE.search(norm, max(0, tok.start - 6), tok.start):
            return year - 1
        return year
    if rel >= 0 or restricted:
        return None
    # A year that opens the paragraph, numbered item or 一是 sub-item governs later figures as long
    # as no other time expression intervenes.
    block_start = ctx.layout.line_start(tok.start)
    h = bisect.bisect_right(section_starts, tok.start) - 1
    if h >= 0 and ctx.sections[h].start >= block_start:
        block_start = ctx.sections[h].start
        # skip the run-in heading: marker and title up to its stop
        stop = re.compile(r"[。:\n]").search(norm, block_start, min(tok.start, block_start + 200))
        block_start = stop.end() if stop else tok.start
    opener = times.last_opener(block_start, tok.start)
    if opener >= 0:
        block_start = opener
    m = _OPENER_YEAR.match(norm, block_start, tok.start)
    if not m or "以来" in m.group(0):
        return None
    if times.has_time(m.end(), tok.start):
        return None
    year = int(m.group(1))
    if _PREVIOUS_YEAR_BEFORE.search(norm, max(0, tok.start - 6), tok.start):
        return year - 1
    return year


_METRIC_AFTER = re.compile(r"[^,;。:、\n(,;:(]{1,12}")
_HAS_DIGIT = re.compile(r"[\d０-９]")
_HAS_FIGURE = re.compile(r"[\d０-９][\d.．]*\s*(?:万|亿)?(?:元|%|％|人|所|个|名|项|次|平方)")


def _metric(ctx: Context, tok: Token, start: int) -> str:
    phrase = ctx.text[start : tok.start]
    if " " in phrase or "\xa0" in phrase or "\u3000" in phrase:
        phrase = re.sub(r"\s+", "", phrase)
    phrase = _METRIC_LEAD.sub("", _strip_tail(phrase))
    phrase = _strip_tail(phrase)
    if _HAS_FIGURE.search(phrase):
        # `比上年14.87亿元增长5.04%`, `每月500元至1000元`: the words belong to the figure before,
        # whose metric this one inherits (see _inherit_metrics).
        return ""
    if not phrase:
        # `普通高中生均经费支出,2022年为9455.76元`: the metric is the clause before, when it holds
        # no figure of its own; `11 县市区` has it after the number.
        sent = ctx.layout.sentence_start(start)
        prev = ctx.text[max(sent, start - 40) : max(sent, start - 1)]
        prev = re.split(r"[,;:、,;:]", prev)[-1]
        after = _METRIC_AFTER.match(ctx.text, tok.end, tok.end + 16)
        if prev and not _HAS_DIGIT.search(prev):
            phrase = _strip_tail(_METRIC_LEAD.sub("", prev.strip()))
        elif after and not _HAS_DIGIT.search(after.group(0)):
            phrase = after.group(0).strip()
    return phrase[-24:]


def _claim(ctx: Context, tok: Token, section_starts: list[int], flags: list[tuple[bool, bool]]) -> Claim:
    h = bisect.bisect_right(section_starts, tok.start) - 1
    plan, restricted = flags[h] if h >= 0 else (False, False)
    sent = ctx.layout.sentence_start(tok.start)
    clause_start = _clause_start(ctx.norm, tok.start, ctx.layout, sent)
    qualifier = _qualifier(ctx, tok)
    kind, direction = _kind(ctx, tok, qualifier, plan, sent, clause_start)
    start = tok.start
    if tok.pre == "近" and ctx.norm[start - 1 : start] in ("接", "将"):
        start += 1  # 接近100%: the verb stays out of the surface
    assert tok.unit is not None
    value = tok.value
    if value == value.to_integral_value():
        value = Decimal(int(value))  # exact at any size (quantize fails beyond 28 digits)
    return Claim(
        start=start,
        end=tok.end,
        surface=ctx.text[start : tok.end],
        value=value,
        unit=tok.unit,
        qualifier=qualifier,
        metric=_metric(ctx, tok, clause_start),
        year=_year(ctx, tok, section_starts, restricted, sent),
        kind=kind,
        direction=direction,
    )
