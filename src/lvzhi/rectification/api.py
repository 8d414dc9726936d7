"""REST endpoints for problems and their rectification (a django-ninja Router, mounted under /api/v1).

Every endpoint resolves objects through the scoping helper and changes them only through the action
functions, so the API applies exactly the permissions of the UI: outside the scope → 404, visible but not
allowed → 403, refused step → 409, invalid input → 422 (with every issue listed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from lvzhi.accounts.models import User
from lvzhi.accounts.scoping import Perm, get_evaluation_for
from lvzhi.evaluations.errors import ActionError, Issue, ValidationFailed
from lvzhi.evidence import storage
from lvzhi.rectification import actions, queries
from lvzhi.rectification.models import (
    OVERDUE,
    EvidenceFile,
    EvidencePurpose,
    Measure,
    Problem,
    ProblemEvent,
    ProblemState,
    ProgressUpdate,
)
from lvzhi.site.errors import Id


class IssueOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    issues: list[IssueOut] = Field(default_factory=list)


class MeasureOut(Schema):
    id: int
    text: str
    responsible_unit: str
    owner: str
    deadline: date
    created_at: datetime


class FileOut(Schema):
    name: str
    sha256: str


class ProgressOut(Schema):
    id: int
    text: str
    percent: int | None
    files: list[FileOut]
    created_by: str
    created_at: datetime


class EventOut(Schema):
    from_state: str
    to_state: str
    by: str
    at: datetime
    reason: str


# The refusals every endpoint may answer with (see _guarded).
ERRORS: dict[int, type[Schema]] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ProblemOut(Schema):
    id: int
    evaluation_id: int
    region_code: str
    region_name: str
    year: int
    indicator_code: str
    source: str
    severity: str
    description: str
    evidence_ref: str
    required_measure: str
    deadline: date
    state: str
    display_state: str
    overdue: bool
    refusal_reason: str
    carried_from_id: int | None


class ProblemDetailOut(ProblemOut):
    closure_summary: str
    closure_files: list[FileOut]
    measures: list[MeasureOut]
    progress: list[ProgressOut]
    events: list[EventOut]


class ProblemIn(Schema):
    source: str
    description: str
    required_measure: str
    deadline: date
    indicator_code: str = ""
    severity: str = "一般"
    evidence_ref: str = ""


class MeasureIn(Schema):
    text: str
    responsible_unit: str
    deadline: date
    owner: str = ""


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str


class CarryIn(Schema):
    deadline: date | None = None


class ListFilters(Schema):
    evaluation: Id | None = None
    state: str | None = None


def _actor(request: HttpRequest) -> Any:
    # Token authentication puts the user in request.auth; session authentication in request.user.
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else request.user


def _name(user: Any) -> str:
    return str(getattr(user, "username", "") or "系统")


def problem_out(p: Problem) -> dict[str, Any]:
    """The list view of a problem (plain data)."""
    return {
        "id": p.pk,
        "evaluation_id": p.evaluation_id,
        "region_code": p.evaluation.region.code,
        "region_name": p.evaluation.region.name,
        "year": p.evaluation.round.year,
        "indicator_code": p.indicator_code,
        "source": p.source,
        "severity": p.severity,
        "description": p.description,
        "evidence_ref": p.evidence_ref,
        "required_measure": p.required_measure,
        "deadline": p.deadline,
        "state": p.state,
        "display_state": queries.display_state(p),
        "overdue": queries.is_overdue(p),
        "refusal_reason": p.refusal_reason,
        "carried_from_id": p.carried_from_id,
    }


def _measure(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "text": m.text,
        "responsible_unit": m.responsible_unit,
        "owner": m.owner,
        "deadline": m.deadline,
        "created_at": m.created_at,
    }


def _progress(u: ProgressUpdate) -> dict[str, Any]:
    return {
        "id": u.pk,
        "text": u.text,
        "percent": u.percent,
        "files": [_file(f) for f in u.files.select_related("file")],
        "created_by": _name(u.created_by),
        "created_at": u.created_at,
    }


def _file(f: EvidenceFile) -> dict[str, str]:
    return {"name": f.name, "sha256": f.file.sha256}


def _uploads(files: list[UploadedFile] | None) -> list[tuple[str, bytes]]:
    """(name, content) of uploaded files, refusing an oversized one before reading it into memory."""
    limit = storage.max_bytes()
    too_big = [f.name or "" for f in files or () if (f.size or 0) > limit]
    if too_big:
        raise ValidationFailed([Issue("files", f"“{n}”超过上限 {limit / 1048576:.0f} MB") for n in too_big])
    return [(f.name or "", f.read()) for f in files or ()]


def _event(e: ProblemEvent) -> dict[str, Any]:
    return {
        "from_state": e.from_state,
        "to_state": e.to_state,
        "by": _name(e.by),
        "at": e.at,
        "reason": e.reason,
    }


def problem_detail(p: Problem) -> dict[str, Any]:
    """The full view of a problem: measures, progress and state history."""
    return {
        **problem_out(p),
        "closure_summary": p.closure_summary,
        "closure_files": [
            _file(f) for f in p.evidence_files.filter(purpose=EvidencePurpose.CLOSURE).select_related("file")
        ],
        "measures": [_measure(m) for m in p.measures.all()],
        "progress": [_progress(u) for u in p.progress.select_related("created_by")],
        "events": [_event(e) for e in p.events.select_related("by")],
    }


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn refusals of the scoping helper and the actions into their HTTP statuses with a Chinese message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Http404 as exc:
            return Status(404, {"detail": str(exc) or "不存在或无权访问 (not found)"})
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc) or "无权执行此操作 (permission denied)"})
        except ValidationFailed as exc:
            issues = [{"field": i.code, "message": i.message} for i in exc.issues]
            return Status(422, {"detail": str(exc), "issues": issues})
        except ActionError as exc:  # a step not allowed from the current state, or another refusal
            return Status(409, {"detail": str(exc)})

    return wrapper


def make_router() -> Router:
    """A fresh router with every rectification endpoint (the app mounts one; tests build their own)."""
    router = Router(tags=["整改"])

    @router.get("/problems", response={200: list[ProblemOut], **ERRORS})
    @_guarded
    def list_problems(request: HttpRequest, filters: Query[ListFilters]) -> Any:
        """Problems the user may see, optionally of one evaluation and in one state (逾期 included)."""
        known = (*ProblemState.values, OVERDUE)
        if filters.state and filters.state not in known:
            raise ValidationFailed([Issue("state", f"未知状态“{filters.state}”，应为：{'、'.join(known)}")])
        qs = queries.problem_list(_actor(request), evaluation_id=filters.evaluation, state=filters.state)
        return Status(200, [problem_out(p) for p in qs])

    @router.get("/problems/{problem_id}", response={200: ProblemDetailOut, **ERRORS})
    @_guarded
    def get_problem(request: HttpRequest, problem_id: int) -> Any:
        """One problem with its measures, progress and history."""
        return Status(200, problem_detail(queries.get_problem_for(_actor(request), problem_id)))

    @router.post("/evaluations/{evaluation_id}/problems", response={201: ProblemOut, **ERRORS})
    @_guarded
    def raise_problem(request: HttpRequest, evaluation_id: int, payload: ProblemIn) -> Any:
        """Record a problem found in an evaluation."""
        user = _actor(request)
        ev = get_evaluation_for(user, evaluation_id, Perm.VIEW)
        p = actions.do_raise_problem(acting_user=user, evaluation=ev, **payload.dict())
        return Status(201, problem_out(queries.get_problem_for(user, p.pk)))

    @router.post("/problems/{problem_id}/measures", response={201: MeasureOut, **ERRORS})
    @_guarded
    def add_measure(request: HttpRequest, problem_id: int, payload: MeasureIn) -> Any:
        """Add a rectification measure."""
        user = _actor(request)
        p = queries.get_problem_for(user, problem_id)
        return Status(201, _measure(actions.do_add_measure(acting_user=user, problem=p, **payload.dict())))

    @router.post("/problems/{problem_id}/progress", response={201: ProgressOut, **ERRORS})
    @_guarded
    def report_progress(
        request: HttpRequest,
        problem_id: int,
        text: Form[str],
        percent: Form[int | None] = None,
        files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # optional upload
    ) -> Any:
        """Report progress with evidence files (multipart form)."""
        user = _actor(request)
        p = queries.get_problem_for(user, problem_id)
        update = actions.do_report_progress(
            acting_user=user, problem=p, text=text, percent=percent, files=_uploads(files)
        )
        return Status(201, _progress(update))

    @router.post("/problems/{problem_id}/closure-request", response={200: ProblemOut, **ERRORS})
    @_guarded
    def request_closure(
        request: HttpRequest,
        problem_id: int,
        summary: Form[str],
        files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # optional upload
    ) -> Any:
        """Ask the supervising office to close the problem (申请销号), with evidence files (multipart form)."""
        user = _actor(request)
        p = queries.get_problem_for(user, problem_id)
        actions.do_request_closure(acting_user=user, problem=p, summary=summary, files=_uploads(files))
        return Status(200, problem_out(queries.get_problem_for(user, problem_id)))

    @router.post("/problems/{problem_id}/verify", response={200: ProblemOut, **ERRORS})
    @_guarded
    def verify_closure(request: HttpRequest, problem_id: int, payload: CommentIn) -> Any:
        """Verify the rectification and close the problem (销号)."""
        user = _actor(request)
        p = queries.get_problem_for(user, problem_id)
        actions.do_verify_closure(acting_user=user, problem=p, comment=payload.comment)
        return Status(200, problem_out(queries.get_problem_for(user, problem_id)))

    @router.post("/problems/{problem_id}/refuse", response={200: ProblemOut, **ERRORS})
    @_guarded
    def refuse_closure(request: HttpRequest, problem_id: int, payload: ReasonIn) -> Any:
        """Refuse the closure request with a reason (退回)."""
        user = _actor(request)
        p = queries.get_problem_for(user, problem_id)
        actions.do_refuse_closure(acting_user=user, problem=p, reason=payload.reason)
        return Status(200, problem_out(queries.get_problem_for(user, problem_id)))

    @router.post("/evaluations/{evaluation_id}/carry-over", response={200: list[ProblemOut], **ERRORS})
    @_guarded
    def carry_over(request: HttpRequest, evaluation_id: int, payload: CarryIn) -> Any:
        """Carry the region's unclosed problems of earlier years into this evaluation."""
        user = _actor(request)
        ev = get_evaluation_for(user, evaluation_id, Perm.VIEW)
        carried = actions.do_carry_over(acting_user=user, evaluation=ev, deadline=payload.deadline)
        return Status(200, [problem_out(queries.get_problem_for(user, p.pk)) for p in carried])

    return router


# Mounted by the API module: api.add_router("/rectification", "lvzhi.rectification.api.router").
router = make_router()
