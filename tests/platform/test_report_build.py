"""`lvzhi report build --round/--evaluation --as`: reports from the database, within the user's scope."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.evaluations import actions
from lvzhi.evaluations.reporting import report_contexts
from lvzhi.reader.pipeline import analyse
from lvzhi.writer.builder import build_report

FIGURES = {
    "edu_gpb_spending": ("52340.5", "50120.8"),  # 万元, this year and last
    "kg_inclusive_coverage": ("83.6", "81.2"),
    "kg_public_share": ("47.3", "45.9"),
    "disabled_enrolment_rate": ("96.5", "95.8"),
}


def fill(cast, evaluation) -> None:
    """The county's filler enters this year's and last year's figures through the real action."""
    filler = cast.filler_for(evaluation)
    actions.do_start_filling(acting_user=filler, evaluation=evaluation)
    for code, (value, prev) in FIGURES.items():
        actions.do_save_value(
            acting_user=filler,
            evaluation=evaluation,
            item_code=code,
            value=Decimal(value),
            prev_value=Decimal(prev),
            expected_version=None,
        )
    cast.complete_self_assessment(evaluation)


def build(tmp_path: Path, *args: str) -> tuple[int, str, list[str]]:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "build", "--out", str(out), "--format", "docx", *args])
    files = sorted(p.name for p in out.glob("*")) if out.exists() else []
    return result.exit_code, result.output, files


def test_an_office_builds_one_report_per_evaluation_of_its_round(cast, tmp_path):
    fill(cast, cast.jia1)
    code, out, files = build(tmp_path, "--round", str(cast.round.pk), "--as", "prov_office")
    assert code == 0, out
    assert files == [f"{c}-2024-自评报告.docx" for c in ("990101", "990102", "990201")]
    # a title line break (w:br) is layout, not text
    body = "\n".join(
        p.text.replace("\n", "") for p in docx.Document(str(tmp_path / "out" / files[0])).paragraphs
    )
    assert "甲市一县人民政府关于2024年度履行教育职责情况的自评报告" in body
    # every figure from the data, never rounded differently from the datum it states
    assert "一般公共预算教育经费52340.5万元，较上年50120.8万元增长4.43%" in body


def test_a_county_user_building_the_round_gets_only_its_own_region(cast, tmp_path):
    code, out, files = build(tmp_path, "--round", str(cast.round.pk), "--as", "jia1_filler")
    assert code == 0, out
    assert files == ["990101-2024-自评报告.docx"]


def test_a_county_user_cannot_build_another_countys_report_and_nothing_is_written(cast, tmp_path):
    code, out, files = build(tmp_path, "--evaluation", str(cast.jia2.pk), "--as", "jia1_filler")
    assert code == 1
    assert "不在用户 jia1_filler 的权限范围内" in out
    assert files == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--round", "1"), "--as"),  # no acting user
        (("--scheme", "statutory"), "--data"),  # a data file is missing
        (("--round", "1", "--scheme", "statutory", "--as", "admin"), "--data"),  # both sources
    ],
)
def test_the_sources_must_be_either_files_or_the_database(cast, tmp_path, args, says):
    code, out, files = build(tmp_path, *args)
    assert code != 0
    assert says in out
    assert files == []


def test_the_reader_finds_no_inconsistency_in_a_report_built_from_the_database(cast):
    fill(cast, cast.jia1)
    context = report_contexts([cast.jia1])[cast.jia1.pk]
    document = build_report(context, charts=False)
    analysis = analyse(document.text())
    assert analysis.claims, "the report states figures"
    assert [k.message for k in analysis.checks if not k.consistent] == []
    stated = {c.value for c in analysis.claims}
    assert {Decimal("523405000"), Decimal("501208000"), Decimal("47.3")} <= stated  # the data, read back


def test_the_report_states_the_stored_total_grade_and_indicator_scores(cast):
    """The report reads what the evaluation stored (scored with its evidence), never a re-scoring."""
    from lvzhi.evaluations.models import Evaluation

    fill(cast, cast.jia1)
    evaluation = Evaluation.objects.get(pk=cast.jia1.pk)
    ctx = report_contexts([evaluation])[evaluation.pk]
    assert ctx.score_total == evaluation.total
    assert (ctx.grade_name or "") in ("", evaluation.result.get("grade_name") or evaluation.grade)
    subtotals = evaluation.result.get("subtotals", {})
    finals = dict(evaluation.scores.values_list("indicator_code", "final_score"))
    for part in ctx.indicators:
        stored = subtotals.get(part.code)
        assert part.score == (Decimal(str(stored)) if stored is not None else None), part.code
        for leaf in part.leaves:
            assert leaf.score == finals.get(leaf.code), leaf.code


def test_an_unconfirmed_prefill_is_never_printed_as_a_fact(cast):
    from lvzhi.evaluations.models import Evaluation, Source

    fill(cast, cast.jia1)
    actions.do_save_value(
        acting_user=cast.filler_for(cast.jia1),
        evaluation=cast.jia1,
        item_code="kindergartens",
        value=Decimal(5),
        expected_version=None,
        source=Source.PREFILL,
        source_sentence="新建幼儿园5所",
    )
    evaluation = Evaluation.objects.get(pk=cast.jia1.pk)
    text = build_report(report_contexts([evaluation])[evaluation.pk]).text()
    assert "幼儿园5所" not in text
    assert "一般公共预算教育经费" in text  # the confirmed figures are stated


def test_a_figure_is_compared_with_the_average_of_the_regions_evaluated_together(cast):
    """With three counties' figures the report compares each with their average; the average of fewer
    regions would give a neighbour's figure away, so none is stated then."""
    from lvzhi.accounts.models import Role, RoleAssignment, User

    evaluation = cast.jia1
    fill(cast, evaluation)
    text = build_report(report_contexts([evaluation])[evaluation.pk]).text()
    assert "参评地区平均水平" not in text  # one county has figures
    yi_filler = User.objects.create(
        username="yi1_filler", full_name="乙市一县填报员", password=cast.admin.password
    )
    RoleAssignment.objects.create(user=yi_filler, role=Role.FILLER, region=cast.regions["乙市一县"])
    for other, filler, spending in ((cast.jia2, cast.jia2_filler, "40000"), (cast.yi1, yi_filler, "30000")):
        actions.do_start_filling(acting_user=filler, evaluation=other)
        actions.do_save_value(
            acting_user=filler,
            evaluation=other,
            item_code="edu_gpb_spending",
            value=Decimal(spending),
            expected_version=None,
        )
    text = build_report(report_contexts([evaluation])[evaluation.pk]).text()
    # (52340.5 + 40000 + 30000) / 3 = 40780.17
    assert "与参评地区平均水平相比，一般公共预算教育经费高于平均水平40780.17万元。" in text
