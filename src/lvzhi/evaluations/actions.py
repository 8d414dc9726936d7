"""Every state change of the evaluation domain: one function each, one transaction each, audited.

Each `do_xxx(*, acting_user, ...)` re-checks the acting user's permission through the scoping helper
(callers may have checked already; the action does not trust them), locks what it changes, writes, and
appends its audit record inside the same transaction — so a refused action writes nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.accounts.scoping import Forbidden, Perm, can, evaluations_for, is_admin, office_regions, rounds_for
from lvzhi.audit.services import record, record_many
from lvzhi.evaluations import engine, scoring
from lvzhi.evaluations.bulk import gc_paused, insert_many, update_many
from lvzhi.evaluations.errors import (
    ActionError,
    EditConflict,
    Issue,
    NotEditable,
    TransitionError,
    ValidationFailed,
    clean_text,
)
from lvzhi.evaluations.models import (
    DataValue,
    Evaluation,
    ExpertAssignment,
    ItemScore,
    Round,
    SchemeVersion,
    Source,
    State,
    StateChange,
)
from lvzhi.evaluations.validation import check_item, check_values, cross_field_issues
from lvzhi.evaluations.workflow import EDITABLE_STATES, REVIEW_STATES, TRANSITIONS
from lvzhi.regions.models import Region

UNSET: Any = object()


def _who(user: Any) -> str:
    return str(getattr(user, "username", "") or "系统")


def _lock(evaluation: Evaluation) -> Evaluation:
    # Re-read under a row lock (PostgreSQL); on SQLite the IMMEDIATE transaction already serialises writers.
    # Locks are always taken round → evaluation → audit chain head: a re-score of a ranked round updates
    # its peers' rows, and one lock order for everybody rules out deadlocks.
    Round.objects.select_for_update().filter(pk=evaluation.round_id).first()
    return (
        Evaluation.objects.select_for_update()
        .select_related("round", "region", "round__scheme_version")
        .get(pk=evaluation.pk)
    )


def _require(user: Any, evaluation: Evaluation, *perms: Perm) -> None:
    if not any(can(user, evaluation, p) for p in perms):
        names = "/".join(p.value for p in perms)
        raise Forbidden(f"您没有对“{evaluation}”执行此操作的权限 (permission denied: {names})")


# ---------------------------------------------------------------- schemes


def do_create_scheme_version(*, acting_user: Any, yaml_text: str, source_name: str = "") -> SchemeVersion:
    """Validate a scheme text with the engine and store it as a new version (or return the identical one)."""
    if not (is_admin(acting_user) or office_regions(acting_user).exists()):
        raise Forbidden("只有系统管理员或督导办可以导入评价方案")
    info = engine.scheme_info(yaml_text, source_name or "<scheme>")
    digest = engine.content_hash(yaml_text)
    with transaction.atomic():
        existing = SchemeVersion.objects.filter(content_hash=digest).first()
        if existing is not None:
            return existing
        last = SchemeVersion.objects.filter(scheme_id=info.scheme_id).order_by("-version").first()
        sv = SchemeVersion.objects.create(
            scheme_id=info.scheme_id,
            version=(last.version + 1) if last else 1,
            title=info.title,
            year=info.year,
            level=info.level,
            yaml_text=yaml_text,
            content_hash=digest,
            source_name=source_name[:255],
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        record(
            actor=acting_user,
            action="scheme.create_version",
            obj=sv,
            after={
                "scheme_id": sv.scheme_id,
                "version": sv.version,
                "content_hash": digest,
                "source": source_name,
            },
        )
        return sv


# ---------------------------------------------------------------- rounds and experts


def do_open_round(
    *,
    acting_user: Any,
    scheme_version: SchemeVersion,
    year: int,
    name: str,
    owner_region: Region,
    regions: Iterable[Region],
    fill_deadline: datetime | None = None,
    review_deadline: datetime | None = None,
) -> Round:
    """Open a round of a scheme version for a set of regions below the opening office's region."""
    if not office_regions(acting_user).filter(pk=owner_region.pk).exists():
        raise Forbidden(f"只有{owner_region.name}的督导办可以以该单位名义开启评价轮次")
    targets = list(regions)
    if not targets:
        raise ActionError("请至少选择一个被评价的区划")
    outside = [r.name for r in targets if not r.path.startswith(owner_region.path) or r.pk == owner_region.pk]
    if outside:
        raise Forbidden(f"以下区划不在{owner_region.name}的下级范围内：{'、'.join(outside)}")
    if scheme_version.level:
        wrong = [r.name for r in targets if r.level != scheme_version.level]
        if wrong:
            raise ActionError(f"方案评价的是{scheme_version.level}级，以下区划层级不符：{'、'.join(wrong)}")
    if fill_deadline and review_deadline and review_deadline < fill_deadline:
        raise ActionError("审核截止时间不能早于填报截止时间")
    if not name.strip():
        raise ActionError("请填写评价轮次名称")
    with transaction.atomic():
        rnd = Round.objects.create(
            name=name.strip(),
            scheme_version=scheme_version,
            year=year,
            owner_region=owner_region,
            fill_deadline=fill_deadline,
            review_deadline=review_deadline,
            opened_by=acting_user if getattr(acting_user, "pk", None) else None,
        )
        Evaluation.objects.bulk_create([Evaluation(round=rnd, region=r) for r in targets], batch_size=500)
        record(
            actor=acting_user,
            action="round.open",
            obj=rnd,
            region_code=owner_region.code,
            after={
                "name": rnd.name,
                "scheme": f"{scheme_version.scheme_id} v{scheme_version.version}",
                "year": year,
                "regions": sorted(r.code for r in targets),
                "fill_deadline": fill_deadline,
                "review_deadline": review_deadline,
            },
        )
        return rnd


