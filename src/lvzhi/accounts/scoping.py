"""The one scoping helper: which regions, rounds, evaluations, users and audit records a user may reach.

Every query of the UI, the API and the CLI that touches region-owned data goes through here. Things a
user may not see are reported as "not found" (so their existence does not leak); things a user may see
but not change raise PermissionDenied.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.audit.models import AuditRecord
from lvzhi.regions.models import Region
from lvzhi.site.errors import parse_id

_M = TypeVar("_M", bound=Model)

if TYPE_CHECKING:
    from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round
    from lvzhi.inspections.models import Draw, Finding, Visit
    from lvzhi.jobs.models import Job
    from lvzhi.surveys.models import Survey, SurveyRegion


# The apps whose rows are scoped here sit above accounts (they use its users, roles and these checks), so
# their models are looked up by name through Django's app registry rather than imported: no package cycle.
def _evaluations() -> type[Evaluation]:
    return cast("type[Evaluation]", apps.get_model("evaluations", "Evaluation"))


def _rounds() -> type[Round]:
    return cast("type[Round]", apps.get_model("evaluations", "Round"))


def _assignments() -> type[ExpertAssignment]:
    return cast("type[ExpertAssignment]", apps.get_model("evaluations", "ExpertAssignment"))


def _jobs() -> type[Job]:
    return cast("type[Job]", apps.get_model("jobs", "Job"))


class Perm(StrEnum):
    VIEW = "view"  # read
    FILL = "fill"  # enter data, self-score, upload evidence, submit (填报员)
    REVIEW = "review"  # reviewer scores and comments, return for correction (assigned 专家)
    MANAGE = "manage"  # open rounds, assign experts, start review, approve, return, publish (督导办)


class NotFound(Http404):
    """The object does not exist or lies outside the user's scope (deliberately indistinguishable)."""

    def __init__(self, what: str = "对象") -> None:
        super().__init__(f"{what}不存在或无权访问 (not found)")


class Forbidden(PermissionDenied):
    """The user may see the object but not do this to it."""


def _roles(user: Any) -> list[tuple[str, str | None]]:
    # Cached on the user object for the request: (role, region path or None for the administrator).
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[tuple[str, str | None]] | None = getattr(user, "_lvzhi_roles", None)
    if cached is None:
        cached = [
            (role, path)
            for role, path in RoleAssignment.objects.filter(user=user).values_list("role", "region__path")
        ]
        user._lvzhi_roles = cached
    return cached


def forget_cached_roles(user: Any) -> None:
    """Drop the per-object role cache after roles change."""
    if hasattr(user, "_lvzhi_roles"):
        del user._lvzhi_roles


def is_admin(user: Any) -> bool:
    """True for the system administrator role (or a Django superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or any(role == Role.ADMIN for role, _ in _roles(user))


def has_role(user: Any, *roles: str) -> bool:
    """True when the user holds any of these roles anywhere."""
    return any(role in roles for role, _ in _roles(user))


def role_paths(user: Any, *roles: str) -> list[str]:
    """Region paths the user holds any of these roles on."""
    return [path for role, path in _roles(user) if role in roles and path]


def _under(paths: list[str], field: str) -> Q:
    """Q matching rows whose `field` (a region path) lies in any of these subtrees; matches nothing if empty."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def _expert_q(user: Any, round_field: str = "round", region_field: str = "region") -> Q:
    if not has_role(user, Role.EXPERT):
        return Q(pk__in=[])
    assigned = _assignments().objects.filter(
        expert=user, round=OuterRef(round_field), region=OuterRef(region_field)
    )
    return Q(Exists(assigned))


def regions_visible_to(user: Any) -> QuerySet[Region]:
    """Regions in the subtrees of the user's roles, plus regions an expert is assigned to."""
    if is_admin(user):
        return Region.objects.all()
    # An expert's reach is its assignments, not the region its role is filed under.
    paths = role_paths(user, Role.OFFICE, Role.FILLER, Role.VIEWER)
    q = _under(paths, "path")
    if has_role(user, Role.EXPERT):
        q |= Q(pk__in=_assignments().objects.filter(expert=user).values("region"))
    return Region.objects.filter(q)


def _evaluation_q(user: Any, perm: Perm) -> Q | None:
    """The filter for evaluations the user holds `perm` on; None means all of them."""
    if perm == Perm.VIEW:
        if is_admin(user):
            return None
        q = _under(role_paths(user, Role.OFFICE, Role.FILLER, Role.VIEWER), "region__path")
        return q | _expert_q(user)
    if perm == Perm.FILL:
        return _under(role_paths(user, Role.FILLER), "region__path")
    if perm == Perm.REVIEW:
        return _expert_q(user)
    if perm == Perm.MANAGE:
        if is_admin(user):
            return None
        # An office manages the rounds it (or an office below it) opened — not a superior's rounds
        # that merely cover its regions.
        return _under(role_paths(user, Role.OFFICE), "round__owner_region__path")
    raise ValueError(f"unknown permission {perm!r}")


