"""The failure classes seen on documents the reader was not written against, one property each.

Every test states a property of Chinese statistical prose (a rewriting that must not change the
verdicts, or a structure whose verdict is fixed by arithmetic) and lets hypothesis pick the numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lvzhi.reader.boilerplate import find_boilerplate
from lvzhi.reader.model import Analysis
from lvzhi.reader.pipeline import analyse
from lvzhi.reader.text import normalise

amounts = st.integers(min_value=1_000, max_value=9_999_999)  # 万元, written with two decimals below
counts = st.integers(min_value=2, max_value=400)


def _two(x: int) -> str:
    return f"{Decimal(x) / 100:.2f}"


def _grouped(written: str) -> str:
    whole, _, frac = written.partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def _pct(new: Decimal, old: Decimal) -> Decimal:
    return (abs(new - old) / old * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _verdicts(a: Analysis) -> list[tuple[str, str]]:
    return [(k.kind, k.verdict) for k in a.checks]


def _alarms(a: Analysis) -> list[str]:
    return [k.message for k in a.checks if k.alarm]


def _growth_report(
    x: int, w: int, *, grouped: bool = False, change: str | None = None, rate: str | None = None
) -> str:
    new, old = Decimal(x) / 100, Decimal(w) / 100
    fmt = _grouped if grouped else str
    word, fall = ("增加", "增长") if new >= old else ("减少", "下降")
    change = change or _two(abs(x - w))
    rate = rate or str(_pct(new, old))
    return (
        f"2023年,全县教育经费总投入为{fmt(_two(x))}万元,比上年的{fmt(_two(w))}万元{word}{fmt(change)}万元,"
        f"{fall}{rate}%。"
    )


@settings(max_examples=60, deadline=None)
@given(amounts, amounts)
def test_a_change_and_its_rate_against_last_years_value_are_both_checked_and_hold(x: int, w: int) -> None:
    assume(x < 10 * w)  # a rise beyond 1000% is not read as a rate at all
    a = analyse(_growth_report(x, w))
    kinds = {k.kind for k in a.checks}
    if x != w:
        assert {"gap", "growth"} <= kinds, a.checks
    assert not _alarms(a)


@settings(max_examples=60, deadline=None)
@given(amounts, amounts)
def test_thousands_separators_change_no_figure_and_no_verdict(x: int, w: int) -> None:
    plain, grouped = analyse(_growth_report(x, w)), analyse(_growth_report(x, w, grouped=True))
    assert [c.value for c in plain.claims] == [c.value for c in grouped.claims]
    assert _verdicts(plain) == _verdicts(grouped)


@settings(max_examples=60, deadline=None)
@given(amounts, amounts)
def test_writing_the_amounts_in_yi_yuan_instead_of_wan_yuan_changes_no_verdict(x: int, w: int) -> None:
    wan = _growth_report(x * 100, w * 100)  # whole 万元 amounts, exactly expressible in 亿元 with 4 decimals
    yi = wan
    for amount in (x * 100, w * 100, abs(x - w) * 100):
        yi = yi.replace(f"{_two(amount)}万元", f"{Decimal(amount) / 1_000_000:.4f}亿元", 1)
    assert "亿元" in yi
    assert _verdicts(analyse(wan)) == _verdicts(analyse(yi))


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, st.integers(min_value=3, max_value=500))  # 0.03万元: beyond the inputs' rounding
def test_a_wrong_change_is_an_alarm(x: int, w: int, error: int) -> None:
    wrong = _two(abs(x - w) + error)
    a = analyse(_growth_report(x, w, change=wrong))
    assert any(k.kind == "gap" and k.alarm for k in a.checks), a.checks


@settings(max_examples=60, deadline=None)
@given(amounts, amounts)
def test_the_change_amount_is_never_taken_for_this_years_value(x: int, w: int) -> None:
    a = analyse(_growth_report(x, w))
    growth = [k for k in a.checks if k.kind == "growth"]
    assert all(
        _two(x) in "".join(map(str, k.inputs.values())) or Decimal(_two(x)) in k.inputs.values()
        for k in growth
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_reordering_a_breakdown_changes_no_verdict(parts: list[int], rnd: object) -> None:
    names = ["小学", "初中", "高中", "中职学校", "特殊教育学校"][: len(parts)]
    listed = [f"{n}{p}所" for n, p in zip(names, parts, strict=True)]
    text = f"全县各级各类学校共有{sum(parts)}所,其中{'、'.join(listed)}。"
    shuffled = list(listed)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    other = f"全县各级各类学校共有{sum(parts)}所,其中{'、'.join(shuffled)}。"
    assert _verdicts(analyse(text)) == _verdicts(analyse(other))
    assert not _alarms(analyse(text))


@settings(max_examples=60, deadline=None)
@given(counts, counts, counts, counts)
def test_parts_in_another_measure_word_or_distributive_or_subsets_are_never_alarms(
    a: int, b: int, c: int, d: int
) -> None:
    texts = [
        # 教学点 are counted in 个, not among the 所
        f"全县学校{a + b}所,其中小学{a}所、初中{b}所、教学点{c}个。",
        # 各 gives each of two categories the same count
        f"全县学校{a + 2 * b}所,其中小学{a}所,公办园、民办园各{b}所。",
        # a subset inside the breakdown (普惠性民办园 within 民办园)
        f"全县幼儿园{a + b}所,其中公办园{a}所、民办园{b}所、普惠性民办园{min(b, c)}所。",
        # categories that are not parts of the total
        f"全县在校中小学生{a + b}人,其中小学生{a}人,在园幼儿{c}人,教职工{d}人。",
    ]
    for text in texts:
        assert not _alarms(analyse(text)), text


@settings(max_examples=60, deadline=None)
@given(st.lists(counts, min_size=2, max_size=4))
def test_a_parenthesised_breakdown_is_checked(parts: list[int]) -> None:
    names = ["小学", "初中", "九年一贯制学校", "特殊教育学校"][: len(parts)]
    inside = "、".join(f"{p}所{n}" for p, n in zip(parts, names, strict=True))
    a = analyse(f"全县共有学校{sum(parts)}所({inside})。")
    assert [(k.kind, k.verdict) for k in a.checks] == [("sum", "一致")]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=200, max_value=5000), st.integers(min_value=1, max_value=99))
def test_a_share_of_a_total_stated_earlier_is_checked(total: int, percent: int) -> None:
    part = total * percent // 100
    share = (Decimal(part) / total * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"全县专任教师{total}人,比上年增加12人。学前教育专业毕业的专任教师{part}人,占总数的{share}%。"
    checks = [k for k in analyse(text).checks if k.kind == "share"]
    assert checks and checks[0].consistent, checks


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=100, max_value=5000), st.integers(min_value=10, max_value=99))
def test_a_rate_that_contradicts_its_parts_is_an_alarm(boarders: int, percent: int) -> None:
    beds = boarders * percent // 100
    right = (Decimal(beds) / boarders * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    ok = analyse(f"全县寄宿生{boarders}人,床位{beds}个,床位率为{right}%。")
    wrong = analyse(f"全县寄宿生{boarders}人,床位{beds}个,床位率为{right + 7}%。")
    assert not _alarms(ok)
    assert _alarms(wrong)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1000, max_value=9000), st.integers(min_value=1000, max_value=9000))
def test_a_percentage_point_change_is_the_difference_of_the_two_rates(new: int, old: int) -> None:
    n, o = Decimal(new).scaleb(-2), Decimal(old).scaleb(-2)  # written with two decimals
    word = "提高" if n >= o else "下降"
    right = f"比例为{n}%,比上年的{o}%{word}{abs(n - o)}个百分点。"
    assert not _alarms(analyse(right))
    if abs(n - o) >= Decimal("0.1"):
        swapped = f"比例为{n}%,比上年的{o}%{word}{abs(n - o) + Decimal('0.5')}个百分点。"
        assert _alarms(analyse(swapped))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["十九大", "二十大", "十八大"]), st.sampled_from(["第七次", "第三次", "第十二次"]))
def test_congresses_ordinals_and_named_rules_are_not_figures(congress: str, ordinal: str) -> None:
    text = f"深入学习贯彻党的{congress}精神,召开{ordinal}全体会议,落实中央八项规定精神,落实“十六条”。"
    assert analyse(text).claims == []


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["一、", "一,", "一."]), st.integers(min_value=2015, max_value=2025))
def test_headings_in_other_numbering_styles_and_opening_with_a_year(marker: str, year: int) -> None:
    text = f"{marker}主要工作成效\n正文。\n二、{year}年履行教育职责情况\n正文。\n"
    sections = analyse(text).sections
    assert [s.title for s in sections] == ["主要工作成效", f"{year}年履行教育职责情况"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["教育收入概况", "教育经费投入增长情况", "学前教育"]))
def test_headings_inside_a_line_flattened_from_a_web_page(title: str) -> None:
    text = f"现将情况公告如下。 一、{title} 2023年,全市教育经费总收入240.55亿元。 二、其他情况 正文。"
    assert [s.title for s in analyse(text).sections] == [title, "其他情况"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(
        [
            "- 信息来源:市教育局",
            "• 日期:2021-09-03 17:59",
            "时间 : 2020-09-03 10:05:59 来源 : 本网",
            "教育装备采购网 2023-01-18 09:34 围观8537次",
            "| 索 引 号 | 1150000011512917C/2026-00443 | 主题分类 | 科技、教育 |",
            "索引号 001008003015005/2019-00180",
            "2019-04-25 10:29 (点击:)",
            "[SITESERVER_PAGE]",
            "微信图片_20230105145847",
            "【打印】",
            "· 慧育头条 来源:中国教育报 作者:秩名 Thursday January-05 2023 14:57:31",
        ]
    ),
    st.sampled_from(["全县共有学校30所。", "一、基本情况"]),
)
def test_other_portals_chrome_is_boilerplate_and_the_report_is_not(chrome: str, prose: str) -> None:
    norm = normalise(f"{chrome}\n{prose}\n")
    spans = find_boilerplate(norm)
    assert [norm[s.start : s.end] for s in spans] == [norm.split("\n")[0].strip()]


@settings(max_examples=60, deadline=None)
@given(amounts, amounts, st.sampled_from(["二、经费保障", "(二)经费投入"]))
def test_the_same_dated_quantity_stated_twice_differently_is_shown_but_never_an_alarm(
    first: int, second: int, heading: str
) -> None:
    text = (
        f"一、基本情况\n2023年,全县一般公共预算教育经费{_two(first)}万元。\n"
        f"{heading}\n2023年,全县一般公共预算教育经费{_two(second)}万元。"
    )
    checks = [k for k in analyse(text).checks if k.kind == "duplicate"]
    if first == second:
        assert checks == []
    else:
        assert [k.verdict for k in checks] == ["无法确认"]
