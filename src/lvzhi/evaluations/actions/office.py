"""The supervision office's year: activate a scheme version, open and close rounds by level, assign experts
in batches with 回避, grant deadline extensions, and the completeness gate before 已审核/已发布.

Like `lvzhi.evaluations.actions`, every `do_xxx(*, acting_user, ...)` re-checks permission through the
scoping helper and writes its audit record in its own transaction; the opening of a round itself and each
single assignment go through the existing actions, so nothing here duplicates their rules.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.accounts.scoping import Forbidden, Perm, office_regions, rounds_for
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions.rounds import (
    conflict_of_interest,
    do_assign_expert,
    do_open_round,
    home_regions,
    link_previous,
)
from lvzhi.evaluations.errors import ActionError, Issue, written_text
from lvzhi.evaluations.locks import lock_round
from lvzhi.evaluations.models import (
    DataValue,
    DeadlineExtension,
    Evaluation,
    ExpertAssignment,
    ItemScore,
    Round,
    SchemeVersion,
    State,
    unconfirmed_reason,
)
from lvzhi.regions.models import Level, Region

# The level choice of a round, as offered on the page and the CLI: 县 (counties), 市 (cities), all below.
# The levels a year's round evaluates, by the names the API and CLI take; "" is every region below the owner.
LEVEL_CHOICES = {"county": Level.COUNTY, "city": Level.CITY, "province": Level.PROVINCE, "all": ""}
# As the round-opening form offers them (省级 only to the national office: only the country has provinces below).
LEVEL_LABELS = {
    Level.COUNTY: "县级（各区县）",
    Level.CITY: "市级（各地市）",
    Level.PROVINCE: "省级（各省）",
    "": "全部下级",
}


def _manage_round(acting_user: Any, round: Round) -> None:
    if not rounds_for(acting_user, Perm.MANAGE).filter(pk=round.pk).exists():
        raise Forbidden(f"您没有管理评价轮次“{round}”的权限")


def _open(round: Round) -> None:
    if round.closed_at is not None:
        raise ActionError(f"评价轮次“{round}”已关闭，不能再修改")


# ---------------------------------------------------------------- scheme versions


def replaced_version(version: SchemeVersion) -> SchemeVersion | None:
    """The version this one replaces: the latest earlier version of the same scheme id."""
    return (
        SchemeVersion.objects.filter(scheme_id=version.scheme_id, version__lt=version.version)
        .order_by("-version")
        .first()
    )


# ---------------------------------------------------------------- rounds


def regions_at_level(owner_region: Region, level: str) -> list[Region]:
    """Active regions strictly below the owner at this level (县/市), or all of them when level is blank."""
    qs = Region.objects.filter(path__startswith=owner_region.path, active=True).exclude(pk=owner_region.pk)
    if level:
        qs = qs.filter(level=level)
    return list(qs.order_by("code"))


def round_name(owner_region: Region, year: int, level: str) -> str:
    """The default name of a round, as offices write it (e.g. 甲市2025年度县级政府履行教育职责评价)."""
    scopes: dict[str, str] = {Level.COUNTY: "县级", Level.CITY: "市级", Level.PROVINCE: "省级"}
    scope = scopes.get(level, "")
    return f"{owner_region.name}{year}年度{scope}政府履行教育职责评价"


@dataclass(frozen=True)
class Opened:
    round: Round
    created: bool  # a new round (False: an existing one of the same scheme, year and owner was completed)
    added: int  # evaluations added by this call


def do_open_year_round(
    *,
    acting_user: Any,
    scheme_version: SchemeVersion,
    year: int,
    owner_region: Region,
    level: str,
    fill_deadline: datetime | None = None,
    review_deadline: datetime | None = None,
    name: str = "",
) -> Opened:
    """Open the year's round for every region of a level under the owner; re-running adds only what is missing.

    Each evaluation is linked to the region's evaluation of the year before (the statistics of that year are
    read through the link).
    """
    if level not in LEVEL_CHOICES.values():
        raise ActionError(f"评价层级应为 县、市、省 或 全部，不是“{level}”")
    if not office_regions(acting_user).filter(pk=owner_region.pk).exists():
        raise Forbidden(f"只有{owner_region.name}的督导办可以以该单位名义开启评价轮次")
    targets = regions_at_level(owner_region, level)
    if not targets:
        raise ActionError(f"{owner_region.name}之下没有{level or ''}级区划可以评价")
    with transaction.atomic():
        existing = (
            Round.objects.select_for_update()
            .filter(scheme_version=scheme_version, year=year, owner_region=owner_region, level=level)
            .first()
        )
        if existing is None:
            rnd = do_open_round(
                acting_user=acting_user,
                scheme_version=scheme_version,
                year=year,
                name=name or round_name(owner_region, year, level),
                owner_region=owner_region,
                regions=targets,
                fill_deadline=fill_deadline,
                review_deadline=review_deadline,
            )
            Round.objects.filter(pk=rnd.pk).update(level=level)
            rnd.level = level
            return Opened(rnd, True, len(targets))
        _manage_round(acting_user, existing)
        _open(existing)
        have = set(existing.evaluations.values_list("region_id", flat=True))
        missing = [r for r in targets if r.pk not in have]
        if missing:
            Evaluation.objects.bulk_create([Evaluation(round=existing, region=r) for r in missing])
            if gateway.scheme_info(existing.scheme_version.yaml_text).has_rank:
                # New peers change who ranks where; the re-score also moves the round's stamp, so results
                # held by web processes (which lack the new evaluations) are rebuilt, not caught up.
                rescoring.rescore_round(existing)
            record(
                actor=acting_user,
                action="round.add_regions",
                obj=existing,
                region_code=owner_region.code,
                after={"regions": [r.code for r in missing]},
            )
        link_previous(existing.evaluations.filter(previous__isnull=True).select_related("round", "region"))
        return Opened(existing, False, len(missing))


def do_close_round(*, acting_user: Any, round: Round) -> Round:
    """关闭: the year is over; nothing in the round changes state any more."""
    _manage_round(acting_user, round)
    with transaction.atomic():
        rnd = lock_round(round)
        _open(rnd)
        rnd.closed_at = timezone.now()
        rnd.closed_by = acting_user_or_none(acting_user)
        rnd.save(update_fields=["closed_at", "closed_by"])
        record(
            actor=acting_user,
            action="round.close",
            obj=rnd,
            region_code=rnd.owner_region.code,
            before={"closed": False},
            after={"closed": True},
        )
        round.closed_at, round.closed_by = rnd.closed_at, rnd.closed_by
        return rnd


# ---------------------------------------------------------------- deadlines


def fill_deadlines(round: Round, evaluation_ids: Iterable[int] | None = None) -> dict[int, datetime | None]:
    """Per evaluation of the round, the moment after which it cannot submit: the round's 填报截止, or the
    latest extension granted to that region (one query for the whole round)."""
    ids = (
        list(evaluation_ids)
        if evaluation_ids is not None
        else list(Evaluation.objects.filter(round=round).values_list("pk", flat=True))
    )
    base = round.fill_deadline
    out: dict[int, datetime | None] = dict.fromkeys(ids, base)
    if base is None:
        return out
    extended = (
        DeadlineExtension.objects.filter(evaluation_id__in=ids)
        .values("evaluation_id")
        .annotate(m=Max("until"))
        .values_list("evaluation_id", "m")
    )
    for ev_id, until in extended:
        out[ev_id] = max(base, until)
    return out


def fill_deadline_of(evaluation: Evaluation) -> datetime | None:
    """The moment after which this region cannot submit (see fill_deadlines)."""
    return fill_deadlines(evaluation.round, [evaluation.pk])[evaluation.pk]


# States in which a region still owes its first submission: past the deadline they are overdue (逾期). A
# returned evaluation is corrected on the reviewers' time, not against the fill deadline.
OWING_STATES = frozenset({State.NOT_STARTED, State.FILLING})


def is_overdue(state: str, deadline: datetime | None, now: datetime | None = None) -> bool:
    """逾期: the region still owes its submission and its deadline has passed."""
    return state in OWING_STATES and deadline is not None and (now or timezone.now()) > deadline


def submission_closed(evaluation: Evaluation, now: datetime | None = None) -> str | None:
    """Why this evaluation may not be submitted now (its fill deadline has passed), else None."""
    deadline = fill_deadline_of(evaluation)
    if is_overdue(evaluation.state, deadline, now):
        assert deadline is not None
        when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
        return f"填报已于 {when} 截止，不能再提交；如需延期，请联系督导办"
    return None


def do_grant_extension(
    *, acting_user: Any, evaluation: Evaluation, until: datetime, reason: str
) -> DeadlineExtension:
    """延期: one region may submit until `until`, for a reason the office states."""
    _manage_round(acting_user, evaluation.round)
    _open(evaluation.round)
    reason = written_text(reason)
    if not reason:
        raise ActionError("延期必须填写原因")
    if evaluation.round.fill_deadline and until <= evaluation.round.fill_deadline:
        raise ActionError("延期截止时间必须晚于本轮填报截止时间")
    if until <= timezone.now():
        raise ActionError("延期截止时间必须晚于现在")
    with transaction.atomic():
        before = fill_deadline_of(evaluation)
        ext = DeadlineExtension.objects.create(
            evaluation=evaluation, until=until, reason=reason, granted_by=acting_user_or_none(acting_user)
        )
        record(
            actor=acting_user,
            action="evaluation.extend_deadline",
            obj=evaluation,
            region_code=evaluation.region.code,
            before={"fill_deadline": before},
            after={"fill_deadline": until, "reason": reason},
        )
        return ext


# ---------------------------------------------------------------- experts


def balanced_draw(
    experts: Sequence[User],
    regions: Sequence[Region],
    per_region: int,
    owner: Region,
    load: dict[int, int] | None = None,
    seed: int | None = None,
) -> list[tuple[Region, User]]:
    """A random draw of `per_region` experts for each region: never a conflicted one, the least loaded first.

    Regions with the fewest eligible experts are served first, so the scarce experts are not used up
    elsewhere. Raises ActionError naming the regions that cannot get enough experts.
    """
    rng = random.Random(seed)
    count = dict(load or {})
    homes = {e.pk: home_regions(e) for e in experts}
    eligible = {
        r.pk: [e for e in experts if not conflict_of_interest(e, r, owner, homes[e.pk])] for r in regions
    }
    order = list(regions)
    rng.shuffle(order)
    order.sort(key=lambda r: len(eligible[r.pk]))
    pairs: list[tuple[Region, User]] = []
    short: list[str] = []
    for region in order:
        pool = list(eligible[region.pk])
        rng.shuffle(pool)
        pool.sort(key=lambda e: count.get(e.pk, 0))
        chosen = pool[:per_region]
        if len(chosen) < per_region:
            short.append(region.name)
        for e in chosen:
            count[e.pk] = count.get(e.pk, 0) + 1
            pairs.append((region, e))
    if short:
        raise ActionError(
            f"以下区划没有足够的可回避专家（每地需 {per_region} 名）：{'、'.join(sorted(short))}"
        )
    return sorted(pairs, key=lambda p: (p[0].code, p[1].username))


@dataclass(frozen=True)
class BatchItem:
    label: str
    ok: bool
    message: str


def do_assign_experts(
    *, acting_user: Any, round: Round, pairs: Iterable[tuple[Region, User]]
) -> list[BatchItem]:
    """Assign experts in a batch, each pair through do_assign_expert, reported item by item."""
    _manage_round(acting_user, round)
    _open(round)
    out: list[BatchItem] = []
    for region, expert in pairs:
        label = f"{region.name} ← {expert.get_full_name()}"
        try:
            do_assign_expert(acting_user=acting_user, round=round, region=region, expert=expert)
        except (ActionError, Forbidden) as exc:
            out.append(BatchItem(label, False, str(exc)))
        else:
            out.append(BatchItem(label, True, "已分配"))
    return out


def expert_load(round: Round) -> dict[int, int]:
    """Assignments per expert in a round (the draw balances against it)."""
    out: dict[int, int] = {}
    for expert_id in ExpertAssignment.objects.filter(round=round).values_list("expert_id", flat=True):
        out[expert_id] = out.get(expert_id, 0) + 1
    return out


def experts_available_to(acting_user: Any, round: Round) -> list[User]:
    """Experts the office may assign: holders of the 专家 role filed in the round owner's subtree or above it."""
    owner = round.owner_region
    ancestors = [c for c in owner.path.strip("/").split("/") if c]
    # The country is above every region but in no path (its own path is the root): named by its level.
    q = Q(region__path__startswith=owner.path) | Q(region__code__in=ancestors) | Q(region__level=Level.NATION)
    ids = RoleAssignment.objects.filter(q, role=Role.EXPERT).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


