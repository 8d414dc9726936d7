"""Every change of the inspection app: one function each, taking the acting user, one transaction, audited."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction

from lvzhi.accounts.scoping import Perm, get_round_for
from lvzhi.audit.services import record
from lvzhi.evaluations.models import Round
from lvzhi.inspections import risk
from lvzhi.inspections.models import Draw
from lvzhi.inspections.queries import region_facts
from lvzhi.site.action_errors import Issue, ValidationFailed

# Seeds stay below 2**63 so they fit PostgreSQL's bigint.
SEED_LIMIT = 2**63


def risk_list(round: Round, settings: risk.RiskSettings = risk.DEFAULT_SETTINGS) -> list[risk.Risk]:
    """The round's regions by risk, highest first, each with its reasons (nothing is written)."""
    return risk.assess(region_facts(round), settings)


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


def rerun(draw: Draw) -> risk.Draw:
    """Draw again from the stored seed and inputs: anyone may check that the stored result follows from them."""
    floor = draw.floor if draw.floor is not None else Decimal(0)
    return risk.draw(candidates_of(draw), draw.n, draw.seed, floor)


def do_draw(
    *,
    acting_user: Any,
    round: Round,
    n: int,
    seed: int | None = None,
    floor: Decimal = Decimal(10),
    settings: risk.RiskSettings = risk.DEFAULT_SETTINGS,
) -> Draw:
    """Draw n of the round's regions to inspect, by risk and chance; stores seed, inputs and result, audited."""
    round = get_round_for(acting_user, round.pk, Perm.MANAGE)
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    if not 0 <= seed < SEED_LIMIT:
        raise ValidationFailed([Issue("seed", f"随机种子应为 0 到 {SEED_LIMIT - 1} 之间的整数，收到 {seed}")])
    risks = risk_list(round, settings)
    try:
        result = risk.draw([risk.Candidate(r.region, r.stratum, r.score) for r in risks], n, seed, floor)
    except risk.DrawError as exc:
        raise ValidationFailed([Issue(exc.field, str(exc))]) from None
    with transaction.atomic():
        draw = Draw.objects.create(
            round=round,
            n=n,
            seed=seed,
            floor=floor,
            risk_settings=settings.as_dict(),
            candidates=[_stored(r) for r in risks],
            quotas=[[s, q] for s, q in result.quotas],
            drawn=list(result.drawn),
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
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
                "floor": str(floor),
                "drawn": "、".join(f"{names[c]}（{c}）" for c in result.drawn),
            },
        )
    return draw
