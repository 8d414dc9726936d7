"""`lvzhi inspection risk|draw|rerun`: the office draws from the command line and anyone re-runs the draw."""

from __future__ import annotations

from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.inspections.models import Draw, Finding, Plan

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_office_draws_two_counties_and_a_viewer_reruns_the_draw(cast, over_scored):
    code, out = cli("inspection", "risk", str(cast.round.pk), "--as", "prov_office")
    assert code == 0, out
    assert out.splitlines()[0].startswith("990101\t甲市一县\t甲市\t") and "自评高于评审/核查" in out

    code, out = cli(
        "inspection", "draw", str(cast.round.pk), "--n", "2", "--seed", "7", "--as", "prov_office"
    )
    assert code == 0, out
    draw = Draw.objects.get()
    lines = out.splitlines()
    assert lines[0] == f"抽取#{draw.pk}\t种子 7"
    assert [line.split("\t")[0] for line in lines[1:3]] == draw.drawn
    # Then every county's probability of being drawn, exact for a round this small.
    assert lines[3] == "入选概率（精确计算）："
    chances = {line.split("\t")[0]: line.split("\t")[2] for line in lines[4:]}
    assert chances == draw.inclusion["probabilities"] and len(chances) == 3

    code, out = cli("inspection", "rerun", str(draw.pk), "--as", "viewer")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[:3] == ["\t".join(draw.drawn), "与存档结果一致（种子 7）", "入选概率（精确计算）："]
    assert {line.split("\t")[0]: line.split("\t")[2] for line in lines[3:6]} == chances
    assert lines[6] == "入选概率与存档一致"


def test_the_office_changes_the_rounds_risk_settings_and_a_wrong_value_changes_nothing(cast):
    code, out = cli("inspection", "settings", str(cast.round.pk), "--as", "prov_office")
    assert code == 0, out
    assert "jump_percent\t30\t同比跳变阈值（%）" in out.splitlines()

    code, out = cli(
        "inspection", "settings", str(cast.round.pk), "--set", "jump_percent=25", "--set", "floor=5",
        "--as", "prov_office",
    )  # fmt: skip
    assert code == 0, out
    assert "jump_percent\t25\t同比跳变阈值（%）" in out and "floor\t5\t基础权重（保底机会）" in out

    code, out = cli(
        "inspection", "settings", str(cast.round.pk), "--set", "jump_percent=40", "--set", "digit_sample=9",
        "--as", "prov_office",
    )  # fmt: skip
    assert code == 1 and "末位数字检验的最小样本量（个）应不小于 50" in out
    code, out = cli("inspection", "settings", str(cast.round.pk), "--as", "prov_office")
    assert "jump_percent\t25\t同比跳变阈值（%）" in out.splitlines()
    code, out = cli("inspection", "settings", str(cast.round.pk), "--set", "floor=2", "--as", "jia_office")
    assert code == 1 and "权限" in out


def test_a_draw_by_someone_who_does_not_manage_the_round_is_refused_in_chinese(cast):
    code, out = cli("inspection", "draw", str(cast.round.pk), "--n", "1", "--as", "jia_office")
    assert code == 1 and "权限" in out
    code, out = cli("inspection", "draw", str(cast.round.pk), "--n", "9", "--as", "prov_office")
    assert code == 1 and "抽取数量应在 1 到 3 之间" in out
    assert not Draw.objects.exists()


def test_the_office_plans_records_a_finding_with_a_photo_and_writes_the_visits_report(cast, tmp_path):
    from lvzhi.evaluations.actions import do_save_value

    cast.advance(cast.jia1, "填报中")
    do_save_value(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, item_code="kg_public_share", value="60",
        expected_version=None,
    )  # fmt: skip
    code, out = cli(
        "inspection", "plan", str(cast.round.pk), "--name", "春季督导", "--team", "张三",
        "--starts", "2024-05-06", "--ends", "2024-05-08", "--regions", "990101,990102", "--as", "prov_office",
    )  # fmt: skip
    assert code == 0, out
    plan = Plan.objects.get()
    assert "春季督导" in out and "甲市一县" in out and "甲市二县" in out
    visit = plan.visits.get(evaluation=cast.jia1)

    photo = tmp_path / "花名册.png"
    photo.write_bytes(PNG)
    code, out = cli(
        "inspection", "finding", str(visit.pk), "--description", "公办园在园幼儿数与花名册不符",
        "--indicator", "2.1", "--item", "kg_public_share", "--verified", "52", "--tolerance", "5",
        "--photo", str(photo), "--problem", "--measure", "据实更正", "--deadline", "2099-06-30",
        "--as", "prov_office",
    )  # fmt: skip
    assert code == 0, out
    finding = Finding.objects.get()
    assert finding.flagged and finding.photos.count() == 1 and finding.problem_id is not None
    assert "超出允许偏差" in out and "1 张" in out and f"编号{finding.problem_id}" in out

    for suffix, head in (("docx", b"PK"), ("pdf", b"%PDF")):
        target = tmp_path / f"报告.{suffix}"
        code, out = cli("inspection", "report", str(visit.pk), "--out", str(target), "--as", "viewer")
        assert code == 0, out
        assert target.read_bytes().startswith(head) and "实地督导" in out


def test_refusals_in_the_cli_write_nothing(cast, flagged_finding, tmp_path):
    visit = flagged_finding.visit
    code, out = cli(
        "inspection", "plan", str(cast.round.pk), "--name", "越权", "--starts", "2024-05-06",
        "--ends", "2024-05-08", "--regions", "990101", "--as", "jia_office",
    )  # fmt: skip
    assert code == 1 and "权限" in out
    code, out = cli(
        "inspection", "plan", str(cast.round.pk), "--name", "日期颠倒", "--starts", "2024-05-09",
        "--ends", "2024-05-08", "--regions", "990101,123456", "--as", "prov_office",
    )  # fmt: skip
    assert code == 1 and "早于开始日期" in out and "123456" in out
    bad = tmp_path / "现场.png"
    bad.write_bytes(b"not a picture")
    code, out = cli(
        "inspection", "finding", str(visit.pk), "--description", "照片坏了", "--photo", str(bad),
        "--as", "prov_office",
    )  # fmt: skip
    assert code == 1 and "现场.png" in out
    code, out = cli("inspection", "finding", str(visit.pk), "--description", "越权", "--as", "viewer")
    assert code == 1 and "权限" in out
    code, out = cli("inspection", "report", "999999", "--out", str(tmp_path / "r.pdf"), "--as", "viewer")
    assert code == 1 and "不存在或无权访问" in out
    assert Plan.objects.count() == 1 and Finding.objects.count() == 1
    assert not (tmp_path / "r.pdf").exists()
