"""Pages of one evaluation: 数据填报, 自评打分, 审核 and the workflow buttons.

Reads go through the scoping helper (get_evaluation_for → 404 outside the user's scope); every write is one
action function of lvzhi.evaluations.actions, which re-checks permission, locks, writes and audits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.entry import services as entry
from lvzhi.evaluations import actions, gateway, rescoring, validation
from lvzhi.evaluations.errors import ActionError, EditConflict, ImplausibleChange, ValidationFailed
from lvzhi.evaluations.models import DataValue, Evaluation, Source, State
from lvzhi.evaluations.workflow import REVIEW_STATES
from lvzhi.web import pagecache
from lvzhi.web.evaluation_page import (
    ACTION_LABELS,
    evidence_context,
    no_grade_reason,
    page_context,
    score_rows,
)
from lvzhi.web.nexturl import safe_next


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
    required: bool = False
    needs_prev: bool = False  # a rule compares this item with last year: submission needs 上年数值
    error: str = ""
    warning: str = ""
    typed: str | None = None
    typed_prev: str | None = None
    saved: bool = False
    ask_confirm_change: bool = False  # the typed value is far from last year's: saved only once confirmed

    @property
    def source_label(self) -> str:
        return str(Source(self.source).label) if self.source in Source.values else ""

    @property
    def yes_no(self) -> bool:
        """是否 items: 是 (1) or 否 (0), chosen rather than typed."""
        return self.unit == YES_NO_UNIT

    @property
    def dom(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.code)


YES_NO_UNIT = "是否"


def _rows(ev: Evaluation, codes: list[str] | None = None) -> list[Row]:
    cat = gateway.catalogue()
    codes = codes if codes is not None else entry.item_codes_for(ev)
    values = {v.item_code: v for v in DataValue.objects.filter(evaluation=ev, item_code__in=codes)}
    previous = rescoring.previous_values(ev)
    needs_prev = set(gateway.scheme_info(ev.round.scheme_version.yaml_text).prev_item_codes)
    rows = []
    for code in codes:
        spec = cat.get(code)
        dv = values.get(code)
        row = Row(
            code=code,
            name=spec.name if spec else code,
            unit=spec.unit if spec else "",
            value=dv.value if dv else None,
            prev=previous.get(code),
            version=dv.version if dv else None,
            source=dv.source if dv else "",
            sentence=dv.source_sentence if dv else "",
            document=dv.source_document if dv else "",
            confirmed=dv.confirmed if dv else True,
            required=bool(spec and spec.required),
            needs_prev=code in needs_prev,
        )
        if spec is not None:
            # A stored value far from last year's keeps its note on every visit, confirmed or not.
            issue = validation.implausible_change(spec, row.value, row.prev)
            row.warning = issue.message if issue else ""
        rows.append(row)
    return rows


def _progress(ev: Evaluation, rows: list[Row] | None = None) -> dict[str, Any]:
    """已填 x/y, prefills awaiting confirmation, missing 上年数值, total and why there is no grade yet."""
    rows = rows if rows is not None else _rows(ev)
    return {
        "n_filled": sum(r.value is not None for r in rows),
        "n_items": len(rows),
        "n_unconfirmed": sum(not r.confirmed for r in rows),
        "n_missing_prev": sum(r.needs_prev and r.prev is None for r in rows),
        "no_grade_reason": no_grade_reason(ev),
    }


@login_required
def data(request: HttpRequest, pk: int) -> HttpResponse:
    """数据填报: every statistic with unit and last year's value; each field validated and saved as it changes."""
    ev = scoping.get_evaluation_for(request.user, pk)  # outside the cache: the scope is checked every time
    key = pagecache.page_key(request, "data")

    def compute() -> dict[str, Any]:
        rows = _rows(ev)
        return {**page_context(request, ev, "data"), "rows": rows, **_progress(ev, rows)}

    ctx = {
        **pagecache.cached(key, compute),
        "page_key": key,
        "import_errors": request.session.pop("import_errors", None),
    }
    return render(request, "web/eval_data.html", ctx)


def _row_response(request: HttpRequest, ev: Evaluation, row: Row) -> HttpResponse:
    """The saved row, with the counter and the header's total and grade swapped in beside it (htmx oob)."""
    ev.refresh_from_db()
    ctx = {"ev": ev, "r": row, "editable": True, "oob": True, **_progress(ev)}
    return render(request, "web/_data_row.html", ctx)


