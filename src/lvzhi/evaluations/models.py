"""Scheme versions, rounds, evaluations (one region in one round), data values, item scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lvzhi.evaluations.fields import DecimalStringField


class SchemeVersion(models.Model):
    """One exact text of a scheme file, validated by the scheme engine; identified by its content hash."""

    scheme_id = models.CharField(max_length=80, db_index=True, verbose_name="方案编号")
    version = models.PositiveIntegerField(verbose_name="版本")
    title = models.CharField(max_length=255, verbose_name="名称")
    year = models.PositiveIntegerField(null=True, blank=True, verbose_name="年度")
    level = models.CharField(max_length=2, blank=True, verbose_name="评价层级")
    yaml_text = models.TextField(verbose_name="方案文本")
    content_hash = models.CharField(max_length=64, unique=True, verbose_name="内容哈希")
    source_name = models.CharField(max_length=255, blank=True, verbose_name="来源文件")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Uploaded versions are drafts until an office has read the preview and the diff and activates them;
    # only active versions may be used to open a round.
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name="启用时间")
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = (
            "scheme_id",
            "-version",
        )
        verbose_name = "方案版本"
        verbose_name_plural = "方案版本"
        constraints = (models.UniqueConstraint(fields=["scheme_id", "version"], name="uniq_scheme_version"),)

    def __str__(self) -> str:
        return f"{self.title}（第 {self.version} 版）"


class Round(models.Model):
    """A scheme version × year × a set of subordinate regions, opened by a 督导办 for its owner region."""

    name = models.CharField(max_length=200, verbose_name="名称")
    scheme_version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="rounds")
    year = models.PositiveIntegerField(verbose_name="评价年度")
    owner_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="owned_rounds", verbose_name="组织单位"
    )
    fill_deadline = models.DateTimeField(null=True, blank=True, verbose_name="填报截止")
    review_deadline = models.DateTimeField(null=True, blank=True, verbose_name="审核截止")
    # Which regions under the owner the round covers: 县 / 市, or blank for a hand-picked set.
    level = models.CharField(max_length=2, blank=True, verbose_name="评价层级")
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name="关闭时间")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised by every re-score of a ranked round; a web process's peer results are current at this stamp.
    score_stamp = models.PositiveBigIntegerField(default=0, editable=False)
    # Per peers'-average rank leaf: the part of its explanation every region shares (number of peers and
    # their average), kept here once instead of in every region's row (see rescoring.shown_explanations).
    peer_texts = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = (
            "-year",
            "name",
        )
        verbose_name = "评价轮次"
        verbose_name_plural = "评价轮次"

    def __str__(self) -> str:
        return self.name


class State(models.TextChoices):
    NOT_STARTED = "未开始", "未开始"
    FILLING = "填报中", "填报中"
    SUBMITTED = "已提交", "已提交"
    REVIEWING = "审核中", "审核中"
    RETURNED = "退回修改", "退回修改"
    APPROVED = "已审核", "已审核"
    PUBLISHED = "已发布", "已发布"


class Evaluation(models.Model):
    """One region's evaluation in one round, moving through the workflow states."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="evaluations")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="evaluations")
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.NOT_STARTED, verbose_name="状态"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    return_reasons = models.TextField(blank=True, verbose_name="退回原因")
    total = DecimalStringField(verbose_name="总分")
    grade = models.CharField(max_length=20, blank=True, verbose_name="等次")
    # Engine output beyond the leaves: bonus, deductions, vetoes, caps, subtotals (for pages and reports).
    result = models.JSONField(default=dict, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    # The same region's evaluation of the year before (followed through region code changes), so last
    # year's values and open problems are found without guessing by code.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上年评价"
    )
    # The round's score_stamp when this evaluation's scoring inputs last changed (see rescoring.peers).
    score_stamp = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = (
            "round",
            "region__code",
        )
        verbose_name = "评价"
        verbose_name_plural = "评价"
        constraints = (
            models.UniqueConstraint(fields=["round", "region"], name="uniq_evaluation_round_region"),
        )

    def __str__(self) -> str:
        return f"{self.round.name} · {self.region.name}"


