"""Pages of the supervision office (督导办): scheme upload, preview, diff and activation; rounds — open,
progress drill-down, deadlines and extensions, expert assignment, batch steps, export, close.

Reads go through the scoping helper (a round outside the user's reach is 404, one it may see but not manage
403); every write is one action function, which re-checks permission and audits.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Forbidden, Perm
from lvzhi.evaluations import actions, gateway, progress, results
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.errors import ActionError, ValidationFailed
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, SchemeVersion
from lvzhi.regions.models import Level, Region
from lvzhi.site.downloads import download

# Batch steps the office takes on selected evaluations, each through its own action.
BATCH = {
    "start_review": ("开始审核", actions.do_start_review),
    "approve": ("审核通过", actions.do_approve),
    "publish": ("发布结果", actions.do_publish),
    "reopen": ("重新开放填报", actions.do_reopen),
}


def _may_manage_schemes(user: Any) -> bool:
    return scoping.is_admin(user) or scoping.office_regions(user).exists()


def _date(text: str, what: str) -> datetime | None:
    """A deadline typed in a form: a date (end of that day, Beijing time) or date and time."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = (
            datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(23, 59, 59))
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    except ValueError:
        raise ActionError(f"{what}“{text}”不是日期：请写成 2026-06-30") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(i.message for i in exc.issues)
    return str(exc)


# ---------------------------------------------------------------- schemes


@login_required
def scheme_upload(request: HttpRequest) -> HttpResponse:
    """上传方案: a scheme file becomes a draft version; errors are listed with file:line."""
    if not _may_manage_schemes(request.user):
        raise PermissionDenied("只有系统管理员或督导办可以导入评价方案")
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append("请选择方案文件（.yaml）")
        else:
            try:
                sv = actions.do_upload_scheme_version(
                    acting_user=request.user,
                    data=upload.read(actions.MAX_SCHEME_BYTES + 1),
                    file_name=upload.name or "",
                )
            except ValidationFailed as exc:
                errors.extend(issue.message for issue in exc.issues)
            except (ActionError, PermissionDenied) as exc:
                errors.append(str(exc))
            else:
                messages.success(request, f"已导入“{sv.title}”v{sv.version}，请核对预览和差异后启用。")
                return redirect("web:scheme_review", sv.pk)
    return render(request, "web/office/scheme_upload.html", {"title": "导入评价方案", "errors": errors})


def _base_choices(version: SchemeVersion) -> list[tuple[str, str]]:
    """What a version may be compared with: other stored versions and the built-in schemes."""
    from lvzhi.schemes import list_builtin, load_builtin

    stored = [
        (f"v{v.pk}", str(v))
        for v in SchemeVersion.objects.exclude(pk=version.pk)
        .defer("yaml_text")
        .order_by("scheme_id", "-version")
    ]
    # Built-in schemes by their titles (their ids are file names, not words for people).
    return stored + [(f"b:{sid}", f"内置方案：{load_builtin(sid).title}") for sid in list_builtin()]


@login_required
def scheme_review(request: HttpRequest, pk: int) -> HttpResponse:
    """预览与差异: every rule in plain Chinese, the differences from the version it replaces (or any chosen
    version or built-in scheme), and the activation button."""
    from lvzhi.schemes import SchemeError, load_builtin
    from lvzhi.schemes.diff import scheme_diff
    from lvzhi.schemes.rule_text import condition_text, rule_text

    version = get_object_or_404(SchemeVersion, pk=pk)
    scheme = gateway.load(version.yaml_text, version.source_name or "scheme.yaml")
    base_key = request.GET.get("base") or ""
    base_obj: Any = None
    base_label = ""
    if base_key.startswith("b:"):
        try:
            base_obj, base_label = load_builtin(base_key[2:]), f"内置方案 {base_key[2:]}"
        except SchemeError:
            raise Http404("没有这个内置方案") from None
    elif base_key.startswith("v") and base_key[1:].isdigit():
        other = get_object_or_404(SchemeVersion, pk=int(base_key[1:]))
        base_obj, base_label = gateway.load(other.yaml_text, other.source_name or "scheme.yaml"), str(other)
    else:
        replaced = office.replaced_version(version)
        if replaced is not None:
            base_key = f"v{replaced.pk}"
            base_obj, base_label = (
                gateway.load(replaced.yaml_text, replaced.source_name or "scheme.yaml"),
                str(replaced),
            )
    rows = []
    for attr, label in (("indicators", "指标"), ("bonus", "加分项"), ("deductions", "扣分项")):
        for top in getattr(scheme, attr):
            for node in top.walk():
                depth = node.code.count(".")
                text = rule_text(scheme, node) if node.is_leaf and node.rule is not None else ""
                rows.append((label, depth, node.code, node.name, node.points, text))
    conditions = [(c.code, c.name, condition_text(scheme, c)) for c in (*scheme.vetoes, *scheme.caps)]
    ctx = {
        "title": f"方案预览：{version.title}",
        "version": version,
        "rows": rows,
        "grades": scheme.grades,
        "conditions": conditions,
        "diff": scheme_diff(base_obj, scheme) if base_obj is not None else None,
        "base_key": base_key,
        "base_label": base_label,
        "bases": _base_choices(version),
        "may_activate": _may_manage_schemes(request.user) and version.activated_at is None,
        "in_use": version.rounds.count(),
    }
    return render(request, "web/office/scheme_review.html", ctx)


