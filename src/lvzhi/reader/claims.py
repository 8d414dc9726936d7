"""Figures (claims): which numbers are quantities, their unit, hedge, metric, year and kind."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from lvzhi.reader.model import Claim, Section, Span
from lvzhi.reader.numbers import Token, lex
from lvzhi.reader.text import Layout

# Patterns: optional parts of several characters are written (?:X|), not X? (see numbers.ARABIC_RE).

# --- exclusions ---------------------------------------------------------------------------------
# Ordinals and ranks: 第五届, 首批, 全省排名41, 位列第3.
# Each ends the text before the figure (spaces aside).
_RANK_BEFORE: Final = ("第", "排名", "排第", "名列", "位列", "位居", "排在")
# Grade and school names and other labels where a numeral is part of a name.
_NAME_AFTER: Final = re.compile(r"^(?:年级|级|届|轮|号|月|日|时|点|中(?![心小])|小(?!学)|高|职|校区)")

# --- unit inference for figures written without a unit -----------------------------------------
_NOUN_UNIT: Final = (
    (re.compile(r"^ ?(?:中小学|小学|初中|高中|中学|普通高中)?(?:新生|学生|教师|幼儿|儿童)"), "人"),
    (re.compile(r"^ ?(?:所)?(?:学校|幼儿园|中小学校)"), "所"),
    (re.compile(r"^ ?(?:县市区|县区|县市|区县|乡镇|街道|市州)"), "个"),
)
_POPULATION: Final = re.compile(r"人口|总人口|常住|户籍|人数")
_MONEY: Final = re.compile(
    r"资金|经费|投入|投资|元|支持|补助|捐|预算|支出|拨付|筹措|收入|奖励|帮扶|资助|拨款"
)
_PER_DENOMINATOR: Final = re.compile(r"(?:每)?(\d+)(万|千)(?:名)?(生|人)")
_RANGE_DASH: Final = "—–-~至到"
_FASTEST: Final = re.compile(r"(?:增长|增幅)最[快大][^,;。]{0,20}\($")

# --- qualifiers (verbs before the number stay out of the surface) ------------------------------
# Each verb must end the text before the figure (trailing spaces aside), first listed first.
_VERB_QUALIFIER: Final = (
    (("不低于", "不少于"), "不低于"),
    (("不足", "不到", "低于"), "以下"),
    (("接近", "将近"), "近"),
    (("超过", "多于"), "超过"),
    (("逾",), "逾"),
    (("达到", "达"), "达"),
)
_VERB_LAST: Final = frozenset(w[-1] for words, _ in _VERB_QUALIFIER for w in words)
_ABOUT_SHARE: Final = re.compile(r"约占[^,;。]{0,20}$")  # 约占全县…的: the hedge sits before the words

# --- kinds ---------------------------------------------------------------------------------------
# Ending the text before the figure (了 and spaces aside); every word has two characters.
_GROWTH_WORDS: Final = ("增长", "增加", "提高", "提升", "上升", "下降", "减少", "降低", "增幅", "降幅", "减幅", "回落")  # fmt: skip
_FALL_AND: Final = re.compile(r"(?:同比|)(?:下降|减少|降低)\d+(?:\.\d+|)%和$")  # 下降81%和82%
_RISE_AND: Final = re.compile(r"(?:同比|)(?:增长|增加|提高)\d+(?:\.\d+|)%和$")
_DOWN_WORDS: Final = ("下降", "减少", "降低", "降幅", "减幅", "回落")
_GAP_BEFORE: Final = re.compile(
    r"(?:相差|差距|差|高出|高于|低于|超出|落后)(?:全国|全省|全市|全县|省|市|县|国家|)[^,;。]{0,4}$"
)
_TARGET_SENTENCE: Final = re.compile(
    # 拟 only at the start of a clause; the lookbehind sits after the 拟 so that every alternative starts
    # with a literal and the engine scans for those characters rather than trying every position.
    r"力争|拟(?<![^年月,;。\n]拟)|规划(?:投资|用地|建设|新建|到|在)|预计|计划(?:于|到|在|用)|目标(?:是|为)|确保到"
    r"|到20\d\d年(?:底|末)?[,前]"
)
# 保底, 补足, 门槛 anywhere in the clause before the figure, or ending it (a clause holds no line break):
_TARGET_END: Final = ("不足", "标准为")
_SHARE_CLAUSE: Final = re.compile(r"占|比例|比重|覆盖率|占比")
# A comparison with an earlier period in the sentence before a figure of change.
_COMPARED: Final = re.compile(r"(?:比|较|同比|与)(?:上年|去年|上一年|上学年|\d{4}年)|同比")
_RATE_CLAUSE: Final = re.compile(r"率|进度|每(?:千|万|百|十万)人|每\d+(?:万|千)|万生|千人")
_BOUND_ACHIEVED: Final = re.compile(r"(?:控制在|保持在|稳定在|维持在)\s*$")
_PLAN_TITLE: Final = re.compile(r"打算|下步|下一步|今后|展望|努力方向|工作思路|工作计划|重点工作|工作安排")
_PROBLEM_TITLE: Final = re.compile(r"问题|不足|困难|短板|差距|挑战|薄弱")

# --- years ---------------------------------------------------------------------------------------
# `(?<!\d)` checked after the first digit (same positions, but the pattern starts with a literal).
_YEAR: Final = re.compile(
    r"((?:1(?<!\d1)9|2(?<!\d2)0)\d\d)(?:[-—~至]((?:19|20)\d\d)|)(?:学年|年度|年)(?![级轮届])"
)
_RELATIVE_TIME: Final = re.compile(
    r"今年|全年|本年|去年|截至目前|截止目前|目前|近[一二三四五六七八九十\d]+年|至今|以来|每年|年均|历年|累计"
)
_PREVIOUS_YEAR_BEFORE: Final = re.compile(r"(?:比|较|同比|)(?:上年|去年|上一年)(?:同期|)为?\s*$")
# 一是/二是: found by its 是 (a single literal is the fastest thing the engine scans for), the numeral
# checked behind it; a match starts one character before the 是.
_ITEM_OPENER: Final = re.compile(r"是(?<=[一二三四五六七八九十]是)")

# --- metric phrase -------------------------------------------------------------------------------
_METRIC_LEAD: Final = re.compile(
    r"^(?:[一二三四五六七八九十]是|其中|另有|成功|申报|立项|全市|全区|全县|全省|全州|全盟|我市|我区|我县|我省|共计|总计|累计|共|先后|已|"
    r"20\d\d年(?:度)?|比上年|较上年)+"
)
# Verbs and particles between a metric and its figure; stripped from the end of the phrase.
_TAIL_WORDS: Final = tuple(
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


# The tail words by their last character, longest first (the order of _TAIL_WORDS).
_TAIL_BY_LAST: Final[dict[str, tuple[str, ...]]] = {}
for _w in _TAIL_WORDS:
    _TAIL_BY_LAST[_w[-1]] = (*_TAIL_BY_LAST.get(_w[-1], ()), _w)


def _strip_tail(phrase: str) -> str:
    """Remove trailing verbs and particles (达到, 比上年增长, 为 …) from a metric phrase."""
    while phrase and phrase[-1] in _TAIL_BY_LAST:
        for w in _TAIL_BY_LAST[phrase[-1]]:
            if phrase.endswith(w):
                phrase = phrase[: -len(w)]
                break
        else:
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


_object_new: Final = object.__new__


def new_claim(
    start: int,
    end: int,
    surface: str,
    value: Decimal,
    unit: str,
    qualifier: str,
    metric: str,
    year: int | str | None,
    kind: str,
    direction: str | None = None,
) -> Claim:
    """A :class:`Claim`, equal to ``Claim(...)``, built by filling its instance dictionary.

    The frozen dataclass's own ``__init__`` calls ``object.__setattr__`` once per field; a report has
    hundreds of claims, and this takes a fraction of that (and runs compiled, where the ``__init__`` of
    the interpreted model would not).
    """
    claim: Claim = _object_new(Claim)
    d = claim.__dict__
    d["start"] = start
    d["end"] = end
    d["surface"] = surface
    d["value"] = value
    d["unit"] = unit
    d["qualifier"] = qualifier
    d["metric"] = metric
    d["year"] = year
    d["kind"] = kind
    d["direction"] = direction
    return claim


def find_claims(ctx: Context) -> list[Claim]:
    """All quantitative mentions in the report body, in text order."""
    tokens = lex(ctx.norm)
    kept: list[Token] = []
    # Tokens come in text order, so whether each lies in chrome or in a 《title》 is one walk along
    # those (sorted, disjoint) spans rather than a search per token.
    chrome = [(s.start, s.end) for s in ctx.boilerplate]
    books = ctx.layout.books
    ci = bi = 0
    nc, nb = len(chrome), len(books)
    for i, tok in enumerate(tokens):
        p = tok.num_start
        while ci < nc and chrome[ci][1] <= p:
            ci += 1
        while bi < nb and books[bi][1] <= p:
            bi += 1
        if (ci < nc and chrome[ci][0] <= p) or (bi < nb and books[bi][0] <= p):
            continue
        if _excluded(ctx, tok):
            continue
        tok = _infer_unit(ctx, tok, tokens, i)
        if tok.unit is None:
            continue
        kept.append(tok)
    section_starts = [s.start for s in ctx.sections]
    flags = _section_flags(ctx.sections)
    title_stops: dict[int, int] = {}
    sentences = ctx.layout.sentence_starts_of([tok.start for tok in kept])
    claims = [
        _claim(ctx, tok, sent, section_starts, flags, title_stops)
        for tok, sent in zip(kept, sentences, strict=True)
    ]
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
            # (dataclasses.replace costs ten times a direct construction)
            c = new_claim(
                c.start,
                c.end,
                c.surface,
                c.value,
                c.unit,
                c.qualifier,
                prev.metric,
                c.year,
                c.kind,
                c.direction,
            )
        out.append(c)
    return out


_LIST_JOINER: Final = re.compile(r"[、和及与]\s*[\u4e00-\u9fff]{0,2}")


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
            and _LIST_JOINER.fullmatch(norm[prev.end : c.start])
        ):
            c = replace(c, kind=prev.kind, direction=prev.direction)
        out.append(c)
    return out


def _excluded(ctx: Context, tok: Token) -> bool:
    """Whether a token is not a figure (chrome and 《titles》 are left out before, in find_claims)."""
    # Every rule below excludes on its own; the cheap and frequent ones come first.
    if tok.written_unit == "年" and not tok.bound and not _years_as_quantity(ctx.norm, tok):
        return True  # 近3年, 2023年: time, not a quantity
    num_start = tok.num_start
    if num_start in ctx.marker_starts:
        return True
    norm = ctx.norm
    start = tok.start
    before = norm[start - 6 if start > 6 else 0 : start]
    if before.rstrip().endswith(_RANK_BEFORE) or before.endswith("+"):
        return True
    if tok.chinese:
        if tok.value == 1 or ctx.layout.in_quote(num_start):
            return True
        # 四个一批, 五个一: a count followed by another numeral is a slogan.
        if norm[tok.end : tok.end + 1] == "一":
            return True
        if before.endswith(("星期", "周", "年")):
            return True
        after2 = norm[tok.end : tok.end + 2]
        if tok.written_unit == "大" and (before.endswith(_CONGRESS_BEFORE) or after2 in _CONGRESS_AFTER):
            return True  # 党的十九大, 二十大精神: a congress is named by its number
        if after2[:1] and after2[0] in _PLACE_SUFFIX:
            return True  # 三门峡, 五台山: a numeral and a measure word starting a place name
        if before.endswith("中央") and tok.written_unit in ("项", "条"):
            return True  # 中央八项规定: a rule named by its count
        nxt = norm[num_start + 1 : num_start + 2]  # Chinese numerals are never followed by + or ×
    else:
        num_end = tok.num_end
        if norm[num_end : num_end + 1] == ".":  # 1.2.3: the figure is 1, but 1.2 is what is followed by +
            m = _DIGITS.match(norm, num_start)
            num_end = m.end() if m else num_start + 1
        nxt = norm[num_end : num_end + 1]
    if nxt and nxt in "+×*xX":
        return True
    if tok.unit is None and (before.endswith("×") or _NAME_AFTER.match(norm[tok.end : tok.end + 2])):
        return True
    if tok.written_unit in ("个月", "天") and before.endswith(("近", "前", "每", "后")):
        return True
    return tok.unit == "%" and tok.value > 1000


_DIGITS: Final = re.compile(r"\d+(?:\.\d+|)")
_SCHOOLING_YEARS: Final = re.compile(r"年限\s*(?:达到|达|为|)\s*$")


def _years_as_quantity(norm: str, tok: Token) -> bool:
    """`平均受教育年限10.9年`: a number of years measured, not a time (a fraction, or after 年限)."""
    if "." in norm[tok.num_start : tok.end]:
        return True
    return _SCHOOLING_YEARS.search(norm, max(0, tok.start - 8), tok.start) is not None


_CONGRESS_BEFORE: Final = ("党的", "中共", "党的第")
_CONGRESS_AFTER: Final = frozenset({"精神", "报告", "代表", "以来", "召开", "胜利", "和十", "和二", "提出"})
_PLACE_SUFFIX: Final = frozenset("峡峰岭")


_YEAR_LIKE: Final = re.compile(r"(?:19|20)\d\d")


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
    if not tok.magnitude and _YEAR_LIKE.fullmatch(norm[tok.num_start : tok.end]):
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
    if "." in norm[tok.num_start : tok.end] and (
        before.rstrip().endswith(_GROWTH_WORDS) or _FASTEST.search(before)
    ):
        # `比上年减少243人,下降2.47;`, `增长最快的是卢氏县(6.30)`: a rate of change whose % was left out.
        return tok._replace(unit="%")
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
    return layout.clause_start(pos, lo)


def _qualifier(ctx: Context, tok: Token) -> str:
    before = ctx.norm[max(0, tok.start - 24) : tok.start]
    verb = ""
    bare = before.rstrip()
    if bare[-1:] in _VERB_LAST:
        for words, q in _VERB_QUALIFIER:
            if bare.endswith(words):
                verb = q
                break
    if not verb and "约占" in before and _ABOUT_SHARE.search(before):
        verb = "约"
    if not (verb or tok.bound or tok.pre or tok.many):
        return ""  # most figures: nothing below can apply
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
    pos = tok.start
    clause = norm[clause_start:pos]
    near = norm[pos - 12 if pos > 12 else 0 : pos]
    after = norm[tok.end : tok.end + 4]
    pct = tok.unit in ("%", "百分点")
    if tok.unit == "百分点" and _GAP_BEFORE.search(clause[-16:]):
        return "gap", None
    if pct:
        bare = near.rstrip()
        if bare.endswith("了"):
            bare = bare[:-1]
        if bare.endswith(_GROWTH_WORDS):
            return "growth", "down" if bare.endswith(_DOWN_WORDS) else "up"
        if "%和" in near:
            if _FALL_AND.search(near):
                return "growth", "down"
            if _RISE_AND.search(near):
                return "growth", "up"
    elif tok.unit is not None and not tok.bound:
        # `比上年的387878万元减少19万元`, `较上年增加463.26万元`: an amount of change against an earlier
        # period is a growth in the unit of the quantity (its value is the size of the change).
        bare = near.rstrip()
        if bare.endswith(_GROWTH_WORDS) and _COMPARED.search(norm, sent, pos):
            return "growth", "down" if bare.endswith(_DOWN_WORDS) else "up"
    targets = ctx.times.targets  # a plan word (力争, 拟 …) in [sent, pos)?
    k = bisect_left(targets, sent)
    if plan or (k < len(targets) and targets[k] < pos) or after.startswith("的目标"):
        return "target", None
    if (
        qualifier == "不低于"
        or clause.endswith(_TARGET_END)
        or "保底" in clause
        or "补足" in clause
        or "门槛" in clause
    ):
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
        if bare_clause and _SHARE_CLAUSE.search(norm[max(sent, pos - 40) : pos]):
            return "share", None  # 占比提升约3个百分点,达80.91%
        if _SHARE_CLAUSE.search(clause) or clause.endswith(("其中", "×", "的")):
            return "share", None
        if after[:1] and "\u4e00" <= after[:1] <= "\u9fff" and not after.startswith(("以", "及")):
            return "share", None  # 98.67%参与…: a proportion of a named population
        return "rate", None
    if ("每" in clause or "万生" in clause or "千人" in clause) and _RATE_CLAUSE.search(clause):
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
        starts: list[int] = []
        ends: list[int] = []
        values: list[int | str] = []
        books, b = layout.books, 0  # years inside a 《title》 are not times: one walk along the titles
        for m in _YEAR.finditer(norm):
            start = m.start()
            while b < len(books) and books[b][1] <= start:
                b += 1
            if b < len(books) and books[b][0] <= start:
                continue
            first, last = m.groups()
            starts.append(start)
            ends.append(m.end())
            values.append(f"{first}-{last}" if last else int(first))
        relative = [m.start() for m in _RELATIVE_TIME.finditer(norm)]
        openers = [m.start() - 1 for m in _ITEM_OPENER.finditer(norm)]
        targets = [m.start() for m in _TARGET_SENTENCE.finditer(norm)]
        return TimeIndex(starts, ends, values, relative, openers, targets)

    def has_time(self, lo: int, hi: int) -> bool:
        """Whether any year or relative time expression starts in ``[lo, hi)``."""
        j = bisect_left(self.year_starts, lo)
        if j < len(self.year_starts) and self.year_starts[j] < hi:
            return True
        k = bisect_left(self.relative_starts, lo)
        return k < len(self.relative_starts) and self.relative_starts[k] < hi


_RUN_IN_STOP: Final = re.compile(r"[。:\n]")


def _previous_year(norm: str, pos: int) -> bool:
    """Whether the figure at ``pos`` is last year's (上年为 …, 比上年同期 …)."""
    lo = max(0, pos - 6)
    return "年" in norm[lo:pos] and _PREVIOUS_YEAR_BEFORE.search(norm, lo, pos) is not None


