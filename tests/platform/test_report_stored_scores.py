"""One scoring: a report built from the database states exactly what the evaluation stored — total, grade,
every indicator's subtotal and every leaf — for every seed region under its scheme and every other built-in
scheme, evidence-gated indicators included (they wait for their evidence in the stored scoring)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Evaluation, ItemScore
from lvzhi.evaluations.reporting import report_contexts
from lvzhi.schemes import list_builtin, load_builtin
from lvzhi.writer.builder import build_report

SEEDS = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"
BUILTIN = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "schemes" / "builtin"
# each seed under the scheme reconstructed from its report; the other built-in schemes take 巴南区's data
PAIRS = {
    "chongqing-2023-county": "chongqing-banan-2023",
    "qinghai-2020-city": "qinghai-haidong-2020",
    "yunnan-2024-city": "yunnan-zhaotong-2024",
    "zhejiang-2019-county": "zhejiang-wuxing-2019",
    "heilongjiang-2024-county": "heilongjiang-county-2024",
}
SCHEMES = [s for s in list_builtin() if s != "catalogue"]
COUNTY, CITY, PROVINCE = "甲市一县", "甲市", "示范省"
REGION_OF_LEVEL = {"县": COUNTY, "市": CITY, "省": PROVINCE}


def filler_of(cast: Any, region: str) -> Any:
    """The county's filler of the cast, or a filler made for the city or the province."""
    if region == COUNTY:
        return cast.jia1_filler
    from lvzhi.accounts.models import Role, RoleAssignment, User

    user = User.objects.create(
        username=f"filler_{cast.regions[region].code}",
        full_name=f"{region}填报员",
        password=cast.admin.password,
    )
    RoleAssignment.objects.create(user=user, role=Role.FILLER, region=cast.regions[region])
    return user


def national_office(cast: Any) -> tuple[Any, Any]:
    """The country (全国) and its supervision office, which evaluates the provinces."""
    from lvzhi.accounts.models import Role, RoleAssignment, User
    from lvzhi.regions.models import Region
    from lvzhi.regions.services import upsert_regions

    upsert_regions(
        [{"code": "100000", "name": "全国", "level": "国", "parent": None}], acting_user=cast.admin
    )
    nation = Region.objects.get(code="100000")
    user = User.objects.create(username="nation_office", full_name="国家督导办", password=cast.admin.password)
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, region=nation)
    return user, nation


def entered(cast: Any, scheme_id: str) -> Evaluation:
    """A round of the scheme for 甲市一县 (or 甲市, for a city-level scheme), its figures and self-scores
    entered through the real actions."""
    region_name = REGION_OF_LEVEL[load_builtin(scheme_id).level]
    sv = actions.do_create_scheme_version(
        acting_user=cast.admin,
        yaml_text=(BUILTIN / f"{scheme_id}.yaml").read_text(encoding="utf-8"),
        source_name=f"{scheme_id}.yaml",
    )
    office, owner = cast.prov_office, cast.regions["示范省"]
    if region_name == PROVINCE:
        office, owner = national_office(cast)
    rnd = actions.do_open_round(
        acting_user=office,
        scheme_version=sv,
        year=2024,
        name=f"{scheme_id} 报告测试",
        owner_region=owner,
        regions=[cast.regions[region_name]],
    )
    evaluation = Evaluation.objects.get(round=rnd)
    filler = filler_of(cast, region_name)
    actions.do_start_filling(acting_user=filler, evaluation=evaluation)
    (region,) = json.loads((SEEDS / f"{PAIRS.get(scheme_id, 'chongqing-banan-2023')}.json").read_text())[
        "regions"
    ]
    catalogue = load_builtin(scheme_id).catalogue
    for code, value in region["values"].items():
        if code not in catalogue:
            continue
        actions.do_save_value(
            acting_user=filler,
            evaluation=evaluation,
            item_code=code,
            value=Decimal(str(value)),
            prev_value=Decimal(str(region["previous"][code])) if code in region["previous"] else None,
            expected_version=None,
            confirm_change=True,
        )
    for code, judged in region.get("manual", {}).items():
        row = ItemScore.objects.filter(evaluation=evaluation, indicator_code=code).first()
        if row is None:
            continue
        actions.do_set_self_score(
            acting_user=filler,
            evaluation=evaluation,
            indicator_code=code,
            score=Decimal(str(judged["score"])),
            justification=judged["justification"],
            expected_version=row.version,
        )
    if scheme_id == "zhejiang-2019-county":
        # the evidence for one self-scored indicator: the stored scoring now counts it, the others wait
        from lvzhi.evidence.services import do_attach_evidence

        do_attach_evidence(
            acting_user=filler,
            evaluation=evaluation,
            indicator_code="1.1",
            name="区委教育工作领导小组文件.pdf",
            content=b"%PDF-1.4\n% evidence\n%%EOF\n",
        )
    return Evaluation.objects.get(pk=evaluation.pk)


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_the_report_states_the_stored_scores(cast: Any, scheme_id: str) -> None:
    evaluation = entered(cast, scheme_id)
    ctx = report_contexts([evaluation])[evaluation.pk]
    assert ctx.score_total == evaluation.total
    grade = evaluation.result.get("grade_name") or evaluation.grade or None
    assert ctx.grade_name == grade
    subtotals = evaluation.result.get("subtotals", {})
    finals = dict(evaluation.scores.values_list("indicator_code", "final_score"))
    gated = 0
    for part in ctx.indicators:
        # a group's stored subtotal; a top-level indicator that is itself a leaf, its stored final score
        stored = subtotals.get(part.code, finals.get(part.code))
        assert part.score == (Decimal(str(stored)) if stored is not None else None), part.code
        for leaf in part.leaves:
            assert leaf.score == finals.get(leaf.code), leaf.code
            gated += leaf.manual and leaf.score is None
    text = build_report(ctx).text()
    if ctx.complete and ctx.score_total is not None:
        assert f"自评得分{ctx.score_total.normalize():f}分" in text.replace(".0分", "分")
    else:
        assert "自评总分和等次在全部指标评定后确定" in text
    if scheme_id == "zhejiang-2019-county":
        # 吴兴区's self-scores need their evidence: the one with its evidence is counted, as stored; the
        # others wait, in the stored scoring and so in the report
        (leadership,) = [leaf for part in ctx.indicators for leaf in part.leaves if leaf.code == "1.1"]
        assert leadership.score == 4
        assert gated > 0