def do_update_round(
    *,
    acting_user: Any,
    round: Round,
    name: str | None = None,
    fill_deadline: Any = UNSET,
    review_deadline: Any = UNSET,
) -> Round:
    """Rename a round or move its deadlines (None clears a deadline)."""
    if not rounds_for(acting_user, Perm.MANAGE).filter(pk=round.pk).exists():
        raise Forbidden(f"您没有管理评价轮次“{round}”的权限")
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        before = {
            "name": rnd.name,
            "fill_deadline": rnd.fill_deadline,
            "review_deadline": rnd.review_deadline,
        }
        if name is not None:
            if not name.strip():
                raise ActionError("请填写评价轮次名称")
            rnd.name = name.strip()
        if fill_deadline is not UNSET:
            rnd.fill_deadline = fill_deadline
        if review_deadline is not UNSET:
            rnd.review_deadline = review_deadline
        if rnd.fill_deadline and rnd.review_deadline and rnd.review_deadline < rnd.fill_deadline:
            raise ActionError("审核截止时间不能早于填报截止时间")
        after = {"name": rnd.name, "fill_deadline": rnd.fill_deadline, "review_deadline": rnd.review_deadline}
        if after != before:
            rnd.save(update_fields=["name", "fill_deadline", "review_deadline"])
            record(
                actor=acting_user,
                action="round.update",
                obj=rnd,
                region_code=rnd.owner_region.code,
                before=before,
                after=after,
            )
        round.name, round.fill_deadline, round.review_deadline = (
            rnd.name,
            rnd.fill_deadline,
            rnd.review_deadline,
        )
        return rnd


