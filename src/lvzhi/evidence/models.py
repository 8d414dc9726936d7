"""Stored files (one per distinct content) and the evidence rows linking them to evaluation × indicator."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    """One distinct file content, kept at MEDIA_ROOT/evidence/<sha256[:2]>/<sha256>."""

    sha256 = models.CharField(max_length=64, unique=True, verbose_name="SHA-256")
    size = models.PositiveBigIntegerField(verbose_name="大小（字节）")
    kind = models.CharField(max_length=8, verbose_name="类型")  # pdf / docx / xlsx / jpg / png
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class Evidence(models.Model):
    """A file offered as evidence for one indicator of one evaluation."""

    evaluation = models.ForeignKey(
        "evaluations.Evaluation", on_delete=models.CASCADE, related_name="evidence", verbose_name="评价"
    )
    indicator_code = models.CharField(max_length=40, verbose_name="指标")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="uses", verbose_name="文件")
    name = models.CharField(max_length=255, verbose_name="文件名")
    note = models.TextField(blank=True, verbose_name="说明")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("evaluation", "indicator_code", "pk")
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        constraints = (
            models.UniqueConstraint(
                fields=["evaluation", "indicator_code", "file"], name="uniq_evidence_file_per_indicator"
            ),
        )

    def __str__(self) -> str:
        return self.name