@login_required
@require_POST
def save_value(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one statistic (htmx): the row comes back with the error, warning or conflict message in it."""
    ev = scoping.get_evaluation_for(request.user, pk, Perm.FILL)
    raw = request.POST.get("value", "")
    raw_prev = request.POST.get("prev")
    version = request.POST.get("version") or None
    rows = _rows(ev, [code])
    if not rows or code not in gateway.catalogue():
        raise Http404("没有这个数据项")
    row = rows[0]
    try:
        if request.POST.get("confirm"):
            actions.do_confirm_value(
                acting_user=request.user, evaluation=ev, item_code=code, expected_version=int(version or 0)
            )
            row = _rows(ev, [code])[0]
        else:
            extra: dict[str, Any] = {}
            if raw_prev is not None and raw_prev.strip():
                extra["prev_value"] = raw_prev
            _, warnings = actions.do_save_value(
                acting_user=request.user,
                evaluation=ev,
                item_code=code,
                value=raw,
                expected_version=int(version) if version else None,
                confirm_change=bool(request.POST.get("confirm_change")),
                **extra,
            )
            row = _rows(ev, [code])[0]
            cross = "；".join(w.message for w in warnings if w.code == code)
            row.warning = "；".join(w for w in (row.warning, cross) if w)
        row.saved = True
    except ImplausibleChange as exc:
        row.warning, row.typed, row.typed_prev = exc.issue.message, raw, raw_prev
        row.ask_confirm_change = True
    except ValidationFailed as exc:
        row.error, row.typed, row.typed_prev = "；".join(i.message for i in exc.issues), raw, raw_prev
    except EditConflict as exc:
        row = _rows(ev, [code])[0]
        row.error, row.typed = str(exc), raw
    except ActionError as exc:
        row.error, row.typed = str(exc), raw
    return _row_response(request, ev, row)


@login_required
@require_POST
def confirm_prefills(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every prefilled value shown on the page at once, after the person ticked that they checked them."""
    ev = scoping.get_evaluation_for(request.user, pk, Perm.FILL)
    back = reverse("web:data", args=[ev.pk])
    if not request.POST.get("reviewed"):
        messages.error(request, "请先逐项核对预填数值与其原句，勾选“我已核对”后再全部确认。")
        return redirect(back)
    versions: dict[str, int] = {}
    for code, version in zip(request.POST.getlist("code"), request.POST.getlist("version"), strict=False):
        if version.isdigit():
            versions[code] = int(version)
    if not versions:
        messages.info(request, "没有待确认的预填数值。")
        return redirect(back)
    try:
        done = actions.do_confirm_values(acting_user=request.user, evaluation=ev, versions=versions)
        messages.success(request, f"已确认 {len(done)} 项报告预填数值。")
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未确认任何数值：{exc}")
    return redirect(back)


# ---------------------------------------------------------------- 自评打分 and 审核


@login_required
def scores(request: HttpRequest, pk: int) -> HttpResponse:
    """自评打分: automatic scores with explanations, manual self-scores with justification, evidence."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = page_context(request, ev, "scores")
    ctx.update({"rows": score_rows(ev), "summary": rescoring.summary_for(ev)})
    ctx.update(evidence_context(request.user, ev))
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
        row = score_rows(ev, code)[0]
        row.saved = True
    except (ValidationFailed, EditConflict, ActionError) as exc:
        row = score_rows(ev, code)[0]
        row.error = (
            "；".join(i.message for i in exc.issues) if isinstance(exc, ValidationFailed) else str(exc)
        )
    ev.refresh_from_db()
    ctx = {"ev": ev, "r": row, "editable": True, "summary": rescoring.summary_for(ev)}
    ctx.update(evidence_context(request.user, ev))
    return render(request, "web/_score_row.html", ctx)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """审核: self-scores beside the reviewer's, discrepancies highlighted; return with reasons or approve."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = page_context(request, ev, "review")
    rows = score_rows(ev)
    ctx.update(
        {
            "rows": rows,
            "summary": rescoring.summary_for(ev),
            "n_discrepancies": sum(1 for r in rows if r.s and r.s.discrepancy),
            "report_mismatches": _report_mismatches(ev),
        }
    )
    ctx.update(evidence_context(request.user, ev))
    return render(request, "web/eval_review.html", ctx)


def _report_mismatches(ev: Evaluation) -> list[Any]:
    """Entered statistics that differ from what their report sentence states (报告称 X，填报数据为 Y)."""
    from lvzhi.reader.statistics_map import cross_check, prefill

    names = {code: spec.name for code, spec in gateway.catalogue().items()}
    found = []
    for dv in DataValue.objects.filter(evaluation=ev).exclude(source_sentence="").order_by("item_code"):
        stated = prefill(dv.source_sentence, year=ev.round.year, only={dv.item_code})
        found += cross_check(stated, {dv.item_code: dv.value}, names)
    return found


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
        row = score_rows(ev, code)[0]
        row.saved = True
    except (ValidationFailed, EditConflict, ActionError) as exc:
        row = score_rows(ev, code)[0]
        row.error = (
            "；".join(i.message for i in exc.issues) if isinstance(exc, ValidationFailed) else str(exc)
        )
    ctx = {"ev": ev, "r": row, "reviewing": True}
    ctx.update(evidence_context(request.user, ev))
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
