"""REST endpoints of on-site inspection (a django-ninja Router, mounted under /api/v1/inspection).

Objects are reached through the scoping helper and changed only through the actions; refusals become the
API's usual statuses through its exception handlers (404 outside the scope, 403 not allowed, 400 a request that does not parse, 422 refused by an action — nothing
written). Plans, visits, their checklists and findings, and a visit's report reuse what the 督导 pages use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch
from django.http import HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import (
    Forbidden,
    NotFound,
    Perm,
    evaluations_for,
    get_inspection_draw_for,
    get_inspection_finding_for,
    get_inspection_visit_for,
    get_round_for,
    has_role,
    inspection_visits_for,
    is_admin,
)
from lvzhi.evidence import storage
from lvzhi.evidence.models import StoredFile
from lvzhi.inspections import actions, queries, risk
from lvzhi.inspections.figures import typed_number
from lvzhi.inspections.models import Draw, Finding, Plan, Visit
from lvzhi.rectification.models import Severity
from lvzhi.rectification.queries import today_in_shanghai
from lvzhi.site.action_errors import Issue, ValidationFailed
from lvzhi.site.downloads import download
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


# ------------------------------------------------------------------------------------------ plans and visits


class PlanIn(Schema):
    """A plan: its name, team and dates, the regions of a draw of the round (draw_id) and/or chosen ones."""

    name: str
    team: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    draw_id: int | None = None
    regions: list[str] = Field(default_factory=list)


class VisitOut(Schema):
    id: int
    plan_id: int
    region: str
    name: str
    drawn: bool
    findings: int


class PlanOut(Schema):
    id: int
    round_id: int
    name: str
    team: str
    starts_on: date
    ends_on: date
    draw_id: int | None
    visits: list[VisitOut]


class FigureOut(Schema):
    item: str
    label: str
    reported: str | None


class LineOut(Schema):
    indicator: str
    name: str
    verify: str
    figures: list[FigureOut]
    flags: list[str]


class FindingOut(Schema):
    id: int
    visit_id: int
    indicator_code: str
    item_code: str
    description: str
    reported_value: str | None
    verified_value: str | None
    verified_score: str | None
    tolerance: str | None
    flagged: bool
    photos: list[str]  # sha256 of each photo, in order
    problem_id: int | None
    created_at: datetime


class FindingIn(Schema):
    """A finding as form fields (multipart, with optional `photos`): numbers as text (e.g. "52.5")."""

    description: str
    indicator_code: str = ""
    item_code: str = ""
    verified_value: str = ""
    verified_score: str = ""
    tolerance: str = ""  # empty: the round's default tolerance
    raise_problem: bool = False
    required_measure: str = ""
    deadline: date | None = None
    severity: str = Severity.GENERAL


class CorrectionIn(Schema):
    """The corrected verified figure and score (empty or null clears one) and tolerance (empty keeps it)."""

    verified_value: str | None = None
    verified_score: str | None = None
    tolerance: str | None = None


def _s(v: Decimal | None) -> str | None:
    return None if v is None else format(v, "f")


def _number(text: str | None, code: str, what: str) -> Decimal | None:
    """A number typed as text (thousands separators allowed); empty is None; anything else refused in Chinese."""
    try:
        return typed_number(text)
    except ValueError as exc:
        raise ValidationFailed([Issue(code, f"{what}“{str(exc)[:40]}”不是数字")]) from None


def _visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "plan_id": v.plan_id,
        "region": v.evaluation.region.code,
        "name": v.evaluation.region.name,
        "drawn": v.drawn,
        "findings": v.n_findings if hasattr(v, "n_findings") else v.findings.count(),
    }


def _plan_out(plan: Plan, visits: Sequence[Visit]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "round_id": plan.round_id,
        "name": plan.name,
        "team": plan.team,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "draw_id": plan.draw_id,
        "visits": [_visit_out(v) for v in visits],
    }


def _finding_out(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "visit_id": f.visit_id,
        "indicator_code": f.indicator_code,
        "item_code": f.item_code,
        "description": f.description,
        "reported_value": _s(f.reported_value),
        "verified_value": _s(f.verified_value),
        "verified_score": _s(f.verified_score),
        "tolerance": _s(f.tolerance),
        "flagged": f.flagged,
        "photos": [p.sha256 for p in f.photos.order_by("pk")],
        "problem_id": f.problem_id,
        "created_at": f.created_at,
    }


def _plans_of(user: Any, round_id: int) -> list[dict[str, Any]]:
    """The round's plans with the visits the user may see (through the scoping helper)."""
    rnd = get_round_for(user, round_id)
    visits = (
        inspection_visits_for(user)
        .filter(plan__round=rnd)
        .annotate(n_findings=Count("findings"))
        .order_by("plan__starts_on", "plan_id", "evaluation__region__code")
    )
    by_plan: dict[int, list[Visit]] = {}
    for v in visits:
        by_plan.setdefault(v.plan_id, []).append(v)
    plans = Plan.objects.filter(pk__in=by_plan).order_by("starts_on", "pk")
    return [_plan_out(p, by_plan[p.pk]) for p in plans]


