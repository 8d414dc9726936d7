"""CLI commands of the schemes domain: `lvzhi scheme list|show|validate` and `lvzhi score`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from lvzhi.schemes import Scheme

scheme_app = typer.Typer(
    help="评价方案：列出、查看、校验 (evaluation schemes: list, show, validate).", no_args_is_help=True
)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _load(ref: str, catalogue_path: Path | None = None) -> Scheme:
    """A scheme by built-in id or file path (exits 1 with the problems if it cannot be loaded)."""
    from lvzhi.schemes import SchemeError, list_builtin, load_builtin, load_catalogue, load_scheme

    try:
        catalogue = load_catalogue(catalogue_path) if catalogue_path else None
        if ref in list_builtin() and catalogue is None:
            return load_builtin(ref)
        path = Path(ref)
        if not path.exists():
            raise typer.BadParameter(
                f"既不是内置方案 id 也不是文件: {ref} (neither a built-in scheme id nor a file)"
            )
        return load_scheme(path, catalogue)
    except SchemeError as exc:
        console = _console()
        for p in exc.problems:
            console.print(f"[red]✗[/red] {p}", markup=True)
        raise typer.Exit(1) from None


@scheme_app.command("list")
def list_cmd() -> None:
    """列出内置评价方案 (list the built-in schemes)."""
    from lvzhi.schemes import SchemeError, list_builtin, load_builtin

    table = Table(title="内置评价方案")
    # The id is what every other command takes: never cut it, let the long texts wrap instead.
    table.add_column("id", no_wrap=True)
    for col in ("名称", "层级", "年份", "文件", "总分", "来源"):
        table.add_column(col, overflow="fold")
    for sid in list_builtin():
        try:
            s = load_builtin(sid)
        except SchemeError as exc:
            table.add_row(sid, f"[red]无效: {exc.problems[0].zh}[/red]", "", "", "", "", "")
            continue
        status = "官方" if s.provenance.status == "official" else "据报告重构"
        table.add_row(
            s.id,
            s.title,
            s.level,
            str(s.year),
            s.document or "—",
            _num(s.total) if s.total is not None else "—",
            status,
        )
    _console().print(table)


def _num(d: object) -> str:
    from decimal import Decimal

    if isinstance(d, Decimal):
        return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return str(d)


@scheme_app.command("show")
def show_cmd(
    scheme: Annotated[str, typer.Argument(help="内置方案 id 或 YAML 文件 (built-in id or file)")],
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="数据项目录文件 (catalogue file)")
    ] = None,
) -> None:
    """以表格显示方案的指标树、分值和规则 (show the indicator tree as a table)."""
    s = _load(scheme, catalogue)
    console = _console()
    console.print(f"[bold]{s.title}[/bold]  ({s.id}, {s.level}级, {s.year}, {s.document or '文号不详'})")
    console.print(
        f"发布: {s.issuer}；总分 {_num(s.total) if s.total is not None else '不计分'}；"
        + "等次: "
        + "，".join(f"{g.name}({g.code}) ≥{_num(g.min)}" for g in s.grades)
    )
    prov = "官方文件" if s.provenance.status == "official" else "据自评报告等材料重构（非官方原表）"
    console.print(f"来源: {prov}；" + "；".join(src.title for src in s.provenance.sources))
    from lvzhi.schemes.rule_text import scheme_rules_text

    for sentence in scheme_rules_text(s):
        console.print(sentence)
    table = Table(show_lines=False)
    table.add_column("代码")
    table.add_column("指标")
    table.add_column("分值", justify="right")
    table.add_column("规则")

    from lvzhi.schemes.model import Indicator
    from lvzhi.schemes.rule_text import condition_text, rule_text

    def add(ind: Indicator, depth: int) -> None:
        rule = rule_text(s, ind) or (f"分值说明: {ind.points_note}" if ind.points_note else "")
        table.add_row(ind.code, "  " * depth + ind.name, _num(ind.points), rule)
        for child in ind.children:
            add(child, depth + 1)

    for ind in s.indicators:
        add(ind, 0)
    for title, items in (("加分项", s.bonus), ("扣分项", s.deductions)):
        if items:
            table.add_section()
            table.add_row("", f"[bold]{title}[/bold]", "", "")
            for ind in items:
                add(ind, 1)
    if s.vetoes or s.caps:
        table.add_section()
        for c in s.vetoes:
            table.add_row(c.code, f"一票否决: {c.name}", "", condition_text(s, c))
        for c in s.caps:
            table.add_row(c.code, f"等次限制: {c.name}", "", condition_text(s, c))
    console.print(table)


@scheme_app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="方案 YAML 文件 (scheme files)")],
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="数据项目录文件；默认内置目录 (catalogue file)")
    ] = None,
) -> None:
    """校验方案文件，有错误时退出码为 1 (validate scheme files; exit 1 on errors)."""
    from lvzhi.schemes import SchemeError, load_catalogue, load_scheme

    console = _console()
    failed = 0
    try:
        cat = load_catalogue(catalogue) if catalogue else None
    except SchemeError as exc:
        for p in exc.problems:
            console.print(f"[red]✗[/red] {p}")
        raise typer.Exit(1) from None
    for f in files:
        try:
            if f.name == "catalogue.yaml" or _looks_like_catalogue(f):
                c = load_catalogue(f)
                console.print(
                    f"[green]✓[/green] {f}: 数据项目录有效，{len(c.items)} 个数据项 (valid catalogue)"
                )
                continue
            s = load_scheme(f, cat)
        except SchemeError as exc:
            failed += 1
            for p in exc.problems:
                console.print(f"[red]✗[/red] {p}")
            console.print(f"{f}: {len(exc.problems)} 个错误 ({len(exc.problems)} problems)")
            continue
        console.print(f"[green]✓[/green] {f}: 有效 (valid) — {s.id}，{len(s.leaves())} 个末级指标")
    if failed:
        raise typer.Exit(1)


def _looks_like_catalogue(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.startswith("items:") for line in head.splitlines()) and "indicators:" not in head


def score_cmd(
    scheme: Annotated[
        str, typer.Option("--scheme", help="内置方案 id 或方案 YAML 文件 (built-in id or file)")
    ],
    data: Annotated[Path, typer.Option("--data", help="数据文件 .xlsx/.csv/.json，每行一个地区 (data file)")],
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上年数据文件 (last year's data file)")
    ] = None,
    earlier: Annotated[
        list[Path] | None,
        typer.Option(
            "--earlier", help="前年及更早的数据文件，由近及远，可重复 (years before last, most recent first)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON (print JSON)")] = False,
    catalogue: Annotated[
        Path | None, typer.Option("--catalogue", help="数据项目录文件 (catalogue file)")
    ] = None,
) -> None:
    """按评价方案为各地区评分，逐项说明得失分 (score regions against a scheme, with explanations)."""
    import json

    from lvzhi.schemes import SchemeError
    from lvzhi.scoring import compile_scheme, merge_earlier, merge_previous, read_data, results_to_json

    s = _load(scheme, catalogue)
    console = _console()
    try:
        dataset = read_data(data, s.catalogue)
        if previous is not None:
            dataset = merge_previous(dataset, read_data(previous, s.catalogue))
        if earlier:
            dataset = merge_earlier(dataset, [read_data(path, s.catalogue) for path in earlier])
    except SchemeError as exc:
        for p in exc.problems:
            console.print(f"[red]✗[/red] {p}")
        raise typer.Exit(1) from None
    results = compile_scheme(s).score(dataset.regions)
    if as_json:
        typer.echo(json.dumps(results_to_json(s, results), ensure_ascii=False, indent=1))
        return
    status_text = {
        "scored": "[green]已评分[/green]",
        "unscored": "[yellow]无法评分[/yellow]",
        "manual-pending": "[cyan]待人工评定[/cyan]",
    }
    for r in results:
        table = Table(title=f"{r.name or r.region}（{r.region}）— {s.title}", show_lines=False)
        table.add_column("代码")
        table.add_column("指标")
        table.add_column("得分", justify="right")
        table.add_column("状态")
        table.add_column("说明")
        for it in r.items:
            score = f"{_num(it.score)}/{_num(it.points)}" if it.score is not None else f"—/{_num(it.points)}"
            label = {"bonus": "加分: ", "deduction": "扣分: "}.get(it.kind, "  " * it.depth)
            bold = it.kind == "group" and it.depth == 0
            name = f"[bold]{label}{it.name}[/bold]" if bold else f"{label}{it.name}"
            status = status_text.get(it.status, it.status)
            if it.kind == "group" and it.status != "scored":
                status = "[yellow]部分未评[/yellow]"  # a subtotal of what is known so far
            table.add_row(it.code, name, score, status, it.explanation)
        console.print(table)
        for c in r.conditions:
            mark = {True: "[red]触发[/red]", False: "未触发", None: "[yellow]无法判断[/yellow]"}[c.triggered]
            console.print(f"  {c.code} {mark}: {c.explanation}")
        open_items = sum(1 for it in r.items if it.kind != "group" and it.status != "scored")
        grade = f"{r.grade_name}（{r.grade}）" if r.grade else "暂不能定等（尚有未评分项或无法判断的条件）"
        console.print(
            f"[bold]合计 {r.name or r.region}: {_num(r.total)} 分[/bold]（加分 {_num(r.bonus)}，扣分 {_num(r.deductions)}）"
            f"；等次: {grade}；未评分 {open_items} 项\n"
        )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.add_typer(scheme_app, name="scheme")
    app.command("score")(score_cmd)