def evaluations_for(user: Any, perm: Perm | str = Perm.VIEW) -> QuerySet[Evaluation]:
    """Evaluations on which the user holds `perm`."""
    perm = Perm(perm)
    qs = _evaluations().objects.select_related("round", "region", "round__scheme_version")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    q = _evaluation_q(user, perm)
    return qs if q is None else qs.filter(q)


def can(user: Any, evaluation: Evaluation, perm: Perm | str) -> bool:
    """True when the user holds `perm` on this evaluation."""
    return evaluations_for(user, perm).filter(pk=evaluation.pk).exists()


def _get_for(scoped: Callable[[Perm], QuerySet[_M]], raw_id: Any, perm: Perm, what: str, kind: str) -> _M:
    """One row by id: NotFound unless the user may see it (an id outside the scope does not exist for them),
    Forbidden unless the user also holds `perm` on it."""
    pk = parse_id(raw_id)
    found = scoped(Perm.VIEW).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(what)
    if perm != Perm.VIEW and not scoped(perm).filter(pk=pk).exists():
        raise Forbidden(f"您没有对{kind}“{found}”执行此操作的权限")
    return found


def get_evaluation_for(user: Any, evaluation_id: Any, perm: Perm | str = Perm.VIEW) -> Evaluation:
    """The evaluation if the user may see it (else NotFound) and holds `perm` on it (else Forbidden)."""
    return _get_for(lambda p: evaluations_for(user, p), evaluation_id, Perm(perm), "评价", "")


def rounds_for(user: Any, perm: Perm | str = Perm.VIEW) -> QuerySet[Round]:
    """Rounds the user may see (one of its evaluations is visible, or the round is its office's) or manage."""
    perm = Perm(perm)
    qs = _rounds().objects.select_related("scheme_version", "owner_region")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if is_admin(user):
        return qs
    offices = role_paths(user, Role.OFFICE)
    if perm == Perm.MANAGE:
        return qs.filter(_under(offices, "owner_region__path"))
    if perm != Perm.VIEW:
        return qs.filter(pk__in=evaluations_for(user, perm).values("round"))
    return qs.filter(
        _under(offices, "owner_region__path") | Q(pk__in=evaluations_for(user, Perm.VIEW).values("round"))
    )


def get_round_for(user: Any, round_id: Any, perm: Perm | str = Perm.VIEW) -> Round:
    """The round if visible (else NotFound) and the user holds `perm` on it (else Forbidden)."""
    return _get_for(lambda p: rounds_for(user, p), round_id, Perm(perm), "评价轮次", "评价轮次")


def surveys_for(user: Any, perm: Perm | str = Perm.VIEW) -> QuerySet[Survey]:
    """Satisfaction surveys the user may see (VIEW: a round it sees and a region of the survey in its reach) or
    manage (MANAGE: a round it manages); none for anyone else."""
    perm = Perm(perm)
    survey = cast("type[Survey]", apps.get_model("surveys", "Survey"))
    qs = survey.objects.select_related("round", "round__owner_region")
    if perm == Perm.MANAGE:
        return qs.filter(round__in=rounds_for(user, perm))
    if perm != Perm.VIEW:
        return qs.none()
    # Seeing a survey is seeing one of its regions' results; pages show only the regions in reach.
    regions = survey_regions_visible_to(user).values("survey")
    return qs.filter(round__in=rounds_for(user, perm), pk__in=regions)


def survey_regions_visible_to(user: Any) -> QuerySet[SurveyRegion]:
    """The (survey, region) rows whose results the user may read: all of a survey it manages, else its regions."""
    survey_region = cast("type[SurveyRegion]", apps.get_model("surveys", "SurveyRegion"))
    managed = Q(survey__round__in=rounds_for(user, Perm.MANAGE))
    return survey_region.objects.filter(managed | Q(region__in=regions_visible_to(user)))


def get_survey_for(user: Any, survey_id: Any, perm: Perm | str = Perm.VIEW) -> Survey:
    """The survey if visible (else NotFound) and the user holds `perm` on it (else Forbidden)."""
    return _get_for(lambda p: surveys_for(user, p), survey_id, Perm(perm), "满意度调查", "满意度调查")


def get_region_for(user: Any, code: str) -> Region:
    """The region with this code if the user may see it, else NotFound."""
    region = regions_visible_to(user).filter(code=str(code)).first()
    if region is None:
        raise NotFound("行政区划")
    return region


def office_regions(user: Any) -> QuerySet[Region]:
    """Regions where the user is a 督导办 (the roots from which it may open rounds)."""
    if is_admin(user):
        return Region.objects.all()
    return Region.objects.filter(path__in=role_paths(user, Role.OFFICE))


