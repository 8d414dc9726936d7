"""Every read of problems goes through the scoping helper (lvzhi.accounts.scoping); plus the overdue rule (Asia/Shanghai calendar days).

Who may do what to a region's problems:
- read: anyone who may see the evaluation (`Perm.VIEW`);
- raise a problem: the assigned expert (`Perm.REVIEW`), the office managing the round (`Perm.MANAGE`) or a
  supervising office; the region's 填报员 (`Perm.FILL`) only problems found by its own self-check (自查);
- plan, report progress, request closure: the region's 填报员 (`Perm.FILL`);
- verify or refuse closure, carry over: a supervising 督导办, i.e. an office on a *proper* ancestor of the
  region (a region never signs off its own rectification), or the system administrator.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import NotFound, Perm, evaluations_for, is_admin, role_paths
from lvzhi.evaluations.models import Evaluation
from lvzhi.rectification.models import OVERDUE, Problem, ProblemState
from lvzhi.site.errors import parse_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
# States in which the deadline still binds the region (a closure request stops the clock).
OPEN_STATES = (ProblemState.OPEN, ProblemState.IN_PROGRESS, ProblemState.REFUSED)
UNCLOSED_STATES = (*OPEN_STATES, ProblemState.CLOSURE_REQUESTED)


def today_in_shanghai(now: datetime | None = None) -> date:
    """The calendar day in Asia/Shanghai at `now` (default: the current time)."""
    return (now or timezone.now()).astimezone(SHANGHAI).date()


def is_overdue(problem: Problem, now: datetime | None = None) -> bool:
    """True when the problem is still open after its deadline day has passed in Asia/Shanghai."""
    return problem.state in OPEN_STATES and today_in_shanghai(now) > problem.deadline


def display_state(problem: Problem, now: datetime | None = None) -> str:
    """The state a person sees: the stored state, or 逾期 when the problem is overdue."""
    return OVERDUE if is_overdue(problem, now) else str(problem.state)


def overdue_q(now: datetime | None = None) -> Q:
    """Filter for problems that are overdue at `now`."""
    return Q(state__in=OPEN_STATES, deadline__lt=today_in_shanghai(now))


def supervised_evaluations(user: Any) -> QuerySet[Evaluation]:
    """Evaluations the user supervises as a 督导办 of a proper ancestor region (all for the administrator)."""
    visible = evaluations_for(user, Perm.VIEW)
    if is_admin(user):
        return visible
    paths = role_paths(user, Role.OFFICE)
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(region__path__startswith=p) & ~Q(region__path=p)
    return visible.filter(q)


def evaluations_where(user: Any, action: str) -> QuerySet[Evaluation]:
    """Evaluations on which the user may do `action` (view / raise / rectify / supervise) to problems."""
    if action == "view":
        return evaluations_for(user, Perm.VIEW)
    if action == "rectify":
        return evaluations_for(user, Perm.FILL)
    if action == "supervise":
        return supervised_evaluations(user)
    if action == "raise":
        ids = (
            evaluations_for(user, Perm.REVIEW).values("pk"),
            evaluations_for(user, Perm.MANAGE).values("pk"),
            supervised_evaluations(user).values("pk"),
        )
        return evaluations_for(user, Perm.VIEW).filter(Q(pk__in=ids[0]) | Q(pk__in=ids[1]) | Q(pk__in=ids[2]))
    raise ValueError(f"unknown action {action!r}")


def may(user: Any, evaluation: Evaluation, action: str) -> bool:
    """True when the user may do `action` to the problems of this evaluation."""
    return evaluations_where(user, action).filter(pk=evaluation.pk).exists()


def problems_for(user: Any) -> QuerySet[Problem]:
    """Problems of the evaluations the user may see."""
    return Problem.objects.select_related("evaluation__round", "evaluation__region").filter(
        evaluation__in=evaluations_for(user, Perm.VIEW)
    )


def get_problem_for(user: Any, problem_id: Any) -> Problem:
    """The problem if the user may see it, else NotFound (existence outside the scope does not leak)."""
    pk = parse_id(problem_id)
    if pk is None:
        raise NotFound("问题")
    problem = problems_for(user).filter(pk=pk).first()
    if problem is None:
        raise NotFound("问题")
    return problem


def problem_list(
    user: Any,
    *,
    evaluation_id: int | None = None,
    state: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Problem]:
    """The user's visible problems, optionally of one evaluation and in one state (逾期 included)."""
    qs = problems_for(user)
    if evaluation_id is not None:
        qs = qs.filter(evaluation_id=evaluation_id)
    if state == OVERDUE:
        qs = qs.filter(overdue_q(now))
    elif state:
        qs = qs.filter(state=state)
        if state in OPEN_STATES:
            qs = qs.exclude(overdue_q(now))
    return qs.order_by("evaluation__round__year", "evaluation__region__code", "pk")


def counts_by_region(
    user: Any, *, round_id: int | None = None, now: datetime | None = None
) -> dict[str, dict[str, int]]:
    """Per region code, how many visible problems are in each state as a person sees it (逾期 included)."""
    qs = problems_for(user)
    if round_id is not None:
        qs = qs.filter(evaluation__round_id=round_id)
    out: dict[str, dict[str, int]] = {}
    for p in qs:
        row = out.setdefault(p.evaluation.region.code, {})
        shown = display_state(p, now)
        row[shown] = row.get(shown, 0) + 1
    return out
