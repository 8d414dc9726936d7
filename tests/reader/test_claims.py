"""Figures: which numbers are quantities, and their value, unit, hedge, metric, year and kind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.reader.model import Claim
from lvzhi.reader.pipeline import analyse


def _claims(text: str) -> list[Claim]:
    return analyse(text).claims


def _surfaces(text: str) -> list[str]:
    return [c.surface for c in _claims(text)]


def test_counts_and_money_are_normalised_to_base_units() -> None:
    cs = _claims("全县共有小学35所,在校生1.2万人,投入资金3.5亿元。")
    assert [(c.surface, c.value, c.unit) for c in cs] == [
        ("35所", Decimal(35), "所"),
        ("1.2万人", Decimal(12000), "人"),
        ("3.5亿元", Decimal(350000000), "元"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2023年5月22日至23日开展督导。",
        "根据《通知》(川教函〔2023〕464号)要求。",
        "举办第五届运动会,全省排名41。",
        "落实“双减”和“三个课堂”,推进1+1+2+N模式。",
        "坚持“五育”并举和“两个只增不减”。",
        "近3年来,每两周开展一次。",
        "第二批试点学校在十九届五中全会后公布。",
    ],
)
def test_dates_document_numbers_ordinals_and_labels_are_not_figures(text: str) -> None:
    assert _surfaces(text) == []


def test_rank_before_an_inline_heading_is_not_a_figure() -> None:
    text = "(二)经费保障。1.增长情况:支出进度为26.2%,全省排名41.2.分担情况:落实资金1702万元。"
    assert _surfaces(text) == ["26.2%", "1702万元"]


@pytest.mark.parametrize(
    ("text", "surface", "qualifier"),
    [
        ("投入资金近3000万元用于改造。", "近3000万元", "近"),
        ("开展培训约200场次。", "约200场次", "约"),
        ("开发课程200余门。", "200余门", "余"),
        ("入学率达到98.5%。", "98.5%", "达"),
        ("体育锻炼人口比例达44.4%以上。", "44.4%以上", "以上"),
        ("专网接入率接近100%。", "100%", "近"),
        ("经费不低于1亿元。", "1亿元", "不低于"),
        ("不足100人的学校按100人核定。", "100人", "以下"),
    ],
)
def test_qualifiers_attach_with_the_verb_left_out_of_the_surface(
    text: str, surface: str, qualifier: str
) -> None:
    c = _claims(text)[0]
    assert (c.surface, c.qualifier) == (surface, qualifier)


def test_growth_carries_its_direction() -> None:
    cs = _claims("教育经费比上年增长3.2%,事故同比下降12%和15%。")
    assert [(c.kind, c.direction) for c in cs] == [("growth", "up"), ("growth", "down"), ("growth", "down")]


def test_share_rate_gap_and_target_are_told_apart() -> None:
    text = (
        "教育支出占财政支出的18.2%。小学入学率为99.9%。"
        "一本上线率高出全省3.5个百分点。力争到2025年新建幼儿园6所。"
    )
    assert [(c.surface, c.kind) for c in _claims(text)] == [
        ("18.2%", "share"),
        ("99.9%", "rate"),
        ("3.5个百分点", "gap"),
        ("6所", "target"),
    ]


def test_category_thresholds_are_targets_but_achieved_bounds_are_not() -> None:
    cs = _claims("200人以下小规模学校按200人核定。班额控制在45人及以下。")
    assert next((c.surface, c.kind, c.qualifier) for c in cs) == ("200人以下", "target", "以下")
    assert (cs[-1].surface, cs[-1].kind, cs[-1].qualifier) == ("45人及以下", "value", "以下")


def test_year_of_the_sentence_and_the_previous_year_rule() -> None:
    cs = _claims("2023年教育经费20.5亿元,比上年19.8亿元增长3.5%。")
    assert [c.year for c in cs] == [2023, 2022, 2023]


def test_year_opening_a_paragraph_governs_until_another_time_expression() -> None:
    text = "2022年,全县新建学校3所。改扩建校舍12000平方米。今年以来,招聘教师50人。\n全县共有学校40所。"
    assert [c.year for c in _claims(text)] == [2022, 2022, None, None]


def test_school_year_is_kept_as_a_string() -> None:
    cs = _claims("2022-2023学年落实保安经费500万元。")
    assert cs[0].year == "2022-2023"


def test_unit_is_inferred_for_population_and_money_without_a_measure_word() -> None:
    cs = _claims("全县总人口45.6万,全年争取上级资金820万。")
    assert [(c.value, c.unit) for c in cs] == [(Decimal(456000), "人"), (Decimal(8200000), "元")]


def test_a_range_gives_one_claim_per_end() -> None:
    cs = _claims("持续做好6—15周岁儿童入学工作。")
    assert [(c.surface, c.unit) for c in cs] == [("6", "周岁"), ("15周岁", "周岁")]


def test_metric_is_the_phrase_before_the_figure() -> None:
    cs = _claims("全县招聘教师111人,其中特岗教师15人。")
    assert [c.metric for c in cs] == ["招聘教师", "特岗教师"]


def test_surface_always_matches_the_text_slice() -> None:
    text = "２０２３年，全县投入资金约１２００万元，新建学校３所，入学率达９８．５％。"
    for c in _claims(text):
        assert text[c.start : c.end] == c.surface


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_breaks_the_reader(text: str) -> None:
    a = analyse(text)
    for c in a.claims:
        assert text[c.start : c.end] == c.surface
        assert c.kind in {"value", "growth", "share", "rate", "gap", "target"}


def test_a_growth_rate_measures_the_quantity_before_it() -> None:
    cs = _claims("全县教育支出15.62亿元,比上年14.87亿元增长5.04%。")
    assert [(c.kind, c.metric) for c in cs] == [
        ("value", "教育支出"),
        ("value", "教育支出"),
        ("growth", "教育支出"),
    ]


def test_a_claim_built_by_the_fast_constructor_is_the_same_frozen_value_object() -> None:
    import copy
    import dataclasses
    import pickle

    from lvzhi.reader.claims import new_claim

    claim = new_claim(10, 14, "3所", Decimal(3), "所", "", "幼儿园", 2023, "value")
    made = Claim(
        start=10,
        end=14,
        surface="3所",
        value=Decimal(3),
        unit="所",
        qualifier="",
        metric="幼儿园",
        year=2023,
        kind="value",
        direction=None,
    )
    assert claim == made and repr(claim) == repr(made) and hash(claim) == hash(made)
    assert vars(claim) == vars(made)  # every field, in the same order
    assert list(vars(claim)) == [f.name for f in dataclasses.fields(Claim)]
    assert hash(claim) == hash(copy.deepcopy(claim)) and pickle.loads(pickle.dumps(claim)) == claim
    assert dataclasses.replace(claim, kind="share").kind == "share" and claim.kind == "value"
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.kind = "share"  # type: ignore[misc]
