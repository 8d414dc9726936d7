"""Bad request parameters, and error pages that are JSON under /api/ and HTML elsewhere.

A malformed parameter (a date that is not a date, an id or offset beyond any database integer) is the
caller's mistake: it answers 400 with a Chinese message naming the parameter, never a server error. An
id too large for the database names no object, so it answers 404 like any unknown id. Every answer under
/api/ is JSON, the 404 and 500 of unmatched or failing requests included; every 500 is logged (LOGGING in
settings sends `django.request` errors to var/log/lvzhi.log and the console).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist, loader
from pydantic import Field

# The largest id any of our tables can hold (a signed 64-bit integer on PostgreSQL and SQLite).
MAX_ID = 2**63 - 1
# Far beyond any real page (a million regions would be 10**6), well inside the databases' LIMIT/OFFSET range.
MAX_OFFSET = 10**9

# An id parameter of the API: a positive integer a table can hold (anything larger is a 400, not a 500).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BadParameter(ValueError):
    """A request parameter is malformed; the message (Chinese) says which and what it should be."""


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """400 with the message: JSON {"detail": …} under /api/, the error page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    try:
        return render(request, "400.html", {"title": "请求参数有误", "message": message}, status=400)
    except TemplateDoesNotExist:  # pragma: no cover - the template ships with the web app
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def parse_date(request: HttpRequest, name: str) -> dt.date | None:
    """The query parameter `name` as a date (YYYY-MM-DD), None when absent, BadParameter when not a real date."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"参数 {name} 应为日期（如 2024-05-01），收到的是“{raw[:40]}”") from None


def parse_id(value: Any) -> int | None:
    """A positive id a table can hold, or None for anything else (callers answer "not found")."""
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return pk if 0 < pk <= MAX_ID else None


class BadParameterMiddleware:
    """Turns BadParameter into 400 and a database-overflowing integer into 404, for web pages and the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, BadParameter):
            return bad_request(request, str(exc))
        if isinstance(exc, OverflowError):
            # SQLite refuses integers beyond 64 bits before running the query: no such object can exist.
            return not_found(request, exc)
        return None


def bad_request_page(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (a request Django itself refuses: too large a body, a bad host header …)."""
    return bad_request(request, "请求无效（请求内容过大或格式不正确）")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: JSON under /api/, the Chinese 403 page elsewhere (with the reason, when there is one)."""
    reason = str(exception or "") or "您没有执行此操作的权限。"
    if is_api(request):
        return JsonResponse({"detail": reason}, status=403, json_dumps_params={"ensure_ascii": False})
    return render(request, "403.html", {"exception": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/, the Chinese 404 page elsewhere."""
    if is_api(request):
        return JsonResponse(
            {"detail": "不存在或无权访问 (not found)"}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, the Chinese 500 page elsewhere (Django has already logged the error)."""
    if is_api(request):
        return JsonResponse(
            {"detail": "服务器出错了，操作没有完成，已记录错误 (server error)"},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    # Rendered without the request: the context processors may need the database that just failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
