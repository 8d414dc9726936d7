"""Audit records and the single chain-head row that serialises appends."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChainHead(models.Model):
    """The one row (pk=1) holding the last sequence number and hash; locked for every append."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"


class AuditRecord(models.Model):
    """Who did what to which object, when, before → after; `hash` chains it to the previous record."""

    seq = models.BigIntegerField(unique=True, verbose_name="序号")
    at = models.DateTimeField(verbose_name="时间")
    # PROTECT: the user id is part of the record's hash, so a user who acted is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The username is kept as text too: the chain must verify even after a user row is deleted.
    actor_username = models.CharField(max_length=150, blank=True, verbose_name="操作人")
    action = models.CharField(max_length=64, db_index=True, verbose_name="操作")
    object_type = models.CharField(max_length=64, db_index=True, verbose_name="对象类型")
    object_id = models.CharField(max_length=64, blank=True, db_index=True, verbose_name="对象编号")
    object_repr = models.CharField(max_length=255, blank=True, verbose_name="对象")
    # Region code of the object, so audit views can apply the same region scope as everything else.
    region_code = models.CharField(max_length=20, blank=True, db_index=True, verbose_name="区划代码")
    # The evaluation (or, for round-level records, the round) the record is about: who may read the record
    # follows who may read that object (accounts.scoping.audit_records_for). Plain ids, no foreign keys:
    # a record must outlive what it is about.
    evaluation_id = models.BigIntegerField(null=True, blank=True, db_index=True, verbose_name="评价")
    round_id = models.BigIntegerField(null=True, blank=True, db_index=True, verbose_name="评价轮次")
    before = models.JSONField(null=True, blank=True, verbose_name="变更前")
    after = models.JSONField(null=True, blank=True, verbose_name="变更后")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ("seq",)
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_username} {self.action} {self.object_repr}"
