"""督导 pages: the round's risk list and draws, inspection plans, a visit's checklist and findings form
(tablet-size, plain HTML), and the credibility table.

Reads go through the scoping helper; every change is one lvzhi.inspections action.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import (
    Perm,
    evaluations_for,
    get_inspection_draw_for,
    get_inspection_finding_for,
    get_inspection_visit_for,
    get_round_for,
    has_role,
    is_admin,
    rounds_for,
)
from lvzhi.evaluations.models import DataValue
from lvzhi.evidence import storage
from lvzhi.evidence.models import StoredFile
from lvzhi.inspections import actions, queries, risk
from lvzhi.inspections.figures import typed_number
from lvzhi.inspections.models import Draw, Plan
from lvzhi.rectification.models import Severity
from lvzhi.rectification.queries import today_in_shanghai
from lvzhi.site.action_errors import ActionError, Issue, ValidationFailed
from lvzhi.site.downloads import content_type_of, download


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(i.message for i in exc.issues)
    return str(exc)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _number(text: str, what: str) -> Decimal | None:
    try:
        return typed_number(text)
    except ValueError as exc:
        raise ValidationFailed([_issue(what, f"{what}“{exc}”不是数字")]) from None


def _percent(p: Decimal, runs: int = 0) -> str:
    """A probability as a percentage with two decimals; a chance too small for that still shows as one, and
    a simulated estimate of 0 says it is only that (the floor keeps every region's chance above 0)."""
    if p == 0 and runs:
        return f"极小（模拟 {runs} 次中未被抽中）"
    shown = (p * 100).quantize(Decimal("0.01"))
    if shown == 0 and p > 0:
        return "不足 0.01%"
    return f"{shown}%"


def _or(value: Decimal | None, default: Decimal) -> Decimal:
    return default if value is None else value


def _issue(code: str, message: str) -> Issue:
    return Issue(code, message)


def _int(text: str, what: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationFailed([_issue(what, f"{what}应为非负整数，收到“{text}”")])
    return int(text)


@login_required
def round_inspection(request: HttpRequest, round_id: int) -> HttpResponse:
    """实地督导: the regions by risk with the reasons, the draws made, the plans and their regions."""
    rnd = get_round_for(request.user, round_id, Perm.MANAGE)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "settings":
                before = actions.settings_for(rnd)
                after = actions.do_set_settings(
                    acting_user=request.user,
                    round=rnd,
                    values={s.name: request.POST.get(s.name, "") for s in risk.SETTING_SPECS},
                )
                note = "已保存风险参数。" if after != before else "风险参数没有变化。"
                messages.success(request, note)
                return redirect(f"{request.path}#settings")
            if request.POST.get("action") == "draw":
                n = _int(request.POST.get("n", ""), "抽取数量")
                draw = actions.do_draw(
                    acting_user=request.user,
                    round=rnd,
                    n=n if n is not None else 0,
                    seed=_int(request.POST.get("seed", ""), "随机种子"),
                )
                messages.success(request, f"已抽取：{'、'.join(draw.drawn)}（种子 {draw.seed}）。")
                return redirect("web:inspection_draw", draw.pk)
            draw_id = request.POST.get("draw") or ""
            plan = actions.do_create_plan(
                acting_user=request.user,
                round=rnd,
                name=request.POST.get("name", ""),
                team=request.POST.get("team", ""),
                starts_on=_day(request.POST.get("starts_on", "")),
                ends_on=_day(request.POST.get("ends_on", "")),
                draw=get_inspection_draw_for(request.user, draw_id, Perm.MANAGE) if draw_id else None,
                regions=request.POST.getlist("regions"),
            )
            messages.success(request, f"已制定督导计划“{plan}”。")
            return redirect("web:inspection", rnd.pk)
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能完成：{_explain(exc)}")
    current = actions.settings_for(rnd)
    ctx = {
        "round": rnd,
        "risks": actions.risk_list(rnd, current),
        "settings": _settings_rows(current, request.POST if request.method == "POST" else None),
        "draws": list(Draw.objects.filter(round=rnd)[:20]),
        "plans": list(
            Plan.objects.filter(round=rnd)
            .prefetch_related("visits__evaluation__region")
            .order_by("-starts_on")
        ),
    }
    return render(request, "web/insp/round.html", ctx)


GROUPS = (
    ("statistics", "数据异常与可信度的判定"),
    ("weights", "各类原因的计分"),
    ("draw", "抽取"),
    ("findings", "实地核查"),
)


def _settings_rows(
    current: risk.RiskSettings, posted: Any = None
) -> list[tuple[str, list[tuple[risk.SettingSpec, str]]]]:
    """The settings form's groups: each knob with the value shown (what was typed, after a refused save)."""
    values = current.as_dict()
    return [
        (
            title,
            [
                (
                    s,
                    posted.get(s.name, "")
                    if posted is not None and s.name in posted
                    else str(values[s.name]),
                )
                for s in risk.SETTING_SPECS
                if s.group == group
            ],
        )
        for group, title in GROUPS
    ]


@login_required
def inspection_draw(request: HttpRequest, draw_id: int) -> HttpResponse:
    """One draw: its seed, settings, inputs, result and every region's probability of being drawn, re-run
    here to show that the result and the probabilities follow from the stored inputs."""
    draw = get_inspection_draw_for(request.user, draw_id)
    again = actions.rerun(draw)
    chances = actions.rerun_inclusion(draw)
    inclusion = draw.inclusion or chances.as_dict()
    stored = inclusion["probabilities"]
    used = actions.settings_of(draw)
    runs = int(inclusion.get("runs", 0))
    drawn = set(draw.drawn)
    floor = draw.floor if draw.floor is not None else Decimal(0)
    rows = [
        {
            **c,
            "weight": floor + max(Decimal(c["risk"]), Decimal(0)),
            "probability": _percent(Decimal(stored[c["region"]]), runs) if c["region"] in stored else "—",
            "chance": Decimal(stored.get(c["region"], "0")),
            "drawn": c["region"] in drawn,
        }
        for c in draw.candidates
    ]
    rows.sort(key=lambda r: (r["stratum"], -r["chance"], r["region"]))
    strata = [
        {**s, "extra": _percent(Decimal(s["extra"])) if Decimal(s["extra"]) > 0 else ""}
        for s in inclusion["strata"]
    ]
    ctx = {
        "draw": draw,
        "rows": rows,
        "rerun_matches": list(again.drawn) == list(draw.drawn),
        "chances_match": actions.inclusion_matches(draw, chances),
        "inclusion": inclusion,
        "strata": strata,
        "used": [(s.label, getattr(used, s.name)) for s in risk.SETTING_SPECS],
        "names": {c["region"]: c["name"] for c in draw.candidates},
        "manage": rounds_for(request.user, Perm.MANAGE).filter(pk=draw.round_id).exists(),
    }
    return render(request, "web/insp/draw.html", ctx)


@login_required
def inspection_visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    """督导区划: the checklist, the findings so far and (for the office) the form to record one."""
    visit = get_inspection_visit_for(request.user, visit_id)
    manage = rounds_for(request.user, Perm.MANAGE).filter(pk=visit.plan.round_id).exists()
    if request.method == "POST":
        post = request.POST
        try:
            if not manage:
                raise PermissionDenied("您没有记录督导发现的权限")
            finding = actions.do_record_finding(
                acting_user=request.user,
                visit=visit,
                description=post.get("description", ""),
                indicator_code=post.get("indicator", ""),
                item_code=post.get("item", ""),
                verified_value=_number(post.get("verified", ""), "核查数值"),
                verified_score=post.get("verified_score", ""),
                tolerance=_or(
                    _number(post.get("tolerance", ""), "允许偏差"),
                    actions.settings_for(visit.plan.round).verified_tolerance,
                ),
                photos=[(f.name or "", f.read()) for f in request.FILES.getlist("photos")],
                raise_problem=post.get("raise_problem") == "1",
                required_measure=post.get("required_measure", ""),
                deadline=_day(post.get("deadline", "")),
                severity=post.get("severity", Severity.GENERAL),
            )
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能记录：{_explain(exc)}")
        else:
            note = "，核查数值与填报数值的差异超出允许偏差" if finding.flagged else ""
            messages.success(request, f"已记录{finding}{note}。")
            return redirect("web:inspection_visit", visit.pk)
    lines = queries.checklist_for(visit)
    ctx = {
        "visit": visit,
        "manage": manage,
        "lines": lines,
        "labels": {f.item: f.label for line in lines for f in line.figures},
        "findings": list(
            visit.findings.prefetch_related(
                Prefetch("photos", StoredFile.objects.order_by("pk"))
            ).select_related("problem")
        ),
        "items": list(
            DataValue.objects.filter(evaluation=visit.evaluation, value__isnull=False).order_by("item_code")
        ),
        "severities": Severity.values,
        "tolerance": actions.settings_for(visit.plan.round).verified_tolerance,
    }
    return render(request, "web/insp/visit.html", ctx)


@login_required
def correct_finding(request: HttpRequest, finding_id: int) -> HttpResponse:
    """更正核查: the office corrects a finding's verified figure, verified score or tolerance (POST)."""
    finding = get_inspection_finding_for(request.user, finding_id)
    if request.method == "POST":
        post = request.POST
        try:
            corrected = actions.do_correct_finding(
                acting_user=request.user,
                finding=finding,
                verified_value=_number(post.get("verified", ""), "核查数值"),
                verified_score=post.get("verified_score", ""),
                tolerance=_number(post.get("tolerance", ""), "允许偏差"),
            )
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能更正：{_explain(exc)}")
        else:
            messages.success(request, f"已更正{corrected}的核查结果，评分已按核查结果重新计算。")
    return redirect("web:inspection_visit", finding.visit_id)


@login_required
def inspection_report(request: HttpRequest, visit_id: int, fmt: str) -> HttpResponse:
    """The region's inspection report (实地督导情况报告) as docx or pdf, through the writer."""
    visit = get_inspection_visit_for(request.user, visit_id)
    if fmt not in queries.REPORT_FORMATS:
        raise Http404("只能下载 docx 或 pdf 格式")
    return download(*queries.report_file(visit, fmt, today_in_shanghai()))


@login_required
def finding_photo(request: HttpRequest, finding_id: int, photo_n: int) -> FileResponse:
    """The n-th photo of a finding, if the finding's visit is visible to the user."""
    finding = get_inspection_finding_for(request.user, finding_id)
    photos = list(finding.photos.order_by("pk"))
    if not 1 <= photo_n <= len(photos):
        raise Http404("照片不存在")
    photo = photos[photo_n - 1]
    name = f"督导发现{finding.pk}-照片{photo_n}.{photo.kind}"
    return FileResponse(
        storage.open_stored(photo.sha256),
        as_attachment=False,
        filename=name,
        content_type=content_type_of(name),
    )


@login_required
def credibility(request: HttpRequest) -> HttpResponse:
    """自评可信度: per region and year, the self vs reviewer deviation and the figures over-stated on site."""
    if not (is_admin(request.user) or has_role(request.user, Role.OFFICE, Role.EXPERT)):
        raise PermissionDenied("自评可信度仅向督导办和评审专家显示")
    rows = queries.credibility_table(evaluations_for(request.user))
    return render(request, "web/insp/credibility.html", {"rows": rows})
