"""Who must act on what: messages for the events of the year, and the daily reminders.

Events are read from the audit log as it is written (every action appends exactly one record, in its own
transaction), so no action needs to know about messages, and a refused action — which writes no record —
sends none. A message is keyed by its event; the unique (user, key) pair makes sending it twice impossible,
which is what lets `send_reminders` run as often as the scheduler likes. E-mail goes through Django's mail
framework after the transaction commits (the file backend under var/mail by default, SMTP by settings).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.notifications.models import Kind, Notification

log = logging.getLogger(__name__)
DUE_SOON = timedelta(days=3)


def _fillers(region_paths: Iterable[str]) -> list[User]:
    """The active 填报员 responsible for these regions (filed on the region or above it)."""
    holders: set[str] = set()
    for path in region_paths:
        codes = [c for c in path.strip("/").split("/") if c]
        holders.update(codes)
    if not holders:
        return []
    ids = RoleAssignment.objects.filter(role=Role.FILLER, region__code__in=holders).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def notify(users: Iterable[User], kind: str, key: str, title: str, body: str = "", url: str = "") -> int:
    """Add the message to each user's inbox unless that user already has it; returns how many were new."""
    new = 0
    for user in users:
        if Notification.objects.filter(user=user, key=key).exists():
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user, kind=kind, key=key[:200], title=title[:200], body=body, url=url[:300]
                )
        except IntegrityError:
            continue  # sent by a concurrent run a moment ago
        new += 1
        if user.email:
            transaction.on_commit(functools.partial(_mail, user, key))
    return new


def _mail(user: User, key: str) -> None:
    message = Notification.objects.filter(user=user, key=key[:200]).first()
    if message is None or message.emailed_at is not None:
        return
    link = f"{getattr(settings, 'LVZHI_SITE_URL', '').rstrip('/')}{message.url}" if message.url else ""
    try:
        send_mail(
            f"【履职】{message.title}",
            "\n\n".join(p for p in (message.body, link) if p),
            None,
            [user.email],
        )
    except OSError:
        log.exception("邮件发送失败：%s", user.email)
        return
    Notification.objects.filter(pk=message.pk).update(emailed_at=timezone.now())


# ---------------------------------------------------------------- events from the audit log


def on_audit_record(rec: Any) -> None:
    """The messages an action's audit record calls for (connected to AuditRecord's post_save)."""
    handler = _HANDLERS.get(rec.action)
    if handler is not None:
        handler(rec)


def _evaluation(rec: Any) -> Any:
    from lvzhi.evaluations.models import Evaluation

    ev_id = rec.evaluation_id or (rec.object_id if rec.object_type == "evaluations.evaluation" else None)
    return Evaluation.objects.select_related("round", "region").filter(pk=ev_id).first() if ev_id else None


def _round_opened(rec: Any) -> None:
    from lvzhi.evaluations.models import Evaluation, Round

    rnd = Round.objects.filter(pk=rec.object_id).first()
    if rnd is None:
        return
    paths = Evaluation.objects.filter(round=rnd).values_list("region__path", flat=True)
    when = timezone.localtime(rnd.fill_deadline).strftime("%Y-%m-%d %H:%M") if rnd.fill_deadline else "未设"
    notify(
        _fillers(paths),
        Kind.ROUND_OPENED,
        f"round_opened:{rnd.pk}",
        f"评价开始：{rnd.name}",
        f"{rnd.owner_region.name}督导办开启了“{rnd.name}”，填报截止：{when}。",
        reverse("web:home"),
    )


def _transition(rec: Any) -> None:
    ev = _evaluation(rec)
    to = (rec.after or {}).get("state")
    if ev is None or to not in ("退回修改", "已发布"):
        return
    url = reverse("web:evaluation", args=[ev.pk])
    if to == "退回修改":
        reason = (rec.after or {}).get("reason", "")
        notify(
            _fillers([ev.region.path]),
            Kind.RETURNED,
            f"returned:{ev.pk}:{rec.seq}",
            f"退回修改：{ev}",
            f"退回原因：{reason}",
            url,
        )
    else:
        notify(_fillers([ev.region.path]), Kind.PUBLISHED, f"published:{ev.pk}", f"结果已发布：{ev}", "", url)


