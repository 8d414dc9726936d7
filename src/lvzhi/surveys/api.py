"""REST endpoints of satisfaction surveys (a django-ninja Router mounted under /api/v1/surveys).

Objects are reached through the scoping helper and changed only through the surveys actions, so the API
has the pages' permissions: outside the scope → 404, visible but not allowed → 403, a request that does not
parse → 400, refused by an action → 409/422 (nothing written). Opening a survey takes a shipped or an uploaded
questionnaire (lvzhi.surveys.library decides what a reference names).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from lvzhi.accounts.scoping import Forbidden, Perm, get_round_for, get_survey_for, rounds_for, surveys_for
from lvzhi.entry.workbook import MAX_FILE_BYTES, WorkbookInvalid
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import Evaluation
from lvzhi.regions.models import Region
from lvzhi.site.action_errors import Issue
from lvzhi.site.request_types import ApiRequest
from lvzhi.surveys import actions, library, tally
from lvzhi.surveys.models import QuestionnaireVersion, ResponseToken, SurveyRegion
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


# ------------------------------------------------------------------------------------------ questionnaires


class QuestionnaireOut(Schema):
    reference: str  # what `questionnaire` takes when opening a survey
    label: str
    file_name: str


class UploadedOut(Schema):
    id: int
    code: str
    version: int
    name: str
    file_name: str
    reference: str  # CODE@VERSION, what `questionnaire` takes when opening a survey


class OpenIn(Schema):
    """A survey of regions of a round (all of them when `regions` is empty), with a questionnaire named by
    reference: a shipped file's name, CODE (its latest uploaded version) or CODE@VERSION; times in Beijing
    time unless they carry an offset; margin in percentage points (95 %); links per group (default: quota)."""

    round_id: int
    name: str
    questionnaire: str
    opens_at: datetime
    closes_at: datetime
    margin: str = "5"
    regions: list[str] = Field(default_factory=list)
    links: int | None = None


class LinksIn(Schema):
    group: str  # the group's code or name as the questionnaire gives it (parent, 家长 …)
    count: int


class LinksOut(Schema):
    region: str
    group: str
    added: int
    unused: int  # unused links of the region's group now


def _may_open(user: Any) -> None:
    if not rounds_for(user, Perm.MANAGE).exists():
        raise Forbidden("只有可以开启满意度调查的督导办可以查看和上传调查问卷")


@router.get("/questionnaires", response=list[QuestionnaireOut])
def list_questionnaires(request: ApiRequest) -> Any:
    """可用于开启调查的问卷：平台内置的和各督导办上传的（最新在前）。"""
    _may_open(request.auth)
    return [
        QuestionnaireOut(
            reference=c.value if not c.value.startswith(library.UPLOADED) else _reference_of(c.value),
            label=c.label,
            file_name=c.file_name,
        )
        for c in library.choices()
    ]


def _reference_of(value: str) -> str:
    q = QuestionnaireVersion.objects.get(pk=int(value.removeprefix(library.UPLOADED)))
    return f"{q.code}@{q.version}"


@router.post("/questionnaires", response={201: UploadedOut})
def upload_questionnaire(request: ApiRequest, file: File[UploadedFile]) -> Any:
    """上传问卷文件（YAML）：先由问卷加载器检查，有错误则指明 文件:行 且不保存；保存为该问卷的新版本。"""
    data = file.read(actions.MAX_QUESTIONNAIRE_BYTES + 1)
    stored = actions.do_upload_questionnaire(
        acting_user=request.auth, file_name=file.name or "问卷.yaml", data=data
    )
    return Status(
        201,
        UploadedOut(
            id=stored.pk,
            code=stored.code,
            version=stored.version,
            name=stored.name,
            file_name=stored.file_name,
            reference=f"{stored.code}@{stored.version}",
        ),
    )


@router.post("", response={201: SurveyOut})
def open_survey(request: ApiRequest, body: OpenIn) -> Any:
    """开启满意度调查：为所选区划的每类调查对象生成答卷链接（默认为允许误差所需的样本量）。"""
    rnd = get_round_for(request.auth, body.round_id, Perm.MANAGE)
    issues: list[Issue] = []
    questionnaire = library.named(body.questionnaire)
    if questionnaire is None:
        issues.append(
            Issue("questionnaire", f"没有问卷“{body.questionnaire[:80]}”（可用的问卷见 questionnaires）")
        )
    try:
        margin = Decimal(body.margin.strip()) / 100
    except InvalidOperation:
        margin = Decimal("NaN")
    if not margin.is_finite():
        issues.append(Issue("margin", f"允许误差“{body.margin[:20]}”应为数字（百分点）"))
    in_round = [e.region for e in Evaluation.objects.filter(round=rnd).select_related("region")]
    codes = {c.strip() for c in body.regions if c.strip()}
    regions = [r for r in in_round if r.code in codes] if codes else in_round
    unknown = sorted(codes - {r.code for r in regions})
    if unknown:
        issues.append(
            Issue("regions", f"以下区划不在评价轮次“{rnd}”中：{'、'.join(c[:12] for c in unknown[:20])}")
        )
    if issues or questionnaire is None:
        raise ValidationFailed(issues)
    survey = actions.do_open_survey(
        acting_user=request.auth,
        round=rnd,
        regions=regions,
        name=body.name,
        questionnaire_file=questionnaire.file_name,
        questionnaire_text=questionnaire.text,
        opens_at=_aware(body.opens_at),
        closes_at=_aware(body.closes_at),
        margin=margin,
        tokens_per_group=body.links,
    )
    return Status(201, _survey_out(survey))


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@router.post("/{int:survey_id}/regions/{code}/links", response={201: LinksOut})
def add_links(request: ApiRequest, survey_id: int, code: str, body: LinksIn) -> Any:
    """为调查中某区划的某类调查对象增发答卷链接（调查结束前）。"""
    survey = get_survey_for(request.auth, survey_id, Perm.MANAGE)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed([Issue("code", f"区划 {code[:20]} 不在本次调查中")])
    added = actions.do_add_tokens(
        acting_user=request.auth, survey=survey, region=region, group=body.group, count=body.count
    )
    group = next(g.code for g in survey.questionnaire().groups if g.name == added.group_name)
    unused = ResponseToken.objects.filter(survey=survey, region=region, group=group, used_at__isnull=True)
    return Status(
        201, LinksOut(region=region.code, group=added.group_name, added=added.count, unused=unused.count())
    )
