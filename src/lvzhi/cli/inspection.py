"""CLI of on-site inspection: `lvzhi inspection risk|settings|draw|rerun` — the same actions as the 督导 pages.

`draw` acts as the user named by `--as` (the office managing the round) and prints every region's probability
of being drawn; `rerun` draws again from a stored draw's seed and inputs, recomputes the probabilities and
says whether both are the ones stored, so anyone may check a draw; `settings` shows or changes the round's
risk settings (`--set 名称=数值`, all or nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from lvzhi.cli.acting import django_setup, operator_named, refuse, run_action

if TYPE_CHECKING:
    from lvzhi.inspections.models import Draw

AS = Annotated[str, typer.Option("--as", help="执行操作的用户名 (acting user)")]


def register(app: typer.Typer) -> None:
    insp = typer.Typer(help="实地督导 (inspection)：风险排序、按风险抽取、复核抽取。", no_args_is_help=True)
    insp.command("risk")(inspection_risk)
    insp.command("settings")(inspection_settings)
    insp.command("draw")(inspection_draw)
    insp.command("rerun")(inspection_rerun)
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
