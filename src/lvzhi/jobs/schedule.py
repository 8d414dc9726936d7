"""Scheduled work, run by the workers themselves (no cron): one line per scheduled job in SCHEDULE.

Each entry runs once per slot (a day, at or after its hour in the installation's time zone). Whichever worker
looks first claims the slot through a unique row (ScheduledRun), then submits an ordinary job of kind
"scheduled", so the run has progress, a result, an audit record and a place on the 任务 page like any job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Scheduled:
    name: str
    label: str
    # Dotted path of a function its domain provides for this, called without arguments.
    function: str
    # What the function's return value means, as a sentence in Chinese for the job's result.
    says: Callable[[Any], str] = str
    hour: int = 2

    def run(self) -> str:
        fn: Callable[[], Any] = import_string(self.function)
        return self.says(fn())

    def slot(self, now: datetime) -> str | None:
        """The slot due at `now` (its date), or None before the entry's hour."""
        local = timezone.localtime(now)
        return local.date().isoformat() if local.hour >= self.hour else None


SCHEDULE: dict[str, Scheduled] = {
    s.name: s
    for s in (
        # One line per scheduled job (the function lives with its domain):
        Scheduled(
            "audit_anchor",
            "审计链锚点",
            "lvzhi.audit.services.write_anchor",
            lambda a: f"已写入审计链锚点：共 {a.seq} 条记录。",
            hour=1,
        ),
        Scheduled(
            "evidence_cleanup",
            "清理无引用的证明材料文件",
            "lvzhi.evidence.services.cleanup_orphan_files",
            lambda c: f"已删除 {len(c.files)} 个无引用的文件（{c.bytes} 字节）。",
            hour=3,
        ),
        Scheduled(
            "reminders",
            "填报和整改提醒",
            "lvzhi.notifications.services.send_reminders",
            lambda n: f"已发送 {n} 条提醒（填报截止、逾期催报、整改到期）。",
            hour=8,
        ),
    )
}


def due(now: datetime | None = None) -> list[str]:
    """Claim and submit every scheduled job whose slot has come; returns the names submitted by this call."""
    from lvzhi.jobs.models import ScheduledRun
    from lvzhi.jobs.services import submit_system

    now = now or timezone.now()
    started: list[str] = []
    for entry in SCHEDULE.values():
        slot = entry.slot(now)
        if slot is None or ScheduledRun.objects.filter(name=entry.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=entry.name, slot=slot)
                run.job = submit_system("scheduled", f"{entry.label}（{slot}）", {"name": entry.name})
                run.save(update_fields=["job"])
        except IntegrityError:
            continue  # another worker claimed this slot first
        started.append(entry.name)
    return started
