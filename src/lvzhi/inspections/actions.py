"""Every change of the inspection app: one function each, taking the acting user, one transaction, audited."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from lvzhi.accounts.scoping import Perm, get_inspection_visit_for, get_round_for
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.locks import lock_evaluation
from lvzhi.evaluations.models import DataValue, Evaluation, Round
from lvzhi.evaluations.validation import check_item
from lvzhi.evidence import storage
from lvzhi.evidence.models import StoredFile
from lvzhi.inspections import risk
from lvzhi.inspections.figures import differs
from lvzhi.inspections.models import Draw, Finding, Plan, SelectionSettings, Visit
from lvzhi.inspections.queries import region_facts
from lvzhi.rectification import actions as ra
from lvzhi.rectification.models import ProblemSource, Severity
from lvzhi.site.action_errors import Issue, ValidationFailed, clean_text

# Seeds stay below 2**63 so they fit PostgreSQL's bigint.
SEED_LIMIT = 2**63


def settings_for(round: Round) -> risk.RiskSettings:
    """The round's risk settings as the office set them (the platform's defaults for knobs never set)."""
    stored = SelectionSettings.objects.filter(round=round).values_list("values", flat=True).first()
    return risk.RiskSettings.from_dict(stored or {})


def do_set_settings(*, acting_user: Any, round: Round, values: Mapping[str, object]) -> risk.RiskSettings:
    """Change some of the round's risk settings (knob → number or text); all or nothing, audited. Draws made
    before keep the settings they used (stored with each draw)."""
    round = get_round_for(acting_user, round.pk, Perm.MANAGE)
    before = settings_for(round)
    after, problems = risk.parse_settings(values, before)
    if problems:
        raise ValidationFailed([Issue(name, message) for name, message in problems])
    labels = {s.name: s.label for s in risk.SETTING_SPECS}
    old, new = before.as_dict(), after.as_dict()
    changed = [k for k in new if str(new[k]) != str(old[k])]
    if not changed:
        return before
    with transaction.atomic():
        SelectionSettings.objects.update_or_create(
            round=round, defaults={"values": new, "updated_by": acting_user_or_none(acting_user)}
        )
        record(
            actor=acting_user,
            action="inspection.settings",
            obj=round,
            object_repr=str(round),
            region_code=round.owner_region.code,
            before={labels[k]: str(old[k]) for k in changed},
            after={labels[k]: str(new[k]) for k in changed},
        )
    return after


def risk_list(round: Round, settings: risk.RiskSettings | None = None) -> list[risk.Risk]:
    """The round's regions by risk, highest first, each with its reasons (nothing is written); by the
    round's settings unless others are given."""
    return risk.assess(region_facts(round), settings if settings is not None else settings_for(round))


def _stored(r: risk.Risk) -> dict[str, Any]:
    return {
        "region": r.region,
        "name": r.name,
        "stratum": r.stratum,
        "risk": str(r.score),
        "reasons": [{"code": x.code, "points": str(x.points), "text": x.text} for x in r.reasons],
    }


def candidates_of(draw: Draw) -> list[risk.Candidate]:
    """The stored inputs of a draw, as the draw engine reads them."""
    return [risk.Candidate(c["region"], c["stratum"], Decimal(c["risk"])) for c in draw.candidates]


def settings_of(draw: Draw) -> risk.RiskSettings:
    """The settings a draw was made with (stored with it), whatever the round's settings are today."""
    return risk.RiskSettings.from_dict(draw.risk_settings or {})


def rerun(draw: Draw) -> risk.Draw:
    """Draw again from the stored seed and inputs: anyone may check that the stored result follows from them."""
    floor = draw.floor if draw.floor is not None else Decimal(0)
    return risk.draw(candidates_of(draw), draw.n, draw.seed, floor)


def rerun_inclusion(draw: Draw) -> risk.Inclusion:
    """Every candidate's probability of being drawn, recomputed from the draw's stored inputs, its floor and
    its stored simulation seed (the draw's seed for draws stored before the seed was)."""
    floor = draw.floor if draw.floor is not None else Decimal(0)
    seed = int((draw.inclusion or {}).get("simulation_seed", draw.seed))
    return risk.inclusion(candidates_of(draw), draw.n, floor, seed)


