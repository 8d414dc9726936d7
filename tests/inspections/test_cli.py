"""`lvzhi inspection risk|draw|rerun`: the office draws from the command line and anyone re-runs the draw."""

from __future__ import annotations

from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.inspections.models import Draw


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
