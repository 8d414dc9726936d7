"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("lvzhi.api.urls")),
    path("", include("lvzhi.web.urls")),
]
