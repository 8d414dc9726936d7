"""The /api/v1 routes. Every route reads through lvzhi.accounts.scoping and writes through an action.

Objects outside the caller's scope answer 404 (their existence does not leak), visible objects the caller
may not change answer 403. Authentication: a bearer token (`Authorization: Bearer lvzhi_…`) or the web
session — which, being a cookie, must carry the CSRF token on unsafe requests.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import File, Form, NinjaAPI, Query, Router, Schema
from ninja.errors import ValidationError as RequestInvalid
from ninja.files import UploadedFile
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer, SessionAuth
from pydantic import Field

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.accounts.security import authenticate_token
from lvzhi.api import office as office_api
from lvzhi.audit.codes import action_label, describe_record
from lvzhi.entry import services as entry
from lvzhi.entry.workbook import MAX_FILE_BYTES, WorkbookInvalid
from lvzhi.evaluations import actions, gateway, rescoring
from lvzhi.evaluations.errors import ActionError, EditConflict, ValidationFailed
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, SchemeVersion
from lvzhi.evaluations.workflow import TRANSITIONS
from lvzhi.evidence import services as evidence_services
from lvzhi.evidence import storage
from lvzhi.evidence.storage import FileRefused
from lvzhi.notifications import api as notifications_api
from lvzhi.site.downloads import content_type_of, download
from lvzhi.site.errors import MAX_OFFSET, Id
from lvzhi.site.request_types import ApiRequest


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token from lvzhi.accounts (revocable, may expire)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The web session (CSRF checked on unsafe methods by ninja's cookie auth)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api = NinjaAPI(
    title="履职 API",
    version="1",
    description="政府履行教育职责评价平台 REST API：行政区划、评价方案、评价轮次、评价、数据、得分、证明材料、审计日志。",
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
    # Served from ninja's bundled static files (ninja is in INSTALLED_APPS); no validator badge fetched online.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(request: ApiRequest, status: int, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(RequestInvalid)
def _bad_request(request: ApiRequest, exc: RequestInvalid) -> HttpResponse:
    # Parameters and bodies that do not parse: 400 naming each one, in Chinese (never a server error).
    where = "；".join(_problem(e) for e in exc.errors[:10])
    return _error(request, 400, f"请求参数有误：{where}", errors=exc.errors)


def _problem(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
    ctx = error.get("ctx") or {}
    kind = str(error.get("type", ""))
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bound = next(iter(ctx.values()), "")
        what = {"less_than_equal": "不能大于", "greater_than_equal": "不能小于"}.get(kind, "超出范围")
        return f"{loc} {what} {bound}"
    if kind.startswith("int"):
        return f"{loc} 应为整数"
    if kind == "missing":
        return f"缺少 {loc}"
    return f"{loc} 格式不正确"


@api.exception_handler(Http404)
def _not_found(request: ApiRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, str(exc) or "不存在或无权访问 (not found)")


@api.exception_handler(PermissionDenied)
def _forbidden(request: ApiRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or "无权执行此操作 (permission denied)")


@api.exception_handler(EditConflict)
def _conflict(request: ApiRequest, exc: EditConflict) -> HttpResponse:
    return _error(
        request,
        409,
        str(exc),
        current_version=exc.current_version,
        current_value=None if exc.current_value is None else str(exc.current_value),
    )


@api.exception_handler(ValidationFailed)
def _invalid(request: ApiRequest, exc: ValidationFailed) -> HttpResponse:
    return _error(request, 422, str(exc), issues=[{"code": i.code, "message": i.message} for i in exc.issues])


@api.exception_handler(WorkbookInvalid)
def _bad_workbook(request: ApiRequest, exc: WorkbookInvalid) -> HttpResponse:
    return _error(request, 422, f"工作簿有 {len(exc.errors)} 处错误，未导入任何数据", errors=exc.errors)


@api.exception_handler(FileRefused)
def _bad_file(request: ApiRequest, exc: FileRefused) -> HttpResponse:
    return _error(request, 415, str(exc))


@api.exception_handler(ActionError)
def _refused(request: ApiRequest, exc: ActionError) -> HttpResponse:
    return _error(request, 409, str(exc))


def _s(v: Decimal | None) -> str | None:
    # Exact values travel as strings: JSON numbers would become binary floats in most clients.
    return None if v is None else format(v, "f")


class Page(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _page(qs: Any, page: Page) -> Any:
    return qs[page.offset : page.offset + page.limit]


# ---------------------------------------------------------------- regions

regions = Router(tags=["行政区划"])


def _region(r: Any) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "kind": r.kind,
        "parent": r.parent.code if r.parent_id else None,
        "active": r.active,
    }


@regions.get("/")
def list_regions(
    request: ApiRequest, page: Query[Page], parent: str | None = None, level: str | None = None
) -> Any:
    """行政区划（仅限您的范围）。"""
    qs = scoping.regions_visible_to(request.auth).select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level:
        qs = qs.filter(level=level)
    return {"count": qs.count(), "items": [_region(r) for r in _page(qs, page)]}


@regions.get("/{code}")
def get_region(request: ApiRequest, code: str) -> Any:
    """一个行政区划。"""
    return _region(scoping.get_region_for(request.auth, code))


# ---------------------------------------------------------------- schemes

schemes = Router(tags=["评价方案"])


def _scheme(sv: SchemeVersion) -> dict[str, Any]:
    return {
        "id": sv.pk,
        "scheme_id": sv.scheme_id,
        "version": sv.version,
        "title": sv.title,
        "year": sv.year,
        "level": sv.level,
        "content_hash": sv.content_hash,
    }


def _schemes_visible(user: Any) -> Any:
    # Scheme texts are public rules, but listing them is for people who work with the platform: those with
    # a role (any visible round) or offices/administrators, who manage schemes.
    if scoping.is_admin(user) or scoping.has_role(user, "office"):
        return SchemeVersion.objects.all()
    return SchemeVersion.objects.filter(pk__in=scoping.rounds_for(user).values("scheme_version"))


@schemes.get("/")
def list_schemes(request: ApiRequest, page: Query[Page]) -> Any:
    """评价方案版本。"""
    qs = _schemes_visible(request.auth)
    return {"count": qs.count(), "items": [_scheme(sv) for sv in _page(qs, page)]}


@schemes.get("/{int:scheme_pk}")
def get_scheme(request: ApiRequest, scheme_pk: int) -> Any:
    """一个方案版本，含末级指标和方案文本。"""
    sv = _schemes_visible(request.auth).filter(pk=scheme_pk).first()
    if sv is None:
        raise scoping.NotFound("评价方案")
    info = gateway.scheme_info(sv.yaml_text)
    leaves = [
        {"code": lf.code, "name": lf.name, "points": _s(lf.points), "kind": lf.kind, "section": lf.section}
        for lf in info.leaves
    ]
    return {**_scheme(sv), "leaves": leaves, "items": list(info.item_codes), "yaml": sv.yaml_text}


# ---------------------------------------------------------------- rounds

rounds = Router(tags=["评价轮次"])


def _round(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "year": r.year,
        "scheme_version": r.scheme_version_id,
        "owner_region": r.owner_region.code,
        "fill_deadline": r.fill_deadline,
        "review_deadline": r.review_deadline,
    }


@rounds.get("/")
def list_rounds(request: ApiRequest, page: Query[Page]) -> Any:
    """您可见的评价轮次。"""
    qs = scoping.rounds_for(request.auth)
    return {"count": qs.count(), "items": [_round(r) for r in _page(qs, page)]}


@rounds.get("/{int:round_pk}")
def get_round(request: ApiRequest, round_pk: int) -> Any:
    """一个评价轮次。"""
    return _round(scoping.get_round_for(request.auth, round_pk))


@rounds.get("/{int:round_pk}/template.xlsx")
def round_template(request: ApiRequest, round_pk: int, region: str | None = None) -> HttpResponse:
    """下载本轮次的 Excel 填报模板（指定 region 时为该地区的逐项模板，否则为您可填报的全部地区）。"""
    data, name = entry.template_for(request.auth, round_pk, region)
    return download(data, name)


@rounds.post("/{int:round_pk}/import")
def round_import(request: ApiRequest, round_pk: int, file: File[UploadedFile]) -> Any:
    """导入填好的模板：先检查全部单元格，有任何错误则不写入任何数据。"""
    data = file.read(MAX_FILE_BYTES + 1)
    result = entry.import_workbook(request.auth, round_pk, data, file.name or "工作簿.xlsx")
    return {
        "regions": result.regions,
        "values_written": result.values_written,
        "doubtful": list(result.doubtful),
    }


# ---------------------------------------------------------------- evaluations, values, scores

evaluations = Router(tags=["评价"])


def _evaluation(ev: Evaluation) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "round": ev.round_id,
        "region": ev.region.code,
        "region_name": ev.region.name,
        "state": ev.state,
        "return_reasons": ev.return_reasons,
        "total": _s(ev.total),
        "grade": ev.grade,
        "next_states": [to for (frm, to) in TRANSITIONS if frm == ev.state],
    }


@evaluations.get("/")
def list_evaluations(
    request: ApiRequest, page: Query[Page], round: Id | None = None, state: str | None = None
) -> Any:
    """您可见的评价（可按轮次、状态筛选）。"""
    qs = scoping.evaluations_for(request.auth)
    if round is not None:
        qs = qs.filter(round_id=round)
    if state:
        qs = qs.filter(state=state)
    return {"count": qs.count(), "items": [_evaluation(e) for e in _page(qs, page)]}


@evaluations.get("/{int:evaluation_pk}")
def get_evaluation(request: ApiRequest, evaluation_pk: int) -> Any:
    """一个评价。"""
    return _evaluation(scoping.get_evaluation_for(request.auth, evaluation_pk))


class TransitionIn(Schema):
    to_state: str
    reason: str = ""


@evaluations.post("/{int:evaluation_pk}/transition")
def transition(request: ApiRequest, evaluation_pk: int, body: TransitionIn) -> Any:
    """状态变更（只允许工作流中的步骤和相应角色）。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk)
    ev = actions.do_transition(
        acting_user=request.auth, evaluation=ev, to_state=body.to_state, reason=body.reason
    )
    return _evaluation(ev)