_OPENER_FIRST: Final = frozenset("一二三四五六七八九十12")
_OPENER_YEAR: Final = re.compile(r"\s*(?:[一二三四五六七八九十]是|)\s*((?:19|20)\d\d)年度?(?:,|以来|)")


def _year(
    ctx: Context,
    tok: Token,
    section_starts: list[int],
    restricted: bool,
    sent_start: int,
    title_stops: dict[int, int],
) -> int | str | None:
    norm = ctx.norm
    times = ctx.times
    pos = tok.start
    # The last year expression ending by pos and the last relative time (今年, 以来 …) starting before it,
    # within the sentence: bisections inlined, this runs for every figure.
    i = bisect_right(times.year_ends, pos) - 1
    if i >= 0 and times.year_starts[i] < sent_start:
        i = -1
    k = bisect_left(times.relative_starts, pos) - 1
    rel = times.relative_starts[k] if k >= 0 and times.relative_starts[k] >= sent_start else -1
    if i >= 0:
        if rel > times.year_ends[i]:
            return None
        year = times.year_values[i]
        if isinstance(year, int) and _previous_year(norm, tok.start):
            return year - 1
        return year
    if rel >= 0 or restricted:
        return None
    # A year that opens the paragraph, numbered item or 一是 sub-item governs later figures as long
    # as no other time expression intervenes.
    block_start = ctx.layout.line_start(pos)
    h = bisect_right(section_starts, tok.start) - 1
    if h >= 0 and ctx.sections[h].start >= block_start:
        block_start = ctx.sections[h].start
        # skip the run-in heading: marker and title up to its stop (the first stop within 200
        # characters of the heading, looked for once per heading)
        stop = title_stops.get(block_start)
        if stop is None:
            found = _RUN_IN_STOP.search(norm, block_start, block_start + 200)
            stop = title_stops[block_start] = found.start() if found else -1
        block_start = stop + 1 if 0 <= stop < tok.start else tok.start
    k = bisect_left(times.openers, pos) - 1  # the last 一是/二是 in [block_start, pos)
    if k >= 0 and times.openers[k] >= block_start:
        block_start = times.openers[k]
    lead = norm[block_start : block_start + 1]
    if not lead or not (lead in _OPENER_FIRST or lead.isspace()):
        return None  # _OPENER_YEAR cannot match: it starts with a space, 一是 … or 19/20
    m = _OPENER_YEAR.match(norm, block_start, tok.start)
    if not m or "以来" in m.group(0):
        return None
    if times.has_time(m.end(), tok.start):
        return None
    year = int(m.group(1))
    if _previous_year(norm, tok.start):
        return year - 1
    return year


