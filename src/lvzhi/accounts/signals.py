"""Login/logout signal handlers: count failures for throttling, keep the session registry."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from lvzhi.accounts import security


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    if username:
        security.note_failure(str(username), security.client_ip(request))


@receiver(user_logged_in)
def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    security.clear_failures(user.get_username(), security.client_ip(request))
    security.register_session(user, request)


@receiver(user_logged_out)
def _on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        security.forget_session(request.session.session_key)
