"""Manual indicators' self-scores and the reviewers' scores and comments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Perm
from lvzhi.audit.services import record
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions.guards import actor_name, require, require_editable
from lvzhi.evaluations.errors import (
    ActionError,
    EditConflict,
    Issue,
    NotEditable,
    ValidationFailed,
    clean_text,
    written_text,
)
from lvzhi.evaluations.locks import lock_evaluation
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, ItemScore
from lvzhi.evaluations.validation import check_item
from lvzhi.evaluations.workflow import REVIEW_STATES


def _score_row(ev: Evaluation, indicator_code: str) -> tuple[ItemScore, gateway.Leaf]:
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    leaf = next((lf for lf in info.leaves if lf.code == indicator_code), None)
    if leaf is None:
        raise ActionError(f"方案中没有代码为 {indicator_code} 的末级指标")
    row = ItemScore.objects.select_for_update().filter(evaluation=ev, indicator_code=indicator_code).first()
    if row is None:
        row = ItemScore(
            evaluation=ev, indicator_code=indicator_code, points=leaf.points, rule_kind=leaf.kind, version=0
        )
    return row, leaf


def _check_version(row: ItemScore, expected_version: int | None, who: str) -> None:
    current = row.version or None
    if (expected_version or None) != current:
        raise EditConflict(
            item_code=row.indicator_code,
            expected_version=expected_version,
            current_version=row.version,
            current_value=row.self_score if who == "self" else row.review_score,
            changed_by=actor_name(row.reviewer) if who == "review" and row.reviewer else "他人",
            changed_at=row.updated_at,
        )


def _rescore_and_record(
    acting_user: Any, ev: Evaluation, row: ItemScore, leaf: gateway.Leaf, before: Any, *, action: str
) -> ItemScore:
    """Re-score (which sets the final score, the engine's, and the discrepancy flag), then audit the row."""
    rescoring.rescore(ev)
    row.refresh_from_db()
    record(
        actor=acting_user,
        action=action,
        obj=ev,
        object_repr=f"{ev} · {leaf.code} {leaf.name}",
        region_code=ev.region.code,
        before=before,
        after={"indicator": leaf.code, **_score_snapshot(row)},
    )
    return row


def _score_snapshot(row: ItemScore) -> dict[str, Any]:
    return {
        "self_level": row.self_level,
        "self_score": row.self_score,
        "self_justification": row.self_justification,
        "review_score": row.review_score,
        "review_comment": row.review_comment,
        "discrepancy": row.discrepancy,
        "final_score": row.final_score,
        "version": row.version,
    }


def do_set_self_score(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    indicator_code: str,
    justification: str,
    expected_version: int | None,
    level: str | None = None,
    score: Any = None,
) -> ItemScore:
    """Self-score a manual indicator by rubric level (or points), with its justification."""
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        require_editable(acting_user, ev, Perm.FILL)
        row, leaf = _score_row(ev, indicator_code)
        if leaf.kind != "manual":
            raise ActionError(f"指标“{leaf.name}”由规则自动计分，不能自评打分")
        _check_version(row, expected_version, "self")
        points = leaf.points or Decimal(0)
        if level is not None:
            if level not in leaf.levels:
                raise ValidationFailed(
                    [Issue(indicator_code, f"等级“{level}”无效，可选：{'、'.join(leaf.levels)}")]
                )
            value = points * leaf.levels[level]
        elif score is not None:
            parsed, issues = check_item(
                gateway.DataItem(indicator_code, leaf.name, "分", min=Decimal(0), max=points), score
            )
            if issues or parsed is None:
                raise ValidationFailed(issues or [Issue(indicator_code, "请填写自评得分")])
            value = parsed
        else:
            raise ActionError("请选择自评等级或填写自评得分")
        if not written_text(justification):
            raise ValidationFailed([Issue(indicator_code, f"请写明“{leaf.name}”的自评说明（自评理由）")])
        before = _score_snapshot(row) if row.pk else None
        row.self_level = level or ""
        row.self_score = value
        row.self_justification = written_text(justification)  # invisible-only counts as missing
        row.version += 1
        row.save()
        return _rescore_and_record(acting_user, ev, row, leaf, before, action="score.self")


def do_set_review(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    indicator_code: str,
    comment: str,
    expected_version: int | None,
    score: Any = None,
    level: str | None = None,
) -> ItemScore:
    """Record a reviewer's score (manual indicators: a rubric level, as the self-score, or points) and comment;
    differences from the self-score are flagged. A change reopens the expert's 评审完成."""
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        require(acting_user, ev, Perm.REVIEW, Perm.MANAGE)
        if ev.state not in REVIEW_STATES:
            raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，不在审核中，不能评审打分")
        row, leaf = _score_row(ev, indicator_code)
        _check_version(row, expected_version, "review")
        value: Decimal | None = None
        if level:
            if leaf.kind != "manual":
                raise ActionError(f"指标“{leaf.name}”由规则自动计分，评审只能填写意见")
            if level not in leaf.levels:
                raise ValidationFailed(
                    [Issue(indicator_code, f"等级“{level}”无效，可选：{'、'.join(leaf.levels)}")]
                )
            value = (leaf.points or Decimal(0)) * leaf.levels[level]
        elif score is not None and score != "":
            if leaf.kind != "manual":
                raise ActionError(f"指标“{leaf.name}”由规则自动计分，评审只能填写意见")
            spec = gateway.DataItem(indicator_code, leaf.name, "分", min=Decimal(0), max=leaf.points)
            value, issues = check_item(spec, score)
            if issues:
                raise ValidationFailed(issues)
        before = _score_snapshot(row) if row.pk else None
        row.review_score = value
        row.review_comment = clean_text(comment)
        row.reviewer = acting_user
        row.version += 1
        row.save()
        ExpertAssignment.objects.filter(
            round_id=ev.round_id, region_id=ev.region_id, expert=acting_user
        ).update(review_completed_at=None)
        return _rescore_and_record(acting_user, ev, row, leaf, before, action="score.review")


def review_gaps(evaluation: Evaluation) -> list[Issue]:
    """Manual indicators (of the scored tree) still without a reviewer's score."""
    info = gateway.scheme_info(evaluation.round.scheme_version.yaml_text)
    reviewed = set(
        ItemScore.objects.filter(evaluation=evaluation, review_score__isnull=False).values_list(
            "indicator_code", flat=True
        )
    )
    return [
        Issue(leaf.code, f"指标“{leaf.code} {leaf.name}”尚未评审打分")
        for leaf in info.leaves
        if leaf.kind == "manual" and leaf.section == "indicators" and leaf.code not in reviewed
    ]


def do_complete_review(*, acting_user: Any, evaluation: Evaluation) -> ExpertAssignment:
    """评审完成: the assigned expert states the review is done (every manual indicator scored)."""
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        require(acting_user, ev, Perm.REVIEW)
        if ev.state not in REVIEW_STATES:
            raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，不在审核中，不能确认评审完成")
        assignment = (
            ExpertAssignment.objects.select_for_update()
            .filter(round_id=ev.round_id, region_id=ev.region_id, expert=acting_user)
            .first()
        )
        if assignment is None:
            raise ActionError("只有分配给该地区的评审专家可以确认评审完成")
        gaps = review_gaps(ev)
        if gaps:
            raise ValidationFailed(gaps)
        assignment.review_completed_at = timezone.now()
        assignment.save(update_fields=["review_completed_at"])
        record(
            actor=acting_user,
            action="review.complete",
            obj=ev,
            object_repr=str(ev),
            region_code=ev.region.code,
            after={"review_total": ev.total, "grade": ev.grade},
        )
        return assignment
