"""整改 pages: the ledger (office: every visible region; county: its own problems), a problem's page with
its measures, progress, evidence and the steps each side may take, and the 消息 inbox.

Reads go through the rectification queries (the scoping helper); every step is one rectification action.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lvzhi.evaluations import results
from lvzhi.evaluations.errors import ActionError, ValidationFailed
from lvzhi.notifications import services as notices
from lvzhi.notifications.models import Notification
from lvzhi.rectification import actions as ra
from lvzhi.rectification import ledger, queries
from lvzhi.rectification.models import OVERDUE, EvidencePurpose, ProblemSource, ProblemState, Severity
from lvzhi.site.downloads import download
from lvzhi.site.request_types import UserRequest

FILTERS = ("region", "source", "state")
MAX_FILES = 10


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(i.message for i in exc.issues)
    return str(exc)


def _filters(request: HttpRequest) -> dict[str, str]:
    f = {k: (request.GET.get(k) or "").strip() for k in FILTERS}
    if f["state"] and f["state"] not in (*ProblemState.values, OVERDUE):
        raise Http404("没有这个状态")
    if f["source"] and f["source"] not in ProblemSource.values:
        raise Http404("没有这个问题来源")
    return f


@login_required
def rectification(request: HttpRequest) -> HttpResponse:
    """整改台账, and (for who may raise them) the form to record a problem of an evaluation."""
    f = _filters(request)
    problems = ledger.ledger(request.user, state=f["state"], region=f["region"], source=f["source"])
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    raisable = list(
        queries.evaluations_where(request.user, "raise")
        .select_related("round", "region")
        .order_by("-round__year", "region__code")[:500]
    )
    if request.method == "POST":
        ev = next((e for e in raisable if str(e.pk) == request.POST.get("evaluation")), None)
        try:
            if ev is None:
                raise ActionError("请选择评价")
            p = ra.do_raise_problem(
                acting_user=request.user,
                evaluation=ev,
                source=request.POST.get("source", ""),
                description=request.POST.get("description", ""),
                required_measure=request.POST.get("required_measure", ""),
                deadline=_day(request.POST.get("deadline", "")),
                indicator_code=(request.POST.get("indicator") or "").strip(),
                severity=request.POST.get("severity", Severity.GENERAL),
                evidence_ref=request.POST.get("evidence_ref", ""),
            )
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能登记问题：{_explain(exc)}")
        else:
            messages.success(request, f"已登记{p}。")
            return redirect("web:problem", p.pk)
    query = "&".join(f"{k}={quote(v)}" for k, v in f.items() if v)
    ctx = {
        "title": "整改台账",
        "page": page,
        "f": f,
        "query": query,
        "states": [*ProblemState.values, OVERDUE],
        "sources": ProblemSource.values,
        "severities": Severity.values,
        "raisable": raisable,
        "today": queries.today_in_shanghai(),
        # A finding of the report reader arrives here as text to record (the office picks the evaluation).
        "prefill": {k: (request.GET.get(k) or "")[:2000] for k in ("description", "evidence_ref")},
    }
    return render(request, "web/rect/ledger.html", ctx)


def _day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise ActionError(f"日期“{text}”无法识别：请写成 2026-06-30") from None


@login_required
def rectification_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404("只能导出 xlsx 或 csv")
    table = ledger.ledger_table(request.user, **_filters(request))
    return download(results.table_bytes(table, fmt), f"整改台账.{fmt}")


@login_required
def problem(request: HttpRequest, problem_id: int) -> HttpResponse:
    """A problem: what was found, the measures, progress with evidence, the history, the next steps."""
    p = queries.get_problem_for(request.user, problem_id)
    ev = p.evaluation
    rectify = queries.may(request.user, ev, "rectify")
    supervise = queries.may(request.user, ev, "supervise")
    carried_into = getattr(p, "carried_into", None) if hasattr(p, "carried_into") else None
    visible = queries.problems_for(request.user)
    ctx = {
        "title": str(p),
        "p": p,
        "shown_state": queries.display_state(p),
        "rectify": rectify,
        "supervise": supervise,
        "measures": p.measures.all(),
        "progress": p.progress.select_related("created_by").prefetch_related("files"),
        "closure_files": p.evidence_files.filter(purpose=EvidencePurpose.CLOSURE),
        "events": p.events.select_related("by"),
        "carried_from": p.carried_from
        if p.carried_from_id and visible.filter(pk=p.carried_from_id).exists()
        else None,
        "carried_into": carried_into
        if carried_into is not None and visible.filter(pk=carried_into.pk).exists()
        else None,
    }
    return render(request, "web/rect/problem.html", ctx)


def _files(request: HttpRequest) -> list[tuple[str, bytes]]:
    files = request.FILES.getlist("files")[:MAX_FILES]
    return [(f.name or "附件", f.read()) for f in files]


@login_required
@require_POST
def problem_act(request: HttpRequest, problem_id: int) -> HttpResponse:
    """One step on a problem, through its action."""
    p = queries.get_problem_for(request.user, problem_id)
    step = request.POST.get("do", "")
    post = request.POST
    try:
        if step == "start":
            ra.do_start_rectification(acting_user=request.user, problem=p)
        elif step == "measure":
            ra.do_add_measure(
                acting_user=request.user,
                problem=p,
                text=post.get("text", ""),
                responsible_unit=post.get("responsible_unit", ""),
                deadline=_day(post.get("deadline", "")),
                owner=post.get("owner", ""),
            )
        elif step == "progress":
            percent = post.get("percent") or ""
            ra.do_report_progress(
                acting_user=request.user,
                problem=p,
                text=post.get("text", ""),
                percent=int(percent) if percent.isdigit() else None,
                files=_files(request),
            )
        elif step == "closure":
            ra.do_request_closure(
                acting_user=request.user, problem=p, summary=post.get("summary", ""), files=_files(request)
            )
        elif step == "verify":
            ra.do_verify_closure(acting_user=request.user, problem=p, comment=post.get("comment", ""))
        elif step == "refuse":
            ra.do_refuse_closure(acting_user=request.user, problem=p, reason=post.get("reason", ""))
        else:
            raise ActionError("未知操作")
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"操作未完成：{_explain(exc)}")
    else:
        messages.success(request, "已保存。")
    return redirect("web:problem", p.pk)


# ---------------------------------------------------------------- 消息


@login_required
def inbox(request: UserRequest) -> HttpResponse:
    """消息: the signed-in user's own messages, unread first."""
    mine = Notification.objects.filter(user=request.user).order_by("read_at", "-created_at")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    return render(request, "web/rect/inbox.html", {"title": "消息", "page": page})


@login_required
@require_POST
def inbox_read(request: UserRequest, notification_id: int) -> HttpResponse:
    """Mark one of the user's messages read and go to what it is about."""
    message = Notification.objects.filter(user=request.user, pk=notification_id).first()
    if message is None:
        raise Http404("消息不存在")
    notices.mark_read(request.user, message.pk)
    # Only a path of this site (the messages store them so): never an address elsewhere.
    return redirect(
        message.url if message.url.startswith("/") and not message.url.startswith("//") else "web:inbox"
    )