def inclusion_matches(draw: Draw, again: risk.Inclusion) -> bool | None:
    """Whether recomputed probabilities are the stored ones; None for a draw stored without them."""
    if not draw.inclusion:
        return None
    stored: dict[str, str] = dict(draw.inclusion.get("probabilities", {}))
    return bool(stored == again.as_dict()["probabilities"])


def do_draw(*, acting_user: Any, round: Round, n: int, seed: int | None = None) -> Draw:
    """Draw n of the round's regions to inspect, by risk and chance, with the round's risk settings; stores
    seed, settings, inputs, result and every region's probability of being drawn, audited."""
    round = get_round_for(acting_user, round.pk, Perm.MANAGE)
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    if not 0 <= seed < SEED_LIMIT:
        raise ValidationFailed([Issue("seed", f"随机种子应为 0 到 {SEED_LIMIT - 1} 之间的整数，收到 {seed}")])
    settings = settings_for(round)
    risks = risk_list(round, settings)
    candidates = [risk.Candidate(r.region, r.stratum, r.score) for r in risks]
    try:
        result = risk.draw(candidates, n, seed, settings.floor)
    except risk.DrawError as exc:
        raise ValidationFailed([Issue(exc.field, str(exc))]) from None
    chances = risk.inclusion(candidates, n, settings.floor, seed)
    with transaction.atomic():
        draw = Draw.objects.create(
            round=round,
            n=n,
            seed=seed,
            floor=settings.floor,
            risk_settings=settings.as_dict(),
            candidates=[_stored(r) for r in risks],
            quotas=[[s, q] for s, q in result.quotas],
            drawn=list(result.drawn),
            inclusion=chances.as_dict(),
            created_by=acting_user_or_none(acting_user),
        )
        names = {r.region: r.name for r in risks}
        record(
            actor=acting_user,
            action="inspection.draw",
            obj=draw,
            object_repr=str(draw),
            region_code=round.owner_region.code,
            after={
                "seed": str(seed),
                "n": n,
                "floor": str(settings.floor),
                "drawn": "、".join(f"{names[c]}（{c}）" for c in result.drawn),
            },
        )
    return draw


# ------------------------------------------------------------------------------------------ plans


def do_create_plan(
    *,
    acting_user: Any,
    round: Round,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    team: str = "",
    draw: Draw | None = None,
    regions: Sequence[str] = (),
) -> Plan:
    """An inspection plan of the round: its team and dates, the regions of a draw and any chosen ones."""
    round = get_round_for(acting_user, round.pk, Perm.MANAGE)
    issues: list[Issue] = []
    name = clean_text(name or "")
    if not name:
        issues.append(Issue("name", "请填写督导计划名称"))
    if starts_on is None or ends_on is None:
        issues.append(Issue("starts_on", "请填写督导的开始和结束日期（例如 2025-06-30）"))
    elif ends_on < starts_on:
        issues.append(
            Issue("ends_on", f"结束日期 {ends_on.isoformat()} 早于开始日期 {starts_on.isoformat()}")
        )
    if draw is not None and draw.round_id != round.pk:
        issues.append(Issue("draw", f"抽取#{draw.pk} 不属于评价轮次“{round}”"))
    drawn = set(draw.drawn) if draw is not None else set()
    wanted = drawn | {str(c).strip() for c in regions if str(c).strip()}
    evaluations = {e.region.code: e for e in round.evaluations.select_related("region")}
    unknown = sorted(wanted - set(evaluations))
    if unknown:
        issues.append(Issue("regions", f"评价轮次“{round}”中没有这些区划：{'、'.join(unknown)}"))
    if not wanted:
        issues.append(Issue("regions", "请选择至少一个督导区划（抽取或指定）"))
    if issues or starts_on is None or ends_on is None:
        raise ValidationFailed(issues)
    with transaction.atomic():
        plan = Plan.objects.create(
            round=round,
            name=name,
            team=clean_text(team or ""),
            starts_on=starts_on,
            ends_on=ends_on,
            draw=draw,
            created_by=acting_user_or_none(acting_user),
        )
        Visit.objects.bulk_create(
            Visit(plan=plan, evaluation=evaluations[code], drawn=code in drawn) for code in sorted(wanted)
        )
        record(
            actor=acting_user,
            action="inspection.plan",
            obj=plan,
            object_repr=str(plan),
            region_code=round.owner_region.code,
            after={
                "team": plan.team,
                "dates": f"{starts_on.isoformat()} 至 {ends_on.isoformat()}",
                "regions": "、".join(f"{evaluations[c].region.name}（{c}）" for c in sorted(wanted)),
            },
        )
    return plan


