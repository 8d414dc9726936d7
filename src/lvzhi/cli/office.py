"""CLI of the supervision office's year: `lvzhi scheme add`, `lvzhi round …`, `lvzhi rectification …`.

Every command acts as the user named by `--as`, through the scoping helper and the same action functions
as the web pages and the API; a refusal prints the action's Chinese message and exits with code 1.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer

from lvzhi.cli.acting import django_setup, operator_named, refuse, run_action

AS = Annotated[str, typer.Option("--as", help="执行操作的用户名 (acting user)")]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app (`scheme add` joins the existing `scheme` group)."""
    from lvzhi.cli.schemes import scheme_app

    scheme_app.command("add")(scheme_add)
    rounds = typer.Typer(help="评价轮次 (rounds)：开启、关闭、分配专家、延期、导出。", no_args_is_help=True)
    rounds.command("open")(round_open)
    rounds.command("close")(round_close)
    rounds.command("list")(round_list)
    rounds.command("assign")(round_assign)
    rounds.command("unassign")(round_unassign)
    rounds.command("extend")(round_extend)
    rounds.command("export")(round_export)
    app.add_typer(rounds, name="round")
    rect = typer.Typer(help="问题整改 (rectification)：台账与导出。", no_args_is_help=True)
    rect.command("list")(rectification_list)
    rect.command("export")(rectification_export)
    app.add_typer(rect, name="rectification")


def deadline(text: str | None, option: str) -> datetime | None:
    """A date (the end of that day, Beijing time) or a date and time, as the deadline options take them."""
    if not text:
        return None
    from django.utils import timezone

    try:
        if len(text.strip()) == 10:
            moment = datetime.combine(datetime.strptime(text.strip(), "%Y-%m-%d").date(), time(23, 59, 59))
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise refuse(f"{option} 的日期“{text}”无法识别：请写成 2026-06-30 或 2026-06-30T17:00") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _round(user: Any, round_id: int, perm: str = "view") -> Any:
    from lvzhi.accounts.scoping import get_round_for

    return run_action(get_round_for, user=user, round_id=round_id, perm=perm)


def _region(code: str) -> Any:
    from lvzhi.regions.models import Region

    region = Region.objects.filter(code=code).first()
    if region is None:
        raise refuse(f"区划代码 {code} 不存在")
    return region


def scheme_add(
    file: Annotated[Path, typer.Argument(help="方案 YAML 文件")],
    acting: AS,
    draft: Annotated[bool, typer.Option("--draft", help="只导入为草稿，不启用")] = False,
) -> None:
    """导入方案文件为新版本并启用，打印版本号 id (add a scheme version; prints its id)."""
    django_setup()
    from lvzhi.evaluations.actions import do_activate_scheme_version, do_create_scheme_version
    from lvzhi.evaluations.gateway import SchemeInvalid

    actor = operator_named(acting)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"无法读取方案文件 {file}：{exc}") from exc
    try:
        sv = run_action(do_create_scheme_version, acting_user=actor, yaml_text=text, source_name=file.name)
    except SchemeInvalid as exc:
        raise refuse(str(exc)) from exc
    if not draft:
        run_action(do_activate_scheme_version, acting_user=actor, version=sv)
    typer.echo(sv.pk)
    typer.echo(f"方案“{sv.title}”v{sv.version}（{sv.scheme_id}）{'草稿' if draft else '已启用'}。", err=True)


