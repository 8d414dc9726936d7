from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from lvzhi.accounts.models import ApiToken, RoleAssignment, User, UserSession
from lvzhi.audit.admin_mixins import AuditedAdminMixin, ReadOnlyAdmin


class RoleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("region",)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "full_name", "is_active", "last_login")
    fieldsets = (*BaseUserAdmin.fieldsets, ("履职", {"fields": ("full_name",)}))  # type: ignore[misc]
    inlines = (RoleInline,)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "role", "region", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "region")


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "ip", "user_agent", "created_at")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
