"""The scope probe: every URL of the UI and every API route is requested, as users of one region, against
objects of regions they may not reach — each must refuse (401/403/404, or a redirect to a login page),
leak nothing and write nothing. Routes public by design are listed in PUBLIC, and still must not leak.

The routes are enumerated, not listed: Django's resolver is walked recursively and the API's routes come
from its OpenAPI schema, so a route added tomorrow is probed tomorrow — and fails here if unscoped.
Path parameters get foreign objects by their name (PARAM_KINDS); an unknown parameter name fails the
probe until it is declared, so no route escapes by naming its parameter differently.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, path

from lvzhi.accounts import scoping
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Evaluation, Round
from lvzhi.evidence.models import Evidence
from lvzhi.evidence.services import do_attach_evidence
from lvzhi.inspections.actions import do_create_plan, do_draw, do_record_finding
from lvzhi.jobs.services import submit, submit_system

pytestmark = pytest.mark.django_db

# Public by design: answer anyone (login pages, published results, the API's own documentation).
PUBLIC = {"login/", "logout/", "public/", "api/v1/docs", "api/v1/openapi.json", "s/<str:token>/"}
# Scheme versions are the published rules, not region data: any signed-in user may read them (the probe
# still requires a login for them and checks they leak nothing).
UNSCOPED_KINDS = {"scheme"}
# Signing in and out change the session by design (and would end the probe's own session): not probed.
SESSION_ROUTES = {"login/", "logout/", "admin/login/", "admin/logout/"}
# Django admin checks is_staff itself (only the system administrator is staff); probed like the rest.
REFUSED = {401, 403, 404, 405}
LOGIN_URLS = ("/login/", "/admin/login/")
PDF = b"%PDF-1.4\n%%EOF\n"

# Path parameter → the kind of object it names. "pk"/"id" take the kind from the route's first segment.
PARAM_KINDS = {
    "evaluation_pk": "evaluation",
    "evaluation_id": "evaluation",
    "round_pk": "round",
    "round_id": "round",
    "evidence_pk": "evidence",
    "evidence_id": "evidence",
    "scheme_pk": "scheme",
    "object_id": "admin-object",
    "code": "code",
    "item": "code",
    "fmt": "format",
    "app_label": "admin-app",
    "content_type_id": "admin-content-type",
    "notification_id": "notification",
    "job_id": "job",
    "draw_id": "inspection-draw",
    "photo_n": "photo-number",
    "survey_id": "survey",
    # A survey response token: the probe sends an altered one (a valid token opens the public form by design).
    "token": "token",
}
PREFIX_KINDS = {
    "e": "evaluation",
    "evaluations": "evaluation",
    "rounds": "round",
    "evidence": "evidence",
    "schemes": "scheme",
    "regions": "region",
}
FORM = {
    "value": "1",
    "expected_version": "",
    "to_state": "已提交",
    "reason": "探针",
    "level": "优",
    "justification": "探针",
    "comment": "探针",
    "score": "1",
    "indicator": "1.1",
}


@dataclass
class Route:
    route: str  # e.g. "e/<int:pk>/data/<str:code>/" or "api/v1/evaluations/{evaluation_pk}"
    methods: tuple[str, ...]
    params: list[str] = field(default_factory=list)
    # API operations: a valid request body per method (content type, data), built from the OpenAPI schema,
    # so the probe reaches the view instead of stopping at input validation.
    bodies: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def _django_routes(patterns: Any, prefix: str = "") -> list[Route]:
    out: list[Route] = []
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("api/"):
                continue  # enumerated from the API schema, with their real methods
            out.extend(_django_routes(p.url_patterns, route))
        elif isinstance(p, URLPattern):
            route = route.lstrip("^").rstrip("$").replace("\\Z", "")
            # The admin wraps every view in one staff check, whatever the method: GET probes it.
            methods = ("get",) if route.startswith("admin/") else ("get", "post")
            out.append(Route(route, methods, re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)))
    for r in out:
        r.params = [a or b for a, b in r.params] if r.params and isinstance(r.params[0], tuple) else r.params
    return out


def _example(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """A valid value for an OpenAPI schema (first choice of enums and unions, plausible scalars)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return _example(options[0], components, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(v, components, k) for k, v in props.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), components, name)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(1, low)
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "binary":
        return "<file>"
    if fmt == "date":
        return "2030-06-30"
    if fmt == "date-time":
        return "2030-06-30T08:00:00+08:00"
    text = str(FORM.get(name, "探针文本"))
    return text.ljust(schema.get("minLength", 0), "x")


