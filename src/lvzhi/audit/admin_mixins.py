"""Django admin changes are audited like every action: same transaction, before → after."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from lvzhi.audit.services import record

SECRET_FIELDS = frozenset({"password", "key_hash"})


def snapshot(obj: Any) -> dict[str, Any]:
    """The object's concrete field values (secrets replaced by a marker of whether they are set)."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        value = f.value_from_object(obj)
        out[f.name] = ("（已设置）" if value else "") if f.name in SECRET_FIELDS else value
    return out


def _changed(
    before: dict[str, Any] | None, after: dict[str, Any], raw_before: Any, obj: Any
) -> dict[str, Any]:
    diff = {k: v for k, v in after.items() if before is None or before.get(k) != v}
    for name in SECRET_FIELDS:
        if raw_before is not None and hasattr(obj, name) and getattr(raw_before, name) != getattr(obj, name):
            diff[name] = "（已修改）"
    return diff


def region_of(obj: Any) -> str:
    """The region code an object belongs to, for audit scoping."""
    region = getattr(obj, "region", None)
    if region is not None:
        return str(region.code)
    code = getattr(obj, "code", "")
    return str(code) if obj._meta.label_lower == "regions.region" else ""


def _record_admin(request: Any, obj: Any, *, action: str, before: Any = None, after: Any = None) -> None:
    """The audit record of one admin change, filed under the object's region."""
    record(actor=request.user, action=action, obj=obj, region_code=region_of(obj), before=before, after=after)


class AuditedAdminMixin:
    """Records adds, changes and deletions made in the Django admin (admin views already run atomically)."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        raw_before = type(obj).objects.filter(pk=obj.pk).first() if change and obj.pk else None
        before = snapshot(raw_before) if raw_before is not None else None
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        after = snapshot(obj)
        diff = _changed(before, after, raw_before, obj)
        if before is None or diff:
            record(
                actor=request.user,
                action="admin.change" if before else "admin.add",
                obj=obj,
                region_code=region_of(obj),
                before={k: before[k] for k in diff} if before else None,
                after=diff if before else after,
            )

    def delete_model(self, request: Any, obj: Any) -> None:
        _record_admin(request, obj, before=snapshot(obj), action="admin.delete")
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            _record_admin(request, obj, before=snapshot(obj), action="admin.delete")
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        # Inline rows (e.g. a user's roles): record each addition, change and deletion.
        before = (
            {o.pk: snapshot(o) for o in formset.get_queryset()} if hasattr(formset, "get_queryset") else {}
        )
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in formset.new_objects:
            _record_admin(request, obj, after=snapshot(obj), action="admin.add")
        for obj, _fields in formset.changed_objects:
            _record_admin(request, obj, before=before.get(obj.pk), after=snapshot(obj), action="admin.change")
        for obj in formset.deleted_objects:
            _record_admin(request, obj, before=before.get(obj.pk) or {"id": obj.pk}, action="admin.delete")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewable in the admin; changed only through the audited actions."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
