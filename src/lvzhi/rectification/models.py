"""Problems, their rectification measures, progress updates and the history of their states."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


class ProblemSource(models.TextChoices):
    EXPERT_REVIEW = "专家评审", "专家评审"
    FIELD_INSPECTION = "实地检查", "实地检查"
    THIRD_PARTY = "第三方监测", "第三方监测"
    SATISFACTION = "满意度调查", "满意度调查"
    SELF_CHECK = "自查", "自查"


class Severity(models.TextChoices):
    GENERAL = "一般", "一般"
    SERIOUS = "较重", "较重"
    GRAVE = "严重", "严重"


class ProblemState(models.TextChoices):
    OPEN = "待整改", "待整改"
    IN_PROGRESS = "整改中", "整改中"
    CLOSURE_REQUESTED = "已提交销号", "已提交销号"
    CLOSED = "已销号", "已销号"
    REFUSED = "退回", "退回"


# 逾期 is never stored: it is derived from the deadline (a calendar day in Asia/Shanghai) and the state.
OVERDUE = "逾期"


class Problem(models.Model):
    """One problem found in a region's evaluation, with the measure required and the deadline to rectify it."""

    evaluation = models.ForeignKey(
        "evaluations.Evaluation", on_delete=models.CASCADE, related_name="problems", verbose_name="评价"
    )
    # Blank means a general problem not tied to one indicator (综合).
    indicator_code = models.CharField(max_length=40, blank=True, verbose_name="指标")
    source = models.CharField(max_length=8, choices=ProblemSource.choices, verbose_name="问题来源")
    description = models.TextField(verbose_name="问题描述")
    evidence_ref = models.TextField(blank=True, verbose_name="依据")
    severity = models.CharField(
        max_length=4, choices=Severity.choices, default=Severity.GENERAL, verbose_name="严重程度"
    )
    required_measure = models.TextField(verbose_name="整改要求")
    deadline = models.DateField(verbose_name="整改时限")
    state = models.CharField(
        max_length=8, choices=ProblemState.choices, default=ProblemState.OPEN, verbose_name="状态"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True, verbose_name="退回原因")
    closure_summary = models.TextField(blank=True, verbose_name="销号申请说明")
    # The same problem in an earlier year, when it was carried over unclosed; one carry per original.
    carried_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_into",
        verbose_name="上年问题",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("evaluation", "pk")
        verbose_name = "问题"
        verbose_name_plural = "问题清单"

    def __str__(self) -> str:
        head = self.description if len(self.description) <= 30 else self.description[:30] + "…"
        return f"问题#{self.pk} {head}"


class Measure(models.Model):
    """One rectification measure of a problem: what is done, by which unit and person, by when."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    text = models.TextField(verbose_name="整改措施")
    responsible_unit = models.CharField(max_length=200, verbose_name="责任单位")
    owner = models.CharField(max_length=100, blank=True, verbose_name="责任人")
    deadline = models.DateField(verbose_name="完成时限")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("problem", "pk")
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"


class ProgressUpdate(models.Model):
    """A progress report on a problem: text, how far along, the evidence files (by content hash)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="progress")
    text = models.TextField(verbose_name="进展情况")
    percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)], verbose_name="完成比例"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("problem", "created_at", "pk")
        verbose_name = "整改进展"
        verbose_name_plural = "整改进展"
        constraints = (
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__lte=100),
                name="progress_percent_at_most_100",
            ),
        )


class EvidencePurpose(models.TextChoices):
    PROGRESS = "进展", "整改进展"
    CLOSURE = "销号", "销号申请"


class EvidenceFile(models.Model):
    """A file proving rectification, stored once by content hash in the evidence app's file store."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence_files")
    # The progress update it came with; empty for files sent with a closure request.
    progress = models.ForeignKey(
        ProgressUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    purpose = models.CharField(max_length=2, choices=EvidencePurpose.choices, verbose_name="用途")
    file = models.ForeignKey("evidence.StoredFile", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255, verbose_name="文件名")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("problem", "pk")
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"

    def __str__(self) -> str:
        return self.name


class ProblemEvent(models.Model):
    """The state history of a problem (who moved it from which state to which, why)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=8, choices=ProblemState.choices, blank=True)
    to_state = models.CharField(max_length=8, choices=ProblemState.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "pk")
        verbose_name = "问题状态变更"
        verbose_name_plural = "问题状态变更"