# ---------------------------------------------------------------- the completeness gate


def completeness_gaps(evaluation: Evaluation) -> list[Issue]:
    """Every reason an evaluation may not be 已审核 or 已发布: unscored leaves, unconfirmed prefills, missing
    required evidence, no total or no grade. Empty when complete."""
    info = gateway.scheme_info(evaluation.round.scheme_version.yaml_text)
    gaps: list[Issue] = []
    scores = {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=evaluation)}
    section = {"indicators": "指标", "bonus": "加分项", "deductions": "扣分项"}
    for leaf in info.leaves:
        s = scores.get(leaf.code)
        if s is None or s.final_score is None:
            gaps.append(Issue(leaf.code, f"{section[leaf.section]} {leaf.code}“{leaf.name}”尚未得分"))
    cat = gateway.catalogue()
    for code, source in DataValue.objects.filter(evaluation=evaluation, confirmed=False).values_list(
        "item_code", "source"
    ):
        spec = cat.get(code)
        gaps.append(
            Issue(code, f"数据项“{spec.name if spec else code}”是{unconfirmed_reason(source)}，尚未确认")
        )
    evidence = rescoring.evidence_files([evaluation.pk])
    for leaf in info.leaves:
        if leaf.evidence_required and not evidence.get((evaluation.pk, leaf.code)):
            gaps.append(Issue(leaf.code, f"指标 {leaf.code}“{leaf.name}”缺少必需的佐证材料"))
    if evaluation.total is None:
        gaps.append(Issue("total", "总分尚未算出"))
    elif not evaluation.grade:
        gaps.append(Issue("grade", "总分没有对应的等次"))
    return gaps
