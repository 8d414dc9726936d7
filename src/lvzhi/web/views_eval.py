"""Pages of one evaluation: 数据填报, 自评打分, 审核 and the workflow buttons.

Reads go through the scoping helper (get_evaluation_for → 404 outside the user's scope); every write is one
action function of lvzhi.evaluations.actions, which re-checks permission, locks, writes and audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations import actions, gateway, rescoring
from lvzhi.evaluations.errors import ActionError, EditConflict, ValidationFailed
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, Source, State, StateChange
from lvzhi.evaluations.workflow import EDITABLE_STATES, REVIEW_STATES, TRANSITIONS
from lvzhi.web import pagecache
from lvzhi.web.nexturl import safe_next

ACTION_LABELS = {
    State.FILLING: "开始填报",
    State.SUBMITTED: "提交",
    State.REVIEWING: "开始审核",
    State.RETURNED: "退回修改",
    State.APPROVED: "审核通过",
    State.PUBLISHED: "发布结果",
}


@dataclass
class Tab:
    key: str
    label: str
    url: str


def _perms(user: Any, ev: Evaluation) -> dict[str, bool]:
    return {p.value: scoping.can(user, ev, p) for p in (Perm.FILL, Perm.REVIEW, Perm.MANAGE)}


def _next_actions(user: Any, ev: Evaluation, perms: dict[str, bool]) -> list[tuple[str, str]]:
    """The workflow steps this user may take now: (target state, button label)."""
    out = []
    for (frm, to), allowed in TRANSITIONS.items():
        if frm == ev.state and any(perms[p.value] for p in allowed):
            if (frm, to) == (State.RETURNED, State.FILLING):
                continue  # correcting in place and resubmitting is the usual path; reopening adds nothing here
            out.append((str(to), ACTION_LABELS[State(to)]))
    return out


def _base(request: HttpRequest, ev: Evaluation, tab: str) -> dict[str, Any]:
    perms = _perms(request.user, ev)
    tabs = [
        Tab("data", "数据填报", reverse("web:data", args=[ev.pk])),
        Tab("scores", "自评打分", reverse("web:scores", args=[ev.pk])),
        Tab("review", "审核", reverse("web:review", args=[ev.pk])),
        Tab("report", "报告", reverse("web:report", args=[ev.pk])),
    ]
    return {
        "ev": ev,
        "tab": tab,
        "tabs": tabs,
        "perms": perms,
        "title": f"{ev.region.name} · {ev.round.name}",
        "editable": perms["fill"] and ev.state in EDITABLE_STATES,
        "reviewing": (perms["review"] or perms["manage"]) and ev.state in REVIEW_STATES,
        "next_actions": _next_actions(request.user, ev, perms),
        "history": list(StateChange.objects.filter(evaluation=ev).select_related("by").order_by("-at")[:8]),
    }


@login_required
def evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluation's first useful page for this user's role."""
    ev = scoping.get_evaluation_for(request.user, pk)
    if ev.state in REVIEW_STATES and (
        scoping.can(request.user, ev, Perm.REVIEW) or scoping.can(request.user, ev, Perm.MANAGE)
    ):
        return redirect("web:review", pk=ev.pk)
    return redirect("web:data", pk=ev.pk)


# ---------------------------------------------------------------- 数据填报


@dataclass
class Row:
    code: str
    name: str
    unit: str
    value: Decimal | None
    prev: Decimal | None
    version: int | None
    source: str
    sentence: str
    document: str
    confirmed: bool
    error: str = ""
    warning: str = ""
    typed: str | None = None
    saved: bool = False

    @property
    def source_label(self) -> str:
        return str(Source(self.source).label) if self.source in Source.values else ""


def _item_codes(ev: Evaluation) -> list[str]:
    """The statistics this evaluation asks for: the scheme's items, or every enterable catalogue item."""
    cat = gateway.catalogue()
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    codes = [c for c in info.item_codes if c in cat and not cat[c].formula]
    if not codes:
        codes = [c for c, spec in cat.items() if not spec.formula]
    have = set(DataValue.objects.filter(evaluation=ev).values_list("item_code", flat=True))
    return codes + sorted(have - set(codes))


