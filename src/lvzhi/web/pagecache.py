"""Short-lived caching of what the busiest pages compute, invalidated exactly by the audit chain.

Every change to data, scores, states, evidence, users and roles appends an audit record in its own
transaction, so the audit chain's head is a version of everything these pages show: a cache
key that includes it can never serve a page computed before a change. Keys also carry the user's id (what a
user sees depends on their roles and assignments) and the request's parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.http import HttpRequest

from lvzhi.audit.models import ChainHead

T = TypeVar("T")
TIMEOUT = 300


def data_version() -> str:
    """The audit chain head's hash: it changes with every audited change, and never comes back.

    (Not the sequence number: after a restore, or a rolled-back transaction in tests, the same number can
    name a different state; the hash covers the record's content and time.)
    """
    return ChainHead.objects.filter(pk=1).values_list("hash", flat=True).first() or "empty"


def page_key(request: HttpRequest, name: str) -> str:
    """A key for this page as this user sees it now, with these parameters."""
    params = "&".join(f"{k}={v}" for k, v in sorted(request.GET.items()))
    target = request.headers.get("HX-Target", "")
    raw = f"{name}|{request.user.pk}|{data_version()}|{request.path}|{params}|{target}"
    return "lvzhi-page:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def cached(key: str, compute: Callable[[], T]) -> T:
    """The value under `key`, computing and storing it when absent."""
    value: Any = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value  # type: ignore[no-any-return]