# ------------------------------------------------------------------------------------------ findings

PHOTO_KINDS = ("jpg", "png")
MAX_PHOTOS = 10  # photos of one finding
Upload = tuple[str, bytes]


def checked_score(ev: Evaluation, indicator_code: str, raw: Any) -> tuple[Decimal | None, list[Issue]]:
    """An inspector's verified score of a leaf, parsed and checked against the leaf's points (0…points);
    the issues say in Chinese why it is refused."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, []
    leaf = next(
        (
            lf
            for lf in gateway.scheme_info(ev.round.scheme_version.yaml_text).leaves
            if lf.code == indicator_code and lf.section == "indicators"
        ),
        None,
    )
    if leaf is None:
        what = (
            f"方案中没有代码为 {indicator_code} 的末级指标"
            if indicator_code
            else "填写了核查得分，请选择对应的指标"
        )
        return None, [Issue("verified_score", what)]
    points = leaf.points if leaf.points is not None else Decimal(0)
    value, issues = check_item(
        gateway.DataItem("verified_score", f"{leaf.name}的核查得分", "分", min=Decimal(0), max=points), raw
    )
    return (None if issues else value), issues


def do_record_finding(
    *,
    acting_user: Any,
    visit: Visit,
    description: str,
    indicator_code: str = "",
    item_code: str = "",
    verified_value: Decimal | None = None,
    verified_score: Any = None,
    tolerance: Decimal = Decimal(0),
    photos: Sequence[Upload] = (),
    raise_problem: bool = False,
    required_measure: str = "",
    deadline: date | None = None,
    severity: str = Severity.GENERAL,
) -> Finding:
    """Record what an inspector found in a visit: the verified figure beside the reported one (a difference
    beyond the tolerance is flagged), the inspector's verified score of the indicator (核查得分, within its
    points), photos as content-hashed evidence and, when asked, a problem in the rectification ledger
    (source 实地检查) — all in one transaction. A verified figure or score re-scores the evaluation: its
    `verified` score layer changed (lvzhi.evaluations.rescoring)."""
    visit = get_inspection_visit_for(acting_user, visit.pk, Perm.MANAGE)
    ev = visit.evaluation
    issues: list[Issue] = []
    description = clean_text(description or "")
    if not description:
        issues.append(Issue("description", "请填写督导发现"))
    indicator_code = (indicator_code or "").strip()
    score, score_issues = checked_score(ev, indicator_code, verified_score)
    issues += score_issues
    reported: Decimal | None = None
    item_code = (item_code or "").strip()
    if verified_value is not None:
        if not item_code:
            issues.append(Issue("item_code", "填写了核查数值，请选择对应的数据项"))
        else:
            row = DataValue.objects.filter(evaluation=ev, item_code=item_code).first()
            if row is None or row.value is None:
                issues.append(Issue("item_code", f"“{ev}”没有填报数据项 {item_code}，无从比对"))
            else:
                reported = row.value
    if raise_problem and not isinstance(deadline, date):
        issues.append(Issue("deadline", "登记整改问题需填写整改时限（例如 2025-06-30）"))
    if tolerance < 0:
        issues.append(Issue("tolerance", "允许偏差不能为负数"))
    if len(photos) > MAX_PHOTOS:
        issues.append(Issue("photos", f"一条督导发现最多附 {MAX_PHOTOS} 张照片，收到 {len(photos)} 张"))
    checked: list[tuple[str, bytes, str]] = []
    for i, (photo_name, content) in enumerate(photos, start=1):
        photo_name = (photo_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
        try:
            kind = storage.check_upload(photo_name, content)
        except storage.FileRefused as exc:
            issues.append(Issue(f"photos[{i}]", str(exc)))
            continue
        if kind not in PHOTO_KINDS:
            issues.append(Issue(f"photos[{i}]", f"照片“{photo_name}”应为 JPG 或 PNG 图片"))
            continue
        checked.append((photo_name, content, kind))
    if issues:
        raise ValidationFailed(issues)
    flagged = (
        reported is not None and verified_value is not None and differs(reported, verified_value, tolerance)
    )
    # Content-addressed files are written before the transaction (as the evidence app does): a refused
    # action leaves at most an unreferenced file, never a row.
    stored = [(storage.store(content), len(content), kind) for _, content, kind in checked]
    with transaction.atomic():
        # The evaluation domain's lock order (round → evaluation → rows → audit): the finding re-scores.
        locked = lock_evaluation(ev)
        finding = Finding.objects.create(
            visit=visit,
            indicator_code=indicator_code,
            item_code=item_code,
            description=description,
            reported_value=reported,
            verified_value=verified_value,
            verified_score=score,
            tolerance=tolerance,
            flagged=flagged,
            created_by=acting_user_or_none(acting_user),
        )
        if verified_value is not None or score is not None:
            rescoring.rescore(locked)
        for digest, size, kind in stored:
            file, _ = StoredFile.objects.get_or_create(sha256=digest, defaults={"size": size, "kind": kind})
            finding.photos.add(file)
        if raise_problem and deadline is not None:
            figure = (
                f"（填报 {reported}，核查 {verified_value}）"
                if reported is not None and verified_value is not None
                else ""
            )
            finding.problem = ra.do_raise_problem(
                acting_user=acting_user,
                evaluation=ev,
                source=ProblemSource.FIELD_INSPECTION,
                description=description + figure,
                required_measure=required_measure,
                deadline=deadline,
                indicator_code=finding.indicator_code,
                severity=severity,
                evidence_ref=f"{visit.plan} 督导发现#{finding.pk}",
            )
            finding.save(update_fields=["problem"])
        record(
            actor=acting_user,
            action="inspection.finding",
            obj=finding,
            object_repr=f"{ev} · {finding}",
            region_code=ev.region.code,
            after={
                "item": item_code,
                "reported": "" if reported is None else str(reported),
                "verified": "" if verified_value is None else str(verified_value),
                "verified_score": "" if score is None else str(score),
                "flagged": "超出允许偏差" if flagged else "",
                "photos": len(stored),
                "problem": str(finding.problem) if finding.problem else "",
            },
        )
    return finding


def do_correct_finding(
    *,
    acting_user: Any,
    finding: Finding,
    verified_value: Decimal | None,
    verified_score: Any = None,
    tolerance: Decimal | None = None,
) -> Finding:
    """Correct what a finding verified: its verified figure and verified score (None or empty clears one)
    and the tolerance; the figure is flagged anew and the evaluation re-scored, audited, in one transaction."""
    visit = get_inspection_visit_for(acting_user, finding.visit_id, Perm.MANAGE)
    ev = visit.evaluation
    current = Finding.objects.get(pk=finding.pk, visit=visit)
    issues: list[Issue] = []
    score, score_issues = checked_score(ev, current.indicator_code, verified_score)
    issues += score_issues
    if verified_value is not None and current.reported_value is None:
        issues.append(Issue("verified", "该督导发现没有可比对的填报数值，不能填写核查数值"))
    tolerance = current.tolerance if tolerance is None else tolerance
    if tolerance is not None and tolerance < 0:
        issues.append(Issue("tolerance", "允许偏差不能为负数"))
    if issues:
        raise ValidationFailed(issues)
    tolerance = tolerance if tolerance is not None else Decimal(0)
    with transaction.atomic():
        locked = lock_evaluation(ev)
        row = Finding.objects.select_for_update().get(pk=current.pk)
        before = _verified_snapshot(row)
        row.verified_value = verified_value
        row.verified_score = score
        row.tolerance = tolerance
        row.flagged = (
            row.reported_value is not None
            and verified_value is not None
            and differs(row.reported_value, verified_value, tolerance)
        )
        row.save(update_fields=["verified_value", "verified_score", "tolerance", "flagged"])
        rescoring.rescore(locked)
        record(
            actor=acting_user,
            action="inspection.finding.correct",
            obj=row,
            object_repr=f"{ev} · {row}",
            region_code=ev.region.code,
            before=before,
            after=_verified_snapshot(row),
        )
    return row


def _verified_snapshot(f: Finding) -> dict[str, Any]:
    return {
        "verified": "" if f.verified_value is None else str(f.verified_value),
        "verified_score": "" if f.verified_score is None else str(f.verified_score),
        "tolerance": str(f.tolerance) if f.tolerance is not None else "",
        "flagged": "超出允许偏差" if f.flagged else "",
    }