def do_assign_expert(*, acting_user: Any, round: Round, region: Region, expert: User) -> ExpertAssignment:
    """Assign an expert to review one region of a round."""
    if not rounds_for(acting_user, Perm.MANAGE).filter(pk=round.pk).exists():
        raise Forbidden(f"您没有管理评价轮次“{round}”的权限")
    if not Evaluation.objects.filter(round=round, region=region).exists():
        raise ActionError(f"{region.name}不在评价轮次“{round}”中")
    if not RoleAssignment.objects.filter(user=expert, role=Role.EXPERT).exists():
        raise ActionError(f"用户 {expert} 没有专家角色，不能分配评审任务")
    with transaction.atomic():
        assignment, created = ExpertAssignment.objects.get_or_create(
            round=round,
            region=region,
            expert=expert,
            defaults={"assigned_by": acting_user if getattr(acting_user, "pk", None) else None},
        )
        if created:
            record(
                actor=acting_user,
                action="round.assign_expert",
                obj=assignment,
                object_repr=f"{round} · {region.name} · 专家 {expert.username}",
                region_code=region.code,
                after={"round": round.pk, "region": region.code, "expert": expert.username},
            )
        return assignment


def do_unassign_expert(*, acting_user: Any, assignment: ExpertAssignment) -> None:
    """Withdraw an expert's assignment."""
    if not rounds_for(acting_user, Perm.MANAGE).filter(pk=assignment.round_id).exists():
        raise Forbidden("您没有管理该评价轮次的权限")
    with transaction.atomic():
        record(
            actor=acting_user,
            action="round.unassign_expert",
            obj=assignment,
            region_code=assignment.region.code,
            before={
                "round": assignment.round_id,
                "region": assignment.region.code,
                "expert": assignment.expert.username,
            },
        )
        assignment.delete()


# ---------------------------------------------------------------- workflow


def _transition(acting_user: Any, evaluation: Evaluation, to_state: str, reason: str = "") -> Evaluation:
    with transaction.atomic():
        ev = _lock(evaluation)
        perms = TRANSITIONS.get((ev.state, to_state))
        if perms is None:
            raise TransitionError(
                f"“{ev}”当前状态为“{ev.state}”，不能变为“{to_state}” (transition not allowed)"
            )
        _require(acting_user, ev, *perms)
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
            by=acting_user if getattr(acting_user, "pk", None) else None,
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
    info = engine.scheme_info(evaluation.round.scheme_version.yaml_text)
    values = {v.item_code: v for v in DataValue.objects.filter(evaluation=evaluation)}
    cat = engine.catalogue()
    for code, dv in sorted(values.items()):
        spec = cat.get(code)
        if spec is not None and dv.value is not None:
            problems.extend(check_item(spec, dv.value)[1])
        if not dv.confirmed:
            problems.append(Issue(code, f"“{spec.name if spec else code}”是报告预填的数值，尚未确认"))
    for code in info.item_codes:
        spec = cat.get(code)
        if spec is not None and spec.required and (code not in values or values[code].value is None):
            problems.append(Issue(code, f"必填数据项“{spec.name}”尚未填写"))
    current = {c: dv.value for c, dv in values.items()}
    problems.extend(cross_field_issues(current, scoring.previous_values(evaluation)))
    scores = {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=evaluation)}
    evidence = scoring.evidence_for([evaluation.pk])
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
        ev = _lock(evaluation)
        if (ev.state, State.SUBMITTED) in TRANSITIONS:
            _require(acting_user, ev, Perm.FILL)
            problems = submission_problems(ev)
            if problems:
                raise ValidationFailed(problems)
        return _transition(acting_user, evaluation, State.SUBMITTED)


def do_start_review(*, acting_user: Any, evaluation: Evaluation) -> Evaluation:
    """已提交 → 审核中."""
    return _transition(acting_user, evaluation, State.REVIEWING)


def do_return(*, acting_user: Any, evaluation: Evaluation, reasons: str) -> Evaluation:
    """审核中 → 退回修改, with the reasons the filler will see."""
    reasons = clean_text(reasons or "")
    if not reasons:
        raise ActionError("退回修改必须填写原因")
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


# ---------------------------------------------------------------- data values


