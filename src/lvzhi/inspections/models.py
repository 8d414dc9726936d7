"""Draws of regions to inspect (with everything needed to re-run them), inspection plans and findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lvzhi.evaluations.fields import DecimalStringField


class Draw(models.Model):
    """One audited random draw of regions for a round: seed, inputs and result, so anyone can re-run it."""

    round = models.ForeignKey(
        "evaluations.Round",
        on_delete=models.CASCADE,
        related_name="inspection_draws",
        verbose_name="评价轮次",
    )
    n = models.PositiveIntegerField(verbose_name="抽取数量")
    seed = models.PositiveBigIntegerField(verbose_name="随机种子")
    floor = DecimalStringField(verbose_name="基础权重")
    # RiskSettings.as_dict(): how the risk scores below were computed.
    risk_settings = models.JSONField(default=dict, verbose_name="风险参数")
    # [{region, name, stratum, risk, reasons: [{code, points, text}]}] — the draw's whole input.
    candidates = models.JSONField(default=list, verbose_name="候选区划")
    quotas = models.JSONField(default=list, verbose_name="分层名额")
    drawn = models.JSONField(default=list, verbose_name="抽中区划")
    # risk.Inclusion.as_dict(): every candidate's probability of being drawn under this design, how it was
    # found (exact or simulated from the stored simulation seed) — recomputed by a re-run.
    inclusion = models.JSONField(default=dict, verbose_name="入选概率")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = "督导抽取"
        verbose_name_plural = "督导抽取"

    def __str__(self) -> str:
        return f"{self.round} 抽取#{self.pk}（{self.n} 个，种子 {self.seed}）"


class SelectionSettings(models.Model):
    """The office's risk settings of a round (risk.RiskSettings.as_dict(); knobs not stored keep the
    platform's defaults). Each draw copies the settings it used into its own inputs."""

    round = models.OneToOneField(
        "evaluations.Round",
        on_delete=models.CASCADE,
        related_name="inspection_settings",
        verbose_name="评价轮次",
    )
    values = models.JSONField(default=dict, verbose_name="风险参数")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "风险参数"
        verbose_name_plural = "风险参数"

    def __str__(self) -> str:
        return f"{self.round} 风险参数"


class Plan(models.Model):
    """An inspection plan of a round: who visits, when, and which regions."""

    round = models.ForeignKey(
        "evaluations.Round",
        on_delete=models.CASCADE,
        related_name="inspection_plans",
        verbose_name="评价轮次",
    )
    name = models.CharField(max_length=200, verbose_name="名称")
    team = models.TextField(blank=True, verbose_name="督导组成员")
    starts_on = models.DateField(verbose_name="开始日期")
    ends_on = models.DateField(verbose_name="结束日期")
    draw = models.ForeignKey(Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("round", "starts_on", "pk")
        verbose_name = "督导计划"
        verbose_name_plural = "督导计划"

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One region of a plan (its evaluation in the plan's round), drawn or chosen."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="visits")
    evaluation = models.ForeignKey("evaluations.Evaluation", on_delete=models.CASCADE, related_name="+")
    drawn = models.BooleanField(default=False, verbose_name="抽取产生")

    class Meta:
        ordering = ("plan", "evaluation__region__code")
        verbose_name = "督导区划"
        verbose_name_plural = "督导区划"
        constraints = (models.UniqueConstraint(fields=["plan", "evaluation"], name="inspections_one_visit"),)

    def __str__(self) -> str:
        return f"{self.plan} · {self.evaluation.region}"


class Finding(models.Model):
    """What an inspector found on site: a verified figure beside the reported one, the verified score of a leaf,
    photos, the problem raised."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    indicator_code = models.CharField(max_length=40, blank=True, verbose_name="指标")
    item_code = models.CharField(max_length=80, blank=True, verbose_name="数据项")
    description = models.TextField(verbose_name="发现")
    reported_value = DecimalStringField(verbose_name="填报数值")
    verified_value = DecimalStringField(verbose_name="核查数值")
    tolerance = DecimalStringField(verbose_name="允许偏差（%）")
    # The inspector's own score of the leaf `indicator_code` (核查得分), within 0…its points: the `verified`
    # score layer (lvzhi.evaluations.rescoring) takes it before any score computed from verified figures.
    verified_score = DecimalStringField(verbose_name="核查得分")
    flagged = models.BooleanField(default=False, verbose_name="超出允许偏差")
    photos = models.ManyToManyField("evidence.StoredFile", blank=True, related_name="+", verbose_name="照片")
    problem = models.ForeignKey(
        "rectification.Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("visit", "pk")
        verbose_name = "督导发现"
        verbose_name_plural = "督导发现"

    def __str__(self) -> str:
        head = self.description if len(self.description) <= 30 else self.description[:30] + "…"
        return f"发现#{self.pk} {head}"
