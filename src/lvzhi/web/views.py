"""Views of the web interface: thin; they read through the scoping helper and write through action functions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from lvzhi.accounts import scoping
from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import Perm
from lvzhi.audit.codes import ACTIONS, describe_record
from lvzhi.evaluations import gateway
from lvzhi.evaluations.fields import canonical
from lvzhi.evaluations.gateway import catalogue
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, SchemeVersion, State, StateChange
from lvzhi.evaluations.results import shared_ranks
from lvzhi.site.downloads import download
from lvzhi.site.errors import parse_date
from lvzhi.site.request_types import HtmxRequest, UserRequest
from lvzhi.web import pagecache, queries

# Lists of evaluations never need the engine's result blob nor the scheme text: leaving them out keeps
# 工作台 and 对比分析 fast with hundreds of rows.
LIST_DEFER = ("result", "return_reasons", "round__scheme_version__yaml_text")

# Rows per page of a 查看 user's list of evaluations (a province has thousands).
VISIBLE_PER_PAGE = 50

SORT_KEYS = {"region": "地区", "parent": "上级", "total": "总分", "grade": "等次", "state": "状态"}


@login_required
def home(request: UserRequest) -> HttpResponse:
    """工作台: the signed-in user's tasks, deadlines, states and recent changes."""
    key = pagecache.page_key(request, "home")
    ctx = {
        **pagecache.cached(key, lambda: _home_context(request)),
        "page_key": key,
        "import_errors": request.session.pop("import_errors", None),
    }
    return render(request, "web/home.html", ctx)


def _home_context(request: UserRequest) -> dict[str, Any]:
    """What 工作台 lists for this user (cached by pagecache until the next audited change)."""
    user = request.user
    ctx: dict[str, Any] = {"title": "工作台"}
    if scoping.has_role(user, Role.FILLER):
        ctx["fill"] = list(
            scoping.evaluations_for(user, Perm.FILL)
            .defer(*LIST_DEFER)
            .order_by("-round__year", "region__code")[:50]
        )
    if scoping.has_role(user, Role.EXPERT):
        assigned = scoping.evaluations_for(user, Perm.REVIEW).defer(*LIST_DEFER)
        done = ExpertAssignment.objects.filter(expert=user, review_completed_at__isnull=False).values_list(
            "round_id", "region_id"
        )
        finished = set(done)
        # What waits for this expert comes first: submitted or under review, and not yet 评审完成 by them.
        ctx["review_waiting"] = [
            e
            for e in assigned.filter(state__in=[State.REVIEWING, State.SUBMITTED]).order_by(
                "state", "round__review_deadline", "region__code"
            )[:200]
            if (e.round_id, e.region_id) not in finished
        ]
        state = request.GET.get("review_state") or ""
        listed = assigned.filter(state=state) if state in State.values else assigned
        ctx["review_state"] = state if state in State.values else ""
        ctx["review_states"] = list(State.values)
        ctx["review"] = _page(
            listed.order_by("-round__year", "region__code"), 30, request.GET.get("review_page")
        )
    if scoping.has_role(user, Role.OFFICE) or scoping.is_admin(user):
        rounds = list(
            # An office follows every round covering its regions (a city office its province's rounds too),
            # with links to the progress of its own subtree.
            scoping.rounds_for(user, Perm.VIEW).defer("scheme_version__yaml_text").order_by("-year")[:12]
        )
        counts = (
            scoping.evaluations_for(user, Perm.VIEW)
            .filter(round__in=rounds)
            .values("round_id", "state")
            .annotate(n=Count("pk"))
        )
        by_round: dict[int, dict[str, int]] = {}
        for row in counts:
            by_round.setdefault(row["round_id"], {})[row["state"]] = row["n"]
        ctx["rounds"] = [
            (r, [(s.value, by_round.get(r.pk, {}).get(s.value, 0)) for s in State]) for r in rounds
        ]
        ctx["to_act"] = list(
            scoping.evaluations_for(user, Perm.MANAGE)
            .defer(*LIST_DEFER)
            .filter(state__in=[State.SUBMITTED, State.REVIEWING, State.APPROVED])
            .order_by("state_changed_at")[:30]
        )
    if not any(k in ctx for k in ("fill", "review", "rounds")):
        ctx["visible"] = _page(
            scoping.evaluations_for(user, Perm.VIEW)
            .defer(*LIST_DEFER)
            .order_by("-round__year", "region__code"),
            VISIBLE_PER_PAGE,
            request.GET.get("page"),
        )
    ctx["changes"] = [
        (rec, describe_record(rec)) for rec in scoping.audit_records_for(user).order_by("-seq")[:12]
    ]
    return ctx


def _page(qs: Any, per_page: int, number: Any) -> dict[str, Any]:
    """One page of a list as plain data (cacheable: a Page object would carry its whole query)."""
    page = Paginator(qs, per_page).get_page(number)
    return {
        "rows": list(page.object_list),
        "number": page.number,
        "num_pages": page.paginator.num_pages,
        "count": page.paginator.count,
        "previous": page.previous_page_number() if page.has_previous() else None,
        "next": page.next_page_number() if page.has_next() else None,
    }