def _editable(acting_user: Any, ev: Evaluation, *perms: Perm) -> None:
    _require(acting_user, ev, *perms)
    if ev.state not in EDITABLE_STATES:
        raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，数据已锁定，不能修改")


def _value_snapshot(dv: DataValue | None) -> dict[str, Any] | None:
    if dv is None:
        return None
    return {
        "value": dv.value,
        "prev_value": dv.prev_value,
        "source": dv.source,
        "confirmed": dv.confirmed,
        "version": dv.version,
    }


def do_save_value(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    item_code: str,
    value: Any,
    expected_version: int | None,
    prev_value: Any = UNSET,
    source: str = Source.MANUAL,
    source_sentence: str = "",
    source_document: str = "",
    note: str | None = None,
) -> tuple[DataValue, list[Issue]]:
    """Save one statistic if nobody changed it since `expected_version` (None: it was empty); returns warnings."""
    spec = engine.catalogue().get(item_code)
    if spec is None:
        raise ValidationFailed([Issue(item_code, f"数据项目录中没有代码为 {item_code} 的数据项")])
    parsed, issues = check_item(spec, value)
    prev_parsed: Any = UNSET
    if prev_value is not UNSET:
        prev_parsed, prev_issues = check_item(spec, prev_value)
        issues += [Issue(i.code, "上年数值：" + i.message) for i in prev_issues]
    if issues:
        raise ValidationFailed(issues)
    if source not in Source.values:
        raise ActionError(f"未知的数据来源 {source!r}")
    with transaction.atomic():
        ev = _lock(evaluation)
        _editable(acting_user, ev, Perm.FILL)
        dv = DataValue.objects.select_for_update().filter(evaluation=ev, item_code=item_code).first()
        current_version = dv.version if dv else None
        if (expected_version or None) != current_version:
            raise EditConflict(
                item_code=item_code,
                expected_version=expected_version,
                current_version=current_version or 0,
                current_value=dv.value if dv else None,
                changed_by=_who(dv.updated_by) if dv and dv.updated_by else "他人",
                changed_at=dv.updated_at if dv else None,
                your_value=value,
            )
        before = _value_snapshot(dv)
        if dv is None:
            dv = DataValue(evaluation=ev, item_code=item_code, version=0)
        dv.value = parsed
        if prev_parsed is not UNSET:
            dv.prev_value = prev_parsed
        dv.source = source
        dv.confirmed = source != Source.PREFILL
        dv.source_sentence = clean_text(source_sentence) if source == Source.PREFILL else ""
        dv.source_document = source_document
        if note is not None:
            dv.note = clean_text(note)
        dv.version += 1
        dv.updated_by = acting_user if getattr(acting_user, "pk", None) else None
        dv.save()
        record(
            actor=acting_user,
            action="value.save",
            obj=dv,
            object_repr=f"{ev} · {spec.name}",
            region_code=ev.region.code,
            before=before,
            after=_value_snapshot(dv),
        )
        scoring.rescore(ev)
        current = dict(DataValue.objects.filter(evaluation=ev).values_list("item_code", "value"))
        warnings = [
            Issue(i.code, i.message, blocking=False)
            for i in cross_field_issues(current, scoring.previous_values(ev))
        ]
        return dv, warnings


def do_confirm_value(
    *, acting_user: Any, evaluation: Evaluation, item_code: str, expected_version: int
) -> DataValue:
    """Confirm a value prefilled from a report (a person vouches for it)."""
    with transaction.atomic():
        ev = _lock(evaluation)
        _editable(acting_user, ev, Perm.FILL)
        dv = DataValue.objects.select_for_update().filter(evaluation=ev, item_code=item_code).first()
        if dv is None:
            raise ActionError(f"数据项 {item_code} 尚无数值，无需确认")
        if dv.version != expected_version:
            raise EditConflict(
                item_code=item_code,
                expected_version=expected_version,
                current_version=dv.version,
                current_value=dv.value,
                changed_by=_who(dv.updated_by),
                changed_at=dv.updated_at,
            )
        before = _value_snapshot(dv)
        dv.confirmed = True
        dv.version += 1
        dv.updated_by = acting_user
        dv.save()
        record(
            actor=acting_user,
            action="value.confirm",
            obj=dv,
            region_code=ev.region.code,
            before=before,
            after=_value_snapshot(dv),
        )
        return dv


