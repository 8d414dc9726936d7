"""The request types our middleware and API framework extend, so views are type-checked against them.

django-htmx's middleware adds `request.htmx`; django-ninja sets `request.auth` to what the API's
authentication returned (the token's user). Plain HttpRequest knows neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from lvzhi.accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class ApiRequest(HttpRequest):
    auth: User


class UserRequest(HttpRequest):
    """A request past login_required: its user is a signed-in User."""

    user: User