_SPACES: Final = re.compile(r"\s+")
_CLAUSE_SPLIT: Final = re.compile(r"[,;:、,;:]")
_METRIC_AFTER: Final = re.compile(r"[^,;。:、\n(,;:(]{1,12}")
_HAS_DIGIT: Final = re.compile(r"[\d０-９]")
_HAS_FIGURE: Final = re.compile(r"[\d０-９][\d.．]*\s*(?:万|亿)?(?:元|%|％|人|所|个|名|项|次|平方)")


_LEAD_FIRST: Final = frozenset(
    "一二三四五六七八九十其另成申立全我共总累先已2比较"
)  # first characters of _METRIC_LEAD


def _strip_lead(phrase: str) -> str:
    """Remove leading 其中, 全县, 2023年 … (anchored: one match at the start, not a scan of the phrase)."""
    if not phrase or phrase[0] not in _LEAD_FIRST:
        return phrase
    m = _METRIC_LEAD.match(phrase)
    return phrase[m.end() :] if m else phrase


def _metric(ctx: Context, tok: Token, start: int) -> str:
    norm = ctx.norm
    close = norm.rfind(")", start, tok.start)
    if close != -1 and norm.count("(", start, close) < norm.count(")", start, close + 1):
        # `一般公共预算教育经费(包括教育事业费,基建经费和教育费附加)为764.69亿元`: the clause was cut
        # inside a parenthesised note; the metric is what the note explains, the note left out.
        opening = norm.rfind("(", max(0, start - 200), start)
        if opening != -1 and ")" not in norm[opening:start]:
            lo = _clause_start(norm, opening, ctx.layout)
            return _metric_phrase(ctx, tok, lo, ctx.text[lo:opening] + ctx.text[close + 1 : tok.start])
    return _metric_phrase(ctx, tok, start, ctx.text[start : tok.start])


