"""CLI commands of the report domain: ``lvzhi report build`` (self-evaluation reports, feedback letters)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lvzhi.writer.bundle import FORMATS

report_app = typer.Typer(help="报告：生成自评报告、反馈意见和问题清单 (reports).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(report_app, name="report")


def _formats(raw: str) -> list[str]:
    wanted = [f.strip().lower() for f in raw.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise typer.BadParameter(
            f"不支持的格式: {', '.join(bad) or raw}（可用: {', '.join(FORMATS)}） (unsupported format)",
            param_hint="--format",
        )
    return wanted


@report_app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    scheme: Annotated[
        str | None,
        typer.Option("--scheme", help="评价方案：内置 id 或 YAML 文件（与 --data 一起，从文件生成）"),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="数据文件 (.json/.csv/.xlsx)，每行一个地区")
    ] = None,
    round_id: Annotated[
        int | None, typer.Option("--round", help="从数据库生成：评价轮次编号（该用户可见的全部评价）")
    ] = None,
    evaluation_id: Annotated[
        int | None, typer.Option("--evaluation", help="从数据库生成：一个评价的编号")
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--as", help="从数据库生成时以该用户身份（只生成其可见的地区）")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="只生成这个地区（代码）")] = None,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上年数据文件（按地区代码合并）")
    ] = None,
    texts: Annotated[
        Path | None, typer.Option("--texts", help="工作人员撰写的文字 (JSON，见 lvzhi.writer.files)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx,pdf,html 中的一种或多种")] = "docx,pdf",
    feedback: Annotated[
        bool, typer.Option("--feedback", help="同时生成反馈意见和问题清单 (docx/xlsx)")
    ] = False,
    when: Annotated[str | None, typer.Option("--date", help="成文日期 YYYY-MM-DD（默认今天）")] = None,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="插入得分图表")] = True,
) -> None:
    """生成自评报告：从数据文件（--scheme/--data），或从数据库（--round/--evaluation 加 --as）(build reports)."""
    from lvzhi.schemes import SchemeError
    from lvzhi.writer.bundle import report_bundle
    from lvzhi.writer.files import contexts_from_files

    console = Console(highlight=False, soft_wrap=True)
    formats = _formats(fmt)
    try:
        dated = date.fromisoformat(when) if when else None
    except ValueError:
        raise typer.BadParameter(f"日期格式应为 YYYY-MM-DD：{when} (bad date)", param_hint="--date") from None
    from_db = round_id is not None or evaluation_id is not None
    if from_db == (scheme is not None or data is not None) or (
        not from_db and (scheme is None or data is None)
    ):
        raise typer.BadParameter(
            "请给出 --scheme 和 --data（从文件生成），或 --round / --evaluation 和 --as（从数据库生成）",
            param_hint="--scheme/--data/--round/--evaluation",
        )
    if from_db:
        contexts = _contexts_from_database(round_id, evaluation_id, acting, region, dated)
    else:
        assert scheme is not None and data is not None
        try:
            contexts = contexts_from_files(scheme, data, region, previous, texts, dated)
        except SchemeError as exc:
            for p in exc.problems:
                console.print(f"[red]✗[/red] {escape(str(p))}")
            raise typer.Exit(1) from None
    if not contexts:
        console.print("没有可生成的报告（该用户在此轮次中没有可见的评价，或地区代码不符）")
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    warnings: list[str] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("生成报告", total=len(contexts))
        for ctx in contexts:
            progress.update(task, description=f"生成报告 {ctx.region_name}")
            bundle = report_bundle(ctx, formats, feedback=feedback, charts=charts)
            warnings += bundle.warnings
            for name, content in bundle.files.items():
                path = out / name
                path.write_bytes(content)
                written.append(path)
            progress.advance(task)
    for w in warnings:
        console.print(f"[yellow]⚠[/yellow] {escape(w)}")
    console.print(f"已生成 {len(written)} 个文件，{len(contexts)} 个地区，保存在 {escape(str(out))}")


def _contexts_from_database(
    round_id: int | None,
    evaluation_id: int | None,
    acting: str | None,
    region: str | None,
    dated: date | None,
) -> list[Any]:
    """Writer contexts of the evaluations `acting` may see (through the scoping helper), in region order."""
    import dataclasses

    from lvzhi.cli.django_env import setup_django

    setup_django()
    from django.http import Http404

    from lvzhi.accounts import scoping
    from lvzhi.accounts.models import User
    from lvzhi.evaluations.reporting import report_contexts

    if not acting:
        raise typer.BadParameter("从数据库生成需要 --as 用户名（按其权限范围生成）", param_hint="--as")
    user = User.objects.filter(username=acting, is_active=True).first()
    if user is None:
        typer.echo(f"用户 {acting} 不存在或已停用", err=True)
        raise typer.Exit(1)
    try:
        if evaluation_id is not None:
            evaluations = [scoping.get_evaluation_for(user, evaluation_id)]
        else:
            rnd = scoping.get_round_for(user, round_id)
            evaluations = list(
                scoping.evaluations_for(user)
                .filter(round=rnd)
                .select_related("region", "round__scheme_version", "round__owner_region")
                .order_by("region__code")
            )
    except Http404:
        what = f"评价 {evaluation_id}" if evaluation_id is not None else f"评价轮次 {round_id}"
        typer.echo(f"{what} 不存在，或不在用户 {acting} 的权限范围内", err=True)
        raise typer.Exit(1) from None
    if region:
        evaluations = [e for e in evaluations if e.region.code == region]
    contexts = report_contexts(evaluations)
    out = [contexts[e.pk] for e in evaluations]
    if dated is not None:
        out = [dataclasses.replace(c, date=dated) for c in out]
    return out