def round_open(
    scheme: Annotated[int, typer.Option("--scheme", help="方案版本 id（lvzhi scheme add 打印的数字）")],
    year: Annotated[int, typer.Option("--year", help="评价年度")],
    region: Annotated[str, typer.Option("--region", help="组织单位的区划代码")],
    acting: AS,
    level: Annotated[
        str,
        typer.Option(
            "--level", help="被评价的下级：county 县级 / city 市级 / province 省级（全国区划开启）/ all 全部"
        ),
    ] = "county",
    fill_deadline: Annotated[str | None, typer.Option("--fill-deadline", help="填报截止 YYYY-MM-DD")] = None,
    review_deadline: Annotated[
        str | None, typer.Option("--review-deadline", help="审核截止 YYYY-MM-DD")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="轮次名称；默认按单位、年度、层级生成")] = "",
) -> None:
    """开启评价轮次（重复运行只补上缺少的区划），打印轮次 id (open a round; prints its id)."""
    django_setup()
    from lvzhi.evaluations.actions.office import LEVEL_CHOICES, do_open_year_round
    from lvzhi.evaluations.models import SchemeVersion

    actor = operator_named(acting)
    if level not in LEVEL_CHOICES:
        raise refuse(f"--level 应为 {'、'.join(LEVEL_CHOICES)} 之一，不是 {level}")
    sv = SchemeVersion.objects.filter(pk=scheme).first()
    if sv is None:
        raise refuse(f"方案版本 {scheme} 不存在（lvzhi scheme add 打印的 id）")
    opened = run_action(
        do_open_year_round,
        acting_user=actor,
        scheme_version=sv,
        year=year,
        owner_region=_region(region),
        level=LEVEL_CHOICES[level],
        fill_deadline=deadline(fill_deadline, "--fill-deadline"),
        review_deadline=deadline(review_deadline, "--review-deadline"),
        name=name,
    )
    typer.echo(opened.round.pk)
    what = "已开启" if opened.created else "已存在，补充"
    typer.echo(f"评价轮次“{opened.round.name}”{what} {opened.added} 个区划。", err=True)


def round_close(round_id: Annotated[int, typer.Argument(help="轮次 id")], acting: AS) -> None:
    """关闭评价轮次 (close a round)."""
    django_setup()
    from lvzhi.evaluations.actions.office import do_close_round

    actor = operator_named(acting)
    rnd = _round(actor, round_id)
    run_action(do_close_round, acting_user=actor, round=rnd)
    typer.echo(f"评价轮次“{rnd.name}”已关闭。")


def round_list(acting: AS) -> None:
    """列出可见的评价轮次 (list the rounds the user may see)."""
    django_setup()
    from django.db.models import Count

    from lvzhi.accounts.scoping import rounds_for

    actor = operator_named(acting)
    for r in rounds_for(actor).annotate(n=Count("evaluations")).order_by("-year", "pk"):
        state = "已关闭" if r.closed_at else "进行中"
        typer.echo(f"{r.pk}\t{r.year}\t{r.name}\t{r.n} 个区划\t{state}")


def _pairs(actor: Any, rnd: Any, experts: list[str], regions: list[str]) -> list[tuple[Any, Any]]:
    from lvzhi.accounts.models import User

    users = []
    for name in experts:
        u = User.objects.filter(username=name, is_active=True).first()
        if u is None:
            raise refuse(f"专家用户 {name} 不存在或已停用")
        users.append(u)
    return [(_region(code), u) for code in regions for u in users]


def round_assign(
    round_id: Annotated[int, typer.Argument(help="轮次 id")],
    acting: AS,
    expert: Annotated[list[str], typer.Option("--expert", help="专家用户名（可多次）")],
    region: Annotated[list[str] | None, typer.Option("--region", help="区划代码（可多次）")] = None,
    draw: Annotated[
        int, typer.Option("--draw", help="每个区划随机均衡抽取几名专家（代替 --region 的逐一指定）")
    ] = 0,
    seed: Annotated[int | None, typer.Option("--seed", help="抽取的随机种子（可复现）")] = None,
) -> None:
    """分配评审专家：逐一指定区划，或 --draw N 为全部区划均衡随机抽取；始终回避专家本地 (assign experts)."""
    django_setup()
    from lvzhi.evaluations.actions.office import balanced_draw, do_assign_experts, expert_load

    actor = operator_named(acting)
    rnd = _round(actor, round_id, "manage")
    if draw:
        experts = [u for _, u in _pairs(actor, rnd, expert, [rnd.owner_region.code])]
        targets = [e.region for e in rnd.evaluations.select_related("region")]
        pairs = run_action(
            balanced_draw, experts=experts, regions=targets, per_region=draw, load=expert_load(rnd), seed=seed
        )
    else:
        if not region:
            raise refuse("请用 --region 指定区划，或用 --draw N 随机抽取")
        pairs = _pairs(actor, rnd, expert, region)
    results = run_action(do_assign_experts, acting_user=actor, round=rnd, pairs=pairs)
    for item in results:
        typer.echo(f"{'✓' if item.ok else '✗'} {item.label}：{item.message}")
    if not all(i.ok for i in results):
        raise typer.Exit(1)


