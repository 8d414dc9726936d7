"""REST endpoints of on-site inspection (a django-ninja Router, mounted under /api/v1/inspection).

Objects are reached through the scoping helper and changed only through the actions; refusals become the
API's usual statuses through its exception handlers (404 outside the scope, 403 not allowed, 422 invalid).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Router, Schema

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import (
    Forbidden,
    Perm,
    evaluations_for,
    get_inspection_draw_for,
    get_round_for,
    has_role,
    is_admin,
)
from lvzhi.inspections import actions, queries, risk
from lvzhi.inspections.models import Draw
from lvzhi.site.request_types import ApiRequest

router = Router(tags=["实地督导"])


class ReasonOut(Schema):
    code: str
    points: Decimal
    text: str


class RiskOut(Schema):
    region: str
    name: str
    stratum: str
    score: Decimal
    reasons: list[ReasonOut]


class DrawIn(Schema):
    n: int
    seed: int | None = None


class DrawOut(Schema):
    id: int
    round_id: int
    n: int
    seed: int
    floor: Decimal
    drawn: list[str]
    quotas: list[list[Any]]
    candidates: list[dict[str, Any]]
    risk_settings: dict[str, Any]
    created_at: datetime
    rerun_matches: bool
    # Every candidate's probability of being drawn under the draw's design and how it was found (exact, or
    # simulated: runs and 95 % half-width); inclusion_matches: whether a re-computation gives the same.
    inclusion: dict[str, Any]
    inclusion_matches: bool | None


class SettingOut(Schema):
    name: str
    label: str
    value: str
    default: str


class SettingsIn(Schema):
    """Knobs to change (name → number); knobs not given keep their value."""

    values: dict[str, str | int | float]


class CredibilityOut(Schema):
    region: str
    name: str
    year: int
    compared: int
    over: int
    rate: Decimal | None
    mean_deviation: Decimal | None
    overstated: int
    checked: int
    trend: str


def _settings_out(current: risk.RiskSettings) -> list[dict[str, str]]:
    values, defaults = current.as_dict(), risk.DEFAULT_SETTINGS.as_dict()
    return [
        {"name": s.name, "label": s.label, "value": str(values[s.name]), "default": str(defaults[s.name])}
        for s in risk.SETTING_SPECS
    ]


def _draw_out(d: Draw) -> dict[str, Any]:
    again = actions.rerun_inclusion(d)
    return {
        "id": d.pk,
        "round_id": d.round_id,
        "n": d.n,
        "seed": d.seed,
        "floor": d.floor,
        "drawn": d.drawn,
        "quotas": d.quotas,
        "candidates": d.candidates,
        "risk_settings": d.risk_settings,
        "created_at": d.created_at,
        "rerun_matches": list(actions.rerun(d).drawn) == list(d.drawn),
        "inclusion": d.inclusion or again.as_dict(),
        "inclusion_matches": actions.inclusion_matches(d, again),
    }


@router.get("/rounds/{round_id}/risk", response=list[RiskOut])
def round_risk(request: ApiRequest, round_id: int) -> Any:
    """轮次内各区划的风险分及原因，从高到低（须为管理该轮次的督导办）。"""
    rnd = get_round_for(request.auth, round_id, Perm.MANAGE)
    return actions.risk_list(rnd)


@router.get("/rounds/{round_id}/risk-settings", response=list[SettingOut])
def get_risk_settings(request: ApiRequest, round_id: int) -> Any:
    """轮次的风险参数（同比跳变阈值、末位数字检验最小样本量、各类原因计分、基础权重、核查默认允许偏差）。"""
    rnd = get_round_for(request.auth, round_id, Perm.MANAGE)
    return _settings_out(actions.settings_for(rnd))


@router.put("/rounds/{round_id}/risk-settings", response=list[SettingOut])
def set_risk_settings(request: ApiRequest, round_id: int, body: SettingsIn) -> Any:
    """修改轮次的风险参数（只改给出的参数；有任何错误则全部不改，返回 422 与中文说明）。"""
    rnd = get_round_for(request.auth, round_id, Perm.MANAGE)
    return _settings_out(actions.do_set_settings(acting_user=request.auth, round=rnd, values=body.values))


@router.post("/rounds/{round_id}/draws", response={201: DrawOut})
def round_draw(request: ApiRequest, round_id: int, body: DrawIn) -> Any:
    """按风险与随机相结合抽取 n 个区划；种子与输入存档，可复核。"""
    rnd = get_round_for(request.auth, round_id, Perm.MANAGE)
    return 201, _draw_out(actions.do_draw(acting_user=request.auth, round=rnd, n=body.n, seed=body.seed))


@router.get("/draws/{draw_id}", response=DrawOut)
def get_draw(request: ApiRequest, draw_id: int) -> Any:
    """一次抽取：种子、输入、结果，以及按存档重新抽取是否一致。"""
    return _draw_out(get_inspection_draw_for(request.auth, draw_id))


@router.get("/credibility", response=list[CredibilityOut])
def credibility(request: ApiRequest) -> Any:
    """您范围内各区划各年度的自评可信度（督导办与评审专家）。"""
    if not (is_admin(request.auth) or has_role(request.auth, Role.OFFICE, Role.EXPERT)):
        raise Forbidden("自评可信度仅向督导办和评审专家显示")
    return queries.credibility_table(evaluations_for(request.auth))
