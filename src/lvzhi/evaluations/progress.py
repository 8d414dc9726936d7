"""A round's progress as an office sees it, drilled down province → city → county: counts per state,
overdue regions and the average total under each region — read once through the scoping helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations.actions.office import fill_deadlines, is_overdue
from lvzhi.evaluations.models import Evaluation, Round, State
from lvzhi.regions.models import Region

STATES = [str(s.value) for s in State]


@dataclass
class Row:
    region: Region
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    overdue: int = 0
    n: int = 0
    scored: int = 0
    total_sum: Decimal = Decimal(0)
    leaf: bool = False  # the row is one evaluated region (no further drill-down)

    @property
    def average(self) -> Decimal | None:
        return (self.total_sum / self.scored).quantize(Decimal("0.01")) if self.scored else None

    def add(self, state: str, total: Decimal | None, overdue: bool) -> None:
        self.counts[state] += 1
        self.n += 1
        self.overdue += overdue
        if total is not None:
            self.scored += 1
            self.total_sum += total


@dataclass
class Progress:
    node: Region
    trail: list[Region]  # from the round's owner down to the node, for the breadcrumb
    rows: list[Row]
    total: Row


@dataclass(frozen=True)
class _Ev:
    pk: int
    state: str
    total: Decimal | None
    code: str
    path: str


def _visible(user: Any, rnd: Round, under: Region | None = None) -> list[_Ev]:
    # Plain tuples, not model instances: a national round has thousands of rows and the page needs five fields.
    qs = scoping.evaluations_for(user, Perm.VIEW).filter(round=rnd)
    if under is not None:
        qs = qs.filter(region__path__startswith=under.path)  # a city's page reads its counties only
    fields = ("pk", "state", "total", "region__code", "region__path")
    return [_Ev(*row) for row in qs.select_related(None).values_list(*fields)]


def progress(user: Any, rnd: Round, under: Region | None = None, now: datetime | None = None) -> Progress:
    """Counts per state, overdue and average total, per region one level below `under` (default: the
    highest region the user sees in this round)."""
    evals = _visible(user, rnd, under)
    deadlines = fill_deadlines(rnd, [e.pk for e in evals])
    now = now or timezone.now()
    node = under or _top(user, rnd, evals)
    depth = node.path.count("/")
    child_codes: dict[str, str] = {}  # an evaluated region's code → the code of the child row it falls under
    for e in evals:
        if not e.path.startswith(node.path) or e.path == node.path:
            continue
        child_codes[e.code] = e.path.strip("/").split("/")[depth - 1]
    children = {r.code: r for r in Region.objects.filter(code__in=set(child_codes.values()))}
    rows = {code: Row(region) for code, region in children.items()}
    total = Row(node)
    for e in evals:
        code = child_codes.get(e.code)
        if code is None:
            continue
        late = is_overdue(e.state, deadlines.get(e.pk), now)
        rows[code].add(e.state, e.total, late)
        rows[code].leaf = rows[code].leaf or code == e.code
        total.add(e.state, e.total, late)
    trail = _trail(rnd.owner_region, node)
    return Progress(node, trail, sorted(rows.values(), key=lambda r: r.region.code), total)


def _top(user: Any, rnd: Round, evals: list[_Ev]) -> Region:
    """The round's owner if the user sees the whole round's subtree, else the deepest common region."""
    owner = rnd.owner_region
    if scoping.rounds_for(user, Perm.MANAGE).filter(pk=rnd.pk).exists() or scoping.is_admin(user):
        return owner
    paths = [e.path.strip("/").split("/") for e in evals]
    if not paths:
        return owner
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if len(common) == len(paths[0]) and len(paths) == 1:
        common = common[:-1]  # a single evaluated region: show it as a row under its parent
    region = Region.objects.filter(code=common[-1]).first() if common else None
    return region if region is not None and region.path.startswith(owner.path) else owner


def _trail(owner: Region, node: Region) -> list[Region]:
    codes = [c for c in node.path.strip("/").split("/") if c]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    start = owner.path.count("/") - 2
    return [regions[c] for c in codes[max(start, 0) :] if c in regions]


def evaluations_in(
    user: Any, rnd: Round, under: Region | None = None, state: str = "", overdue: bool = False
) -> list[tuple[Evaluation, datetime | None, bool]]:
    """The evaluations behind a count: (evaluation, its fill deadline, overdue), filtered like the count."""
    qs = (
        scoping.evaluations_for(user, Perm.VIEW)
        .filter(round=rnd)
        .select_related("region__parent")
        .defer("result", "return_reasons", "round__scheme_version__yaml_text")
        .order_by("region__code")
    )
    if under is not None:
        qs = qs.filter(region__path__startswith=under.path)
    if state:
        qs = qs.filter(state=state)
    evals = list(qs)
    deadlines = fill_deadlines(rnd, [e.pk for e in evals])
    now = timezone.now()
    out = [(e, deadlines.get(e.pk), is_overdue(e.state, deadlines.get(e.pk), now)) for e in evals]
    return [row for row in out if row[2]] if overdue else out