@login_required
def schemes(request: HttpRequest) -> HttpResponse:
    """方案: the scheme versions in use (schemes are documents, readable by every signed-in user)."""
    versions = SchemeVersion.objects.annotate(n_rounds=Count("rounds")).order_by("scheme_id", "-version")
    return render(request, "web/schemes.html", {"title": "评价方案", "versions": versions})


@dataclass
class SchemeNode:
    code: str
    name: str
    points: Decimal | None
    rule: str  # the rule in plain Chinese (lvzhi.schemes.rule_text); empty for inner nodes
    points_note: str
    children: list[SchemeNode]


def _scheme_tree(scheme: Any, nodes: Any) -> list[SchemeNode]:
    from lvzhi.schemes.rule_text import rule_text

    return [
        SchemeNode(
            n.code,
            n.name,
            n.points,
            rule_text(scheme, n) if n.is_leaf and n.rule is not None else "",
            n.points_note,
            _scheme_tree(scheme, n.children),
        )
        for n in nodes
    ]


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """方案: the indicator tree with points and every rule in plain Chinese (the one rule renderer)."""
    from lvzhi.schemes.rule_text import condition_text, scheme_rules_text

    version = get_object_or_404(SchemeVersion, pk=pk)
    scheme = gateway.load(version.yaml_text, version.source_name or "scheme.yaml")
    return render(
        request,
        "web/scheme_detail.html",
        {
            "title": version.title,
            "version": version,
            "scheme": scheme,
            # The provenance status in words; its free-text notes are the scheme authors' (often English).
            "official": scheme.provenance.status == "official",
            "indicators": _scheme_tree(scheme, scheme.indicators),
            "bonus": _scheme_tree(scheme, scheme.bonus),
            "deductions": _scheme_tree(scheme, scheme.deductions),
            "conditions": [
                (c.code, c.name, condition_text(scheme, c)) for c in (*scheme.vetoes, *scheme.caps)
            ],
            # Scheme-local computed names need no list of their own: every rule says them in words.
            "scheme_rules": scheme_rules_text(scheme),
        },
    )


def _sorted_league(evals: list[Evaluation], key: str, desc: bool) -> list[Evaluation]:
    def k(e: Evaluation) -> Any:
        if key == "total":
            return (e.total is not None, e.total if e.total is not None else Decimal(0))
        if key == "parent":
            return e.region.parent.name if e.region.parent else ""
        if key == "grade":
            return e.grade or "~"
        if key == "state":
            return list(State.values).index(e.state)
        return e.region.code

    return sorted(evals, key=k, reverse=desc)


@login_required
def analysis(request: HtmxRequest) -> HttpResponse:
    """对比分析: league table, radar, spending trends and grade distribution of a round."""
    key = pagecache.page_key(request, "analysis")
    ctx = {**pagecache.cached(key, lambda: _analysis_context(request)), "page_key": key}
    if request.htmx and request.htmx.target == "league":
        return render(request, "web/_league.html", ctx)
    return render(request, "web/analysis.html", ctx)


def _analysis_context(request: HttpRequest) -> dict[str, Any]:
    """What 对比分析 shows, as plain data (cached by pagecache until the next audited change)."""
    user = request.user
    rounds = list(
        scoping.rounds_for(user, Perm.VIEW).defer("scheme_version__yaml_text").order_by("-year", "name")
    )
    ctx: dict[str, Any] = {"title": "对比分析", "rounds": rounds}
    if not rounds:
        return ctx
    rid = request.GET.get("round") or rounds[0].pk
    rnd = scoping.get_round_for(user, rid)
    evals = queries.league(rnd, user)
    q = (request.GET.get("q") or "").strip()
    grade = request.GET.get("grade") or ""
    shown = [
        e
        for e in evals
        if (not q or q in e.region.name or q in (e.region.parent.name if e.region.parent else ""))
        and (not grade or (e.grade or "未评定") == grade)
    ]
    sort = request.GET.get("sort", "")
    key = sort if sort in SORT_KEYS else "total"
    desc = request.GET.get("dir", "desc" if key == "total" else "asc") == "desc"
    shown = _sorted_league(shown, key, desc)
    # Only evaluations in one state are ranked against each other (default: published), ties sharing a rank:
    # a county that has not started is never ranked with one whose result is out.
    rank_state = request.GET.get("rank_state") or State.PUBLISHED
    if rank_state not in State.values:
        rank_state = State.PUBLISHED
    rank = shared_ranks(evals, rank_state)
    ranked = sorted((e for e in evals if e.pk in rank), key=lambda e: rank[e.pk])
    # Rows as plain tuples: rendering 100+ rows with per-row {% url %} and filters dominated the page time.
    rows = [
        (
            rank.get(e.pk) or "—",
            e.region_id,
            e.region.name,
            e.region.parent.name if e.region.parent else "",
            "" if e.total is None else canonical(e.total),
            e.grade or "未评定",
            e.state,
        )
        for e in shown
    ]
    ctx.update(
        {
            "round": rnd,
            "rows": rows,
            "q": q,
            "grade": grade,
            "sort": key,
            "desc": desc,
            "sort_keys": SORT_KEYS,
            "grades": [g for g, _ in queries.grade_distribution(evals)],
            "n_all": len(evals),
            "rank_state": rank_state,
            "states": State.values,
        }
    )
    focus_id = request.GET.get("region")
    focus = next((e for e in evals if str(e.region_id) == str(focus_id)), None) or (
        ranked[0] if ranked else evals[0] if evals else None
    )
    charts: dict[str, Any] = {"grades": queries.grade_distribution(evals)}
    if focus is not None:
        charts["radar"] = {"region": focus.region.name, "axes": queries.radar(focus)}
        trends = queries.spending_trends(user, focus.region_id)
        cat = catalogue()
        charts["trends"] = {
            "years": trends["years"],
            "series": [
                {
                    "name": f"{cat[c].name}（{cat[c].unit}）" if c in cat else c,
                    "data": [None if v is None else float(v) for v in vals],
                }
                for c, vals in trends["series"].items()
            ],
        }
    ctx.update(
        {
            "focus": {"region_id": focus.region_id, "name": focus.region.name} if focus else None,
            "charts": charts,
            "region_options": [(e.region_id, e.region.name) for e in evals],
        }
    )
    return ctx