def _api_routes() -> list[Route]:
    from lvzhi.api.views import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    components = schema.get("components", {}).get("schemas", {})
    routes = []
    for route, ops in schema["paths"].items():
        methods = tuple(m for m in ops if m in ("get", "post", "put", "patch", "delete"))
        bodies: dict[str, tuple[str, dict[str, Any]]] = {}
        for m in methods:
            for content_type, media in ops[m].get("requestBody", {}).get("content", {}).items():
                bodies[m] = (content_type, _example(media.get("schema", {}), components))
        routes.append(Route(route.lstrip("/"), methods, re.findall(r"\{(\w+)\}", route), bodies))
    return routes


def all_routes() -> list[Route]:
    """Every URL pattern of the site (recursively) and every API operation."""
    return _django_routes(get_resolver().url_patterns) + _api_routes()


def _kind(route: Route, param: str) -> str:
    first = route.route.removeprefix("api/v1/").split("/", 1)[0]
    if first == "regions" and param in ("code", "pk", "id"):
        return "region"  # a region is named by its code
    if param in PARAM_KINDS:
        return PARAM_KINDS[param]
    if route.route.startswith("admin/"):
        return "admin-object"  # Django admin: any object id (the whole admin is for staff only)
    if param in ("pk", "id") and first in PREFIX_KINDS:
        return PREFIX_KINDS[first]
    model = _model_named(re.sub(r"_(id|pk)$", "", param))
    if model is not None and _owner_path(model) is not None:
        return f"model:{model._meta.label_lower}"
    raise AssertionError(
        f"路由 {route.route} 的参数 {param!r} 未声明其对象类型：请加入 PARAM_KINDS (declare it)"
    )


def _fill(route: Route, values: dict[str, str]) -> str:
    url = route.route
    for name, value in values.items():
        n = re.escape(name)
        url = re.sub(rf"<(?:\w+:)?{n}>|\{{{n}\}}|\(\?P<{n}>[^)]*\)", value, url)
    return "/" + url


def _model_named(name: str) -> Any:
    """The model called `name` (e.g. problem_id → rectification.Problem), if exactly one app has one."""
    found = [m for m in apps.get_models() if m._meta.model_name == name.replace("_", "")]
    return found[0] if len(found) == 1 else None


def _owner_path(model: Any, depth: int = 0) -> str | None:
    """The lookup from a model to the evaluation it belongs to (e.g. "evaluation", "problem__evaluation")."""
    for f in model._meta.get_fields():
        if f.many_to_one and f.concrete and f.related_model is Evaluation:
            return f.name
    if depth < 2:
        for f in model._meta.get_fields():
            if f.many_to_one and f.concrete and f.related_model is not None and f.related_model is not model:
                sub = _owner_path(f.related_model, depth + 1)
                if sub is not None:
                    return f"{f.name}__{sub}"
    return None


def _foreign_models(foreign_ev: Any) -> dict[str, list[str]]:
    """For every model owned (through foreign keys) by an evaluation: ids of those owned by foreign evaluations."""
    out: dict[str, list[str]] = {}
    for model in apps.get_models():
        owner = _owner_path(model)
        if owner is None:
            continue
        ids = list(
            model._default_manager.filter(**{f"{owner}__in": foreign_ev}).values_list("pk", flat=True)[:1]
        )
        # No such object in the probe's world: an unknown id must still be refused, never answered.
        out[f"model:{model._meta.label_lower}"] = [str(i) for i in ids] or ["999999"]
    return out


@dataclass
class World:
    """The objects of the probe: the cast, plus a round of 乙市 only, evidence on every evaluation."""

    cast: Any
    foreign_round: Any
    markers_all: tuple[str, ...]


WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE)\b", re.I)
# Writes that are not the route's doing: the session store, a token's last-used time, a login lock-out.
HOUSEKEEPING = re.compile(
    r"django_session|accounts_usersession|accounts_apitoken|accounts_loginfailure", re.I
)


def _writes(queries: list[dict[str, str]]) -> list[str]:
    """The data-changing SQL statements among those a request ran."""
    return [q["sql"][:120] for q in queries if WRITE.match(q["sql"]) and not HOUSEKEEPING.search(q["sql"])]