@gc_paused
def do_import_values(
    *,
    acting_user: Any,
    round: Round,
    rows: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = Source.IMPORT,
    source_document: str = "",
) -> int:
    """Store many regions' values at once (Excel import): all checked first, nothing written on any error."""
    previous = previous or {}
    evaluations = {
        ev.region.code: ev
        for ev in Evaluation.objects.filter(round=round, region__code__in=list(rows)).select_related(
            "region", "round"
        )
    }
    # One query per permission for the whole round, not two per region.
    allowed = set(evaluations_for(acting_user, Perm.FILL).filter(round=round).values_list("pk", flat=True))
    allowed |= set(evaluations_for(acting_user, Perm.MANAGE).filter(round=round).values_list("pk", flat=True))
    issues: list[Issue] = []
    parsed: dict[str, dict[str, Decimal | None]] = {}
    parsed_prev: dict[str, dict[str, Decimal | None]] = {}
    for code in rows:
        if code not in evaluations:
            issues.append(Issue(code, f"区划 {code} 不在评价轮次“{round}”中"))
    for code, ev in evaluations.items():
        if ev.pk not in allowed:
            raise Forbidden(f"您没有填报“{ev}”的权限")
        if ev.state not in EDITABLE_STATES:
            issues.append(Issue(code, f"“{ev}”当前状态为“{ev.state}”，数据已锁定"))
        parsed[code], found = check_values(rows[code])
        issues += [Issue(f"{code}/{i.code}", i.message) for i in found]
        parsed_prev[code], found = check_values(previous.get(code, {}))
        issues += [Issue(f"{code}/{i.code}", "上年数值：" + i.message) for i in found]
    if issues:
        raise ValidationFailed(issues)
    user_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    now = timezone.now()
    written = 0
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=round.pk).first()
        locked = list(
            Evaluation.objects.select_for_update()
            .filter(pk__in=[e.pk for e in evaluations.values()])
            .order_by("pk")
        )
        if any(e.state not in EDITABLE_STATES for e in locked):
            raise NotEditable("导入期间有评价的状态已改变，请重新导入")
        existing: dict[tuple[int, str], tuple[int, Decimal | None, Decimal | None, int]] = {
            (ev_id, item): (pk, value, prev, version)
            for pk, ev_id, item, value, prev, version in DataValue.objects.filter(
                evaluation__in=locked
            ).values_list("pk", "evaluation_id", "item_code", "value", "prev_value", "version")
        }
        to_create: list[tuple[Any, ...]] = []
        to_update: list[tuple[Any, ...]] = []
        entries: list[dict[str, Any]] = []
        for code, ev in evaluations.items():
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for item in sorted(set(parsed[code]) | set(parsed_prev[code])):
                old = existing.get((ev.pk, item))
                new_value = parsed[code].get(item, old[1] if old else None)
                new_prev = parsed_prev[code].get(item, old[2] if old else None)
                if old is not None and (old[1], old[2]) == (new_value, new_prev):
                    continue
                if old is None:
                    to_create.append(
                        (
                            ev.pk,
                            item,
                            new_value,
                            new_prev,
                            source,
                            "",
                            source_document,
                            True,
                            "",
                            1,
                            user_id,
                            now,
                        )
                    )
                else:
                    before[item] = old[1]
                    to_update.append(
                        (
                            new_value,
                            new_prev,
                            source,
                            "",
                            source_document,
                            True,
                            old[3] + 1,
                            user_id,
                            now,
                            old[0],
                        )
                    )
                after[item] = new_value
            if after:
                written += len(after)
                entries.append(
                    {
                        "action": "value.import",
                        "obj": ev,
                        "region_code": ev.region.code,
                        "object_repr": f"{ev} · 导入 {len(after)} 项",
                        "before": before,
                        "after": after,
                    }
                )
        insert_many(
            DataValue,
            [
                "evaluation",
                "item_code",
                "value",
                "prev_value",
                "source",
                "source_sentence",
                "source_document",
                "confirmed",
                "note",
                "version",
                "updated_by",
                "updated_at",
            ],
            to_create,
        )
        update_many(
            DataValue,
            [
                "value",
                "prev_value",
                "source",
                "source_sentence",
                "source_document",
                "confirmed",
                "version",
                "updated_by",
                "updated_at",
            ],
            to_update,
        )
        record_many(actor=acting_user, entries=entries)
        scoring.rescore_round(round)
    return written


