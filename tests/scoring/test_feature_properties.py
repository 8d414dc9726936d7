"""Properties of the scheme features: quotas and rank bands are never exceeded and treat ties alike, and
neither the order of regions, of leaves or of caps in the file nor the unit of a statistic changes a verdict."""

from __future__ import annotations

import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_support import FIXTURES

from lvzhi.schemes import Scheme, load_catalogue, load_scheme
from lvzhi.scoring import RegionInput, compile_scheme

CATALOGUE = load_catalogue(FIXTURES / "catalogue.yaml")
HEAD = """\
id: props
title: 性质测试
issuer: 测试
level: 县
year: 2023
document: null
total: {total}
provenance: {{status: official, sources: [{{title: 测试}}]}}
"""


def scheme(total: object, body: str) -> Scheme:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(HEAD.format(total=total) + textwrap.dedent(body), encoding="utf-8")
        return load_scheme(path, CATALOGUE)


QUOTAS = compile_scheme(
    scheme(
        100,
        """
grades:
  - {code: A, name: 优秀, min: 80, quota: 30}
  - {code: B, name: 良好, min: 60, quota: 50}
  - {code: C, name: 合格, min: 0}
indicators:
  - {code: "1", name: 公办园占比, points: 100, rule: {kind: formula, score: kg_public_share}}
""",
    )
)
BANDS = compile_scheme(
    scheme(
        10,
        """
grades: [{code: A, name: 优秀, min: 9}, {code: B, name: 合格, min: 0}]
indicators:
  - code: "1"
    name: 公办园占比位次
    points: 10
    rule: {kind: rank, expr: kg_public_share, mode: share, bands: [{top: 20, score: 10}, {top: 50, score: 6}], rest: 1}
""",
    )
)
shares = st.lists(
    st.sampled_from([Decimal(v) for v in (50, 61, 70, 80, 85, 85.5, 90, 99)]), min_size=1, max_size=14
)


def regions(values: list[Decimal]) -> list[RegionInput]:
    return [RegionInput(f"r{i}", values={"kg_public_share": v}) for i, v in enumerate(values)]


@settings(max_examples=150, deadline=None)
@given(shares, st.randoms(use_true_random=False))
def test_grade_quotas_are_never_exceeded_ties_go_together_and_order_does_not_matter(values, rnd):
    results = QUOTAS.score(regions(values))
    n = len(values)
    grades = [r.grade for r in results]
    assert grades.count("A") <= 30 * n // 100
    assert grades.count("B") <= 50 * n // 100
    rank = {"A": 0, "B": 1, "C": 2}
    for a in results:
        for b in results:
            if a.total == b.total:
                assert a.grade == b.grade
            if a.total > b.total:
                assert rank[a.grade] <= rank[b.grade]  # a better total never gets a worse grade
    order = list(range(n))
    rnd.shuffle(order)
    shuffled = QUOTAS.score([regions(values)[i] for i in order])
    assert {r.region: r.grade for r in shuffled} == {r.region: r.grade for r in results}


@settings(max_examples=150, deadline=None)
@given(shares, st.randoms(use_true_random=False))
def test_rank_bands_hold_at_most_their_share_of_peers_and_tied_regions_score_alike(values, rnd):
    results = BANDS.score(regions(values))
    n = len(values)
    scores = [r.item("1").score for r in results]
    assert scores.count(Decimal(10)) * 100 <= 20 * n
    assert (scores.count(Decimal(10)) + scores.count(Decimal(6))) * 100 <= 50 * n
    for v, s in zip(values, scores, strict=True):
        assert all(s2 == s for v2, s2 in zip(values, scores, strict=True) if v2 == v)
    order = list(range(n))
    rnd.shuffle(order)
    shuffled = BANDS.score([regions(values)[i] for i in order])
    assert {r.region: r.total for r in shuffled} == {r.region: r.total for r in results}


CAPS = [
    '{code: C1, name: 甲, when: "major_accidents > 0", max_grade: B}',
    '{code: C2, name: 乙, when: "serious_violations > 0", demote: 1}',
    '{code: C3, name: 丙, when: "national_awards > 5", max_grade: C}',
    '{code: C4, name: 丁, when: "large_class_share > 10", demote: 2}',
]


def capped(order: list[int]) -> Scheme:
    caps = "\n".join(f"  - {CAPS[i]}" for i in order)
    return scheme(
        100,
        f"""
grades:
  - {{code: A, name: 优秀, min: 90}}
  - {{code: B, name: 良好, min: 75}}
  - {{code: C, name: 合格, min: 60}}
  - {{code: D, name: 较差, min: 40}}
  - {{code: E, name: 不合格, min: 0}}
indicators:
  - {{code: "1", name: 公办园占比, points: 100, rule: {{kind: formula, score: kg_public_share}}}}
caps:
{caps}
""",
    )


CAPS_IN_FILE_ORDER = compile_scheme(capped([0, 1, 2, 3]))


