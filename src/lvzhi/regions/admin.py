from typing import Any

from django.contrib import admin

from lvzhi.audit.admin_mixins import AuditedAdminMixin
from lvzhi.regions.models import Region
from lvzhi.regions.services import path_for, repath


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "kind", "parent", "active")
    list_filter = ("level", "kind", "active")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    raw_id_fields = ("parent",)

    def save_model(self, request: Any, obj: Region, form: Any, change: bool) -> None:
        # The subtree path follows the parent; moving a region moves its whole subtree.
        obj.path = path_for(obj)
        super().save_model(request, obj, form, change)
        repath(obj)