# ---------------------------------------------------------------- self-scores and review


def _score_row(ev: Evaluation, indicator_code: str) -> tuple[ItemScore, engine.Leaf]:
    info = engine.scheme_info(ev.round.scheme_version.yaml_text)
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
            changed_by=_who(row.reviewer) if who == "review" and row.reviewer else "他人",
            changed_at=row.updated_at,
        )


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
        ev = _lock(evaluation)
        _editable(acting_user, ev, Perm.FILL)
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
                engine.ItemSpec(indicator_code, leaf.name, "分", min=Decimal(0), max=points), score
            )
            if issues or parsed is None:
                raise ValidationFailed(issues or [Issue(indicator_code, "请填写自评得分")])
            value = parsed
        else:
            raise ActionError("请选择自评等级或填写自评得分")
        before = _score_snapshot(row) if row.pk else None
        row.self_level = level or ""
        row.self_score = value
        row.self_justification = clean_text(justification)
        row.version += 1
        row.save()
        scoring.refresh_final(row)
        record(
            actor=acting_user,
            action="score.self",
            obj=ev,
            object_repr=f"{ev} · {leaf.code} {leaf.name}",
            region_code=ev.region.code,
            before=before,
            after={"indicator": leaf.code, **_score_snapshot(row)},
        )
        scoring.rescore(ev)
        row.refresh_from_db()
        return row


def do_set_review(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    indicator_code: str,
    comment: str,
    expected_version: int | None,
    score: Any = None,
) -> ItemScore:
    """Record a reviewer's score (manual indicators) and comment; differences from the self-score are flagged."""
    with transaction.atomic():
        ev = _lock(evaluation)
        _require(acting_user, ev, Perm.REVIEW, Perm.MANAGE)
        if ev.state not in REVIEW_STATES:
            raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，不在审核中，不能评审打分")
        row, leaf = _score_row(ev, indicator_code)
        _check_version(row, expected_version, "review")
        value: Decimal | None = None
        if score is not None and score != "":
            if leaf.kind != "manual":
                raise ActionError(f"指标“{leaf.name}”由规则自动计分，评审只能填写意见")
            spec = engine.ItemSpec(indicator_code, leaf.name, "分", min=Decimal(0), max=leaf.points)
            value, issues = check_item(spec, score)
            if issues:
                raise ValidationFailed(issues)
        before = _score_snapshot(row) if row.pk else None
        row.review_score = value
        row.review_comment = clean_text(comment)
        row.reviewer = acting_user
        row.version += 1
        row.save()
        scoring.refresh_final(row)
        record(
            actor=acting_user,
            action="score.review",
            obj=ev,
            object_repr=f"{ev} · {leaf.code} {leaf.name}",
            region_code=ev.region.code,
            before=before,
            after={"indicator": leaf.code, **_score_snapshot(row)},
        )
        scoring.rescore(ev)
        row.refresh_from_db()
        return row