@pytest.fixture
def world(cast, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    yi = cast.regions["乙市一县"]
    text = cast.scheme_version.yaml_text.replace("id: test-small-county", "id: test-yi-city").replace(
        "title: 示范省县级履行教育职责评价测试方案", "title: 乙市专项测试方案"
    )
    sv = actions.do_create_scheme_version(acting_user=cast.admin, yaml_text=text, source_name="yi.yaml")
    foreign_round = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=sv,
        year=2024,
        name="乙市专项评价",
        owner_region=cast.regions["示范省"],
        regions=[yi],
    )
    for ev in Evaluation.objects.select_related("round", "region"):
        actions.do_start_filling(acting_user=cast.prov_office, evaluation=ev)
        actions.do_save_value(
            acting_user=_filler(cast, ev),
            evaluation=ev,
            item_code="kg_public_share",
            value="77",
            expected_version=None,
        )
        do_attach_evidence(
            acting_user=_filler(cast, ev),
            evaluation=ev,
            indicator_code="1.1",
            name=f"{ev.region.name}证明材料{ev.round_id}.pdf",
            content=PDF + str(ev.pk).encode(),
        )
    # A job of the province office and one of the system's own: no other user may see, cancel or download them.
    submit_system("regions_update", "探针任务", {})
    submit(cast.prov_office, "rescore_round", round_id=foreign_round.pk)
    # An inspection draw and plan of the 乙市 round: their pages and visits must stay out of others' reach.
    draw = do_draw(acting_user=cast.prov_office, round=foreign_round, n=1, seed=1)
    plan = do_create_plan(
        acting_user=cast.prov_office,
        round=foreign_round,
        name="乙市专项督导",
        starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 8),
        draw=draw,
    )
    do_record_finding(
        acting_user=cast.prov_office,
        visit=plan.visits.get(),
        description="乙市专项督导发现",
        photos=[("现场.png", b"\x89PNG\r\n\x1a\n" + bytes(32))],
    )
    _foreign_survey(cast, foreign_round)
    return World(cast, foreign_round, ("乙市专项评价",))


def _foreign_survey(cast: Any, foreign_round: Any) -> Any:
    """A satisfaction survey of the 乙市 round, opened by the province office, one link per group."""
    from datetime import timedelta
    from decimal import Decimal
    from pathlib import Path

    from django.utils import timezone

    from lvzhi.surveys.actions import do_open_survey

    q = Path(__file__).resolve().parents[2] / "src/lvzhi/surveys/questionnaires/education-satisfaction.yaml"
    return do_open_survey(
        acting_user=cast.prov_office,
        round=foreign_round,
        regions=[cast.regions["乙市一县"]],
        name="乙市满意度调查",
        questionnaire_file=q.name,
        questionnaire_text=q.read_text(encoding="utf-8"),
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=1),
        margin=Decimal("0.05"),
        tokens_per_group=1,
    )


def _altered_token() -> list[str]:
    from lvzhi.surveys.models import ResponseToken

    token = ResponseToken.objects.order_by("pk").values_list("token", flat=True).first() or "x" * 22
    return [token[:-1] + ("A" if token[-1] != "A" else "B")]


def _filler(cast: Any, ev: Evaluation) -> Any:
    """Whoever may fill this evaluation: its county's filler, or (for 乙市一县, with none) a new one."""
    known = cast.filler_for(ev)
    if known is not None:
        return known
    from lvzhi.accounts.models import Role, RoleAssignment, User

    user, created = User.objects.get_or_create(
        username="yi1_filler", defaults={"full_name": "乙市一县填报员"}
    )
    if created:
        RoleAssignment.objects.create(user=user, role=Role.FILLER, region=ev.region)
    return user


