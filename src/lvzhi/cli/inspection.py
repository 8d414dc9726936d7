"""CLI of on-site inspection: `lvzhi inspection risk|settings|draw|rerun|plan|finding|report` — the same actions
as the 督导 pages.

`draw` acts as the user named by `--as` (the office managing the round) and prints every region's probability
of being drawn; `rerun` draws again from a stored draw's seed and inputs, recomputes the probabilities and
says whether both are the ones stored, so anyone may check a draw; `settings` shows or changes the round's
risk settings (`--set 名称=数值`, all or nothing); `plan` makes an inspection plan of a draw's and/or chosen
regions, `finding` records what was found in a visit (verified figure and score, photos, a problem raised) and
`report` writes a visit's inspection report as .docx or .pdf, built as the page builds it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lvzhi.cli.acting import django_setup, operator_named, refuse, run_action

if TYPE_CHECKING:
    from lvzhi.inspections.models import Draw

AS = Annotated[str, typer.Option("--as", help="执行操作的用户名 (acting user)")]


def register(app: typer.Typer) -> None:
    insp = typer.Typer(
        help="实地督导 (inspection)：风险排序、按风险抽取、复核抽取、督导计划、督导发现、督导报告。",
        no_args_is_help=True,
    )
    insp.command("risk")(inspection_risk)
    insp.command("settings")(inspection_settings)
    insp.command("draw")(inspection_draw)
    insp.command("rerun")(inspection_rerun)
    insp.command("plan")(inspection_plan)
    insp.command("finding")(inspection_finding)
    insp.command("report")(inspection_report)
    app.add_typer(insp, name="inspection")


def inspection_risk(
    round_id: Annotated[int, typer.Argument(help="评价轮次 id")],
    acting: AS,
) -> None:
    """按风险从高到低列出轮次的区划及原因 (regions by risk, with the reasons)."""
    django_setup()
    from lvzhi.accounts.scoping import Perm, get_round_for
    from lvzhi.inspections.actions import risk_list

    user = operator_named(acting)
    rnd = run_action(get_round_for, user=user, round_id=round_id, perm=Perm.MANAGE)
    for r in risk_list(rnd):
        reasons = "；".join(f"{x.text}（{x.points} 分）" for x in r.reasons) or "无风险信号"
        typer.echo(f"{r.region}\t{r.name}\t{r.stratum}\t{r.score}\t{reasons}")


def inspection_settings(
    round_id: Annotated[int, typer.Argument(help="评价轮次 id")],
    acting: AS,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="名称=数值，如 jump_percent=25（可多次）")
    ] = None,
) -> None:
    """显示或修改轮次的风险参数 (show or change the round's risk settings)."""
    django_setup()
    from lvzhi.accounts.scoping import Perm, get_round_for
    from lvzhi.inspections import risk
    from lvzhi.inspections.actions import do_set_settings, settings_for

    user = operator_named(acting)
    rnd = run_action(get_round_for, user=user, round_id=round_id, perm=Perm.MANAGE)
    current = settings_for(rnd)
    if set_:
        values: dict[str, object] = {}
        for pair in set_:
            name, sep, value = pair.partition("=")
            if not sep:
                raise refuse(f"“{pair}”应写成 名称=数值，如 jump_percent=25")
            values[name.strip()] = value.strip()
        current = run_action(do_set_settings, acting_user=user, round=rnd, values=values)
    shown = current.as_dict()
    for spec in risk.SETTING_SPECS:
        typer.echo(f"{spec.name}\t{shown[spec.name]}\t{spec.label}")


def _probabilities(draw: Draw, probabilities: dict[str, Any], inclusion: dict[str, Any]) -> None:
    if inclusion.get("method") == "exact":
        how = "精确计算"
    else:
        how = f"模拟 {inclusion.get('runs')} 次，误差不超过 ±{inclusion.get('half_width')}（95% 把握）"
    typer.echo(f"入选概率（{how}）：")
    drawn = set(draw.drawn)
    for c in draw.candidates:
        mark = "\t抽中" if c["region"] in drawn else ""
        typer.echo(f"{c['region']}\t{c['name']}\t{probabilities.get(c['region'], '—')}{mark}")


def inspection_draw(
    round_id: Annotated[int, typer.Argument(help="评价轮次 id")],
    acting: AS,
    n: Annotated[int, typer.Option("--n", help="抽取数量")],
    seed: Annotated[int | None, typer.Option("--seed", help="随机种子（不填则随机生成并存档）")] = None,
) -> None:
    """按风险与随机相结合抽取 N 个区划，存档种子与输入，打印抽取 id 与结果 (draw N regions)."""
    django_setup()
    from lvzhi.accounts.scoping import Perm, get_round_for
    from lvzhi.inspections.actions import do_draw

    user = operator_named(acting)
    rnd = run_action(get_round_for, user=user, round_id=round_id, perm=Perm.MANAGE)
    draw = run_action(do_draw, acting_user=user, round=rnd, n=n, seed=seed)
    names = {c["region"]: c["name"] for c in draw.candidates}
    typer.echo(f"抽取#{draw.pk}\t种子 {draw.seed}")
    for code in draw.drawn:
        typer.echo(f"{code}\t{names[code]}")
    _probabilities(draw, draw.inclusion["probabilities"], draw.inclusion)


def inspection_rerun(
    draw_id: Annotated[int, typer.Argument(help="抽取 id")],
    acting: AS,
) -> None:
    """按存档的种子和输入重新抽取，核对结果是否一致 (re-run a stored draw)."""
    django_setup()
    from lvzhi.accounts.scoping import get_inspection_draw_for
    from lvzhi.inspections.actions import inclusion_matches, rerun, rerun_inclusion

    user = operator_named(acting)
    draw = run_action(get_inspection_draw_for, user=user, draw_id=draw_id)
    again = rerun(draw)
    typer.echo("\t".join(again.drawn))
    if list(again.drawn) != list(draw.drawn):
        raise refuse(f"重新抽取的结果 {'、'.join(again.drawn)} 与存档结果 {'、'.join(draw.drawn)} 不一致")
    typer.echo(f"与存档结果一致（种子 {draw.seed}）")
    chances = rerun_inclusion(draw)
    recomputed = chances.as_dict()
    _probabilities(draw, recomputed["probabilities"], recomputed)
    matches = inclusion_matches(draw, chances)
    if matches is False:
        raise refuse("重新计算的入选概率与存档不一致")
    typer.echo("入选概率与存档一致" if matches else "本次抽取未存档入选概率，以上为重新计算的结果")


def _console() -> Console:
    # Wide enough for Chinese names even when the output is piped (rich would assume 80 columns).
    return Console(width=160)


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise refuse(f"{option} 的日期“{text}”无法识别：请写成 2025-06-30") from None


def _number(text: str | None, option: str) -> Decimal | None:
    from lvzhi.inspections.figures import typed_number

    try:
        return typed_number(text)
    except ValueError:
        raise refuse(f"{option}“{(text or '').strip().replace(',', '')}”不是数字") from None


def inspection_plan(
    round_id: Annotated[int, typer.Argument(help="评价轮次 id")],
    acting: AS,
    name: Annotated[str, typer.Option("--name", help="督导计划名称")],
    starts: Annotated[str, typer.Option("--starts", help="开始日期，如 2025-06-02")],
    ends: Annotated[str, typer.Option("--ends", help="结束日期，如 2025-06-06")],
    team: Annotated[str, typer.Option("--team", help="督导组成员")] = "",
    draw_id: Annotated[int | None, typer.Option("--draw", help="抽取 id（其抽中区划列入计划）")] = None,
    regions: Annotated[str, typer.Option("--regions", help="另行指定的区划代码，逗号分隔")] = "",
) -> None:
    """制定督导计划：一次抽取的区划和/或指定的区划 (make an inspection plan)."""
    django_setup()
    from lvzhi.accounts.scoping import Perm, get_inspection_draw_for, get_round_for
    from lvzhi.inspections.actions import do_create_plan

    user = operator_named(acting)
    rnd = run_action(get_round_for, user=user, round_id=round_id, perm=Perm.MANAGE)
    draw = (
        run_action(get_inspection_draw_for, user=user, draw_id=draw_id, perm=Perm.MANAGE)
        if draw_id is not None
        else None
    )
    plan = run_action(
        do_create_plan,
        acting_user=user,
        round=rnd,
        name=name,
        team=team,
        starts_on=_day(starts, "--starts"),
        ends_on=_day(ends, "--ends"),
        draw=draw,
        regions=[c.strip() for c in regions.split(",") if c.strip()],
    )
    typer.echo(f"已制定督导计划#{plan.pk}“{plan}”（{plan.starts_on} 至 {plan.ends_on}）：")
    table = Table()
    for col in ("督导区划 id", "区划代码", "区划", "来源"):
        table.add_column(col)
    for v in plan.visits.select_related("evaluation__region"):
        table.add_row(
            str(v.pk), v.evaluation.region.code, v.evaluation.region.name, "抽取" if v.drawn else "指定"
        )
    _console().print(table)


def inspection_finding(
    visit_id: Annotated[int, typer.Argument(help="督导区划 id（见 plan 的输出）")],
    acting: AS,
    description: Annotated[str, typer.Option("--description", help="督导发现")],
    indicator: Annotated[str, typer.Option("--indicator", help="指标代码，如 2.1")] = "",
    item: Annotated[str, typer.Option("--item", help="核查的数据项代码")] = "",
    verified: Annotated[str, typer.Option("--verified", help="核查数值")] = "",
    score: Annotated[str, typer.Option("--score", help="核查得分（该指标的分值以内）")] = "",
    tolerance: Annotated[str, typer.Option("--tolerance", help="允许偏差（%），默认为轮次设置")] = "",
    photo: Annotated[list[Path] | None, typer.Option("--photo", help="现场照片（JPG/PNG，可多次）")] = None,
    problem: Annotated[bool, typer.Option("--problem", help="同时登记整改问题")] = False,
    measure: Annotated[str, typer.Option("--measure", help="整改要求")] = "",
    deadline: Annotated[str, typer.Option("--deadline", help="整改时限，如 2025-09-30")] = "",
    severity: Annotated[str, typer.Option("--severity", help="严重程度")] = "",
) -> None:
    """记录督导发现：核查数值与填报数值比对、核查得分、照片，可登记整改问题 (record a finding)."""
    django_setup()
    from lvzhi.accounts.scoping import Perm, get_inspection_visit_for
    from lvzhi.inspections.actions import do_record_finding, settings_for
    from lvzhi.rectification.models import Severity

    user = operator_named(acting)
    visit = run_action(get_inspection_visit_for, user=user, visit_id=visit_id, perm=Perm.MANAGE)
    photos: list[tuple[str, bytes]] = []
    for p in photo or []:
        try:
            photos.append((p.name, p.read_bytes()))
        except OSError as exc:
            raise refuse(f"无法读取照片 {p}：{exc}") from None
    allowed = _number(tolerance, "--tolerance")
    finding = run_action(
        do_record_finding,
        acting_user=user,
        visit=visit,
        description=description,
        indicator_code=indicator,
        item_code=item,
        verified_value=_number(verified, "--verified"),
        verified_score=score,
        tolerance=allowed if allowed is not None else settings_for(visit.plan.round).verified_tolerance,
        photos=photos,
        raise_problem=problem,
        required_measure=measure,
        deadline=_day(deadline, "--deadline"),
        severity=severity or Severity.GENERAL,
    )
    typer.echo(f"已记录{visit.evaluation.region.name}的{finding}")
    table = Table(show_header=False)
    table.add_column("项")
    table.add_column("内容")
    if finding.item_code:
        table.add_row("填报数值", str(finding.reported_value))
        table.add_row("核查数值", str(finding.verified_value))
        table.add_row("比对", "超出允许偏差" if finding.flagged else "在允许偏差以内")
    if finding.verified_score is not None:
        table.add_row("核查得分", str(finding.verified_score))
    table.add_row("照片", f"{finding.photos.count()} 张")
    if finding.problem_id:
        table.add_row("整改问题", f"已列入整改台账，编号{finding.problem_id}")
    _console().print(table)


def inspection_report(
    visit_id: Annotated[int, typer.Argument(help="督导区划 id")],
    acting: AS,
    out: Annotated[Path, typer.Option("--out", help="输出文件（.docx 或 .pdf）")],
) -> None:
    """生成督导区划的实地督导情况报告（与页面下载的相同）(write a visit's inspection report)."""
    django_setup()
    from lvzhi.accounts.scoping import get_inspection_visit_for
    from lvzhi.inspections.queries import REPORT_FORMATS, report_file
    from lvzhi.rectification.queries import today_in_shanghai

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in REPORT_FORMATS:
        raise refuse(f"--out 应以 .docx 或 .pdf 结尾：{out}")
    user = operator_named(acting)
    visit = run_action(get_inspection_visit_for, user=user, visit_id=visit_id)
    data, name = report_file(visit, fmt, today_in_shanghai())
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise refuse(f"无法写入 {out}：{exc}") from None
    typer.echo(f"已写入《{name.rsplit('.', 1)[0]}》到 {out}（{len(data)} 字节）")
