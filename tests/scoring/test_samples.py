"""A statistic measured on a sample (a survey's rate) carries its sample as plain data; every explanation of a
rule reading it states n, the 95 % interval and the ±, and the sample never changes a score."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_support import FIXTURES, HEADER

from lvzhi.schemes import load_catalogue, load_scheme
from lvzhi.scoring import RegionInput, Sample, compile_scheme

GROSS = Sample(n=17, low=Decimal("78.23"), high=Decimal("96.09"))
SAID = "样本 17 份，95% 置信区间 78.23%–96.09%，误差 ±8.93 个百分点"

RULES = {
    "threshold": '{kind: threshold, expr: kg_gross_rate, op: ">=", target: 85}',
    "linear": "{kind: linear, expr: kg_gross_rate, target: 95, direction: min, per_unit: 1, step: 1}",
    "ladder": "{kind: ladder, expr: kg_gross_rate, bands: [{min: 90, score: 10}, {min: 80, score: 5}]}",
    "all": '{kind: all, conditions: ["kg_gross_rate >= 85", "large_class_share <= 5"]}',
    "formula": '{kind: formula, score: "kg_gross_rate / 10"}',
    "rank": "{kind: rank, expr: kg_gross_rate, order: desc, points_by_rank: [10, 8, 6]}",
}


def scorer_of(rule: str, tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_text(
        HEADER.format(total=10, bonus_cap="null")
        + f"indicators:\n  - {{code: L, name: 测试项, points: 10, rule: {rule}}}\n",
        encoding="utf-8",
    )
    return compile_scheme(load_scheme(path, load_catalogue(FIXTURES / "catalogue.yaml")))


def county(samples=None, rate="92.35", region="r1") -> RegionInput:
    values = {"kg_gross_rate": Decimal(rate), "large_class_share": Decimal("3")}
    return RegionInput(region, "甲县", values, samples=samples or {})


def test_a_sampled_rate_says_its_sample_right_after_the_value(tmp_path):
    item = scorer_of(RULES["threshold"], tmp_path).score([county({"kg_gross_rate": GROSS})])[0].item("L")
    assert item.explanation == f"学前三年毛入园率 92.35%（{SAID}） ≥ 85% → 10/10"


def test_every_rule_kind_reading_the_rate_states_the_sample_and_scores_as_without_it(tmp_path):
    for kind, rule in RULES.items():
        scorer = scorer_of(rule, tmp_path)
        with_sample = scorer.score([county({"kg_gross_rate": GROSS}), county(region="r2", rate="80")])
        without = scorer.score([county(), county(region="r2", rate="80")])
        item, plain = with_sample[0].item("L"), without[0].item("L")
        assert (item.score, item.status) == (plain.score, plain.status), kind
        assert SAID in item.explanation and item.explanation.count("样本") == 1, kind
        assert "样本" not in plain.explanation, kind
        assert "样本" not in with_sample[1].item("L").explanation, kind  # the peer has no sample


def test_a_rule_that_does_not_show_the_value_states_it_with_its_sample_before_the_score(tmp_path):
    item = scorer_of(RULES["formula"], tmp_path).score([county({"kg_gross_rate": GROSS})])[0].item("L")
    assert item.explanation.endswith(f"（学前三年毛入园率 92.35%，{SAID}） → 9.24/10")


def test_a_rate_that_is_not_a_percentage_gives_its_margin_in_its_own_unit(tmp_path):
    scheme = '{kind: threshold, expr: teacher_pay, op: ">=", target: "civil_pay"}'
    region = RegionInput(
        "r1",
        "甲县",
        {"teacher_pay": Decimal("8000"), "civil_pay": Decimal("7900")},
        samples={"teacher_pay": Sample(400, Decimal("7800"), Decimal("8200"))},
    )
    item = scorer_of(scheme, tmp_path).score([region])[0].item("L")
    assert (
        "教师平均工资收入 8000元（样本 400 份，95% 置信区间 7800元–8200元，误差 ±200元）" in item.explanation
    )


def test_last_years_value_and_a_missing_value_carry_no_sample(tmp_path):
    scorer = scorer_of(
        '{kind: threshold, expr: kg_gross_rate, op: ">=", target: "prev(kg_gross_rate)"}', tmp_path
    )
    missing = RegionInput("r1", "甲县", {}, {"kg_gross_rate": Decimal(90)}, samples={"kg_gross_rate": GROSS})
    assert "样本" not in scorer.score([missing])[0].item("L").explanation


def test_a_sample_given_or_taken_back_by_rescore_is_what_a_full_score_says(tmp_path):
    scorer = scorer_of(RULES["rank"], tmp_path)
    results = scorer.score([county(), county(region="r2", rate="80")])
    scorer.rescore(results, "r1", samples={"kg_gross_rate": GROSS})
    full = scorer.score([county({"kg_gross_rate": GROSS}), county(region="r2", rate="80")])
    assert [i.explanation for r in results for i in r.items] == [i.explanation for r in full for i in r.items]
    scorer.rescore(results, "r1", values={"kg_gross_rate": Decimal("93")}, samples={"kg_gross_rate": None})
    assert results[0].item("L").explanation == "学前三年毛入园率 93%，在 2 个地区中排第 1 → 10/10"


# ---------------------------------------------------------------------------------------------- property
CATALOGUE = load_catalogue(FIXTURES / "catalogue.yaml")
SCHEME = load_scheme(FIXTURES / "complete.yaml", CATALOGUE)
SCORER = compile_scheme(SCHEME)
ENTERED = sorted(
    code for code, item in CATALOGUE.items.items() if item.formula is None and item.unit != "是否"
)

amounts = st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=2)
samples = st.builds(
    lambda n, low, width: Sample(n, low, low + width),
    st.integers(1, 5000),
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=20, places=2),
)


def reformatted(d: Decimal, how: int) -> Decimal:
    """The same number written another way: trailing zeros, an exponent."""
    if how == 1:
        return Decimal(format(d, "f") + ("0" if "." in format(d, "f") else ".00"))
    if how == 2:
        return d.normalize()
    return d


def verdict(result):
    return (
        result.total,
        result.grade,
        result.complete,
        [(i.code, i.score, i.status, i.explanation) for i in result.items],
    )


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(ENTERED), amounts, min_size=1),
    st.data(),
)
def test_rewritten_or_reordered_inputs_keep_the_verdict_and_samples_appear_exactly_where_given(values, data):
    sampled = data.draw(st.dictionaries(st.sampled_from(sorted(values)), samples))
    how = data.draw(st.integers(0, 2))
    region = RegionInput("r1", "甲县", values, samples=sampled)
    again = RegionInput(
        "r1",
        "甲县",
        {k: reformatted(v, how) for k, v in reversed(values.items())},
        samples={
            k: Sample(s.n, reformatted(s.low, how), reformatted(s.high, how))
            for k, s in reversed(sampled.items())
        },
    )
    plain = RegionInput("r1", "甲县", values)
    first, second, bare = (SCORER.score([r])[0] for r in (region, again, plain))
    assert verdict(first) == verdict(second)
    for item, unsampled in zip(first.items, bare.items, strict=True):
        assert (item.score, item.status) == (unsampled.score, unsampled.status)
        read = {i.code for i in item.inputs if not i.previous}
        stated = any(code in sampled for code in read)
        assert ("样本" in item.explanation) == stated, item.explanation
        assert "样本" not in unsampled.explanation
        for code in read & set(sampled):
            s = sampled[code]
            assert f"样本 {s.n} 份" in item.explanation
