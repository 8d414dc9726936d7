"""The whole-text patterns are written for speed; each must find exactly what its plain spelling finds.

A pattern that opens with a lookbehind or an optional group makes the regex engine attempt a match at
every character of the report. The reader's patterns therefore open with a character class and check
the lookbehind right after it. These properties pin each fast pattern to its readable definition.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lvzhi.reader import boilerplate, checks, claims, numbers, sections

# Pieces the patterns react to, so that random texts hit their edges (units, hedges, lookbehind chars).
_PIECES = [
    *"0123456789..约近余多万亿千元%个人所名一二两三十百千点第首每初高前周aZ /-—~至,:;。!?)”“《(\n\t",
    "٣",  # an Arabic-Indic digit: \d is any Unicode decimal
    "2023",
    "1998",
    "20",
    "平方公里",
    "平米",
    "个百分点",
    "分钟",
    "部门",
    "生·年",
    "以上",
    "及以下",
    "左右",
    "大类",
    "万亿",
    "人次",
    "学年",
    "年度",
    "年级",
    "年",
    "力争",
    "拟",
    "规划建设",
    "计划于",
    "目标是",
    "确保到",
    "到2025年底,",
    "具体为",
    "其中",
    "包括",
    "下一页",
    "是",
    "二是",
    "点击浏览下一页",
    "上一页 下一页",
    "[下一页]",
]
texts = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]


def _as_plain(m: re.Match[str], parts: tuple[str, ...]) -> tuple[tuple[int, int], dict[str, str | None]]:
    """A fast match in the groups of the plain spelling: the lead is the fused 约/近 or the number's first
    character, and ``parts`` are the groups holding the rest of the number."""
    g = m.groupdict()
    fused = g["lead"] in "约近"
    num = ("" if fused else g["lead"]) + "".join(g[p] or "" for p in parts)
    rest = {k: v for k, v in g.items() if k not in ("lead", *parts)}
    return m.span(), {"pre": g["lead"] if fused else None, "num": num, **rest}


def _matches(
    pattern: re.Pattern[str] | str, text: str
) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in re.compile(pattern).finditer(text)]


_CN = "[" + numbers.CN_NUMERAL_CHARS + "]"
_PLAIN_NUMBERS = [
    (
        numbers.ARABIC_RE,
        ("digits", "frac"),
        r"(?<![A-Za-z\d.])(?P<pre>[约近])?(?P<num>(?:(?<!\d,)\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+(?![.\d]))?)"
        r"(?P<q0>余|多)?"
        r"(?: ?(?P<mag>万亿|千万|百万|万|亿|千))?"
        r"(?P<q1>余|多)?"
        r"(?: ?(?P<unit>" + numbers._UNIT_ALT + r"))?"
        r"(?P<per>(?:/(?:生·年|人·年|年|人|生|校|班|月|天|学年))+)?"
        r"(?P<bound>及以上|及以下|以上|以下|左右)?",
    ),
    (
        numbers.CHINESE_RE,
        ("rest",),
        r"(?<![\d." + numbers.CN_NUMERAL_CHARS + r"第首每初高前周])(?P<pre>[约近])?(?P<num>" + _CN + r"+)"
        r"(?P<q1>余|多)?(?P<unit>大类|大|" + "|".join(numbers._CN_UNITS) + r")",
    ),
]


@settings(max_examples=400)
@given(texts)
@example("a约12万元 .约3% 约5.5亿元 x12 1.2.3 近10余万人 3平方公里 12分钟 ٣约٣")
@example("第三个 约三所 一约两个 五十余人 首批两所 3两个")
@example("152,406.18万元 1000,900,800元 约1,234人 1,2345 12,345,6789 ,123 0,001")
def test_numbers_are_found_where_a_lookbehind_in_front_finds_them(text: str) -> None:
    for fast, parts, plain in _PLAIN_NUMBERS:
        assert [_as_plain(m, parts) for m in fast.finditer(text)] == _found(re.compile(plain), text), plain


_SAME_AS_PLAIN = [
    (
        claims._YEAR,
        r"(?<!\d)((?:19|20)\d\d)(?:[-—~至]((?:19|20)\d\d))?(?:学年|年度|年)(?![级轮届])",
    ),
    (
        claims._TARGET_SENTENCE,
        r"力争|(?<![^年月,;。\n])拟|规划(?:投资|用地|建设|新建|到|在)|预计|计划(?:于|到|在|用)|目标(?:是|为)|确保到"
        r"|到20\d\d年(?:底|末)?[,前]",
    ),
    (checks._LIST_LEAD, r"[,:]?(?:具体为|分别为|包括|其中)[:]?[ \t]*\n"),
    (boilerplate._INLINE_RE, r"点击浏览下一页|点击(?:进入|查看)下一页|上一页\s*下一页|\[?下一页\]?(?=\s)"),
]


@settings(max_examples=300)
@given(texts)
@example("52023年,2023年度 1998-2020学年 2023年级 x2023年")
@example("力争拟,拟 规划拟 年拟 到2025年底,计划于")
@example(",具体为:\n其中 \n包括\n:分别为\n")
@example("[下一页] 下一页] 上一页 下一页 点击查看下一页")
def test_fast_whole_text_patterns_find_what_their_plain_spelling_finds(text: str) -> None:
    for fast, plain in _SAME_AS_PLAIN:
        assert _matches(fast, text) == _matches(plain, text), fast.pattern


# Optional parts are written (?:X|) instead of X? (the engine's general repeat allocates a context per
# attempt); each such pattern against its X? spelling, over texts made of the words it reacts to.
_OPTIONAL_AS_ALTERNATIVE = [
    (claims._PREVIOUS_YEAR_BEFORE, r"(?:比|较|同比)?(?:上年|去年|上一年)(?:同期)?(?:为)?\s*$"),
    (claims._OPENER_YEAR, r"\s*(?:[一二三四五六七八九十]是)?\s*((?:19|20)\d\d)年(?:度)?(?:[,]|以来)?"),
    (claims._DIGITS, r"\d+(?:\.\d+)?"),
    (checks._NUM, r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"),
    (claims._FALL_AND, r"(?:同比)?(?:下降|减少|降低)\d+(?:\.\d+)?%和$"),
    (
        claims._GAP_BEFORE,
        r"(?:相差|差距|差|高出|高于|低于|超出|落后)(?:全国|全省|全市|全县|省|市|县|国家)?[^,;。]{0,4}$",
    ),
    (checks._RATE_WORD, r"(开工|完工|完成|建成|竣工|办结|整改|达标)率(?:为|达到|达)?\s*$"),
    (checks._NAMED_WHOLE, r"占([^,;。:、占]{2,20}?)(?:的|总数的|总量的)?(?:比例|比重)?(?:为|达|约)?\s*$"),
    (checks._PREV_YEAR, r"(?:比|较)(?:上年|去年|上一年)(?:同期)?\s*$"),
    (checks._FROM_PREV_YEAR, r"(?:由|从)(?:上年|去年|上一年)(?:同期|底|末)?的?\s*$"),
]
_OPTIONAL_WORDS = [
    *"0123456789.,。是一二 为的达约占率差省市底末",
    *(
        "2023",
        "1998",
        "上年",
        "去年",
        "上一年",
        "同期",
        "比",
        "较",
        "同比",
        "以来",
        "年",
        "年度",
        "一是",
        "下降",
    ),
    *(
        "减少",
        "%和",
        "相差",
        "高出",
        "全国",
        "全省",
        "国家",
        "完成",
        "整改",
        "达到",
        "总数的",
        "总量的",
        "比例",
    ),
    *("比重", "由", "从", "学校总数", "\n", "1.5", "12.", ".5", "81%和"),
]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_OPTIONAL_WORDS), max_size=12).map("".join))
@example("比上年同期为 较去年 同比上一年为")
@example(" 二是 2023年度,以来 2020年以来")
@example("2023年的 一是2020年度是")
@example("占全县学校总数的比例为 占学校的比重约 完成率达到 整改率达")
@example("1.5 12. .5 同比下降81%和 下降1.5%和 相差全省3 高出国家")
@example("下降81%和")  # each $-anchored pattern with its optional parts absent, then present
@example("同比减少1.5%和")
@example("完成率")
@example("整改率达到")
@example("比上年")
@example("较去年同期")
@example("由上年")
@example("从去年底的")
@example("占学校")
@example("占学校总数的比重为")
@example("相差")
@example("低于全省")
def test_optional_parts_written_as_alternatives_find_what_optional_groups_find(text: str) -> None:
    for fast, plain in _OPTIONAL_AS_ALTERNATIVE:
        assert _matches(fast, text) == _matches(plain, text), fast.pattern
        for start in range(len(text) + 1):  # the rules also match at a given position
            got, want = fast.match(text, start), re.compile(plain).match(text, start)
            assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), (
                fast.pattern
            )


def test_the_fast_patterns_start_with_a_character_the_engine_can_scan_for() -> None:
    # What the tests above protect: each pattern opens with a literal or a class, never an assertion.
    fast = [numbers.ARABIC_RE, numbers.CHINESE_RE, sections._INLINE_L3, claims._ITEM_OPENER]
    for pattern in fast + [p for p, _ in _SAME_AS_PLAIN]:
        assert not pattern.pattern.startswith(("(?<", "(?=", "(?!")), pattern.pattern
        assert not re.match(r"\(\?P<\w+>\[[^]]*\]\)\?|\[[^]]*\]\?", pattern.pattern), pattern.pattern


@given(texts, st.integers(0, 30), st.integers(0, 60))
def test_clause_start_is_just_after_the_last_clause_mark(text: str, back: int, pos_seed: int) -> None:
    from lvzhi.reader.text import layout

    pos = pos_seed % (len(text) + 1)
    lo = max(0, pos - back)
    marks = [i for i in range(lo, pos) if text[i] in ",;。:!?\n、"]
    assert layout(text).clause_start(pos, lo) == (marks[-1] + 1 if marks else lo)


_PLAIN_INLINE_HEADING = re.compile(r"(?<=[。;:!?)”\d.])(?P<marker>\d{1,2}\.)(?=[ \u4e00-\u9fff“《(])")


@settings(max_examples=400)
@given(texts)
@example("。1.中 a2.中 12.“ 。123.中 5.( 1.23.中 。12.2.中")
def test_patterns_anchored_on_a_later_literal_find_what_their_plain_spelling_finds(text: str) -> None:
    inline = []
    for m in sections._INLINE_L3.finditer(text):
        marker = (m.group("two") or m.group("one")) + "."
        inline.append((m.end() - len(marker), marker))
    assert inline == [(m.start(), m.group("marker")) for m in _PLAIN_INLINE_HEADING.finditer(text)]
    openers = [m.start() - 1 for m in claims._ITEM_OPENER.finditer(text)]
    assert openers == [m.start() for m in re.finditer(r"[一二三四五六七八九十]是", text)]


_CHROME_PIECES = [
    *"[]|<%a :>中\n-•·",
    "索 引 号",
    "成文日期",
    "时间:",
    "2023-01-18 09:34",
    "[SITESERVER_PAGE]",
    "微信图片_20230105145847",
    "(资料图片仅供参考)",
    "【打印】",
    "来源:",
    "作者:",
    "围观8537次",
    "当前位置",
    "首页",
    ">>",
    "索引号",
    "发布日期",
    "来源",
    "点击次数",
    "浏览次数",
    "【",
    "字体",
    "网站无障碍",
    "支持",
    "IPV6",
    "ipv6",
    "政府信息公开",
    "门户网站",
    "网站首页",
    "查看更多",
    "举报电话",
    "网警",
    "12",
    "ICP备",
    "icp证",
    "Copyright",
    "©",
    "分享到",
    "打印",
    "如若转载",
    "本文来源",
]


# The chrome-line test as one pattern, as it was first written (boilerplate.py splits it for speed).
_PLAIN_CHROME_LINE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in [
            r"^\[ ?[\u4e00-\u9fff]{2,6} ?\] ?\|",
            r"^<[%!?/A-Za-z]",
            r"(?:当前位置|所在位置|您的位置)[ :]",
            r"^.{0,40}(?:>>|>\s*首页|首页\s*>)",
            r"^首页(?: |$|>)",
            r"^(?:发布|发文|成文|更新)(?:日期|时间) ?:",
            r"^(?:来源|信息来源|作者|编辑|责任编辑|浏览次数|点击次数|访问量) ?:",
            r"(?:点击次数|浏览次数|阅读次数|访问次数) ?:",
            r"[【\[] ?字体 ?:",
            r"网站无障碍|适老版|无障碍浏览|长者模式|支持IPV6|IPv6",
            r"^政府信息公开$",
            r"^.{0,24}(?:门户网站|政府网站|官方网站|政府网|官网|网站首页)$",
            r"^(?:点击查看更多内容|查看更多|相关链接|相关文章|上一篇|下一篇|返回顶部|打印本页|关闭窗口)",
            r"举报(?:中心|电话|受理|专区)|网警\d*$|公安备案|网安备|ICP备|ICP证",
            r"^(?:主办单位|承办单位|协办单位|主管单位|指导单位|技术支持|网站标识码|版权所有|Copyright|©)",
            r"^字体 ?:",
            r"^(?:分享到|扫一扫|微信扫一扫|打印|收藏)[:]?$",
            r"如若转载|转载请注明|本文(?:来源|链接|地址) ?:",
            r"^【(?:打印|关闭|收藏|返回|打印本页|关闭窗口)】",
            r"^\|?\s*(?:索 ?引 ?号|主题分类|组配分类|发布机构|发文机关|成文日期|公开方式|公开时限|主 ?题 ?词)(?:\s|:|\|)",
            r"^(?:时间|日期) ?: ?\d{4}-\d{1,2}-\d{1,2}",
            r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}",
            r"^\[[A-Z][A-Z_]{2,}\]$",
            r"^(?:微信图片|IMG|图片)_?\d{6,}",
            r"^\(?(?:资料)?图片(?:仅供参考|来源[^)]{0,20})\)?$",
            r"来源 ?:.{0,30}作者 ?:",
            r"围观\d+次|阅读量 ?:?\d+",
            r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
        ]
    ),
    re.IGNORECASE,
)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_CHROME_PIECES), max_size=8).map(lambda parts: "".join(parts).strip()))
@example("ipv6 适配")
@example("[ 索引号 ] | 123")
@example("- 信息来源:市教育局")
@example("· 慧育头条 来源:中国教育报 作者:秩名")
@example("| 索 引 号 | 1150000011512917C/2026-00443 |")
def test_the_split_chrome_line_test_agrees_with_the_one_pattern_it_replaces(line: str) -> None:
    unbulleted = line.lstrip("-•·* \t")  # list bullets in front of a publication line's fields
    assert boilerplate.is_chrome_line(line) == bool(_PLAIN_CHROME_LINE.search(unbulleted))