def _foreign(user: Any) -> dict[str, list[str]]:
    """For each kind, objects this user may not reach (per the scoping helper) — what the probe requests."""
    visible_ev = set(scoping.evaluations_for(user).values_list("pk", flat=True))
    foreign_ev = Evaluation.objects.exclude(pk__in=visible_ev).order_by("pk")
    foreign_rounds = Round.objects.exclude(pk__in=scoping.rounds_for(user).values("pk"))
    visible_regions = scoping.regions_visible_to(user).values("pk")
    from lvzhi.regions.models import Region

    foreign_regions = Region.objects.exclude(pk__in=visible_regions)
    return {
        "evaluation": [str(e.pk) for e in foreign_ev[:1]],
        "round": [str(r.pk) for r in foreign_rounds[:1]],
        "evidence": [str(e.pk) for e in Evidence.objects.filter(evaluation__in=foreign_ev)[:1]],
        "scheme": [str(r.scheme_version_id) for r in foreign_rounds[:1]],
        "region": [r.code for r in foreign_regions[:1]],
        "code": ["kg_public_share"],
        "format": ["pdf"],
        "admin-object": [str(e.pk) for e in foreign_ev[:1]],
        "admin-app": ["evaluations"],
        "admin-content-type": [str(_evaluation_content_type())],
        # Messages belong to their user: another user's message (or none at all) is out of reach.
        "notification": [str(n) for n in _others_notifications(user)] or ["999999"],
        # Jobs belong to their owner: another person's job (or the system's) is out of reach.
        "job": [str(j) for j in _others_jobs(user)],
        "photo-number": ["1"],
        # A draw belongs to its round: one of a round the user may not see (or none at all) is out of reach.
        "inspection-draw": [
            str(d)
            for d in apps.get_model("inspections", "Draw")
            .objects.filter(round__in=foreign_rounds)
            .values_list("pk", flat=True)[:1]
        ]
        or ["999999"],
        "survey": [str(s) for s in _others_surveys(user)],
        "token": _altered_token(),
        **_foreign_models(foreign_ev),
    }


def _others_notifications(user: Any) -> list[int]:
    from lvzhi.notifications.models import Notification

    others = Notification.objects.exclude(user=user) if user is not None else Notification.objects.all()
    return list(others.values_list("pk", flat=True)[:1])


def _others_jobs(user: Any) -> list[Any]:
    from lvzhi.jobs.models import Job

    visible = scoping.jobs_for(user).values("pk") if user is not None else Job.objects.none().values("pk")
    return list(Job.objects.exclude(pk__in=visible).values_list("pk", flat=True)[:1])


def _others_surveys(user: Any) -> list[int]:
    from lvzhi.surveys.models import Survey

    visible = (
        scoping.surveys_for(user).values("pk") if user is not None else Survey.objects.none().values("pk")
    )
    return list(Survey.objects.exclude(pk__in=visible).values_list("pk", flat=True)[:1])


def _evaluation_content_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Evaluation).pk


def _markers(user: Any, world: World) -> list[str]:
    """Text that must not appear in any answer to this user: names of regions and rounds it may not reach."""
    visible = set(scoping.regions_visible_to(user).values_list("name", flat=True))
    hidden_regions = [
        ev.region.name
        for ev in Evaluation.objects.exclude(
            pk__in=scoping.evaluations_for(user).values("pk")
        ).select_related("region")
        if ev.region.name not in visible
    ]
    hidden_rounds = [r.name for r in Round.objects.exclude(pk__in=scoping.rounds_for(user).values("pk"))]
    files = [
        e.name for e in Evidence.objects.exclude(evaluation__in=scoping.evaluations_for(user).values("pk"))
    ]
    return sorted(set(hidden_regions + hidden_rounds + files))


def _refused(response: HttpResponse) -> bool:
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and response["Location"].split("?")[0].endswith(LOGIN_URLS)