@router.post("/rounds/{round_id}/plans", response={201: PlanOut})
def create_plan(request: ApiRequest, round_id: int, body: PlanIn) -> Any:
    """制定督导计划：名称、督导组成员、起止日期，区划为一次抽取的结果（draw_id）和/或指定的区划代码。"""
    rnd = get_round_for(request.auth, round_id, Perm.MANAGE)
    draw = (
        get_inspection_draw_for(request.auth, body.draw_id, Perm.MANAGE) if body.draw_id is not None else None
    )
    plan = actions.do_create_plan(
        acting_user=request.auth,
        round=rnd,
        name=body.name,
        team=body.team,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        draw=draw,
        regions=body.regions,
    )
    visits = list(plan.visits.select_related("evaluation__region").annotate(n_findings=Count("findings")))
    return Status(201, _plan_out(plan, visits))


@router.get("/rounds/{round_id}/plans", response=list[PlanOut])
def round_plans(request: ApiRequest, round_id: int) -> Any:
    """轮次的督导计划及其督导区划（您可见的）。"""
    return _plans_of(request.auth, round_id)


@router.get("/visits/{visit_id}", response=VisitOut)
def get_visit(request: ApiRequest, visit_id: int) -> Any:
    """一个督导区划。"""
    return _visit_out(get_inspection_visit_for(request.auth, visit_id))


@router.get("/visits/{visit_id}/checklist", response=list[LineOut])
def visit_checklist(request: ApiRequest, visit_id: int) -> Any:
    """督导区划的核查清单：方案的各末级指标，本区划的重点（有风险信号的）在前。"""
    visit = get_inspection_visit_for(request.auth, visit_id)
    return [
        {
            "indicator": line.indicator,
            "name": line.name,
            "verify": line.verify,
            "figures": [{"item": f.item, "label": f.label, "reported": _s(f.reported)} for f in line.figures],
            "flags": list(line.flags),
        }
        for line in queries.checklist_for(visit)
    ]


@router.get("/visits/{visit_id}/findings", response=list[FindingOut])
def visit_findings(request: ApiRequest, visit_id: int) -> Any:
    """督导区划已记录的督导发现。"""
    visit = get_inspection_visit_for(request.auth, visit_id)
    found = visit.findings.prefetch_related(Prefetch("photos", StoredFile.objects.order_by("pk")))
    return [_finding_out(f) for f in found]


@router.post("/visits/{visit_id}/findings", response={201: FindingOut})
def record_finding(
    request: ApiRequest,
    visit_id: int,
    body: Form[FindingIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # optional upload
) -> Any:
    """记录督导发现（multipart 表单）：核查数值与填报数值比对（超出允许偏差即标记）、核查得分、现场照片
    （JPG/PNG），可同时登记整改问题（须填整改时限）。有任何错误则不写入任何内容。"""
    visit = get_inspection_visit_for(request.auth, visit_id, Perm.MANAGE)
    limit = storage.max_bytes()
    too_big = [f.name or "" for f in photos or () if (f.size or 0) > limit]
    if too_big:
        raise ValidationFailed(
            [Issue("photos", f"照片“{n}”超过上限 {limit / 1048576:.0f} MB") for n in too_big]
        )
    verified = _number(body.verified_value, "verified_value", "核查数值")
    tolerance = _number(body.tolerance, "tolerance", "允许偏差")
    finding = actions.do_record_finding(
        acting_user=request.auth,
        visit=visit,
        description=body.description,
        indicator_code=body.indicator_code,
        item_code=body.item_code,
        verified_value=verified,
        verified_score=body.verified_score,
        tolerance=tolerance
        if tolerance is not None
        else actions.settings_for(visit.plan.round).verified_tolerance,
        photos=[(f.name or "", f.read()) for f in photos or ()],
        raise_problem=body.raise_problem,
        required_measure=body.required_measure,
        deadline=body.deadline,
        severity=body.severity,
    )
    return Status(201, _finding_out(finding))


@router.post("/findings/{finding_id}/correct", response=FindingOut)
def correct_finding(request: ApiRequest, finding_id: int, body: CorrectionIn) -> Any:
    """更正督导发现的核查数值、核查得分或允许偏差；重新标记并重新计分。"""
    finding = get_inspection_finding_for(request.auth, finding_id)
    corrected = actions.do_correct_finding(
        acting_user=request.auth,
        finding=finding,
        verified_value=_number(body.verified_value, "verified_value", "核查数值"),
        verified_score=body.verified_score,
        tolerance=_number(body.tolerance, "tolerance", "允许偏差"),
    )
    return _finding_out(corrected)


@router.get("/visits/{visit_id}/report/{fmt}")
def visit_report(request: ApiRequest, visit_id: int, fmt: str) -> HttpResponse:
    """下载督导区划的实地督导情况报告（fmt 为 docx 或 pdf），与页面下载的是同一份报告。"""
    visit = get_inspection_visit_for(request.auth, visit_id)
    if fmt not in queries.REPORT_FORMATS:
        raise NotFound("报告格式（只能为 docx 或 pdf）")
    return download(*queries.report_file(visit, fmt, today_in_shanghai()))