@settings(max_examples=60, deadline=None)
@given(
    st.permutations([0, 1, 2, 3]),
    st.sampled_from([Decimal(v) for v in (95, 80, 65, 45, 10)]),
    st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_the_order_of_caps_and_demotions_in_the_file_never_changes_the_grade(order, share, hits):
    values = {
        "kg_public_share": share,
        "major_accidents": Decimal(hits[0]),
        "serious_violations": Decimal(hits[1]),
        "national_awards": Decimal(9 if hits[2] else 0),
        "large_class_share": Decimal(20 if hits[3] else 0),
    }
    (expected,) = CAPS_IN_FILE_ORDER.score([RegionInput("r", values=values)])
    (result,) = compile_scheme(capped(list(order))).score([RegionInput("r", values=values)])
    assert result.grade == expected.grade


TREE = """
grades:
  - {{code: A, name: 优秀, min: 90}}
  - {{code: B, name: 合格, min: 0}}
indicators:
  - code: "1"
    name: 学前教育
    points: 60
    children:
{children}
  - {{code: "2", name: 经费, points: 40, rule: {{kind: threshold, expr: edu_gpb_spending, op: ">=", target: "{target}"}}}}
deductions:
  - {{code: K1, name: 扣分, points: 5, charge_to: "1.2", rule: {{kind: per_item_deduction, count: major_accidents, per_item: 2}}}}
"""
LEAVES = [
    '      - {code: "1.1", name: 公办占比, points: 20, rule: {kind: threshold, expr: kg_public_share, op: ">=", target: 50}}',
    '      - {code: "1.2", name: 公办占比分档, points: 20, rule: {kind: ladder, expr: kg_public_share, bands: [{min: 80, score: 20}, {min: 40, score: 10}]}}',
    '      - {code: "1.3", name: 毛入园率, points: 20, rule: {kind: linear, expr: kg_gross_rate, target: 85, per_unit: 2, step: 1}}',
]


@settings(max_examples=80, deadline=None)
@given(
    st.permutations([0, 1, 2]),
    st.integers(0, 1000),
    st.integers(1, 1000),
    st.decimals(min_value=0, max_value=10**5, places=1, allow_nan=False, allow_infinity=False),
    st.integers(0, 3),
    st.sampled_from([1, 10, 10_000]),
)
def test_reordering_leaves_or_rescaling_units_changes_no_verdict(
    order, public, extra, spending, accidents, k
):
    base = compile_scheme(scheme(100, TREE.format(children="\n".join(LEAVES), target=500)))
    # The same scheme with the leaves in another order, and with spending counted in units k times smaller
    # (万元 → 元 when k = 10,000): its target is k times larger, and so is every figure.
    moved = compile_scheme(
        scheme(100, TREE.format(children="\n".join(LEAVES[i] for i in order), target=500 * k))
    )
    data = {
        "kg_public_enrolment": Decimal(public),
        "kg_enrolment": Decimal(public + extra),
        "kg_gross_rate": Decimal(80),
        "edu_gpb_spending": spending,
        "major_accidents": Decimal(accidents),
    }
    scaled = {
        **data,
        "kg_public_enrolment": data["kg_public_enrolment"] * k,
        "kg_enrolment": data["kg_enrolment"] * k,
        "edu_gpb_spending": spending * k,
    }
    (a,) = base.score([RegionInput("r", values=data)])
    (b,) = moved.score([RegionInput("r", values=scaled)])
    assert (a.total, a.grade, a.deductions) == (b.total, b.grade, b.deductions)
    assert {i.code: i.score for i in a.items} == {i.code: i.score for i in b.items}


THIRDS = """
grades:
  - {{code: A, name: 优秀, min: 18}}
  - {{code: B, name: 良好, min: 12.5}}
  - {{code: C, name: 合格, min: 0}}
{rounding}
indicators:
  - code: "1"
    name: 三分之一
    points: 3
    children:
      - {{code: "1.1", name: 甲, points: 1, rule: {{kind: formula, score: "kg_public_enrolment / (3 * kg_enrolment)"}}}}
      - {{code: "1.2", name: 乙, points: 1, rule: {{kind: formula, score: "kg_public_enrolment / (3 * kg_enrolment)"}}}}
      - {{code: "1.3", name: 丙, points: 1, rule: {{kind: formula, score: "kg_gross_rate / 300"}}}}
  - {{code: "2", name: 整数, points: 17, rule: {{kind: formula, score: "kg_gross_rate / 5.8"}}}}
"""


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["", "rounding: {items: 2}", "rounding: {items: 1, total: 1}", "rounding: {total: 0}"]),
    st.integers(0, 1000),
    st.integers(1, 1000),
    st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False),
)
def test_the_total_as_shown_and_its_grade_never_contradict(rounding, public, extra, rate):
    s = scheme(20, THIRDS.format(rounding=rounding))
    (r,) = compile_scheme(s).score(
        [
            RegionInput(
                "r",
                values={
                    "kg_public_enrolment": Decimal(public),
                    "kg_enrolment": Decimal(public + extra),
                    "kg_gross_rate": rate,
                },
            )
        ]
    )
    places = s.rounding.total
    assert places is not None and r.total == r.total.quantize(Decimal(1).scaleb(-places))
    expected = next(g.code for g in s.grades if r.total >= g.min)
    assert r.grade == expected
    # The items as shown add up to the subtotal as shown when items are rounded.
    if s.rounding.items is not None:
        assert sum(r.item(c).score for c in ("1.1", "1.2", "1.3")) == r.item("1").score