def round_unassign(
    round_id: Annotated[int, typer.Argument(help="轮次 id")],
    acting: AS,
    expert: Annotated[str, typer.Option("--expert", help="专家用户名")],
    region: Annotated[list[str], typer.Option("--region", help="区划代码（可多次）")],
) -> None:
    """撤销专家分配 (withdraw assignments)."""
    django_setup()
    from lvzhi.evaluations.actions import do_unassign_expert
    from lvzhi.evaluations.models import ExpertAssignment

    actor = operator_named(acting)
    rnd = _round(actor, round_id, "manage")
    for code in region:
        a = ExpertAssignment.objects.filter(round=rnd, region__code=code, expert__username=expert).first()
        if a is None:
            raise refuse(f"{expert} 没有被分配评审 {code}")
        run_action(do_unassign_expert, acting_user=actor, assignment=a)
        typer.echo(f"已撤销 {expert} 对 {a.region.name} 的评审分配。")


def round_extend(
    round_id: Annotated[int, typer.Argument(help="轮次 id")],
    acting: AS,
    region: Annotated[str, typer.Option("--region", help="区划代码")],
    until: Annotated[str, typer.Option("--until", help="延期至 YYYY-MM-DD")],
    reason: Annotated[str, typer.Option("--reason", help="延期原因")],
) -> None:
    """给一个区划延长填报截止时间（须写原因，记入审计） (grant a region a deadline extension)."""
    django_setup()
    from lvzhi.evaluations.actions.office import do_grant_extension
    from lvzhi.evaluations.models import Evaluation

    actor = operator_named(acting)
    rnd = _round(actor, round_id, "manage")
    ev = Evaluation.objects.filter(round=rnd, region__code=region).select_related("round", "region").first()
    if ev is None:
        raise refuse(f"{region} 不在评价轮次“{rnd.name}”中")
    moment = deadline(until, "--until")
    run_action(do_grant_extension, acting_user=actor, evaluation=ev, until=moment, reason=reason)
    typer.echo(f"{ev.region.name} 的填报截止已延至 {until}。")


def round_export(
    round_id: Annotated[int, typer.Argument(help="轮次 id")],
    acting: AS,
    out: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .csv")],
    state: Annotated[str, typer.Option("--state", help="只导出此状态（如 已发布）；默认全部可见")] = "",
) -> None:
    """导出轮次结果：总分、等次、排名和每个指标的得分 (export a round's results)."""
    django_setup()
    from lvzhi.evaluations.results import result_table

    actor = operator_named(acting)
    rnd = _round(actor, round_id)
    table = result_table(actor, rnd, state or None)
    _write(table, out)
    typer.echo(f"已导出 {len(table.rows)} 个区划到 {out}。")


def _write(table: Any, out: Path) -> None:
    """A table as .xlsx or .csv, by the file's suffix."""
    from lvzhi.evaluations.results import csv_bytes, xlsx_bytes

    if out.suffix.lower() == ".csv":
        out.write_bytes(csv_bytes(table))
    elif out.suffix.lower() == ".xlsx":
        out.write_bytes(xlsx_bytes([table]))
    else:
        raise refuse("--out 的文件名须以 .xlsx 或 .csv 结尾")


def _problem_table(actor: Any, state: str, region: str) -> Any:
    from lvzhi.rectification.ledger import ledger_table

    return ledger_table(actor, state=state, region=region)


def rectification_list(
    acting: AS,
    state: Annotated[
        str, typer.Option("--state", help="状态（待整改/整改中/已提交销号/已销号/退回/逾期）")
    ] = "",
    region: Annotated[str, typer.Option("--region", help="区划代码（含下级）")] = "",
) -> None:
    """列出可见的整改问题 (list visible rectification problems)."""
    django_setup()
    table = _problem_table(operator_named(acting), state, region)
    typer.echo("\t".join(table.header))
    for row in table.rows:
        typer.echo("\t".join("" if v is None else str(v) for v in row))


def rectification_export(
    acting: AS,
    out: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .csv")],
    state: Annotated[str, typer.Option("--state", help="状态")] = "",
    region: Annotated[str, typer.Option("--region", help="区划代码（含下级）")] = "",
) -> None:
    """导出整改台账 (export the rectification ledger)."""
    django_setup()
    table = _problem_table(operator_named(acting), state, region)
    _write(table, out)
    typer.echo(f"已导出 {len(table.rows)} 个问题到 {out}。")