def _assigned(rec: Any) -> None:
    from lvzhi.evaluations.models import ExpertAssignment

    a = ExpertAssignment.objects.select_related("round", "region", "expert").filter(pk=rec.object_id).first()
    if a is None:
        return
    ev = a.round.evaluations.filter(region=a.region).first()
    notify(
        [a.expert],
        Kind.ASSIGNED,
        f"assigned:{a.round_id}:{a.region_id}",
        f"评审任务：{a.round.name} · {a.region.name}",
        "该地区提交后即可开始评审。",
        reverse("web:evaluation", args=[ev.pk]) if ev else "",
    )


def _extended(rec: Any) -> None:
    ev = _evaluation(rec)
    if ev is None:
        return
    until = (rec.after or {}).get("fill_deadline", "")
    notify(
        _fillers([ev.region.path]),
        Kind.EXTENDED,
        f"extended:{ev.pk}:{rec.seq}",
        f"填报延期：{ev}",
        f"督导办同意延期至 {str(until)[:16].replace('T', ' ')}，原因：{(rec.after or {}).get('reason', '')}",
        reverse("web:evaluation", args=[ev.pk]),
    )


def _problem_refused(rec: Any) -> None:
    from lvzhi.rectification.models import Problem

    p = Problem.objects.select_related("evaluation__region").filter(pk=rec.object_id).first()
    if p is None:
        return
    reason = (rec.after or {}).get("refusal_reason") or (rec.after or {}).get("reason", "")
    notify(
        _fillers([p.evaluation.region.path]),
        Kind.PROBLEM_REFUSED,
        f"problem_refused:{p.pk}:{rec.seq}",
        f"整改未通过验收：{p}",
        f"原因：{reason}",
        reverse("web:problem", args=[p.pk]),
    )


_HANDLERS = {
    "round.open": _round_opened,
    "evaluation.transition": _transition,
    "round.assign_expert": _assigned,
    "evaluation.extend_deadline": _extended,
    "problem.refuse_closure": _problem_refused,
}


# ---------------------------------------------------------------- daily reminders


def send_reminders(now: datetime | None = None) -> int:
    """The day's reminders: fill deadline within 3 days, overdue (催报), rectification due or overdue.

    Idempotent: each reminder is keyed by its evaluation (or problem) and the deadline it is about, so a
    second run sends nothing and a new deadline (an extension) is reminded anew. Returns how many were sent.
    """
    from lvzhi.evaluations.actions.office import OWING_STATES, fill_deadlines
    from lvzhi.evaluations.models import Evaluation, Round
    from lvzhi.rectification import queries as rq
    from lvzhi.rectification.models import Problem

    now = now or timezone.now()
    sent = 0
    for rnd in Round.objects.filter(closed_at__isnull=True, fill_deadline__isnull=False):
        owing = list(
            Evaluation.objects.filter(round=rnd, state__in=OWING_STATES).select_related("region", "round")
        )
        deadlines = fill_deadlines(rnd, [e.pk for e in owing])
        for ev in owing:
            deadline = deadlines[ev.pk]
            if deadline is None:
                continue
            when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
            url = reverse("web:evaluation", args=[ev.pk])
            if now > deadline:
                kind, key, title = Kind.OVERDUE, f"overdue:{ev.pk}:{deadline.isoformat()}", f"催报：{ev}"
                body = f"填报已于 {when} 截止，尚未提交。请尽快联系督导办。"
            elif deadline - now <= DUE_SOON:
                kind, key, title = (
                    Kind.DUE_SOON,
                    f"due_soon:{ev.pk}:{deadline.isoformat()}",
                    f"即将截止：{ev}",
                )
                body = f"填报将于 {when} 截止，请按时提交。"
            else:
                continue
            sent += notify(_fillers([ev.region.path]), kind, key, title, body, url)
    today = rq.today_in_shanghai(now)
    due = Problem.objects.filter(state__in=rq.OPEN_STATES, deadline__lte=today + DUE_SOON).select_related(
        "evaluation__region"
    )
    for p in due:
        late = p.deadline < today
        sent += notify(
            _fillers([p.evaluation.region.path]),
            Kind.PROBLEM_DUE,
            f"problem_due:{p.pk}:{p.deadline.isoformat()}:{'late' if late else 'soon'}",
            f"{'整改已逾期' if late else '整改即将到期'}：{p}",
            f"整改时限 {p.deadline.isoformat()}。",
            reverse("web:problem", args=[p.pk]),
        )
    return sent


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: Any, notification_id: int) -> bool:
    """Mark one of the user's own messages read (another user's message is not found)."""
    return bool(
        Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )
