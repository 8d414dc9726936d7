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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.entry import services as entry
from lvzhi.evaluations import actions, gateway, rescoring, validation
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.errors import ActionError, EditConflict, ImplausibleChange, ValidationFailed
from lvzhi.evaluations.models import DataValue, Evaluation, ExpertAssignment, Source, State
from lvzhi.evaluations.workflow import REVIEW_STATES, TRANSITIONS
from lvzhi.site.request_types import UserRequest
from lvzhi.web import pagecache
from lvzhi.web.evaluation_page import (
    ACTION_LABELS,
    ScoreRow,
    evidence_context,
    no_grade_reason,
    page_context,
    score_row_response,
    score_rows,
)
from lvzhi.web.nexturl import safe_next
from lvzhi.web.templatetags.lvzhi_web import domid


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
    measured: str = ""  # how a measured value came about (a survey's n and margin), shown beside it

    @property
    def source_label(self) -> str:
        return str(Source(self.source).label) if self.source in Source.values else ""

    @property
    def yes_no(self) -> bool:
        """是否 items: 是 (1) or 否 (0), chosen rather than typed."""
        return self.unit == YES_NO_UNIT

    @property
    def dom(self) -> str:
        return domid(self.code)


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
            measured=dv.note if dv and dv.source == Source.SURVEY else "",
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
        messages.error(request, "请先逐项核对待确认的数值（原句或上年数值），勾选“我已核对”后再全部确认。")
        return redirect(back)
    versions: dict[str, int] = {}
    for code, version in zip(request.POST.getlist("code"), request.POST.getlist("version"), strict=False):
        if version.isdigit():
            versions[code] = int(version)
    if not versions:
        messages.info(request, "没有待确认的数值。")
        return redirect(back)
    try:
        done = actions.do_confirm_values(acting_user=request.user, evaluation=ev, versions=versions)
        messages.success(request, f"已确认 {len(done)} 项数值。")
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
    except ValidationFailed as exc:
        return score_row_response(request, ev, code, error="；".join(i.message for i in exc.issues))
    except ActionError as exc:
        msg = "请先选择自评等级（优、良……），再保存。" if not level else str(exc)
        return score_row_response(request, ev, code, error=msg)
    response = score_row_response(request, ev, code, notes=["已保存"])
    return response


def review_totals(ev: Evaluation, rows: list[ScoreRow]) -> dict[str, Any]:
    """自评总分 and 评审总分 side by side: the stored total counts the reviewer's score where there is one, so
    the self-assessed total is that total with each reviewed manual indicator's self-score put back."""
    reviewed = [r for r in rows if r.s is not None and r.s.review_score is not None]
    if ev.total is None:
        return {"self_total": None, "review_total": None, "n_reviewed": len(reviewed)}
    back = sum(
        (r.s.self_score - r.s.review_score for r in reviewed if r.s and r.s.self_score is not None),
        Decimal(0),
    )
    return {
        "self_total": ev.total + back,
        "review_total": ev.total if reviewed else None,
        "n_reviewed": len(reviewed),
    }


