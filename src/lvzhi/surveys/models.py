"""A survey opened by an office for regions of a round, its anonymous response tokens and the responses.

Nothing about a respondent is stored beyond the answers the questionnaire asks for: no name, no address,
no IP. A token is a random secret printed as a link/QR code; it says which region and group a response
belongs to and is spent by the one response it allows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lvzhi.surveys.questionnaire import SURVEY_STATISTIC, Questionnaire, parse_questionnaire


class ResponseSource(models.TextChoices):
    WEB = "web", "在线填写"
    IMPORT = "import", "Excel导入"


class Survey(models.Model):
    round = models.ForeignKey("evaluations.Round", on_delete=models.PROTECT, related_name="surveys")
    name = models.CharField(max_length=200, verbose_name="名称")
    # The reviewed questionnaire file, kept as it was when the survey opened (the file may change later).
    questionnaire_file = models.CharField(max_length=200, verbose_name="问卷文件")
    questionnaire_text = models.TextField(verbose_name="问卷内容")
    opens_at = models.DateTimeField(verbose_name="开始时间")
    closes_at = models.DateTimeField(verbose_name="结束时间")
    # The margin of error (at 95 %) each region's group should reach; the quotas follow from it.
    margin = models.DecimalField(max_digits=4, decimal_places=3, verbose_name="允许误差")
    statistic = models.CharField(max_length=80, default=SURVEY_STATISTIC, verbose_name="数据项")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "满意度调查"
        verbose_name_plural = "满意度调查"

    def __str__(self) -> str:
        return self.name

    def questionnaire(self) -> Questionnaire:
        return parse_questionnaire(self.questionnaire_text, self.questionnaire_file)


class SurveyRegion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="regions")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = (models.UniqueConstraint(fields=("survey", "region"), name="survey_region_once"),)
        ordering = ("region__code",)

    def __str__(self) -> str:
        return f"{self.survey} · {self.region}"


class ResponseToken(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tokens")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40, verbose_name="调查对象")
    token = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True, verbose_name="使用时间")

    class Meta:
        ordering = ("region__code", "group", "pk")
        indexes = (models.Index(fields=("survey", "region", "group")),)

    def __str__(self) -> str:
        return f"{self.survey} · {self.region} · {self.group} · {self.token[:6]}…"


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40, verbose_name="调查对象")
    # One response per token; imported responses have none.
    token = models.OneToOneField(ResponseToken, null=True, on_delete=models.PROTECT, related_name="response")
    answers = models.JSONField(verbose_name="答案")
    source = models.CharField(max_length=8, choices=ResponseSource.choices, verbose_name="来源")
    submitted_at = models.DateTimeField(verbose_name="提交时间")

    class Meta:
        ordering = ("pk",)
        indexes = (models.Index(fields=("survey", "region", "group")),)

    def __str__(self) -> str:
        return f"{self.survey} · {self.region} · 答卷 {self.pk}"


class QuestionnaireVersion(models.Model):
    """A questionnaire an office uploaded: one exact YAML text the pure loader accepted, numbered per
    questionnaire code (第 1 版, 第 2 版 …); identified by its content hash, never changed. A survey opened
    with it keeps its own copy of the text (Survey.questionnaire_text)."""

    code = models.CharField(max_length=80, verbose_name="问卷代码")
    version = models.PositiveIntegerField(verbose_name="版本")
    name = models.CharField(max_length=200, verbose_name="问卷名称")
    file_name = models.CharField(max_length=200, verbose_name="问卷文件")
    text = models.TextField(verbose_name="问卷内容")
    content_hash = models.CharField(max_length=64, unique=True, verbose_name="内容哈希")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="上传时间")

    class Meta:
        ordering = ("code", "-version")
        verbose_name = "调查问卷版本"
        verbose_name_plural = "调查问卷版本"
        constraints = (
            models.UniqueConstraint(fields=("code", "version"), name="questionnaire_version_once"),
        )

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"