def _value(dv: DataValue) -> dict[str, Any]:
    return {
        "item": dv.item_code,
        "value": _s(dv.value),
        "prev_value": _s(dv.prev_value),
        "source": dv.source,
        "source_sentence": dv.source_sentence,
        "confirmed": dv.confirmed,
        "note": dv.note,
        # A value measured on a sample (a survey's rate): n and the 95 % interval, else null.
        "sample": dv.sample,
        "version": dv.version,
    }


@evaluations.get("/{int:evaluation_pk}/values")
def list_values(request: ApiRequest, evaluation_pk: int) -> Any:
    """评价的全部数据值（数值为字符串，精确）。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk)
    return {"items": [_value(dv) for dv in DataValue.objects.filter(evaluation=ev)]}


class ValueIn(Schema):
    value: str | None
    expected_version: int | None = None
    prev_value: str | None = None
    note: str | None = None


@evaluations.put("/{int:evaluation_pk}/values/{item}")
def save_value(request: ApiRequest, evaluation_pk: int, item: str, body: ValueIn) -> Any:
    """保存一个数据值；expected_version 与当前版本不符时返回 409（他人已修改）。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk, Perm.FILL)
    kwargs: dict[str, Any] = {}
    if "prev_value" in body.model_fields_set:
        kwargs["prev_value"] = body.prev_value
    dv, warnings = actions.do_save_value(
        acting_user=request.auth,
        evaluation=ev,
        item_code=item,
        value=body.value,
        expected_version=body.expected_version,
        note=body.note,
        **kwargs,
    )
    return {**_value(dv), "warnings": [{"code": w.code, "message": w.message} for w in warnings]}


