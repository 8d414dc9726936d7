from django.contrib import admin

from lvzhi.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the audit log is only ever appended to by actions."""

    list_display = ("seq", "at", "actor_username", "action", "object_repr", "region_code")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_repr", "region_code")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
