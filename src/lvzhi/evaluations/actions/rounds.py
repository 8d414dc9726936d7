"""Rounds (open, rename, deadlines) and the experts assigned to review their regions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.accounts.scoping import Forbidden, Perm, office_regions, rounds_for
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations.actions.guards import UNSET
from lvzhi.evaluations.errors import ActionError
from lvzhi.evaluations.locks import lock_round
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round, SchemeVersion
from lvzhi.regions.models import Region


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
    if scheme_version.activated_at is None:
        raise ActionError(f"方案“{scheme_version}”尚未启用：请先预览、核对差异后启用")
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
            opened_by=acting_user_or_none(acting_user),
        )
        Evaluation.objects.bulk_create([Evaluation(round=rnd, region=r) for r in targets], batch_size=500)
        link_previous(rnd.evaluations.select_related("round", "region"))
        record(
            actor=acting_user,
            action="round.open",
            obj=rnd,
            region_code=owner_region.code,
            after={
                "name": rnd.name,
                "scheme": str(scheme_version),
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
        rnd = lock_round(round)
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
    if round.closed_at is not None:
        raise ActionError(f"评价轮次“{round}”已关闭，不能再分配专家")
    if conflict_of_interest(expert, region, round.owner_region):
        raise ActionError(f"回避：专家 {expert} 与{region.name}有隶属关系，不能评审该地区")
    with transaction.atomic():
        assignment, created = ExpertAssignment.objects.get_or_create(
            round=round,
            region=region,
            expert=expert,
            defaults={"assigned_by": acting_user_or_none(acting_user)},
        )
        if created:
            record(
                actor=acting_user,
                action="round.assign_expert",
                obj=assignment,
                object_repr=f"{round} · {region.name} · 专家 {expert.get_full_name()}",
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


# ---------------------------------------------------------------- links and 回避


def _predecessor_ids(region_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each region id: itself and every region whose code it carries on, nearest first (one query)."""
    from lvzhi.regions.models import RegionChange

    olds_of: dict[int, list[int]] = {}
    for old_id, new_id in RegionChange.objects.values_list("old_id", "new_id").order_by("pk"):
        olds_of.setdefault(new_id, []).append(old_id)
    out: dict[int, list[int]] = {}
    for rid in region_ids:
        chain, frontier = [rid], [rid]
        while frontier:
            frontier = [o for f in frontier for o in olds_of.get(f, []) if o not in chain]
            chain.extend(frontier)
        out[rid] = chain
    return out


def predecessors(region: Region) -> list[Region]:
    """The region and every region whose code it carries on (through recorded region changes), nearest first."""
    ids = _predecessor_ids([region.pk])[region.pk]
    found = {r.pk: r for r in Region.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def link_previous(evaluations: Iterable[Evaluation]) -> int:
    """Link each evaluation without one to its region's (or predecessor's) evaluation of the year before.

    A few queries for a whole round (a national one has thousands of evaluations), not a few per region.
    """
    todo = [ev for ev in evaluations if ev.previous_id is None]
    if not todo:
        return 0
    chains = _predecessor_ids({ev.region_id for ev in todo})
    years = {ev.round.year - 1 for ev in todo}
    all_regions = {rid for chain in chains.values() for rid in chain}
    latest: dict[tuple[int, int], int] = {}  # (region, year) → the evaluation of that year's latest round
    for pk, region_id, year in (
        Evaluation.objects.filter(region_id__in=all_regions, round__year__in=years)
        .order_by("round__created_at", "pk")
        .values_list("pk", "region_id", "round__year")
    ):
        latest[(region_id, year)] = pk
    linked: list[Evaluation] = []
    for ev in todo:
        earlier = next(
            (
                latest[(rid, ev.round.year - 1)]
                for rid in chains[ev.region_id]
                if (rid, ev.round.year - 1) in latest
            ),
            None,
        )
        if earlier is not None and earlier != ev.pk:
            ev.previous_id = earlier
            linked.append(ev)
    Evaluation.objects.bulk_update(linked, ["previous"], batch_size=500)
    return len(linked)


def home_regions(expert: User) -> list[Region]:
    """The regions an expert belongs to (where any of the expert's roles is filed)."""
    return [
        ra.region
        for ra in RoleAssignment.objects.filter(user=expert, region__isnull=False).select_related("region")
        if ra.region is not None
    ]


def conflict_of_interest(
    expert: User, region: Region, owner: Region, homes: Sequence[Region] | None = None
) -> bool:
    """回避: an expert never reviews a region it belongs to, nor one inside the city it belongs to.

    An expert filed at the round's organising region (or above it) belongs to the organiser's pool and may
    review any region of the round; one filed lower is local to its subtree.
    """
    for h in homes if homes is not None else home_regions(expert):
        related = h.path.startswith(region.path) or region.path.startswith(h.path)
        if related and not owner.path.startswith(h.path):
            return True
    return False
