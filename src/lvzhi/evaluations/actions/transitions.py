"""The workflow steps of an evaluation (fill, submit, review, return, approve, publish)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Perm
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions.guards import require
from lvzhi.evaluations.actions.office import completeness_gaps, submission_closed
from lvzhi.evaluations.errors import ActionError, Issue, TransitionError, ValidationFailed, written_text
from lvzhi.evaluations.locks import lock_evaluation
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, State, StateChange, unconfirmed_reason
from lvzhi.evaluations.validation import check_item, cross_field_issues
from lvzhi.evaluations.workflow import TRANSITIONS


def _transition(acting_user: Any, evaluation: Evaluation, to_state: str, reason: str = "") -> Evaluation:
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        perms = TRANSITIONS.get((ev.state, to_state))
        if perms is None:
            raise TransitionError(f"“{ev}”当前状态为“{ev.state}”，不能变为“{to_state}”")
        require(acting_user, ev, *perms)
        if ev.round.closed_at is not None:
            raise TransitionError(f"评价轮次“{ev.round}”已关闭，评价状态不能再变更")
        if to_state == State.SUBMITTED:
            late = submission_closed(ev)
            if late:
                raise TransitionError(late)
        if to_state in (State.APPROVED, State.PUBLISHED):
            # The completeness gate: no override, and the refusal lists every gap at once.
            gaps = completeness_gaps(ev)
            if gaps:
                raise ValidationFailed(gaps)
        before = ev.state
        ev.state = to_state
        ev.state_changed_at = timezone.now()
        if to_state == State.RETURNED:
            ev.return_reasons = reason
        ev.save(update_fields=["state", "state_changed_at", "return_reasons"])
        StateChange.objects.create(
            evaluation=ev,
            from_state=before,
            to_state=to_state,
            reason=reason,
            by=acting_user_or_none(acting_user),
        )
        record(
            actor=acting_user,
            action="evaluation.transition",
            obj=ev,
            region_code=ev.region.code,
            before={"state": before},
            after={"state": to_state, **({"reason": reason} if reason else {})},
        )
        evaluation.state, evaluation.state_changed_at = ev.state, ev.state_changed_at
        evaluation.return_reasons = ev.return_reasons
        return ev


def do_start_filling(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """未开始 (or 退回修改) → 填报中."""
    return _transition(acting_user, evaluation, State.FILLING)


def submission_problems(evaluation: Evaluation) -> list[Issue]:
    """What stops an evaluation from being submitted (invalid values, unconfirmed prefills, missing self-scores)."""
    problems: list[Issue] = []
    info = gateway.scheme_info(evaluation.round.scheme_version.yaml_text)
    values = {v.item_code: v for v in DataValue.objects.filter(evaluation=evaluation)}
    cat = gateway.catalogue()
    for code, dv in sorted(values.items()):
        spec = cat.get(code)
        if spec is not None and dv.value is not None:
            problems.extend(check_item(spec, dv.value)[1])
        if not dv.confirmed:
            problems.append(
                Issue(code, f"“{spec.name if spec else code}”是{unconfirmed_reason(dv.source)}，尚未确认")
            )
    for code in info.item_codes:
        spec = cat.get(code)
        if spec is not None and spec.required and (code not in values or values[code].value is None):
            problems.append(Issue(code, f"必填数据项“{spec.name}”尚未填写"))
    current = {c: dv.value for c, dv in values.items()}
    previous = rescoring.previous_values(evaluation)
    for code in info.prev_item_codes:
        spec = cat.get(code)
        # A rule comparing with last year needs both years; an empty item is reported as such (if required).
        if spec is not None and current.get(code) is not None and previous.get(code) is None:
            problems.append(
                Issue(code, f"“{spec.name}”缺少上年数值，评分要与上年比较：请在该项的“上年数值”处填写")
            )
    problems.extend(cross_field_issues(current, previous))
    scores = {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=evaluation)}
    evidence = rescoring.evidence_files([evaluation.pk])
    for leaf in info.leaves:
        if leaf.kind != "manual" or leaf.section != "indicators":
            continue
        s = scores.get(leaf.code)
        if s is None or s.self_score is None:
            problems.append(Issue(leaf.code, f"手工评分指标“{leaf.name}”尚未自评"))
        elif not s.self_justification.strip():
            problems.append(Issue(leaf.code, f"手工评分指标“{leaf.name}”缺少自评说明"))
        if leaf.evidence_required and not evidence.get((evaluation.pk, leaf.code)):
            problems.append(Issue(leaf.code, f"指标“{leaf.name}”须上传佐证材料"))
    return problems


def do_submit(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """填报中/退回修改 → 已提交 (locked); refused with every problem listed if the data are not complete."""
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        if (ev.state, State.SUBMITTED) in TRANSITIONS:
            require(acting_user, ev, Perm.FILL)
            problems = submission_problems(ev)
            if problems:
                raise ValidationFailed(problems)
        return _transition(acting_user, evaluation, State.SUBMITTED)


def do_start_review(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """已提交 → 审核中."""
    return _transition(acting_user, evaluation, State.REVIEWING)


def do_return(*, acting_user: Any, evaluation: Evaluation, reasons: str) -> Evaluation:
    """审核中 → 退回修改, with the reasons the filler will see."""
    reasons = written_text(reasons)
    if not reasons:
        raise ActionError("退回修改必须填写原因（不能只有空格或不可见字符）")
    return _transition(acting_user, evaluation, State.RETURNED, reasons)


def do_reopen(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """退回修改 → 填报中."""
    return _transition(acting_user, evaluation, State.FILLING)


def do_approve(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """审核中 → 已审核."""
    return _transition(acting_user, evaluation, State.APPROVED)


def do_publish(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """已审核 → 已发布."""
    return _transition(acting_user, evaluation, State.PUBLISHED)


def do_transition(*, acting_user: Any, evaluation: Evaluation, to_state: str, reason: str = "") -> Evaluation:
    """Dispatch to the action for the target state (for UIs offering the allowed next states)."""
    if to_state == State.SUBMITTED:
        return do_submit(acting_user=acting_user, evaluation=evaluation)
    if to_state == State.RETURNED:
        return do_return(acting_user=acting_user, evaluation=evaluation, reasons=reason)
    return _transition(acting_user, evaluation, to_state, reason)
