"""What the tabs of one evaluation share: the page frame, the score rows and the evidence by indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.models import Evaluation, ItemScore, State, StateChange
from lvzhi.evaluations.workflow import EDITABLE_STATES, REVIEW_STATES, TRANSITIONS
from lvzhi.evidence import services as evidence
from lvzhi.evidence.models import Evidence
from lvzhi.web.templatetags.lvzhi_web import domid

ACTION_LABELS = {
    State.FILLING: "开始填报",
    State.SUBMITTED: "提交",
    State.REVIEWING: "开始审核",
    State.RETURNED: "退回修改",
    State.APPROVED: "审核通过",
    State.PUBLISHED: "发布结果",
}


@dataclass
class Tab:
    key: str
    label: str
    url: str


def perms_of(user: Any, ev: Evaluation) -> dict[str, bool]:
    return {p.value: scoping.can(user, ev, p) for p in (Perm.FILL, Perm.REVIEW, Perm.MANAGE)}


def _next_actions(user: Any, ev: Evaluation, perms: dict[str, bool]) -> list[tuple[str, str]]:
    """The workflow steps this user may take now: (target state, button label)."""
    out = []
    for (frm, to), allowed in TRANSITIONS.items():
        if frm == ev.state and any(perms[p.value] for p in allowed):
            if (frm, to) == (State.RETURNED, State.FILLING):
                continue  # correcting in place and resubmitting is the usual path; reopening adds nothing here
            out.append((str(to), ACTION_LABELS[State(to)]))
    return out


def page_context(request: HttpRequest, ev: Evaluation, tab: str) -> dict[str, Any]:
    """What every tab of an evaluation shows around its content: tabs, permissions, state and next steps."""
    perms = perms_of(request.user, ev)
    tabs = [
        Tab("data", "数据填报", reverse("web:data", args=[ev.pk])),
        Tab("scores", "自评打分", reverse("web:scores", args=[ev.pk])),
        Tab("review", "审核", reverse("web:review", args=[ev.pk])),
        Tab("report", "报告", reverse("web:report", args=[ev.pk])),
    ]
    return {
        "ev": ev,
        "tab": tab,
        "tabs": tabs,
        "perms": perms,
        "title": f"{ev.region.name} · {ev.round.name}",
        "no_grade_reason": no_grade_reason(ev),
        # This region's own deadline: the round's, or a later one the office granted it (actions.office).
        "fill_deadline": office.fill_deadline_of(ev),
        "editable": perms["fill"] and ev.state in EDITABLE_STATES,
        "reviewing": (perms["review"] or perms["manage"]) and ev.state in REVIEW_STATES,
        "next_actions": _next_actions(request.user, ev, perms),
        "history": list(StateChange.objects.filter(evaluation=ev).select_related("by").order_by("-at")[:8]),
    }


def no_grade_reason(ev: Evaluation) -> str:
    """Why the evaluation has a total but no grade (or no total), in words; empty when it is graded."""
    if ev.grade:
        return ""
    pending = list(
        ItemScore.objects.filter(evaluation=ev, final_score__isnull=True)
        .exclude(auto_status="scored")
        .values_list("indicator_code", flat=True)
    )
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    names = {leaf.code: leaf.name for leaf in info.leaves if leaf.section == "indicators"}
    pending = [c for c in pending if c in names]
    if pending:
        shown = "、".join(f"{c} {names[c]}" for c in pending[:3])
        more = f"等 {len(pending)} 项" if len(pending) > 3 else ""
        return f"尚未评定等次：{shown}{more}指标还没有得分（缺少数据或尚未自评），全部得分后才能评定等次。"
    if ev.total is None:
        return "尚未评定等次：还没有计算总分。"
    return "尚未评定等次：方案没有为该总分规定等次。"


@dataclass
class ScoreRow:
    code: str
    name: str
    points: Decimal | None
    kind: str
    levels: dict[str, Decimal]
    section: str
    s: ItemScore | None
    evidence_required: bool = False
    error: str = ""
    saved: bool = False
    notes: list[str] = field(default_factory=list)  # what an upload in place did, shown in the row

    @property
    def dom(self) -> str:
        """The code made safe for an element id ('1.1' → '1_1'): the templates' domid filter."""
        return domid(self.code)

    @property
    def review_level(self) -> str:
        """The rubric level the reviewer's score stands for (reviews are given in the self-score's terms)."""
        if self.s is None or self.s.review_score is None:
            return ""
        points = self.points or Decimal(0)
        return next((name for name, f in self.levels.items() if points * f == self.s.review_score), "")


def score_rows(ev: Evaluation, only: str | None = None) -> list[ScoreRow]:
    """The scheme's leaves with their stored scores (one leaf with `only`)."""
    info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
    scores = {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=ev).select_related("reviewer")}
    rescoring.shown_explanations(ev.round, scores.values())
    return [
        ScoreRow(
            leaf.code,
            leaf.name,
            leaf.points,
            leaf.kind,
            dict(leaf.levels),
            leaf.section,
            scores.get(leaf.code),
            leaf.evidence_required,
        )
        for leaf in info.leaves
        if only is None or leaf.code == only
    ]


def evidence_context(user: Any, ev: Evaluation) -> dict[str, Any]:
    """Evidence of the evaluation by indicator, each with where else the same file was used."""
    by_code: dict[str, list[tuple[Evidence, list[evidence.Reuse], int]]] = {}
    for row in evidence.evidence_for(user, ev.pk):
        shown, hidden = evidence.reuse_for(user, row)
        by_code.setdefault(row.indicator_code, []).append((row, shown, hidden))
    return {"evidence": by_code, "evidence_enabled": True}


def score_row_response(
    request: HttpRequest, ev: Evaluation, code: str, *, notes: list[str] | None = None, error: str = ""
) -> HttpResponse:
    """One 自评打分 row as it now stands (after a save or an upload in place), with the header's total."""
    rows = score_rows(ev, code)
    if not rows:
        raise Http404("方案中没有这个指标")
    row = rows[0]
    row.notes, row.error = notes or [], error
    ev.refresh_from_db()
    ctx = {
        "ev": ev,
        "r": row,
        "editable": scoping.can(request.user, ev, Perm.FILL) and ev.state in EDITABLE_STATES,
        "summary": rescoring.summary_for(ev),
        "oob": True,
        "no_grade_reason": no_grade_reason(ev),
    }
    ctx.update(evidence_context(request.user, ev))
    return render(request, "web/_score_row.html", ctx)
