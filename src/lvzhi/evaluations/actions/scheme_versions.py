"""Importing a scheme text as a new immutable scheme version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Forbidden, is_admin, office_regions
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway
from lvzhi.evaluations.errors import Issue, ValidationFailed
from lvzhi.evaluations.models import SchemeVersion


def do_create_scheme_version(
    *, acting_user: Any, yaml_text: str, source_name: str = "", activate: bool = True
) -> SchemeVersion:
    """Validate a scheme text with the engine and store it as a new version (or return the identical one).

    With activate=False the version is a draft (the web upload): it opens no round until activated.
    """
    if not (is_admin(acting_user) or office_regions(acting_user).exists()):
        raise Forbidden("只有系统管理员或督导办可以导入评价方案")
    info = gateway.scheme_info(yaml_text, source_name or "<scheme>")
    digest = gateway.content_hash(yaml_text)
    with transaction.atomic():
        existing = SchemeVersion.objects.filter(content_hash=digest).first()
        if existing is not None:
            return existing
        last = SchemeVersion.objects.filter(scheme_id=info.scheme_id).order_by("-version").first()
        sv = SchemeVersion.objects.create(
            scheme_id=info.scheme_id,
            version=(last.version + 1) if last else 1,
            title=info.title,
            year=info.year,
            level=info.level,
            yaml_text=yaml_text,
            content_hash=digest,
            source_name=source_name[:255],
            created_by=acting_user_or_none(acting_user),
            activated_at=timezone.now() if activate else None,
            activated_by=acting_user if activate and getattr(acting_user, "pk", None) else None,
        )
        record(
            actor=acting_user,
            action="scheme.create_version",
            obj=sv,
            after={
                "scheme_id": sv.scheme_id,
                "version": sv.version,
                "content_hash": digest,
                "source": source_name,
            },
        )
        return sv


def do_activate_scheme_version(*, acting_user: Any, version: SchemeVersion) -> SchemeVersion:
    """启用: the office has read the preview and the diff; the version may now open rounds."""
    if not (is_admin(acting_user) or office_regions(acting_user).exists()):
        raise Forbidden("只有系统管理员或督导办可以启用评价方案")
    with transaction.atomic():
        sv = SchemeVersion.objects.select_for_update().get(pk=version.pk)
        if sv.activated_at is None:
            sv.activated_at = timezone.now()
            sv.activated_by = acting_user_or_none(acting_user)
            sv.save(update_fields=["activated_at", "activated_by"])
            record(
                actor=acting_user,
                action="scheme.activate",
                obj=sv,
                before={"active": False},
                after={"active": True, "scheme_id": sv.scheme_id, "version": sv.version},
            )
        version.activated_at, version.activated_by = sv.activated_at, sv.activated_by
        return sv


MAX_SCHEME_BYTES = 2 * 1024 * 1024


def do_upload_scheme_version(
    *, acting_user: Any, data: bytes, file_name: str, activate: bool = False
) -> SchemeVersion:
    """A scheme file as uploaded (pages and API): at most 2 MB of UTF-8 text, validated by the engine.

    Refused with ValidationFailed naming every problem, one issue per line of the engine's file:line
    message. Callers read at most MAX_SCHEME_BYTES + 1 bytes, so a larger file is refused unread.
    """
    if len(data) > MAX_SCHEME_BYTES:
        raise ValidationFailed([Issue("file", "方案文件不能超过 2 MB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed([Issue("file", f"{file_name or '方案文件'}：不是 UTF-8 编码的文本")]) from None
    try:
        return do_create_scheme_version(
            acting_user=acting_user, yaml_text=text, source_name=file_name or "scheme.yaml", activate=activate
        )
    except gateway.SchemeInvalid as exc:
        raise ValidationFailed(
            [Issue("file", line) for line in str(exc).splitlines() if line.strip()]
        ) from exc