@login_required
@require_POST
def scheme_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SchemeVersion, pk=pk)
    try:
        actions.do_activate_scheme_version(acting_user=request.user, version=version)
        messages.success(request, f"方案“{version}”已启用，可以用来开启评价轮次。")
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未能启用：{exc}")
    return redirect("web:scheme_review", pk)


# ---------------------------------------------------------------- rounds


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    """评价轮次: the rounds the user may see, and (for an office) the form that opens the year's round."""
    user = request.user
    owners = list(scoping.office_regions(user).order_by("code")[:200]) if not scoping.is_admin(user) else []
    if request.method == "POST":
        if not owners:
            raise PermissionDenied("只有督导办可以开启评价轮次")
        try:
            sv = SchemeVersion.objects.filter(pk=int(request.POST.get("scheme") or 0)).first()
            owner = next((r for r in owners if r.code == request.POST.get("region")), None)
            level = request.POST.get("level", "县")
            year_text = request.POST.get("year") or ""
            if (
                sv is None
                or owner is None
                or not year_text.isdigit()
                or level not in office.LEVEL_CHOICES.values()
            ):
                raise ActionError("请选择方案版本、组织单位、评价层级，并填写年度")
            opened = office.do_open_year_round(
                acting_user=user,
                scheme_version=sv,
                year=int(year_text),
                owner_region=owner,
                level=level,
                fill_deadline=_date(request.POST.get("fill_deadline", ""), "填报截止"),
                review_deadline=_date(request.POST.get("review_deadline", ""), "审核截止"),
                name=(request.POST.get("name") or "").strip(),
            )
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能开启：{_explain(exc)}")
        else:
            what = "已开启" if opened.created else "已存在，本次补充"
            messages.success(request, f"评价轮次“{opened.round.name}”{what} {opened.added} 个区划。")
            return redirect("web:round", opened.round.pk)
    visible = (
        scoping.rounds_for(user)
        .defer("scheme_version__yaml_text")
        .annotate(n=Count("evaluations"))
        .order_by("-year", "name")
    )
    ctx = {
        "title": "评价轮次",
        "rounds": visible,
        "owners": owners,
        "levels": [
            (value, label)
            for value, label in office.LEVEL_LABELS.items()
            if value != Level.PROVINCE or any(r.level == Level.NATION for r in owners)
        ],
        "versions": SchemeVersion.objects.filter(activated_at__isnull=False)
        .defer("yaml_text")
        .order_by("scheme_id", "-version"),
        "year": timezone.localdate().year,
    }
    return render(request, "web/office/rounds.html", ctx)