def _rows(ev: Evaluation, codes: list[str] | None = None) -> list[Row]:
    cat = gateway.catalogue()
    codes = codes if codes is not None else _item_codes(ev)
    values = {v.item_code: v for v in DataValue.objects.filter(evaluation=ev, item_code__in=codes)}
    previous = rescoring.previous_values(ev)
    rows = []
    for code in codes:
        spec = cat.get(code)
        dv = values.get(code)
        rows.append(
            Row(
                code=code,
                name=spec.name if spec else code,
                unit=spec.unit if spec else "",
                value=dv.value if dv else None,
                prev=(dv.prev_value if dv and dv.prev_value is not None else previous.get(code)),
                version=dv.version if dv else None,
                source=dv.source if dv else "",
                sentence=dv.source_sentence if dv else "",
                document=dv.source_document if dv else "",
                confirmed=dv.confirmed if dv else True,
            )
        )
    return rows


@login_required
def data(request: HttpRequest, pk: int) -> HttpResponse:
    """数据填报: every statistic with unit and last year's value; each field validated and saved as it changes."""
    ev = scoping.get_evaluation_for(request.user, pk)  # outside the cache: the scope is checked every time
    key = pagecache.page_key(request, "data")

    def compute() -> dict[str, Any]:
        rows = _rows(ev)
        return {
            **_base(request, ev, "data"),
            "rows": rows,
            "n_filled": sum(r.value is not None for r in rows),
            "n_unconfirmed": sum(not r.confirmed for r in rows),
        }

    ctx = {
        **pagecache.cached(key, compute),
        "page_key": key,
        "import_errors": request.session.pop("import_errors", None),
    }
    return render(request, "web/eval_data.html", ctx)


