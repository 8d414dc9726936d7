"""Adapter from problems and rectification plans to the report writer's plain input (lvzhi.writer.model).

The writer never reads the database: this module reads an evaluation's problems through the scoping helper
and hands the writer `ProblemItem`s (问题清单 rows, 存在的主要问题) and plan sentences (下步工作打算).
"""

from __future__ import annotations

import functools
from typing import Any

from lvzhi.accounts.scoping import Perm, get_evaluation_for
from lvzhi.evaluations import gateway
from lvzhi.rectification import queries
from lvzhi.rectification.models import Problem, ProblemState
from lvzhi.writer import number_style as numbers
from lvzhi.writer.model import ProblemItem

GENERAL = "综合"  # the indicator column of a problem tied to no single indicator


@functools.lru_cache(maxsize=64)
def _indicator_names(yaml_text: str) -> dict[str, str]:
    scheme = gateway.load(yaml_text)
    names = {
        node.code: node.name
        for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions)
        for node in top.walk()
    }
    names.update({c.code: c.name for c in (*scheme.vetoes, *scheme.caps)})
    return names


def _problems(user: Any, evaluation_id: Any, include_closed: bool) -> tuple[Any, list[Problem]]:
    evaluation = get_evaluation_for(user, evaluation_id, Perm.VIEW)
    qs = (
        queries.problems_for(user)
        .filter(evaluation=evaluation)
        .select_related("carried_from__evaluation__round")
    )
    if not include_closed:
        qs = qs.exclude(state=ProblemState.CLOSED)
    return evaluation, list(qs.prefetch_related("measures").order_by("pk"))


def problem_item(problem: Problem, indicator_names: dict[str, str]) -> ProblemItem:
    """One problem as the writer's ProblemItem (a carried problem says which year it comes from)."""
    code = problem.indicator_code
    indicator = f"{code} {indicator_names[code]}" if code in indicator_names else (code or GENERAL)
    text = problem.description
    if problem.carried_from is not None:
        text += f"（{problem.carried_from.evaluation.round.year}年度评价反馈问题，尚未整改到位）"
    return ProblemItem(
        indicator=indicator,
        text=text,
        evidence=problem.evidence_ref,
        measure=problem.required_measure,
        deadline=problem.deadline,
    )


def problem_items(user: Any, evaluation_id: Any, *, include_closed: bool = True) -> list[ProblemItem]:
    """The evaluation's problems for the feedback letter and the 问题清单, in the order they were raised."""
    evaluation, problems = _problems(user, evaluation_id, include_closed)
    names = _indicator_names(evaluation.round.scheme_version.yaml_text)
    return [problem_item(p, names) for p in problems]


def plan_sentences(user: Any, evaluation_id: Any) -> list[str]:
    """下步工作打算: one sentence per measure of every problem not yet closed."""
    _evaluation, problems = _problems(user, evaluation_id, include_closed=False)
    sentences: list[str] = []
    for p in problems:
        for m in p.measures.all():
            owner = f"，责任人{m.owner}" if m.owner else ""
            sentences.append(
                f"针对“{p.description.rstrip('。')}”的问题，{m.text.rstrip('。')}"
                f"（责任单位：{m.responsible_unit}{owner}，{numbers.cn_date(m.deadline)}前完成）。"
            )
    return sentences
