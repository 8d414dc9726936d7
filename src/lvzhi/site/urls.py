"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

# The administrator's pages carry the platform's name, not the framework's.
admin.site.site_header = "履职 · 系统管理"
admin.site.site_title = "履职系统管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("lvzhi.api.urls")),
    path("jobs/", include("lvzhi.jobs.urls")),
    path("", include("lvzhi.surveys.urls")),
    path("", include("lvzhi.web.urls")),
]

# Error pages: JSON under /api/, the Chinese HTML pages elsewhere (lvzhi.site.errors).
handler400 = "lvzhi.site.errors.bad_request_page"
handler403 = "lvzhi.site.errors.permission_denied"
handler404 = "lvzhi.site.errors.not_found"
handler500 = "lvzhi.site.errors.server_error"