def _metric_phrase(ctx: Context, tok: Token, start: int, phrase: str) -> str:
    if " " in phrase or "\xa0" in phrase or "\u3000" in phrase:
        phrase = _SPACES.sub("", phrase)
    phrase = _strip_lead(_strip_tail(phrase))
    phrase = _strip_tail(phrase)
    # (all letters — CJK included — means no digit: no regex needed)
    if not phrase.isalpha() and _HAS_FIGURE.search(phrase):
        # `比上年14.87亿元增长5.04%`, `每月500元至1000元`: the words belong to the figure before,
        # whose metric this one inherits (see _inherit_metrics).
        return ""
    if not phrase:
        # `普通高中生均经费支出,2022年为9455.76元`: the metric is the clause before, when it holds
        # no figure of its own; `11 县市区` has it after the number.
        sent = ctx.layout.sentence_start(start)
        prev = ctx.text[max(sent, start - 40) : max(sent, start - 1)]
        prev = _CLAUSE_SPLIT.split(prev)[-1]
        after = _METRIC_AFTER.match(ctx.text, tok.end, tok.end + 16)
        if prev and not _HAS_DIGIT.search(prev):
            phrase = _strip_tail(_strip_lead(prev.strip()))
        elif after and not _HAS_DIGIT.search(after.group(0)):
            phrase = after.group(0).strip()
    return phrase[-24:]


def _claim(
    ctx: Context,
    tok: Token,
    sent: int,
    section_starts: list[int],
    flags: list[tuple[bool, bool]],
    title_stops: dict[int, int],
) -> Claim:
    pos = tok.start
    h = bisect_right(section_starts, pos) - 1
    plan, restricted = flags[h] if h >= 0 else (False, False)
    clause_start = _clause_start(ctx.norm, pos, ctx.layout, sent)
    qualifier = _qualifier(ctx, tok)
    kind, direction = _kind(ctx, tok, qualifier, plan, sent, clause_start)
    start = tok.start
    if tok.pre == "近" and ctx.norm[start - 1 : start] in ("接", "将"):
        start += 1  # 接近100%: the verb stays out of the surface
    assert tok.unit is not None
    metric = _metric(ctx, tok, clause_start)
    year = _year(ctx, tok, section_starts, restricted, sent, title_stops)
    return new_claim(
        start,
        tok.end,
        ctx.text[start : tok.end],
        tok.value,
        tok.unit,
        qualifier,
        metric,
        year,
        kind,
        direction,
    )
