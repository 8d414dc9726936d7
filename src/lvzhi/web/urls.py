"""URLs of the web interface (namespace `web`)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lvzhi.web import (
    views,
    views_eval,
    views_files,
    views_inspection,
    views_office,
    views_rectification,
    views_report,
)

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("schemes/upload/", views_office.scheme_upload, name="scheme_upload"),
    path("schemes/<int:pk>/review/", views_office.scheme_review, name="scheme_review"),
    path("schemes/<int:pk>/activate/", views_office.scheme_activate, name="scheme_activate"),
    path("rounds/", views_office.rounds, name="rounds"),
    path("rounds/<int:round_id>/", views_office.round_detail, name="round"),
    path("rounds/<int:round_id>/batch/", views_office.round_batch, name="round_batch"),
    path("rounds/<int:round_id>/extend/", views_office.round_extend, name="round_extend"),
    path("rounds/<int:round_id>/close/", views_office.round_close, name="round_close"),
    path("rounds/<int:round_id>/export.<str:fmt>", views_office.round_export, name="round_export"),
    path("rounds/<int:round_id>/experts/", views_office.round_experts, name="round_experts"),
    path("rounds/<int:round_id>/experts/remove/", views_office.round_unassign, name="round_unassign"),
    path("e/<int:pk>/", views_eval.evaluation, name="evaluation"),
    path("e/<int:pk>/data/", views_eval.data, name="data"),
    path("e/<int:pk>/data/confirm-prefills/", views_eval.confirm_prefills, name="confirm_prefills"),
    path("e/<int:pk>/data/<str:code>/", views_eval.save_value, name="save_value"),
    path("e/<int:pk>/scores/", views_eval.scores, name="scores"),
    path("e/<int:pk>/scores/<str:code>/", views_eval.save_self_score, name="save_self_score"),
    path("e/<int:pk>/review/", views_eval.review, name="review"),
    path("e/<int:pk>/review/complete/", views_eval.complete_review, name="complete_review"),
    path("e/<int:pk>/review/<str:code>/", views_eval.save_review, name="save_review"),
    path("e/<int:pk>/transition/", views_eval.transition, name="transition"),
    path("e/<int:pk>/submit/", views_eval.submit, name="submit"),
    path("e/<int:pk>/report/", views_report.report, name="report"),
    path("e/<int:pk>/report/preview/", views_report.report_preview, name="report_preview"),
    path("e/<int:pk>/report/download.<str:fmt>", views_report.report_download, name="report_download"),
    path("e/<int:pk>/prefill/", views_files.prefill_from_report, name="prefill"),
    path("e/<int:pk>/evidence/<str:code>/", views_files.evidence_upload, name="evidence_upload"),
    path("evidence/<int:evidence_id>/", views_files.evidence_download, name="evidence_download"),
    path("evidence/<int:evidence_id>/remove/", views_files.evidence_remove, name="evidence_remove"),
    path("rounds/<int:round_id>/template.xlsx", views_files.workbook_template, name="workbook_template"),
    path("rounds/<int:round_id>/import/", views_files.workbook_import, name="workbook_import"),
    path("rounds/<int:round_id>/inspection/", views_inspection.round_inspection, name="inspection"),
    path("inspection/draws/<int:draw_id>/", views_inspection.inspection_draw, name="inspection_draw"),
    path("inspection/visits/<int:visit_id>/", views_inspection.inspection_visit, name="inspection_visit"),
    path(
        "inspection/visits/<int:visit_id>/report.<str:fmt>",
        views_inspection.inspection_report,
        name="inspection_report",
    ),
    path(
        "inspection/findings/<int:finding_id>/photos/<int:photo_n>",
        views_inspection.finding_photo,
        name="finding_photo",
    ),
    path(
        "inspection/findings/<int:finding_id>/correct/",
        views_inspection.correct_finding,
        name="correct_finding",
    ),
    path("inspection/credibility/", views_inspection.credibility, name="credibility"),
    path("rectification/", views_rectification.rectification, name="rectification"),
    path(
        "rectification/export.<str:fmt>",
        views_rectification.rectification_export,
        name="rectification_export",
    ),
    path("rectification/<int:problem_id>/", views_rectification.problem, name="problem"),
    path("rectification/<int:problem_id>/act/", views_rectification.problem_act, name="problem_act"),
    path("messages/", views_rectification.inbox, name="inbox"),
    path("messages/<int:notification_id>/read/", views_rectification.inbox_read, name="inbox_read"),
    path("reader/", views_report.reader, name="reader"),
    path("analysis/", views.analysis, name="analysis"),
    path("audit/", views.audit, name="audit"),
    path("public/", views.public, name="public"),
    path("public/<int:evaluation_id>/report.pdf", views.public_report, name="public_report"),
]