def _body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _files() -> dict[str, Any]:
    """Plausible uploads under the names forms use, so upload views get past "no file chosen"."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lvzhi.entry.workbook import ItemRule, RegionRow, TemplateSpec, build_template

    xlsx = build_template(TemplateSpec(0, "探针", 2024, [ItemRule("x", "x")], [RegionRow("990101", "x")]))
    return {
        "workbook": SimpleUploadedFile("t.xlsx", xlsx),
        "file": SimpleUploadedFile("t.pdf", PDF + b"probe"),
    }


def _request(client: Client, route: Route, method: str, url: str) -> HttpResponse:
    if method == "get":
        return client.get(url)
    if method in route.bodies:
        content_type, example = route.bodies[method]
        if content_type == "application/json":
            return getattr(client, method)(url, data=json.dumps(example), content_type=content_type)
        files = _files()
        data = {k: (files["file"] if v == "<file>" else v) for k, v in example.items()}
        return client.post(url, data)
    if method == "post":
        return client.post(url, {**FORM, **_files()})
    return getattr(client, method)(url)


def probe(client: Client, user: Any, world: World, routes: list[Route]) -> list[str]:
    """Every problem found: a route that answered a foreign request, leaked a marker, or wrote something."""
    problems: list[str] = []
    foreign = _foreign(user) if user is not None else _foreign_for_anonymous()
    markers = _markers(user, world) if user is not None else []
    for route in routes:
        if route.route in SESSION_ROUTES:
            continue
        public = route.route in PUBLIC
        kinds = [_kind(route, p) for p in route.params]
        choices = [foreign[k] for k in kinds]
        if any(not c for c in choices):
            continue  # the user reaches every object of that kind (e.g. the administrator)
        who = getattr(user, "username", "匿名")
        scoped = not public and not (user is not None and set(kinds) & UNSCOPED_KINDS)
        for values in itertools.product(*choices) if choices else [()]:
            url = _fill(route, dict(zip(route.params, values, strict=True)))
            for method in route.methods:
                with CaptureQueriesContext(connection) as ctx:
                    response = _request(client, route, method, url)
                written = _writes(ctx.captured_queries)
                if written:
                    problems.append(f"{method.upper()} {url} ({who}): 写入了数据 {written[:2]}")
                if scoped and route.params and not _refused(response):
                    problems.append(
                        f"{method.upper()} {url} ({who}): 返回 {response.status_code}，未拒绝越权访问"
                    )
                if user is None and not public and not route.params and not _refused(response):
                    problems.append(f"{method.upper()} {url} (匿名): 返回 {response.status_code}，未要求登录")
                if markers and response.status_code == 200:
                    body = _body(response)
                    leaked = [m for m in markers if m in body]
                    if leaked:
                        problems.append(f"{method.upper()} {url} ({who}): 泄露了范围外的内容 {leaked}")
    if user is not None:
        # Every request above was made as this user: a lost session would have made refusals meaningless.
        assert client.session.get("_auth_user_id") == str(user.pk)
    return problems


def _foreign_for_anonymous() -> dict[str, list[str]]:
    ev = Evaluation.objects.order_by("pk").first()
    rnd = Round.objects.order_by("pk").first()
    return {
        "evaluation": [str(ev.pk)],
        "round": [str(rnd.pk)],
        "evidence": [str(Evidence.objects.order_by("pk").first().pk)],
        "scheme": [str(rnd.scheme_version_id)],
        "region": [ev.region.code],
        "code": ["kg_public_share"],
        "format": ["pdf"],
        "admin-object": [str(ev.pk)],
        "admin-app": ["evaluations"],
        "admin-content-type": [str(_evaluation_content_type())],
        # Messages belong to their user: another user's message (or none at all) is out of reach.
        "notification": [str(n) for n in _others_notifications(None)] or ["999999"],
        "job": [str(j) for j in _others_jobs(None)],
        "inspection-draw": [
            str(d) for d in apps.get_model("inspections", "Draw").objects.values_list("pk", flat=True)[:1]
        ]
        or ["999999"],
        "photo-number": ["1"],
        "survey": [str(s) for s in _others_surveys(None)],
        "token": _altered_token(),
        **_foreign_models(Evaluation.objects.all()),
    }


def test_the_probe_enumerates_the_ui_the_api_and_the_admin():
    routes = {r.route for r in all_routes()}
    assert "e/<int:pk>/data/<str:code>/" in routes
    assert "api/v1/evaluations/{evaluation_pk}/values/{item}" in routes
    region_route = next(r for r in all_routes() if r.route == "api/v1/regions/{code}")
    assert _kind(region_route, "code") == "region"
    assert any(r.startswith("admin/") for r in routes)
    assert routes | {"api/v1/docs", "api/v1/openapi.json"} >= PUBLIC


@pytest.mark.parametrize("username", ["jia1_filler", "jia_office", "expert", "viewer"])
def test_every_route_refuses_a_user_reaching_outside_their_scope(world, username):
    user = world.cast.users[username]
    client = Client()
    client.force_login(user)
    problems = probe(client, user, world, all_routes())
    assert problems == [], "\n".join(problems)


def test_every_route_but_the_public_ones_requires_login(world):
    problems = probe(Client(), None, world, all_routes())
    assert problems == [], "\n".join(problems)


def _leaky_view(request: Any, evaluation_id: int) -> HttpResponse:
    ev = Evaluation.objects.select_related("region").get(
        pk=evaluation_id
    )  # no scoping: what the probe must catch
    return HttpResponse(ev.region.name)


def _leaky_write(request: Any, evaluation_id: int) -> HttpResponse:
    Evaluation.objects.filter(pk=evaluation_id).update(return_reasons="改了")  # writes, then refuses
    return HttpResponse(status=404)


def _leaky_list(request: Any) -> HttpResponse:
    return HttpResponse("、".join(Round.objects.values_list("name", flat=True)))


class _LeakyUrls:
    urlpatterns: ClassVar[list[Any]] = [
        *get_resolver("lvzhi.site.urls").url_patterns,
        path("leak/<int:evaluation_id>/", _leaky_view),
        path("leak/rounds/", _leaky_list),
        path("leak/<int:evaluation_id>/write/", _leaky_write),
    ]


def test_a_route_without_scoping_fails_the_probe(world):
    user = world.cast.jia1_filler
    client = Client()
    client.force_login(user)
    with override_settings(ROOT_URLCONF=_LeakyUrls):
        leaky = [r for r in all_routes() if r.route.startswith("leak/")]
        assert len(leaky) == 3
        problems = probe(client, user, world, leaky)
    assert any(p.startswith("GET /leak/") and "未拒绝越权访问" in p for p in problems)
    assert any("/leak/rounds/" in p and "乙市专项评价" in p for p in problems)
    assert any("/write/" in p and "写入了数据" in p for p in problems)


# ---------------------------------------------------------------- the audit log and evidence reuse


def _audit_pages(client: Client) -> list[str]:
    """Every audit record the API gives this client (paged through), and the audit page for every region."""
    bodies = []
    offset = 0
    while True:
        page = client.get(f"/api/v1/audit/?limit=1000&offset={offset}").json()
        bodies.append(json.dumps(page, ensure_ascii=False))
        offset += 1000
        if offset >= page["count"]:
            break
    codes = Evaluation.objects.values_list("region__code", flat=True).distinct()
    bodies += [_body(client.get(f"/audit/?region={code}")) for code in codes]
    return bodies


@pytest.mark.parametrize("username", ["jia1_filler", "jia_office", "expert", "viewer"])
def test_the_audit_log_shows_no_record_about_an_object_out_of_reach(world, username):
    cast = world.cast
    # Another year's round of 甲市一县 in which the expert is not assigned: its records are out of its reach
    # although the county is not.
    earlier = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=2023,
        name="示范省2023年县级履职评价",
        owner_region=cast.regions["示范省"],
        regions=[cast.regions["甲市一县"]],
    )
    ev = Evaluation.objects.get(round=earlier)
    actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    do_attach_evidence(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code="1.1",
        name="2023年内部材料.pdf",
        content=PDF,
    )
    user = cast.users[username]
    client = Client()
    client.force_login(user)
    markers = _markers(user, world)
    assert markers  # each of them has something out of reach
    leaked = sorted({m for body in _audit_pages(client) for m in markers if m in body})
    assert not leaked, f"{username}: the audit log names {leaked}"
    visible = set(scoping.evaluations_for(user).values_list("pk", flat=True))
    about = scoping.audit_records_for(user).exclude(evaluation_id__isnull=True)
    assert set(about.values_list("evaluation_id", flat=True)) <= visible


@pytest.mark.parametrize("username", ["jia1_filler", "jia_office", "expert", "viewer"])
def test_evidence_reuse_names_only_evaluations_the_reader_may_see(world, username):
    cast = world.cast
    foreign = Evaluation.objects.get(round=world.foreign_round)
    shared = PDF + b"shared"
    do_attach_evidence(
        acting_user=_filler(cast, foreign),
        evaluation=foreign,
        indicator_code="1.1",
        name="乙市共用材料.pdf",
        content=shared,
    )
    mine = do_attach_evidence(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        indicator_code="1.1",
        name="本县材料.pdf",
        content=shared,
    )
    user = cast.users[username]
    client = Client()
    client.force_login(user)
    if not scoping.evaluations_for(user).filter(pk=cast.jia1.pk).exists():
        return  # the evaluation itself is out of reach: the scope probe covers it
    markers = _markers(user, world)
    bodies = [
        _body(client.get(f"/api/v1/evidence/{mine.pk}")),
        _body(client.get(f"/api/v1/evaluations/{cast.jia1.pk}/evidence")),
        _body(client.get(f"/e/{cast.jia1.pk}/scores/")),
        *_audit_pages(client),
    ]
    leaked = sorted({m for body in bodies for m in markers if m in body})
    assert not leaked, f"{username}: evidence reuse names {leaked}"
    detail = client.get(f"/api/v1/evidence/{mine.pk}").json()
    assert detail["reused_elsewhere"] == (
        0 if scoping.evaluations_for(user).filter(pk=foreign.pk).exists() else 1
    )
