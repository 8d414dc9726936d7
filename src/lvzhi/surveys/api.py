"""REST endpoints of satisfaction surveys (a django-ninja Router mounted under /api/v1/surveys).

Objects are reached through the scoping helper and changed only through the surveys actions, so the API
has the pages' permissions: outside the scope → 404, visible but not allowed → 403, refused → 409/422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import File, Router, Schema
from ninja.files import UploadedFile

from lvzhi.accounts.scoping import Perm, get_survey_for, surveys_for
from lvzhi.entry.workbook import MAX_FILE_BYTES, WorkbookInvalid
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.site.action_errors import Issue
from lvzhi.site.request_types import ApiRequest
from lvzhi.surveys import actions, tally
from lvzhi.surveys.models import SurveyRegion
from lvzhi.surveys.stats import Rate

router = Router(tags=["满意度调查"])


class SurveyOut(Schema):
    id: int
    name: str
    round_id: int
    questionnaire_file: str
    opens_at: datetime
    closes_at: datetime
    margin: float
    statistic: str


class RateOut(Schema):
    n: int
    rate: float
    low: float
    high: float
    margin: float
    method: str = "Wilson 95%"


class GroupOut(Schema):
    code: str
    name: str
    quota: int
    links: int
    result: RateOut | None


class RegionOut(Schema):
    code: str
    name: str
    groups: list[GroupOut]
    total: RateOut | None


class SampleOut(Schema):
    n: int
    low: str  # the 95 % interval in the value's unit (%), exact decimals as text
    high: str
    level: int
    method: str


class FedOut(Schema):
    item_code: str
    value: str
    note: str
    sample: SampleOut | None = None  # what the value was measured on (DataValue.sample)


def _rate(rate: Rate | None) -> RateOut | None:
    if rate is None:
        return None
    return RateOut(n=rate.n, rate=rate.rate, low=rate.low, high=rate.high, margin=rate.margin)


def _survey_out(s: Any) -> SurveyOut:
    return SurveyOut(
        id=s.pk,
        name=s.name,
        round_id=s.round_id,
        questionnaire_file=s.questionnaire_file,
        opens_at=s.opens_at,
        closes_at=s.closes_at,
        margin=float(s.margin),
        statistic=s.statistic,
    )


@router.get("", response=list[SurveyOut])
def list_surveys(request: ApiRequest) -> Any:
    """Surveys the user may see."""
    return [_survey_out(s) for s in surveys_for(request.auth).order_by("pk")]


@router.get("/{int:survey_id}/results", response=list[RegionOut])
def survey_results(request: ApiRequest, survey_id: int) -> Any:
    """n, rate and Wilson 95 % interval per region (in the user's reach) and group."""
    survey = get_survey_for(request.auth, survey_id)
    return [
        RegionOut(
            code=r.region.code,
            name=r.region.name,
            groups=[
                GroupOut(code=g.code, name=g.name, quota=g.quota, links=g.links, result=_rate(g.rate))
                for g in r.groups
            ],
            total=_rate(r.total),
        )
        for r in tally.survey_results(survey, request.auth)
    ]


@router.post("/{int:survey_id}/import", response={201: dict[str, int]})
def import_responses(request: ApiRequest, survey_id: int, file: File[UploadedFile]) -> Any:
    """Import an .xlsx of responses (headers as the questionnaire's texts); all or nothing, errors as sheet!cell."""
    survey = get_survey_for(request.auth, survey_id, Perm.MANAGE)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise WorkbookInvalid([f"{file.name}: 文件超过 {MAX_FILE_BYTES // 1048576} MB"])
    n = actions.do_import_responses(
        acting_user=request.auth,
        survey=survey,
        data=file.read(),
        file_name=file.name or "答卷.xlsx",
        columns={},
    )
    return 201, {"imported": n}


@router.post("/{int:survey_id}/regions/{code}/feed", response=FedOut)
def feed_rate(request: ApiRequest, survey_id: int, code: str) -> Any:
    """Save the region's rate as its statistic with its sample (n and the Wilson 95 % interval, also in the
    note) and re-score it."""
    survey = get_survey_for(request.auth, survey_id, Perm.MANAGE)
    sr = SurveyRegion.objects.filter(survey=survey, region__code=code).select_related("region").first()
    if sr is None:
        raise ValidationFailed([Issue("code", f"区划 {code} 不在本次调查中")])
    dv = actions.do_feed_rate(acting_user=request.auth, survey=survey, region=sr.region)
    return FedOut(item_code=dv.item_code, value=str(dv.value), note=dv.note, sample=dv.sample)