def _score(row: ItemScore) -> dict[str, Any]:
    return {
        "indicator": row.indicator_code,
        "points": _s(row.points),
        "rule_kind": row.rule_kind,
        "auto_score": _s(row.auto_score),
        "auto_status": row.auto_status,
        "explanation": row.explanation,
        "self_level": row.self_level,
        "self_score": _s(row.self_score),
        "self_justification": row.self_justification,
        "review_score": _s(row.review_score),
        "review_comment": row.review_comment,
        "discrepancy": row.discrepancy,
        "final_score": _s(row.final_score),
        "version": row.version,
    }


@evaluations.get("/{int:evaluation_pk}/scores")
def list_scores(request: ApiRequest, evaluation_pk: int) -> Any:
    """每个末级指标的自动得分、自评、评审和最终得分。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk)
    rows = list(ItemScore.objects.filter(evaluation=ev))
    rescoring.shown_explanations(ev.round, rows)
    return {
        "total": _s(ev.total),
        "grade": ev.grade,
        "items": [_score(r) for r in rows],
    }


class SelfScoreIn(Schema):
    justification: str
    expected_version: int | None = None
    level: str | None = None
    score: str | None = None


@evaluations.put("/{int:evaluation_pk}/scores/{code}/self")
def save_self_score(request: ApiRequest, evaluation_pk: int, code: str, body: SelfScoreIn) -> Any:
    """自评一个人工评分指标。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk, Perm.FILL)
    row = actions.do_set_self_score(
        acting_user=request.auth,
        evaluation=ev,
        indicator_code=code,
        justification=body.justification,
        expected_version=body.expected_version,
        level=body.level,
        score=body.score,
    )
    rescoring.shown_explanations(row.evaluation.round, [row])
    return _score(row)


class ReviewIn(Schema):
    comment: str
    expected_version: int | None = None
    score: str | None = None