@login_required
@require_POST
def save_value(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one statistic (htmx): the row comes back with the error, warning or conflict message in it."""
    ev = scoping.get_evaluation_for(request.user, pk, Perm.FILL)
    raw = request.POST.get("value", "")
    version = request.POST.get("version") or None
    row = _rows(ev, [code])[0]
    try:
        if request.POST.get("confirm"):
            actions.do_confirm_value(
                acting_user=request.user, evaluation=ev, item_code=code, expected_version=int(version or 0)
            )
        else:
            _, warnings = actions.do_save_value(
                acting_user=request.user,
                evaluation=ev,
                item_code=code,
                value=raw,
                expected_version=int(version) if version else None,
            )
            row = _rows(ev, [code])[0]
            row.warning = "；".join(w.message for w in warnings if w.code == code)
        row = _rows(ev, [code])[0] if not row.warning else row
        row.saved = True
    except ValidationFailed as exc:
        row.error, row.typed = "；".join(i.message for i in exc.issues), raw
    except EditConflict as exc:
        row = _rows(ev, [code])[0]
        row.error, row.typed = str(exc), raw
    except ActionError as exc:
        row.error, row.typed = str(exc), raw
    return render(request, "web/_data_row.html", {"ev": ev, "r": row, "editable": True})


# ---------------------------------------------------------------- 自评打分 and 审核


@dataclass
class ScoreRow:
    code: str
    name: str
    points: Decimal | None
    kind: str
    levels: dict[str, Decimal]
    section: str
    s: ItemScore | None
    error: str = ""
    saved: bool = False


def _score_rows(ev: Evaluation, only: str | None = None) -> list[ScoreRow]:
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    scores = {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=ev).select_related("reviewer")}
    return [
        ScoreRow(
            leaf.code,
            leaf.name,
            leaf.points,
            leaf.kind,
            dict(leaf.levels),
            leaf.section,
            scores.get(leaf.code),
        )
        for leaf in info.leaves
        if only is None or leaf.code == only
    ]


@login_required
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    """自评打分: automatic scores with explanations, manual self-scores with justification, evidence."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = _base(request, ev, "scores")
    ctx.update({"rows": _score_rows(ev), "summary": rescoring.summary_for(ev)})
    ctx.update(_evidence_context(ev, request.user))
    return render(request, "web/eval_scores.html", ctx)


@login_required
@require_POST
def save_self_score(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one manual self-score (htmx)."""
    ev = scoping.get_evaluation_for(request.user, pk, Perm.FILL)
    version = request.POST.get("version") or None
    level = request.POST.get("level") or None
    try:
        actions.do_set_self_score(
            acting_user=request.user,
            evaluation=ev,
            indicator_code=code,
            justification=request.POST.get("justification", ""),
            level=level,
            score=None if level else (request.POST.get("score") or None),
            expected_version=int(version) if version else None,
        )
        row = _score_rows(ev, code)[0]
        row.saved = True
    except (ValidationFailed, EditConflict, ActionError) as exc:
        row = _score_rows(ev, code)[0]
        row.error = (
            "；".join(i.message for i in exc.issues) if isinstance(exc, ValidationFailed) else str(exc)
        )
    ev.refresh_from_db()
    ctx = {"ev": ev, "r": row, "editable": True, "summary": rescoring.summary_for(ev)}
    ctx.update(_evidence_context(ev, request.user))
    return render(request, "web/_score_row.html", ctx)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """审核: self-scores beside the reviewer's, discrepancies highlighted; return with reasons or approve."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = _base(request, ev, "review")
    rows = _score_rows(ev)
    ctx.update(
        {
            "rows": rows,
            "summary": rescoring.summary_for(ev),
            "n_discrepancies": sum(1 for r in rows if r.s and r.s.discrepancy),
        }
    )
    ctx.update(_evidence_context(ev, request.user))
    return render(request, "web/eval_review.html", ctx)


@login_required
@require_POST
def save_review(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one reviewer score and comment (htmx)."""
    ev = scoping.get_evaluation_for(request.user, pk)
    if not (scoping.can(request.user, ev, Perm.REVIEW) or scoping.can(request.user, ev, Perm.MANAGE)):
        raise PermissionDenied("您不是该评价的评审专家，不能打分")
    version = request.POST.get("version") or None
    try:
        actions.do_set_review(
            acting_user=request.user,
            evaluation=ev,
            indicator_code=code,
            comment=request.POST.get("comment", ""),
            score=request.POST.get("score") or None,
            expected_version=int(version) if version else None,
        )
        row = _score_rows(ev, code)[0]
        row.saved = True
    except (ValidationFailed, EditConflict, ActionError) as exc:
        row = _score_rows(ev, code)[0]
        row.error = (
            "；".join(i.message for i in exc.issues) if isinstance(exc, ValidationFailed) else str(exc)
        )
    ctx = {"ev": ev, "r": row, "reviewing": True}
    ctx.update(_evidence_context(ev, request.user))
    return render(request, "web/_review_row.html", ctx)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    """One workflow step (submit, start review, return, approve, publish) through its action function."""
    ev = scoping.get_evaluation_for(request.user, pk)
    to_state = request.POST.get("to", "")
    back = safe_next(request, reverse("web:evaluation", args=[ev.pk]))
    try:
        actions.do_transition(
            acting_user=request.user, evaluation=ev, to_state=to_state, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, f"已完成：{ACTION_LABELS.get(State(to_state), to_state)}。当前状态：{ev.state}。"
        )
    except ValidationFailed as exc:
        lines = [f"{i.code}：{i.message}" for i in exc.issues[:15]]
        more = f"（另有 {len(exc.issues) - 15} 项）" if len(exc.issues) > 15 else ""
        messages.error(request, "未能提交，请先处理以下问题：" + "；".join(lines) + more)
    except (ActionError, PermissionDenied, ValueError) as exc:
        messages.error(request, f"操作未完成：{exc}")
    return redirect(back)


def _evidence_context(ev: Evaluation, user: Any = None) -> dict[str, Any]:
    """Evidence files of the evaluation by indicator (through the evidence service's scoping)."""
    from lvzhi.web.views_files import evidence_context

    return evidence_context(user, ev)
