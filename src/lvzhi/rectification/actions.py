"""Every change to problems and their rectification: one function each, one transaction each, audited.

Like the evaluation actions, each `do_xxx(*, acting_user, ...)` re-checks the permission through the scoping
helper (a problem outside the user's scope is "not found", one the user may see but not change is
"forbidden"), locks the problem, writes, and appends its audit record in the same transaction, so a refused
action writes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Forbidden, NotFound
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway
from lvzhi.evaluations.errors import ActionError, Issue, TransitionError, ValidationFailed, written_text
from lvzhi.evaluations.models import Evaluation, Round
from lvzhi.evidence import storage
from lvzhi.evidence.models import StoredFile
from lvzhi.rectification import queries
from lvzhi.rectification.models import (
    EvidenceFile,
    EvidencePurpose,
    Measure,
    Problem,
    ProblemEvent,
    ProblemSource,
    ProblemState,
    ProgressUpdate,
    Severity,
)

P = ProblemState

# (from, to) → who may take the step ("rectify": the region's 填报员; "supervise": the supervising 督导办).
TRANSITIONS: dict[tuple[str, str], str] = {
    (P.OPEN, P.IN_PROGRESS): "rectify",
    (P.REFUSED, P.IN_PROGRESS): "rectify",
    (P.IN_PROGRESS, P.CLOSURE_REQUESTED): "rectify",
    (P.REFUSED, P.CLOSURE_REQUESTED): "rectify",
    (P.CLOSURE_REQUESTED, P.CLOSED): "supervise",
    (P.CLOSURE_REQUESTED, P.REFUSED): "supervise",
}
# A plan and progress may be written while the region is working on the problem, not while it waits for
# verification or after closure.
WORKING_STATES = frozenset({P.OPEN, P.IN_PROGRESS, P.REFUSED})
# An uploaded file: (file name, content).
Upload = tuple[str, bytes]


def _require(user: Any, evaluation: Evaluation, action: str, what: str) -> None:
    if not queries.may(user, evaluation, "view"):
        raise NotFound("评价")
    if not queries.may(user, evaluation, action):
        raise Forbidden(f"您没有对“{evaluation}”{what}的权限 (permission denied: {action})")


def _lock(problem: Problem) -> Problem:
    # Re-read under a row lock (PostgreSQL); on SQLite the write transaction already serialises writers.
    return (
        Problem.objects.select_for_update()
        .select_related("evaluation__round", "evaluation__region")
        .get(pk=problem.pk)
    )


def _not_carried(problem: Problem) -> None:
    later = Problem.objects.filter(carried_from=problem).select_related("evaluation__round").first()
    if later is not None:
        raise ActionError(
            f"{problem}已结转至{later.evaluation.round.year}年度（问题#{later.pk}），请在新的评价中继续整改"
        )


def _snapshot(p: Problem) -> dict[str, Any]:
    return {
        "evaluation": p.evaluation_id,
        "indicator": p.indicator_code,
        "source": p.source,
        "severity": p.severity,
        "description": p.description,
        "required_measure": p.required_measure,
        "deadline": p.deadline,
        "state": p.state,
    }


def _move(acting_user: Any, p: Problem, to_state: str, reason: str = "") -> None:
    """Change the state of a locked problem (permission already checked) and log the event."""
    before = p.state
    p.state = to_state
    p.state_changed_at = timezone.now()
    p.save(update_fields=["state", "state_changed_at", "refusal_reason", "closure_summary"])
    ProblemEvent.objects.create(
        problem=p, from_state=before, to_state=to_state, by=acting_user_or_none(acting_user), reason=reason
    )


def _check_step(p: Problem, to_state: str) -> str:
    needed = TRANSITIONS.get((p.state, to_state))
    if needed is None:
        raise TransitionError(f"{p}当前状态为“{p.state}”，不能变为“{to_state}” (transition not allowed)")
    return needed


def _clean_text(value: str, label: str, issues: list[Issue], field: str) -> str:
    text = written_text(value)
    if not text:
        issues.append(Issue(field, f"请填写{label}"))
    return text


def _check_files(files: Iterable[Upload], issues: list[Issue]) -> list[tuple[str, bytes, str]]:
    """(name, content, kind) of each acceptable file; every refused file becomes an issue."""
    checked: list[tuple[str, bytes, str]] = []
    for i, (name, content) in enumerate(files, start=1):
        name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
        try:
            checked.append((name, content, storage.check_upload(name, content)))
        except storage.FileRefused as exc:
            issues.append(Issue(f"files[{i}]", str(exc)))
    return checked


def _store_files(checked: list[tuple[str, bytes, str]]) -> list[tuple[str, str, int, str]]:
    # Written before the transaction, as the evidence app does: content-addressed, so a refused action
    # leaves at most an unreferenced file on disk, never a row.
    return [(name, storage.store(content), len(content), kind) for name, content, kind in checked]


def _attach(
    acting_user: Any,
    p: Problem,
    stored: list[tuple[str, str, int, str]],
    purpose: str,
    progress: ProgressUpdate | None = None,
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for name, digest, size, kind in stored:
        file, _ = StoredFile.objects.get_or_create(sha256=digest, defaults={"size": size, "kind": kind})
        EvidenceFile.objects.create(
            problem=p,
            progress=progress,
            purpose=purpose,
            file=file,
            name=name,
            uploaded_by=acting_user_or_none(acting_user),
        )
        out.append({"name": name, "sha256": digest})
    return out


@functools.lru_cache(maxsize=64)
def _indicator_codes(yaml_text: str) -> frozenset[str]:
    # Every indicator the scheme defines (any level), plus its bonus/deduction items, vetoes and caps.
    scheme = gateway.load(yaml_text)
    codes = {
        node.code for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions) for node in top.walk()
    }
    codes |= {c.code for c in (*scheme.vetoes, *scheme.caps)}
    return frozenset(codes)


# ---------------------------------------------------------------- raising problems


def do_raise_problem(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    source: str,
    description: str,
    required_measure: str,
    deadline: date,
    indicator_code: str = "",
    severity: str = Severity.GENERAL,
    evidence_ref: str = "",
) -> Problem:
    """Record a problem found in a region's evaluation (expert, inspecting office, or the region's self-check)."""
    _require(acting_user, evaluation, "view", "登记问题")
    # The region's own staff may record what their self-check found, nothing else.
    own_self_check = source == ProblemSource.SELF_CHECK and queries.may(acting_user, evaluation, "rectify")
    if not (own_self_check or queries.may(acting_user, evaluation, "raise")):
        raise Forbidden(f"您没有对“{evaluation}”登记{source or ''}问题的权限 (permission denied: raise)")
    issues: list[Issue] = []
    if source not in ProblemSource.values:
        issues.append(Issue("source", f"问题来源“{source}”无效，应为：{'、'.join(ProblemSource.values)}"))
    if severity not in Severity.values:
        issues.append(Issue("severity", f"严重程度“{severity}”无效，应为：{'、'.join(Severity.values)}"))
    description = _clean_text(description, "问题描述", issues, "description")
    required_measure = _clean_text(required_measure, "整改要求", issues, "required_measure")
    indicator_code = (indicator_code or "").strip()
    if indicator_code and indicator_code not in _indicator_codes(evaluation.round.scheme_version.yaml_text):
        issues.append(
            Issue("indicator_code", f"评价方案“{evaluation.round.scheme_version}”中没有指标 {indicator_code}")
        )
    if not isinstance(deadline, date) or isinstance(deadline, datetime):
        issues.append(Issue("deadline", "整改时限应为日期（例如 2025-06-30）"))
    elif deadline < queries.today_in_shanghai():
        issues.append(Issue("deadline", f"整改时限 {deadline.isoformat()} 已经过去，请填写今天或以后的日期"))
    if issues:
        raise ValidationFailed(issues)
    with transaction.atomic():
        problem = Problem.objects.create(
            evaluation=evaluation,
            indicator_code=indicator_code,
            source=source,
            description=description,
            evidence_ref=(evidence_ref or "").strip(),
            severity=severity,
            required_measure=required_measure,
            deadline=deadline,
            created_by=acting_user_or_none(acting_user),
        )
        ProblemEvent.objects.create(problem=problem, to_state=P.OPEN, by=acting_user_or_none(acting_user))
        record(
            actor=acting_user,
            action="problem.raise",
            obj=problem,
            object_repr=f"{evaluation} · {problem}",
            region_code=evaluation.region.code,
            after=_snapshot(problem),
        )
        return problem


# ---------------------------------------------------------------- the region's rectification


def _working(acting_user: Any, problem: Problem, what: str) -> Problem:
    """Lock the problem, check the region may work on it now, and move 待整改/退回 → 整改中."""
    p = _lock(problem)
    _require(acting_user, p.evaluation, "rectify", what)
    _not_carried(p)
    if p.state not in WORKING_STATES:
        raise TransitionError(f"{p}当前状态为“{p.state}”，不能{what}")
    if p.state != P.IN_PROGRESS:
        _check_step(p, P.IN_PROGRESS)
        _move(acting_user, p, P.IN_PROGRESS)
    return p


def do_start_rectification(*, acting_user: Any, problem: Problem) -> Problem:
    """待整改/退回 → 整改中."""
    with transaction.atomic():
        p = _lock(problem)
        _require(acting_user, p.evaluation, "rectify", "开始整改")
        _not_carried(p)
        _check_step(p, P.IN_PROGRESS)
        before = p.state
        _move(acting_user, p, P.IN_PROGRESS)
        record(
            actor=acting_user,
            action="problem.transition",
            obj=p,
            region_code=p.evaluation.region.code,
            before={"state": before},
            after={"state": p.state},
        )
        problem.state = p.state
        return p


def do_add_measure(
    *,
    acting_user: Any,
    problem: Problem,
    text: str,
    responsible_unit: str,
    deadline: date,
    owner: str = "",
) -> Measure:
    """Add a rectification measure (what, which unit, who, by when); the problem is then 整改中."""
    issues: list[Issue] = []
    text = _clean_text(text, "整改措施", issues, "text")
    responsible_unit = _clean_text(responsible_unit, "责任单位", issues, "responsible_unit")
    if not isinstance(deadline, date) or isinstance(deadline, datetime):
        issues.append(Issue("deadline", "完成时限应为日期（例如 2025-06-30）"))
    with transaction.atomic():
        before_state = _lock(problem).state
        p = _working(acting_user, problem, "制定整改措施")
        if issues:
            raise ValidationFailed(issues)
        measure = Measure.objects.create(
            problem=p,
            text=text,
            responsible_unit=responsible_unit,
            owner=(owner or "").strip(),
            deadline=deadline,
            created_by=acting_user_or_none(acting_user),
        )
        record(
            actor=acting_user,
            action="problem.add_measure",
            obj=measure,
            object_repr=f"{p} · 整改措施",
            region_code=p.evaluation.region.code,
            before={"state": before_state},
            after={
                "problem": p.pk,
                "state": p.state,
                "text": text,
                "responsible_unit": responsible_unit,
                "owner": measure.owner,
                "deadline": deadline,
            },
        )
        problem.state = p.state
        return measure


def do_report_progress(
    *,
    acting_user: Any,
    problem: Problem,
    text: str,
    percent: int | None = None,
    files: Sequence[Upload] = (),
) -> ProgressUpdate:
    """Report progress on a problem: text, how far along in %, evidence files (stored by content hash)."""
    _require(acting_user, problem.evaluation, "rectify", "报告整改进展")
    issues: list[Issue] = []
    text = _clean_text(text, "进展情况", issues, "text")
    if percent is not None and (
        isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100
    ):
        issues.append(Issue("percent", f"完成比例应为 0–100 的整数，收到 {percent!r}"))
    checked = _check_files(files, issues)
    with transaction.atomic():
        before_state = _lock(problem).state
        p = _working(acting_user, problem, "报告整改进展")
        if issues:
            raise ValidationFailed(issues)
        update = ProgressUpdate.objects.create(
            problem=p, text=text, percent=percent, created_by=acting_user_or_none(acting_user)
        )
        attached = _attach(acting_user, p, _store_files(checked), EvidencePurpose.PROGRESS, update)
        record(
            actor=acting_user,
            action="problem.progress",
            obj=update,
            object_repr=f"{p} · 整改进展",
            region_code=p.evaluation.region.code,
            before={"state": before_state},
            after={"problem": p.pk, "state": p.state, "text": text, "percent": percent, "files": attached},
        )
        problem.state = p.state
        return update


def do_request_closure(
    *, acting_user: Any, problem: Problem, summary: str, files: Sequence[Upload] = ()
) -> Problem:
    """整改中/退回 → 已提交销号: the region asks its supervising office to close the problem."""
    issues: list[Issue] = []
    summary = _clean_text(summary, "整改完成情况说明", issues, "summary")
    checked = _check_files(files, issues)
    with transaction.atomic():
        p = _lock(problem)
        _require(acting_user, p.evaluation, "rectify", "申请销号")
        _not_carried(p)
        _check_step(p, P.CLOSURE_REQUESTED)
        if not p.measures.exists():
            issues.append(Issue("measures", "尚未制定整改措施，不能申请销号"))
        if not checked and not p.evidence_files.exists():
            issues.append(Issue("files", "申请销号须附佐证材料（本次上传或在整改进展中上传）"))
        if issues:
            raise ValidationFailed(issues)
        before = p.state
        p.closure_summary = summary
        p.refusal_reason = ""
        _move(acting_user, p, P.CLOSURE_REQUESTED, summary)
        attached = _attach(acting_user, p, _store_files(checked), EvidencePurpose.CLOSURE)
        record(
            actor=acting_user,
            action="problem.request_closure",
            obj=p,
            region_code=p.evaluation.region.code,
            before={"state": before},
            after={"state": p.state, "summary": summary, "files": attached},
        )
        problem.state = p.state
        return p


# ---------------------------------------------------------------- the supervising office


def do_verify_closure(*, acting_user: Any, problem: Problem, comment: str = "") -> Problem:
    """已提交销号 → 已销号: the supervising 督导办 verifies the rectification and closes the problem."""
    with transaction.atomic():
        p = _lock(problem)
        _require(acting_user, p.evaluation, "supervise", "审核销号")
        _not_carried(p)
        _check_step(p, P.CLOSED)
        _move(acting_user, p, P.CLOSED, (comment or "").strip())
        record(
            actor=acting_user,
            action="problem.verify_closure",
            obj=p,
            region_code=p.evaluation.region.code,
            before={"state": P.CLOSURE_REQUESTED},
            after={"state": p.state, **({"comment": comment.strip()} if comment and comment.strip() else {})},
        )
        problem.state = p.state
        return p


def do_refuse_closure(*, acting_user: Any, problem: Problem, reason: str) -> Problem:
    """已提交销号 → 退回: closure refused, with the reason the region will see."""
    reason = written_text(reason)
    if not reason:
        raise ValidationFailed([Issue("reason", "退回销号申请必须填写原因（不能只有空格或不可见字符）")])
    with transaction.atomic():
        p = _lock(problem)
        _require(acting_user, p.evaluation, "supervise", "审核销号")
        _not_carried(p)
        _check_step(p, P.REFUSED)
        p.refusal_reason = reason
        _move(acting_user, p, P.REFUSED, reason)
        record(
            actor=acting_user,
            action="problem.refuse_closure",
            obj=p,
            region_code=p.evaluation.region.code,
            before={"state": P.CLOSURE_REQUESTED},
            after={"state": p.state, "reason": reason},
        )
        problem.state, problem.refusal_reason = p.state, p.refusal_reason
        return p


def do_problem_transition(*, acting_user: Any, problem: Problem, to_state: str, reason: str = "") -> Problem:
    """Dispatch to the action for the target state (for UIs offering the allowed next states)."""
    if to_state == P.IN_PROGRESS:
        return do_start_rectification(acting_user=acting_user, problem=problem)
    if to_state == P.CLOSURE_REQUESTED:
        return do_request_closure(acting_user=acting_user, problem=problem, summary=reason)
    if to_state == P.CLOSED:
        return do_verify_closure(acting_user=acting_user, problem=problem, comment=reason)
    if to_state == P.REFUSED:
        return do_refuse_closure(acting_user=acting_user, problem=problem, reason=reason)
    raise TransitionError(f"{problem}不能变为“{to_state}” (transition not allowed)")


# ---------------------------------------------------------------- carry-over into the next year


def _carry(acting_user: Any, original: Problem, into: Evaluation, deadline: date | None) -> Problem:
    measures = list(original.measures.all())
    copy = Problem.objects.create(
        evaluation=into,
        indicator_code=original.indicator_code,
        source=original.source,
        description=original.description,
        evidence_ref=original.evidence_ref,
        severity=original.severity,
        required_measure=original.required_measure,
        deadline=deadline or original.deadline,
        # The plan still stands: a problem with measures continues 整改中, one without starts 待整改.
        state=P.IN_PROGRESS if measures else P.OPEN,
        carried_from=original,
        created_by=acting_user_or_none(acting_user),
    )
    Measure.objects.bulk_create(
        [
            Measure(
                problem=copy,
                text=m.text,
                responsible_unit=m.responsible_unit,
                owner=m.owner,
                deadline=m.deadline,
                created_by=m.created_by,
            )
            for m in measures
        ]
    )
    ProblemEvent.objects.create(
        problem=copy,
        to_state=copy.state,
        by=acting_user_or_none(acting_user),
        reason=f"由{original.evaluation.round.year}年度问题#{original.pk}（{original.state}）结转",
    )
    record(
        actor=acting_user,
        action="problem.carry_over",
        obj=copy,
        object_repr=f"{into} · {copy}",
        region_code=into.region.code,
        before={"problem": original.pk, "year": original.evaluation.round.year, "state": original.state},
        after={**_snapshot(copy), "carried_from": original.pk, "measures": len(measures)},
    )
    return copy


def _unclosed_before(evaluations: list[Evaluation]) -> dict[int, list[Problem]]:
    """Unclosed, not yet carried problems of earlier years, per target evaluation (one query for all)."""
    if not evaluations:
        return {}
    from lvzhi.evaluations.actions.rounds import predecessors

    # A region that took over older codes (撤县设区, mergers) inherits their open problems.
    by_region = {r.pk: ev for ev in evaluations for r in reversed(predecessors(ev.region))}
    year = evaluations[0].round.year
    found: dict[int, list[Problem]] = {}
    candidates = (
        # Lock the originals only (the "not yet carried" test is an outer join PostgreSQL cannot lock).
        Problem.objects.select_for_update(of=("self",))
        .filter(
            evaluation__region_id__in=list(by_region),
            evaluation__round__year__lt=year,
            state__in=queries.UNCLOSED_STATES,
            carried_into__isnull=True,
        )
        .select_related("evaluation__round", "evaluation__region")
        .order_by("evaluation__round__year", "pk")
    )
    for problem in candidates:
        found.setdefault(by_region[problem.evaluation.region_id].pk, []).append(problem)
    return found


def do_carry_over(*, acting_user: Any, evaluation: Evaluation, deadline: date | None = None) -> list[Problem]:
    """Carry the region's unclosed problems of earlier years into this evaluation, each linked to its original."""
    _require(acting_user, evaluation, "supervise", "结转问题")
    if deadline is not None and deadline < queries.today_in_shanghai():
        raise ValidationFailed([Issue("deadline", f"整改时限 {deadline.isoformat()} 已经过去")])
    with transaction.atomic():
        ev = Evaluation.objects.select_related("round", "region").get(pk=evaluation.pk)
        originals = _unclosed_before([ev]).get(ev.pk, [])
        return [_carry(acting_user, p, ev, deadline) for p in originals]


def do_carry_over_round(*, acting_user: Any, round: Round) -> list[Problem]:
    """Carry unclosed problems into every evaluation of a round that the acting office supervises."""
    targets = list(
        queries.supervised_evaluations(acting_user).filter(round=round).select_related("round", "region")
    )
    if not targets:
        if queries.evaluations_where(acting_user, "view").filter(round=round).exists():
            raise Forbidden(f"您不是评价轮次“{round}”中任何区划的上级督导办，不能结转问题")
        raise NotFound("评价轮次")
    with transaction.atomic():
        found = _unclosed_before(targets)
        return [_carry(acting_user, p, ev, None) for ev in targets for p in found.get(ev.pk, [])]