@login_required
def review(request: UserRequest, pk: int) -> HttpResponse:
    """审核: self-scores beside the reviewer's (in the same levels), discrepancies highlighted, 评审总分 apart,
    then 评审完成; returning with reasons comes last, below the table."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = page_context(request, ev, "review")
    rows = score_rows(ev)
    mine = ExpertAssignment.objects.filter(
        round_id=ev.round_id, region_id=ev.region_id, expert=request.user
    ).first()
    ctx.update(
        {
            "rows": rows,
            "summary": rescoring.summary_for(ev),
            "n_discrepancies": sum(1 for r in rows if r.s and r.s.discrepancy),
            "report_mismatches": _report_mismatches(ev),
            "assignment": mine,
            "gaps": actions.review_gaps(ev) if mine is not None else [],
            "can_return": any(to == State.RETURNED for to, _ in ctx["next_actions"]),
            **review_totals(ev, rows),
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
    """Save one reviewer score (a level, as the self-score) and comment (htmx)."""
    ev = scoping.get_evaluation_for(request.user, pk)
    if not (scoping.can(request.user, ev, Perm.REVIEW) or scoping.can(request.user, ev, Perm.MANAGE)):
        raise PermissionDenied("您不是该评价的评审专家，不能打分")
    version = request.POST.get("version") or None
    level = request.POST.get("level") or None
    try:
        actions.do_set_review(
            acting_user=request.user,
            evaluation=ev,
            indicator_code=code,
            comment=request.POST.get("comment", ""),
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
    rows = score_rows(ev)
    ctx = {"ev": ev, "r": row, "reviewing": True, "oob": True, **review_totals(ev, rows)}
    ctx["no_grade_reason"] = no_grade_reason(ev)
    ctx["n_discrepancies"] = sum(1 for r in rows if r.s and r.s.discrepancy)
    ctx.update(evidence_context(request.user, ev))
    return render(request, "web/_review_row.html", ctx)


@login_required
@require_POST
def complete_review(request: HttpRequest, pk: int) -> HttpResponse:
    """评审完成: the assigned expert's review is done (refused, with what is missing, until it is)."""
    ev = scoping.get_evaluation_for(request.user, pk)
    back = reverse("web:review", args=[ev.pk])
    try:
        actions.do_complete_review(acting_user=request.user, evaluation=ev)
        messages.success(request, "已确认评审完成。督导办将据此审核通过或退回修改。")
    except ValidationFailed as exc:
        messages.error(request, "还不能确认评审完成：" + "；".join(i.message for i in exc.issues))
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"操作未完成：{exc}")
    return redirect(back)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    """One workflow step (submit, start review, return, approve, publish) through its action function.

    提交 goes through its confirmation page first (what will be locked, every problem still open).
    """
    ev = scoping.get_evaluation_for(request.user, pk)
    to_state = request.POST.get("to", "")
    back = safe_next(request, reverse("web:evaluation", args=[ev.pk]))
    submit_page = reverse("web:submit", args=[ev.pk])
    if to_state == State.SUBMITTED and not request.POST.get("confirm"):
        return redirect(submit_page)
    try:
        actions.do_transition(
            acting_user=request.user, evaluation=ev, to_state=to_state, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, f"已完成：{ACTION_LABELS.get(State(to_state), to_state)}。当前状态：{ev.state}。"
        )
    except ValidationFailed as exc:
        if to_state != State.SUBMITTED:
            messages.error(request, "操作未完成：" + "；".join(i.message for i in exc.issues))
            return redirect(back)
        # The confirmation page lists every problem, grouped by indicator, each linking to its row.
        messages.error(request, f"未能提交：还有 {len(exc.issues)} 个问题需要先处理，见下方列表。")
        return redirect(submit_page)
    except (ActionError, PermissionDenied, ValueError) as exc:
        messages.error(request, f"操作未完成：{exc}")
    return redirect(back)


@dataclass
class ProblemGroup:
    title: str
    problems: list[tuple[str, str]]  # (message, link to the row)


def problem_groups(ev: Evaluation, issues: list[Any]) -> list[ProblemGroup]:
    """Submission problems under the indicator they concern (data problems under the first indicator whose
    rule reads the item), in the scheme's order, each with a link to the row where it is fixed."""
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    data_url = reverse("web:data", args=[ev.pk])
    scores_url = reverse("web:scores", args=[ev.pk])
    leaf_codes = {leaf.code for leaf in info.leaves}
    owner: dict[str, str] = {}
    for leaf in info.leaves:
        for item in info.leaf_items.get(leaf.code, ()):
            owner.setdefault(item, leaf.code)
    by_leaf: dict[str, list[tuple[str, str]]] = {}
    others: list[tuple[str, str]] = []
    for issue in issues:
        if issue.code in leaf_codes:
            by_leaf.setdefault(issue.code, []).append(
                (issue.message, f"{scores_url}#score-{domid(issue.code)}")
            )
        elif issue.code in owner:
            by_leaf.setdefault(owner[issue.code], []).append(
                (issue.message, f"{data_url}#row-{domid(issue.code)}")
            )
        else:
            others.append((issue.message, f"{data_url}#row-{domid(issue.code)}"))
    groups = [
        ProblemGroup(f"{leaf.code} {leaf.name}", by_leaf[leaf.code])
        for leaf in info.leaves
        if leaf.code in by_leaf
    ]
    if others:
        groups.append(ProblemGroup("其他数据项", others))
    return groups


def deadline_note(ev: Evaluation) -> tuple[str, bool]:
    """A word on the fill deadline for the submit page (with any extension granted), and whether it is closed.

    The rule is the office's (actions.office.submission_closed); this only says it before the button.
    """
    closed = office.submission_closed(ev)
    if closed:
        return closed + "。", True
    deadline = office.fill_deadline_of(ev)
    if deadline is None:
        return "", False
    when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    extended = ev.round.fill_deadline is not None and deadline > ev.round.fill_deadline
    return f"填报截止时间：{when}（北京时间）{'，已为本地区延期' if extended else ''}。", False


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """提交: what will be locked, every problem still open (grouped, linked), then one confirmed step."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = page_context(request, ev, "submit")
    can_submit = scoping.can(request.user, ev, Perm.FILL) and (ev.state, State.SUBMITTED) in TRANSITIONS
    issues = actions.submission_problems(ev) if can_submit else []
    note, closed = deadline_note(ev)
    ctx.update(
        {
            "can_submit": can_submit,
            "groups": problem_groups(ev, issues),
            "n_problems": len(issues),
            "deadline_note": note,
            "deadline_closed": closed,
            **_progress(ev),
        }
    )
    return render(request, "web/eval_submit.html", ctx)
