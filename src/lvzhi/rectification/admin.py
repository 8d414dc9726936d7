from django.contrib import admin

from lvzhi.audit.admin_mixins import ReadOnlyAdmin
from lvzhi.rectification.models import Measure, Problem, ProgressUpdate

# Problems change only through the audited rectification actions (pages, API); the admin only reads.


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("pk", "evaluation", "indicator_code", "source", "severity", "state", "deadline")
    list_filter = ("state", "source", "severity")
    search_fields = ("description",)


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("problem", "responsible_unit", "owner", "deadline")


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ("problem", "percent", "created_at")
