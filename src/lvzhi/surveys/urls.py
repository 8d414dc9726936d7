"""URLs of the 满意度调查 pages (namespace `surveys`); the public response page is /s/<token>/."""

from __future__ import annotations

from django.urls import path

from lvzhi.surveys import views

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.survey_list, name="list"),
    path("surveys/questionnaires/", views.questionnaire_upload, name="upload_questionnaire"),
    path("surveys/<int:survey_id>/", views.survey_detail, name="detail"),
    path("surveys/<int:survey_id>/regions/<str:code>/links/", views.survey_links, name="links"),
    path("surveys/<int:survey_id>/regions/<str:code>/links.pdf", views.survey_links_pdf, name="links_pdf"),
    path("surveys/<int:survey_id>/regions/<str:code>/links/add/", views.survey_add_links, name="add_links"),
    path("surveys/<int:survey_id>/qr/<str:token>.png", views.survey_qr, name="qr"),
    path("surveys/<int:survey_id>/import/", views.survey_import, name="import"),
    path("surveys/<int:survey_id>/feed/", views.survey_feed, name="feed"),
    path("s/<str:token>/", views.respond, name="respond"),
]
