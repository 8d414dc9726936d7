"""URLs of the 任务 pages (namespace `jobs`)."""

from __future__ import annotations

from django.urls import path

from lvzhi.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("submit/", views.job_submit, name="submit"),
    path("<str:job_id>/", views.job_detail, name="detail"),
    path("<str:job_id>/cancel/", views.job_cancel, name="cancel"),
    path("<str:job_id>/download/", views.job_download, name="download"),
]
