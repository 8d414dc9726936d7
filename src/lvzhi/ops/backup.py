"""Backup and restore: every row of every app plus the uploaded files, in one zip.

Format (`manifest.json` says `"format": "lvzhi-backup/1"`): `data.json` holds Django's python serialisation
of all models (except contenttypes and permissions, which migrations recreate; they are referenced by
natural key), `media/…` the files under MEDIA_ROOT. Datetimes keep their microseconds (Django's JSON
encoder would cut them to milliseconds, which would break the audit hash chain), decimals stay strings.

Restore runs in one transaction: the tables are emptied and reloaded there, foreign keys are checked at
commit (Django declares them deferrable on SQLite and PostgreSQL), and sequences are reset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lvzhi.ops.encryption import DecryptionFailed, decrypt_file, encrypt_file, is_encrypted

FORMAT = "lvzhi-backup/1"
# Live credentials must not outlive the server they were issued by: a backup is copied to other disks and
# people, and a session key or API token in it would let its reader act as that user. They are neither
# saved nor kept by a restore (the restored users may have other ids): everyone logs in again and tokens
# are issued anew. Login failures are short-lived throttle state.
CREDENTIALS = {"sessions.session", "accounts.usersession", "accounts.apitoken", "accounts.loginfailure"}
# Recreated by migrations; they are referenced by natural key.
SKIPPED = {"contenttypes.contenttype", "auth.permission", *CREDENTIALS}
# What `lvzhi init` writes by itself into a new database: the national regions, and the audit records of
# loading them (written by no user). A database holding only these counts as empty for restore.
INIT_ONLY = {"regions.region", "audit.chainhead"}
# A backup is ours to read, but the zip still comes from a file a person hands us: bound what it may unpack.
MAX_UNPACKED = 20 * 1024**3
MAX_RATIO = 200


class BackupError(Exception):
    """The backup could not be written or read; the message says why (Chinese)."""


@dataclass(frozen=True)
class Summary:
    objects: int
    files: int


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder without the cut of datetimes to milliseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        if isinstance(o, Decimal):
            return format(o, "f")
        return super().default(o)


def _models() -> list[Any]:
    """Every concrete model to save, in dependency order (natural-key targets first)."""
    app_list = {
        cfg: [
            m
            for m in cfg.get_models()
            if m._meta.label_lower not in SKIPPED and not m._meta.proxy and m._meta.managed
        ]
        for cfg in apps.get_app_configs()
    }
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def dump_objects() -> list[dict[str, Any]]:
    """All rows of all saved models as Django's python serialisation, in a stable order."""
    out: list[dict[str, Any]] = []
    for model in _models():
        qs = model._default_manager.order_by(model._meta.pk.name)
        out.extend(serializers.serialize("python", qs.iterator(), use_natural_foreign_keys=True))
    return out


