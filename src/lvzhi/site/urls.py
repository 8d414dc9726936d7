"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("lvzhi.api.urls")),
    path("jobs/", include("lvzhi.jobs.urls")),
    path("", include("lvzhi.web.urls")),
]

# Error pages: JSON under /api/, the Chinese HTML pages elsewhere (lvzhi.site.errors).
handler404 = "lvzhi.site.errors.not_found"
handler500 = "lvzhi.site.errors.server_error"
