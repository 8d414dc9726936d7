"""CLI commands of the reader domain: ``lvzhi check FILE… [--scheme ID] [--json] [--jsonl] [--text]``."""

from __future__ import annotations

import bisect
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

KIND_LABEL = {
    "value": "数值",
    "growth": "增长",
    "share": "占比",
    "rate": "比率",
    "gap": "差距",
    "target": "目标",
}
CHECK_LABEL = {
    "share": "占比",
    "completion": "完成率",
    "growth": "增长",
    "gap": "差距",
    "sum": "合计",
    "average": "平均",
    "duplicate": "前后不一",
}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("check")(check)


def _load_scheme(ref: str) -> Any:
    from lvzhi.schemes import SchemeError, builtin_catalogue, list_builtin, load_builtin, load_scheme

    try:
        if Path(ref).is_file():
            return load_scheme(ref, builtin_catalogue())
        if ref not in list_builtin():
            raise typer.BadParameter(
                f"没有评价方案“{ref}”。内置方案：{'、'.join(list_builtin())} (unknown scheme)",
                param_hint="--scheme",
            )
        return load_builtin(ref)
    except SchemeError as exc:
        raise typer.BadParameter(f"评价方案“{ref}”有误：{exc}", param_hint="--scheme") from exc


def check(
    files: Annotated[
        list[Path], typer.Argument(help="报告文件：txt（任意常见编码）、html、docx 或有文字层的 pdf")
    ],
    scheme: Annotated[
        str | None, typer.Option("--scheme", help="评价方案编号或方案 YAML 文件：核对指标覆盖与字数上限")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="每个文件输出一个 JSON 对象（多个文件为数组）")
    ] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="每个文件一行 JSON（JSON Lines）")] = False,
    text: Annotated[
        bool, typer.Option("--text", help="只打印提取出的纯文本（所有位置都以此文本为准）")
    ] = False,
) -> None:
    """阅读自评报告：结构、数字、算术核验与问题提示。"""
    from lvzhi.reader.coverage import coverage
    from lvzhi.reader.extract import ExtractError, extract
    from lvzhi.reader.pipeline import analyse
    from lvzhi.reader.report_json import analysis_json

    if sum((as_json, as_jsonl, text)) > 1:
        raise typer.BadParameter("--json、--jsonl 与 --text 只能选一个 (choose one output format)")
    plan = _load_scheme(scheme) if scheme else None
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    results: list[dict[str, Any]] = []
    failed = False
    for path in files:
        name = str(path)
        try:
            extracted = extract(path)
        except ExtractError as exc:
            failed = True
            err.print(f"[bold red]错误[/]：{escape(str(exc))}")
            if as_json or as_jsonl:
                results.append({"file": name, "error": str(exc)})
                if as_jsonl:
                    sys.stdout.write(json.dumps(results.pop(), ensure_ascii=False) + "\n")
            continue
        if text:
            sys.stdout.write(extracted.text)
            if not extracted.text.endswith("\n"):
                sys.stdout.write("\n")
            continue
        analysis = analyse(extracted.text)
        cov = coverage(analysis, plan) if plan is not None else None
        data = analysis_json(name, analysis, extracted.encoding, cov.as_json() if cov else None)
        if as_jsonl:
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif as_json:
            results.append(data)
        else:
            _summary(out, data, analysis.text)
            _prefill_summary(out, analysis)
    if as_json:
        payload: Any = results[0] if len(files) == 1 and results else results
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    if failed:
        raise typer.Exit(1)


def _summary(out: Console, data: dict[str, Any], text: str) -> None:
    """The readable Chinese summary: findings first, then sections, figure counts and checks."""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def where(offset: int) -> str:
        line = bisect.bisect_right(line_starts, offset)
        return f"{line}:{offset - line_starts[line - 1] + 1}"

    out.rule(f"[bold]{escape(data['file'])}[/]")
    out.print(f"字符数 {data['chars']}，编码 {data['encoding']}，网页样板 {len(data['boilerplate'])} 段")
    findings = data["findings"]
    if findings:
        out.print(f"\n[bold]问题提示（{len(findings)} 条）[/]")
        for f in findings:
            style = SEVERITY_STYLE.get(f["severity"], "")
            out.print(f"  [{style}]● 第 {where(f['start'])} 处：{escape(f['message'])}[/]")
    else:
        out.print("\n[green]未发现问题。[/]")
    out.print(f"\n[bold]章节结构（{len(data['sections'])} 个标题）[/]")
    for s in data["sections"]:
        indent = "  " * s["level"]
        out.print(f"{indent}{escape(s['marker'])}{escape(s['title'])}  [dim]({where(s['start'])})[/]")
    kinds = Counter(c["kind"] for c in data["claims"])
    detail = "，".join(f"{KIND_LABEL.get(k, k)} {n}" for k, n in kinds.most_common())
    out.print(f"\n[bold]数字[/]：共 {len(data['claims'])} 个" + (f"（{detail}）" if detail else ""))
    checks = data["checks"]
    if checks:
        bad = sum(1 for k in checks if not k["consistent"])
        out.print(f"\n[bold]算术核验[/]：{len(checks)} 项，其中 [bold red]{bad}[/] 项不一致")
        table = Table(show_edge=False, pad_edge=False)
        for col in ("位置", "类型", "原文", "所述", "重算", "结论"):
            table.add_column(col)
        for k in checks:
            ok = k["consistent"]
            style = "" if ok else "bold red"
            table.add_row(
                where(k["start"]),
                CHECK_LABEL.get(k["kind"], k["kind"]),
                escape(k["quote"]),
                str(k["stated"]),
                str(k["recomputed"]),
                "一致" if ok else "不一致",
                style=style,
            )
        out.print(table)
    cov = data.get("coverage")
    if cov:
        limit = cov["limit"]
        length = f"字数 {cov['chars']}（正文非空白字符，不含网页样板）"
        if limit is not None:
            length += f"，上限 {limit}" + ("，[bold red]超出上限[/]" if cov["over_limit"] else "，未超出")
        out.print(f"\n[bold]方案覆盖[/]（{escape(cov['title'])}）：{length}")
        missing = [i for i in cov["indicators"] if not i["addressed"]]
        out.print(f"  已涉及指标 {len(cov['indicators']) - len(missing)}/{len(cov['indicators'])}")
        for i in missing:
            out.print(f"  [yellow]未涉及[/] {escape(i['code'])} {escape(i['name'])}")


def _prefill_summary(out: Console, analysis: Any) -> None:
    """Figures that map to statistics catalogue items, as data entry would be prefilled from them."""
    from lvzhi.reader.statistics_map import prefill

    cands = prefill(analysis)
    if not cands:
        return
    out.print(f"\n[bold]可预填的统计数据[/]：{len(cands)} 项（数据项目录）")
    table = Table(show_edge=False, pad_edge=False)
    for col in ("数据项", "名称", "数值", "单位", "年份", "原文"):
        table.add_column(col)
    for c in cands:
        table.add_row(
            c.code,
            escape(c.name),
            str(c.value),
            c.unit,
            "" if c.year is None else str(c.year),
            escape(c.surface),
        )
    out.print(table)
