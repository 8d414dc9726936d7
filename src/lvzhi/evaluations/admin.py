from django.contrib import admin

from lvzhi.audit.admin_mixins import ReadOnlyAdmin
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round, SchemeVersion

# Schemes, rounds and evaluations change only through the audited workflow actions (pages, API, CLI).


@admin.register(SchemeVersion)
class SchemeVersionAdmin(ReadOnlyAdmin):
    list_display = ("scheme_id", "version", "title", "year", "level", "created_at")


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ("name", "year", "owner_region", "scheme_version", "fill_deadline", "review_deadline")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("round", "region", "state", "total", "grade")
    list_filter = ("state",)


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("round", "region", "expert")