class StateChange(models.Model):
    """The workflow history of an evaluation (who moved it from which state to which, why)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=8, choices=State.choices)
    to_state = models.CharField(max_length=8, choices=State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = (
            "at",
            "pk",
        )
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"


class DeadlineExtension(models.Model):
    """The office lets one region submit after the round's 填报截止, until a later moment, for a reason."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="extensions")
    until = models.DateTimeField(verbose_name="延期至")
    reason = models.TextField(verbose_name="延期原因")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("evaluation", "-until")
        verbose_name = "填报延期"
        verbose_name_plural = "填报延期"


class ExpertAssignment(models.Model):
    """An expert (专家) assigned to review one region of one round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="expert_assignments")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the expert's 评审完成 step; a later change to the expert's scores clears it.
    review_completed_at = models.DateTimeField(null=True, blank=True, verbose_name="评审完成时间")

    class Meta:
        verbose_name = "专家分配"
        verbose_name_plural = "专家分配"
        constraints = (
            models.UniqueConstraint(fields=["round", "region", "expert"], name="uniq_expert_assignment"),
        )


class Source(models.TextChoices):
    MANUAL = "manual", "手工填报"
    IMPORT = "import", "Excel导入"
    PREFILL = "prefill", "报告预填"
    SURVEY = "survey", "满意度调查"


def unconfirmed_reason(source: str) -> str:
    """Why a stored value awaits a person's confirmation, by where it came from (as pages and checks say it)."""
    if source == Source.PREFILL:
        return "报告预填的数值"
    return "导入的数值与上年相比变动较大"


class DataValue(models.Model):
    """One statistic (catalogue item) of one evaluation, exact, with last year's value and provenance."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="values")
    item_code = models.CharField(max_length=80, verbose_name="数据项")
    value = DecimalStringField(verbose_name="数值")
    prev_value = DecimalStringField(verbose_name="上年数值")
    source = models.CharField(
        max_length=8, choices=Source.choices, default=Source.MANUAL, verbose_name="来源"
    )
    source_sentence = models.TextField(blank=True, verbose_name="来源语句")
    source_document = models.CharField(max_length=255, blank=True, verbose_name="来源文件")
    # Prefilled values stay unconfirmed until a person confirms them.
    confirmed = models.BooleanField(default=True, verbose_name="已确认")
    note = models.TextField(blank=True, verbose_name="说明")
    # A value measured on a sample (a satisfaction survey's rate): the sample as data, in the value's unit —
    # {"n": 17, "low": "78.23", "high": "96.09", "level": 95, "method": "wilson"} (gateway.sample_json);
    # null for a value typed, imported or prefilled. Kept only while the value stays the survey's.
    sample = models.JSONField(null=True, blank=True, verbose_name="样本")
    # Optimistic locking: a save must name the version it was based on.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = (
            "evaluation",
            "item_code",
        )
        verbose_name = "数据值"
        verbose_name_plural = "数据值"
        constraints = (
            models.UniqueConstraint(fields=["evaluation", "item_code"], name="uniq_value_per_item"),
        )


class ItemScore(models.Model):
    """Per leaf indicator: automatic score and explanation, self-score, reviewer score, final score."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator_code = models.CharField(max_length=40, verbose_name="指标")
    points = DecimalStringField(verbose_name="分值")
    rule_kind = models.CharField(max_length=24, blank=True)
    auto_score = DecimalStringField(verbose_name="自动得分")
    auto_status = models.CharField(max_length=16, blank=True, verbose_name="计分状态")
    explanation = models.TextField(blank=True, verbose_name="计分说明")
    inputs = models.JSONField(default=list, blank=True)
    self_level = models.CharField(max_length=20, blank=True, verbose_name="自评等级")
    self_score = DecimalStringField(verbose_name="自评得分")
    self_justification = models.TextField(blank=True, verbose_name="自评说明")
    review_score = DecimalStringField(verbose_name="评审得分")
    review_comment = models.TextField(blank=True, verbose_name="评审意见")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discrepancy = models.BooleanField(default=False, verbose_name="差异")
    final_score = DecimalStringField(verbose_name="最终得分")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = (
            "evaluation",
            "pk",
        )
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        constraints = (
            models.UniqueConstraint(fields=["evaluation", "indicator_code"], name="uniq_score_per_leaf"),
        )