def write_backup(path: Path, *, passphrase: str | None = None) -> Summary:
    """Write the database and MEDIA_ROOT into a zip at `path` (encrypted with the passphrase, if given)."""
    if passphrase:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".backup-", suffix=".zip")
        os.close(fd)
        try:
            summary = write_backup(Path(tmp))
            encrypt_file(Path(tmp), path, passphrase)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return summary
    # One read transaction so the dump is a consistent snapshot.
    with transaction.atomic():
        objects = dump_objects()
    data = json.dumps(objects, cls=_Encoder, ensure_ascii=False).encode("utf-8")
    media = _media_root()
    files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "objects": len(objects),
        "data_sha256": hashlib.sha256(data).hexdigest(),
        "files": {p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            zf.writestr("data.json", data)
            for p in files:
                zf.write(p, "media/" + p.relative_to(media).as_posix())
    except OSError as exc:
        raise BackupError(f"无法写入备份文件 {path}: {exc}") from exc
    return Summary(len(objects), len(files))


def _safe_member(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise BackupError(f"备份文件中的路径 {name!r} 不安全（拒绝恢复）")
    return rel


def _open(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{path} 不是有效的备份文件（不是 zip）") from exc
    total = sum(i.file_size for i in zf.infolist())
    packed = max(1, sum(i.compress_size for i in zf.infolist()))
    if total > MAX_UNPACKED or total / packed > MAX_RATIO:
        zf.close()
        raise BackupError(f"{path}: 解压后大小异常（{total} 字节，压缩比 {total / packed:.0f}），拒绝恢复")
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        zf.close()
        raise BackupError(f"{path}: 缺少或无法读取 manifest.json（不是履职备份文件）") from exc
    if manifest.get("format") != FORMAT:
        zf.close()
        raise BackupError(f"{path}: 备份格式 {manifest.get('format')!r} 不受支持（应为 {FORMAT}）")
    return zf, manifest


def _create_structure() -> None:
    """Apply any migration not yet applied (all of them in a fresh directory: what `lvzhi init` does first)."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


def _has_data() -> bool:
    """True when the database holds anything beyond what `lvzhi init` wrote by itself."""
    for m in _models():
        label = m._meta.label_lower
        if label in INIT_ONLY:
            continue
        rows = m._default_manager.all()
        if label == "audit.auditrecord":
            rows = rows.filter(actor__isnull=False)
        if rows.exists():
            return True
    return False


def restore_backup(path: Path, *, replace: bool = False, passphrase: str | None = None) -> Summary:
    """Restore a backup written by write_backup, in one transaction; refuses a non-empty database unless replace.

    Works in a fresh directory: the database structure is created first (the migrations `lvzhi init` runs).
    An encrypted backup needs its passphrase.
    """
    if is_encrypted(path):
        if not passphrase:
            raise BackupError(f"{path} 是加密备份：请提供口令")
        with tempfile.TemporaryDirectory(prefix="lvzhi-restore-") as tmp:
            plain = Path(tmp) / "backup.zip"
            try:
                decrypt_file(path, plain, passphrase)
            except DecryptionFailed as exc:
                raise BackupError(f"{path}: {exc}") from exc
            return restore_backup(plain, replace=replace)
    _create_structure()
    zf, manifest = _open(path)
    with zf:
        data = zf.read("data.json")
        if hashlib.sha256(data).hexdigest() != manifest.get("data_sha256"):
            raise BackupError(f"{path}: data.json 的校验和不符（文件已损坏或被修改）")
        files: dict[PurePosixPath, bytes] = {}
        for rel, digest in manifest.get("files", {}).items():
            content = zf.read(f"media/{rel}")
            if hashlib.sha256(content).hexdigest() != digest:
                raise BackupError(f"{path}: 文件 media/{rel} 的校验和不符")
            files[_safe_member(rel)] = content
    models = _models()
    with transaction.atomic():
        if not replace and _has_data():
            raise BackupError("数据库不是空的：恢复会覆盖现有数据，请确认后加 --force")
        if any(m._default_manager.exists() for m in models):
            # Also what `lvzhi init` wrote (the backup brings its own regions), and every live credential.
            tables = [m._meta.db_table for m in models]
            tables += [apps.get_model(label)._meta.db_table for label in sorted(CREDENTIALS)]
            tables += [
                f.remote_field.through._meta.db_table
                for m in models
                for f in m._meta.local_many_to_many
                if f.remote_field.through._meta.auto_created
            ]
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    # TRUNCATE refuses tables with pending deferred FK checks from earlier writes in this
                    # transaction: run those checks now, then defer again for the reload.
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for sql in connection.ops.sql_flush(no_style(), tables):
                    cur.execute(sql)
                if connection.vendor == "postgresql":
                    cur.execute("SET CONSTRAINTS ALL DEFERRED")
        count = 0
        try:
            for obj in serializers.deserialize("python", json.loads(data), handle_forward_references=True):
                obj.save()
                count += 1
        except Exception as exc:
            raise BackupError(f"{path}: 第 {count + 1} 条记录无法恢复: {exc}") from exc
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
    media = _media_root()
    for rel, content in files.items():
        target = media.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return Summary(count, len(files))
