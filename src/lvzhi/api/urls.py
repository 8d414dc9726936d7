"""URL of the API: everything under /api/v1/ (included from the site's urls.py)."""

from django.urls import path

from lvzhi.api.views import api

urlpatterns = [path("v1/", api.urls)]