def _region_param(request: HttpRequest, rnd: Any) -> Region | None:
    code = request.GET.get("region") or ""
    if not code:
        return None
    region = scoping.get_region_for(request.user, code)
    if not region.path.startswith(rnd.owner_region.path):
        raise Http404("该区划不在本轮次范围内")
    return region


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """进度: counts per state under each region (click to list them), overdue, average total; the list
    of evaluations behind a count with deadlines, countdown and the office's batch steps."""
    rnd = scoping.get_round_for(request.user, round_id)
    manage = scoping.rounds_for(request.user, Perm.MANAGE).filter(pk=rnd.pk).exists()
    under = _region_param(request, rnd)
    view = progress.progress(request.user, rnd, under)
    state = request.GET.get("state") or ""
    if state and state not in progress.STATES:
        raise Http404("没有这个状态")
    overdue = request.GET.get("overdue") == "1"
    listing = None
    listing_page = None
    if state or overdue or (view.rows and all(r.leaf for r in view.rows)):
        now = timezone.now()
        listing = [
            (
                e,
                deadline,
                late,
                # The countdown matters only while the region still owes its submission.
                (deadline - now).days
                if deadline and deadline > now and e.state in office.OWING_STATES
                else None,
            )
            for e, deadline, late in progress.evaluations_in(request.user, rnd, view.node, state, overdue)
        ]
        # A count of a national round may stand for hundreds of regions: 100 a page.
        listing_page = Paginator(listing, 100).get_page(request.GET.get("page"))
        listing = list(listing_page)
    ctx = {
        "title": rnd.name,
        "round": rnd,
        "manage": manage,
        "view": view,
        "states": progress.STATES,
        "state": state,
        "overdue": overdue,
        "listing": listing,
        "listing_page": listing_page,
        "page_query": "&".join(
            f"{k}={quote(request.GET.get(k, ''))}"
            for k in ("region", "state", "overdue")
            if request.GET.get(k)
        ),
        "extendable": [e for e, _, _, _ in listing or [] if e.state in office.OWING_STATES],
        "batch": [(k, v[0]) for k, v in BATCH.items()],
        "region_code": view.node.code,
    }
    return render(request, "web/office/round.html", ctx)


@login_required
@require_POST
def round_batch(request: HttpRequest, round_id: int) -> HttpResponse:
    """One step on the selected evaluations, each through its own action; the result item by item."""
    rnd = scoping.get_round_for(request.user, round_id, Perm.MANAGE)
    step = BATCH.get(request.POST.get("step", ""))
    ids = [int(i) for i in request.POST.getlist("evaluation") if i.isdigit()]
    if step is None or not ids:
        messages.error(request, "请选择要执行的操作和至少一个评价。")
        return redirect(_back(request, rnd))
    label, action = step
    chosen = (
        scoping.evaluations_for(request.user, Perm.VIEW)
        .filter(round=rnd, pk__in=ids)
        .select_related("region", "round")
    )
    done, failed = [], []
    for ev in chosen:
        try:
            action(acting_user=request.user, evaluation=ev)
            done.append(ev.region.name)
        except (ActionError, PermissionDenied) as exc:
            failed.append(f"{ev.region.name}：{_explain(exc)}")
    if done:
        messages.success(request, f"{label}完成 {len(done)} 个：{'、'.join(done)}")
    for line in failed:
        messages.error(request, f"{label}未完成 — {line}")
    return redirect(_back(request, rnd))


def _back(request: HttpRequest, rnd: Any) -> str:
    query = request.POST.get("query", "")
    url = reverse("web:round", args=[rnd.pk])
    # Only our own filter keys go back into the address (never a free-form redirect).
    keep = "&".join(p for p in query.split("&") if p.split("=")[0] in ("region", "state", "overdue"))
    return f"{url}?{keep}" if keep else url


@login_required
@require_POST
def round_extend(request: HttpRequest, round_id: int) -> HttpResponse:
    """延期: one region may submit until a later moment, for a reason."""
    rnd = scoping.get_round_for(request.user, round_id, Perm.MANAGE)
    ev = (
        Evaluation.objects.filter(
            round=rnd,
            pk=int(request.POST.get("evaluation") or 0)
            if (request.POST.get("evaluation") or "").isdigit()
            else 0,
        )
        .select_related("round", "region")
        .first()
    )
    try:
        if ev is None:
            raise ActionError("请选择要延期的评价")
        until = _date(request.POST.get("until", ""), "延期至")
        if until is None:
            raise ActionError("请填写延期至哪一天")
        office.do_grant_extension(
            acting_user=request.user, evaluation=ev, until=until, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, f"{ev.region.name}的填报截止已延至 {timezone.localtime(until):%Y-%m-%d %H:%M}。"
        )
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未能延期：{_explain(exc)}")
    return redirect(_back(request, rnd))