@evaluations.put("/{int:evaluation_pk}/scores/{code}/review")
def save_review(request: ApiRequest, evaluation_pk: int, code: str, body: ReviewIn) -> Any:
    """评审打分和意见（指派的专家或督导办）。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk)
    row = actions.do_set_review(
        acting_user=request.auth,
        evaluation=ev,
        indicator_code=code,
        comment=body.comment,
        expected_version=body.expected_version,
        score=body.score,
    )
    rescoring.shown_explanations(row.evaluation.round, [row])
    return _score(row)


# ---------------------------------------------------------------- evidence

evidence = Router(tags=["证明材料"])


def _evidence(request: ApiRequest, e: Any) -> dict[str, Any]:
    reused, hidden = evidence_services.reuse_for(request.auth, e)
    return {
        "id": e.pk,
        "evaluation": e.evaluation_id,
        "indicator": e.indicator_code,
        "name": e.name,
        "note": e.note,
        "sha256": e.file.sha256,
        "size": e.file.size,
        "kind": e.file.kind,
        "uploaded_at": e.uploaded_at,
        "reused_in": [
            {"evaluation": r.evaluation_id, "region": r.region, "year": r.year, "indicator": r.indicator_code}
            for r in reused
        ],
        "reused_elsewhere": hidden,
    }


@evaluations.get("/{int:evaluation_pk}/evidence")
def list_evidence(request: ApiRequest, evaluation_pk: int) -> Any:
    """评价的证明材料（同一文件在其他地区或年度使用过的会标出）。"""
    return {
        "items": [_evidence(request, e) for e in evidence_services.evidence_for(request.auth, evaluation_pk)]
    }


@evaluations.post("/{int:evaluation_pk}/evidence")
def upload_evidence(
    request: ApiRequest,
    evaluation_pk: int,
    indicator: Form[str],
    file: File[UploadedFile],
    note: Form[str] = "",
) -> Any:
    """上传证明材料（PDF、DOCX、XLSX、JPG、PNG；按内容哈希存储）。"""
    ev = scoping.get_evaluation_for(request.auth, evaluation_pk, Perm.FILL)
    e = evidence_services.do_attach_evidence(
        acting_user=request.auth,
        evaluation=ev,
        indicator_code=indicator,
        name=file.name or "",
        content=file,
        note=note,
    )
    return _evidence(request, e)


@evidence.get("/{int:evidence_pk}")
def get_evidence(request: ApiRequest, evidence_pk: int) -> Any:
    """一份证明材料的信息。"""
    return _evidence(request, evidence_services.get_evidence_for(request.auth, evidence_pk))


@evidence.get("/{int:evidence_pk}/file")
def download_evidence(request: ApiRequest, evidence_pk: int) -> FileResponse:
    """下载证明材料文件。"""
    e = evidence_services.get_evidence_for(request.auth, evidence_pk)
    response = FileResponse(
        storage.open_stored(e.file.sha256),
        as_attachment=True,
        filename=e.name,
        content_type=content_type_of(e.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@evidence.delete("/{int:evidence_pk}")
def delete_evidence(request: ApiRequest, evidence_pk: int) -> Any:
    """删除一份证明材料（文件内容保留供审计）。"""
    e = evidence_services.get_evidence_for(request.auth, evidence_pk)
    evidence_services.do_remove_evidence(acting_user=request.auth, evidence=e)
    return {"deleted": evidence_pk}


# ---------------------------------------------------------------- audit

audit = Router(tags=["审计日志"])


@audit.get("/")
def list_audit(request: ApiRequest, page: Query[Page], action: str | None = None) -> Any:
    """您范围内的审计记录（谁、何时、做了什么、修改前后）。"""
    qs = scoping.audit_records_for(request.auth).order_by("-seq")
    if action:
        qs = qs.filter(action=action)
    return {
        "count": qs.count(),
        "items": [
            {
                "seq": r.seq,
                "at": r.at,
                "actor": r.actor_username,
                "action": r.action,
                "action_label": action_label(r.action),
                "sentence": describe_record(r),
                "object_type": r.object_type,
                "object_id": r.object_id,
                "object": r.object_repr,
                "region": r.region_code,
                "before": r.before,
                "after": r.after,
                "hash": r.hash,
            }
            for r in _page(qs, page)
        ],
    }


office_api.register(schemes, rounds, _scheme, _round)  # the office's year: add/activate, open/close, assign…
api.add_router("/regions", regions)
api.add_router("/messages", notifications_api.make_router())
api.add_router("/schemes", schemes)
api.add_router("/rounds", rounds)
api.add_router("/evaluations", evaluations)
api.add_router("/evidence", evidence)
api.add_router("/audit", audit)
api.add_router("/rectification", "lvzhi.rectification.api.router")  # problems and their rectification (RECT)
api.add_router("/surveys", "lvzhi.surveys.api.router")  # satisfaction surveys: results, import, feeding
api.add_router("/inspection", "lvzhi.inspections.api.router")  # risk, draws, credibility
