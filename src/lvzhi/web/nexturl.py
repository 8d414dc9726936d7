"""Where to send the browser after a form: the `next` it asked for, only when that stays on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The POSTed (or query) `next` when it points to this host, else `default`.

    Django's own check (the one its login view uses) refuses `//evil.example/x`, `https://evil.example`,
    `/\\evil.example` and `javascript:` alike — a prefix test on "/" lets the first and third through.
    """
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default