def users_visible_to(user: Any) -> QuerySet[User]:
    """Users the acting user may list: everyone for the administrator, people with roles in an office's subtree."""
    if is_admin(user):
        return User.objects.all()
    paths = role_paths(user, Role.OFFICE)
    if not paths:
        return (
            User.objects.filter(pk=user.pk)
            if getattr(user, "is_authenticated", False)
            else User.objects.none()
        )
    holders = RoleAssignment.objects.filter(_under(paths, "region__path")).values("user")
    return User.objects.filter(Q(pk__in=holders) | Q(pk=user.pk)).distinct()


def audit_records_for(user: Any) -> QuerySet[AuditRecord]:
    """Audit records the user may read: each as far as the object it is about is visible to the user.

    A record about an evaluation (its values, scores, evidence, problems …) is readable exactly by those
    who may view that evaluation — an expert assigned to one county in one round reads that evaluation's
    records, not the county's other rounds. Other records (rounds, users, roles, regions) follow the region
    subtrees of the user's office, filler and viewer roles; an expert's assignments do not extend those.
    Everyone reads the records of their own actions. The administrator reads everything.
    """
    if is_admin(user):
        return AuditRecord.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AuditRecord.objects.none()
    about_evaluation = Q(evaluation_id__in=evaluations_for(user, Perm.VIEW).values("pk"))
    role_regions = Region.objects.filter(
        _under(role_paths(user, Role.OFFICE, Role.FILLER, Role.VIEWER), "path")
    )
    about_region = Q(evaluation_id__isnull=True, region_code__in=role_regions.values("code"))
    records = AuditRecord.objects.filter(about_evaluation | about_region | Q(actor=user))
    if not has_role(user, Role.OFFICE):
        # Accounts, roles, sessions and tokens are the offices' and the administrator's business: a filler,
        # an expert or a read-only 查看 user reads results and their changes, not account administration
        # (apart from what they did themselves).
        records = records.exclude(Q(action__regex=ACCOUNT_ACTIONS) & ~Q(actor=user))
    return records


# Audit action codes of account administration (lvzhi.audit.codes: user.*, role.*, session.*, token.*).
ACCOUNT_ACTIONS = r"^(user|role|session|token)\."


def jobs_for(user: Any) -> QuerySet[Job]:
    """Background jobs the user may see and cancel: its own; every job (the system's too) for the administrator."""
    qs = _jobs().objects.select_related("owner", "round")
    if is_admin(user):
        return qs
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    return qs.filter(owner=user)


def get_job_for(user: Any, job_id: Any) -> Job:
    """The job if the user may see it, else NotFound (another person's job does not exist for them)."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound("后台任务") from None
    job = jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("后台任务")
    return job


def inspection_draws_for(user: Any, perm: Perm | str = Perm.VIEW) -> QuerySet[Draw]:
    """Risk-based draws of regions to inspect: those of the rounds the user may see (or, for MANAGE, manage)."""
    draws = cast("type[Draw]", apps.get_model("inspections", "Draw"))
    return draws.objects.select_related("round", "created_by").filter(round__in=rounds_for(user, perm))


def get_inspection_draw_for(user: Any, draw_id: Any, perm: Perm | str = Perm.VIEW) -> Draw:
    """The draw if its round is visible (else NotFound) and the user holds `perm` on the round (else Forbidden)."""
    return _get_for(lambda p: inspection_draws_for(user, p), draw_id, Perm(perm), "督导抽取", "督导抽取")


def inspection_visits_for(user: Any, perm: Perm | str = Perm.VIEW) -> QuerySet[Visit]:
    """Regions of inspection plans: those of the rounds the user may see (or, for MANAGE, manage)."""
    visits = cast("type[Visit]", apps.get_model("inspections", "Visit"))
    return visits.objects.select_related(
        "plan__round__scheme_version", "plan__round__owner_region", "evaluation__region", "evaluation__round"
    ).filter(plan__round__in=rounds_for(user, perm))


def get_inspection_visit_for(user: Any, visit_id: Any, perm: Perm | str = Perm.VIEW) -> Visit:
    """The visit if its round is visible (else NotFound) and the user holds `perm` on the round (else Forbidden)."""
    return _get_for(lambda p: inspection_visits_for(user, p), visit_id, Perm(perm), "督导区划", "督导区划")


def get_inspection_finding_for(user: Any, finding_id: Any, perm: Perm | str = Perm.VIEW) -> Finding:
    """A finding if its visit is visible (else NotFound) and the user holds `perm` on the visit's round (else
    Forbidden)."""
    findings = cast("type[Finding]", apps.get_model("inspections", "Finding"))
    return _get_for(
        lambda p: findings.objects.select_related("visit").filter(visit__in=inspection_visits_for(user, p)),
        finding_id,
        Perm(perm),
        "督导发现",
        "督导发现",
    )
