"""A job (one piece of long work with an owner), each delivery of it to a worker, and scheduled-run claims.

The queue (django-tasks: database or Redis) only carries a job's id; this table is the truth about the job:
who asked for it, how far it got, how it ended. Workers claim a job with one conditional UPDATE, so even a
queue that delivered the same message twice could not run it twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "执行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, verbose_name="任务类型")
    title = models.CharField(max_length=255, verbose_name="任务")
    # None for the scheduled jobs the system runs itself (visible to administrators only).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    round = models.ForeignKey(
        "evaluations.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    # Uploaded input and produced output, as names in Django's default storage (local disk or S3).
    input_name = models.CharField(max_length=255, blank=True, verbose_name="上传文件")
    input_file = models.CharField(max_length=500, blank=True)
    output_file = models.CharField(max_length=500, blank=True)
    # Content hash + kind + target: the same upload submitted twice for the same target is one job.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    phase = models.CharField(max_length=40, blank=True, verbose_name="阶段")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, verbose_name="结果")
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        constraints = (
            # Failed or cancelled jobs free their key: the same file may then be submitted again.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False) & ~Q(status__in=["failed", "cancelled"]),
                name="jobs_one_live_job_per_key",
            ),
        )

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == Status.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class JobRun(models.Model):
    """One delivery of a job to a worker: whether that worker's claim won. Shows a queue's duplicates."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="runs")
    worker_id = models.CharField(max_length=120)
    claimed = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at",)


class ScheduledRun(models.Model):
    """One scheduled job's slot (e.g. a day), claimed by exactly one worker through the unique key."""

    name = models.CharField(max_length=60)
    slot = models.CharField(max_length=40)
    job = models.ForeignKey(Job, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["name", "slot"], name="jobs_one_run_per_slot"),)


class ReportReading(models.Model):
    """What the report reader found in one county's uploaded report, linked to that county's evaluation."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="readings")
    evaluation = models.ForeignKey(
        "evaluations.Evaluation", on_delete=models.CASCADE, related_name="report_readings"
    )
    file_name = models.CharField(max_length=255)
    figures = models.PositiveIntegerField(default=0)
    findings = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("evaluation__region__code",)
        verbose_name = "报告阅读结果"
        verbose_name_plural = "报告阅读结果"