@login_required
def audit(request: HtmxRequest) -> HttpResponse:
    """审计日志: who changed what, filterable, within the user's scope."""
    qs = scoping.audit_records_for(request.user).order_by("-seq")
    f = {
        k: (request.GET.get(k) or "").strip()
        for k in ("actor", "action", "region", "object", "since", "until")
    }
    if f["actor"]:
        qs = qs.filter(actor_username__icontains=f["actor"])
    if f["action"]:
        qs = qs.filter(action=f["action"])
    if f["region"]:
        qs = qs.filter(region_code__startswith=f["region"])
    if f["object"]:
        qs = qs.filter(Q(object_repr__icontains=f["object"]) | Q(object_type__icontains=f["object"]))
    since, until = parse_date(request, "since"), parse_date(request, "until")
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from lvzhi.regions.models import Region

    codes = {r.region_code for r in page if r.region_code}
    region_names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    tpl = "web/_audit_rows.html" if request.htmx else "web/audit.html"
    actions = sorted(((a.code, a.label) for a in ACTIONS.values()), key=lambda kv: kv[1])
    return render(
        request,
        tpl,
        {
            "title": "审计日志",
            "page": page,
            "f": f,
            "query": query,
            "actions": actions,
            "region_names": region_names,
        },
    )


def public(request: HttpRequest) -> HttpResponse:
    """公开: published results of every round, no login needed — per region the total, grade, the score of
    each top-level indicator, the publication date and the published report."""
    rounds = queries.published_rounds()
    rid = request.GET.get("round")
    rnd = next((r for r in rounds if str(r.pk) == rid), rounds[0] if rounds else None)
    rows: list[Evaluation] = []
    tops: list[queries.TopIndicator] = []
    if rnd is not None:
        rows = list(
            Evaluation.objects.filter(round=rnd, state=State.PUBLISHED)
            .select_related("region__parent")
            .defer("result")
            .order_by("region__code")
        )
        ranks = shared_ranks(rows)
        rows.sort(key=lambda e: (e.total is None, -(e.total or 0)))
        tops = queries.top_indicators(rnd.scheme_version)
        by_top = queries.top_scores(rows, tops)
        published = dict(
            StateChange.objects.filter(evaluation__in=rows, to_state=State.PUBLISHED)
            .values("evaluation_id")
            .annotate(at=Max("at"))
            .values_list("evaluation_id", "at")
        )
        for e in rows:
            e.rank = ranks.get(e.pk)  # type: ignore[attr-defined]
            e.top_scores = by_top.get(e.pk, [])  # type: ignore[attr-defined]
            e.published_at = published.get(e.pk) or e.state_changed_at  # type: ignore[attr-defined]
    return render(
        request,
        "web/public.html",
        {"title": "公开结果", "rounds": rounds, "round": rnd, "rows": rows, "tops": tops},
    )


def public_report(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The published report of one region as pdf (only once its result is published)."""

    from lvzhi.evaluations import reporting

    ev = (
        Evaluation.objects.filter(pk=evaluation_id, state=State.PUBLISHED)
        .select_related("round", "region")
        .first()
    )
    if ev is None:
        raise Http404("该地区的评价结果尚未发布")
    filename = f"{ev.region.name}{ev.round.year}年度履行教育职责评价报告.pdf"
    return download(reporting.render(ev, "pdf"), filename, inline=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF refusal page, in Chinese, saying what to do."""
    return render(
        request,
        "403.html",
        {
            "title": "请求已过期",
            "exception": "表单已过期或来源无法验证（可能页面打开太久或已在别处退出登录）。请刷新页面后重新操作。",
        },
        status=403,
    )