@login_required
@require_POST
def round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    rnd = scoping.get_round_for(request.user, round_id, Perm.MANAGE)
    try:
        office.do_close_round(acting_user=request.user, round=rnd)
        messages.success(request, f"评价轮次“{rnd.name}”已关闭。")
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未能关闭：{exc}")
    return redirect("web:round", rnd.pk)


@login_required
def round_export(request: HttpRequest, round_id: int, fmt: str) -> HttpResponse:
    """导出: every visible evaluation's total, grade, rank and indicator scores, as .xlsx or .csv."""
    rnd = scoping.get_round_for(request.user, round_id)
    if fmt not in ("xlsx", "csv"):
        raise Http404("只能导出 xlsx 或 csv")
    state = request.GET.get("state") or None
    if state and state not in progress.STATES:
        raise Http404("没有这个状态")
    table = results.result_table(request.user, rnd, state)
    return download(results.table_bytes(table, fmt), f"{rnd.name}.{fmt}")


# ---------------------------------------------------------------- experts


@login_required
def round_experts(request: HttpRequest, round_id: int) -> HttpResponse:
    """专家分配: the assignments of the round, by list, by city or by a balanced random draw (回避 always)."""
    rnd = scoping.get_round_for(request.user, round_id, Perm.MANAGE)
    experts = office.experts_available_to(request.user, rnd)
    regions = [
        e.region
        for e in Evaluation.objects.filter(round=rnd)
        .select_related("region__parent")
        .order_by("region__code")
    ]
    if request.method == "POST":
        chosen = [u for u in experts if str(u.pk) in request.POST.getlist("expert")]
        mode = request.POST.get("mode", "list")
        try:
            if not chosen:
                raise ActionError("请至少选择一名专家")
            if mode == "draw":
                per = int(request.POST.get("per_region") or 1)
                pairs = office.balanced_draw(chosen, regions, per, rnd.owner_region, office.expert_load(rnd))
            else:
                if mode == "city":
                    city = request.POST.get("city", "")
                    targets = [r for r in regions if r.parent and r.parent.code == city]
                else:
                    codes = set(request.POST.getlist("region"))
                    targets = [r for r in regions if r.code in codes]
                if not targets:
                    raise ActionError("请选择要评审的区划")
                pairs = [(r, u) for r in targets for u in chosen]
            for item in office.do_assign_experts(acting_user=request.user, round=rnd, pairs=pairs):
                (messages.success if item.ok else messages.error)(request, f"{item.label}：{item.message}")
        except (ActionError, PermissionDenied, ValueError) as exc:
            messages.error(request, f"未能分配：{_explain(exc)}")
        return redirect("web:round_experts", rnd.pk)
    assignments = (
        ExpertAssignment.objects.filter(round=rnd)
        .select_related("region", "expert")
        .order_by("region__code", "expert__username")
    )
    cities = sorted(
        {(r.parent.code, r.parent.name) for r in regions if r.parent and r.parent.pk != rnd.owner_region.pk}
    )
    ctx = {
        "title": f"专家分配：{rnd.name}",
        "round": rnd,
        "experts": experts,
        "regions": regions,
        "cities": cities,
        "assignments": assignments,
        "load": office.expert_load(rnd),
    }
    return render(request, "web/office/round_experts.html", ctx)


@login_required
@require_POST
def round_unassign(request: HttpRequest, round_id: int) -> HttpResponse:
    rnd = scoping.get_round_for(request.user, round_id, Perm.MANAGE)
    raw = request.POST.get("assignment") or ""
    assignment = (
        ExpertAssignment.objects.filter(round=rnd, pk=int(raw) if raw.isdigit() else 0)
        .select_related("region", "expert")
        .first()
    )
    if assignment is None:
        messages.error(request, "请选择要撤销的分配。")
    else:
        try:
            actions.do_unassign_expert(acting_user=request.user, assignment=assignment)
            messages.success(request, f"已撤销 {assignment.expert} 对 {assignment.region.name} 的评审分配。")
        except (ActionError, PermissionDenied, Forbidden) as exc:
            messages.error(request, f"未能撤销：{exc}")
    return redirect("web:round_experts", rnd.pk)
