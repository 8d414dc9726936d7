"""What every operator command shares: Django set up, the acting user by name, and an action's refusal
turned into its Chinese message with exit code 1."""

from __future__ import annotations

from typing import Any

import typer


def django_setup() -> None:
    """Django set up for a command (settings, apps)."""
    from lvzhi.cli.django_env import setup_django

    setup_django()


def refuse(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def operator_named(username: str | None) -> Any:
    """The administrator (or office) the command acts as."""
    from lvzhi.accounts.models import User

    if not username:
        raise refuse("请用 --as 指定执行操作的管理员用户名 (the acting administrator)")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise refuse(f"用户 {username} 不存在或已停用")
    return user


def refusal(exc: Exception) -> typer.Exit:
    """Turn an action's refusal into a Chinese message and exit code 1."""
    from lvzhi.evaluations.errors import ValidationFailed

    if isinstance(exc, ValidationFailed):
        return refuse("；".join(i.message.rstrip("。") for i in exc.issues) + "。")
    return refuse(str(exc))


def run_action(action: Any, **kwargs: Any) -> Any:
    """Run an action (or a scoping look-up); its refusal — or an object outside the user's scope — becomes the
    Chinese message and exit code 1."""
    from django.http import Http404

    from lvzhi.accounts.scoping import Forbidden
    from lvzhi.evaluations.errors import ActionError

    try:
        return action(**kwargs)
    except (
        ActionError,
        Forbidden,
        Http404,
    ) as exc:  # ValidationFailed is an ActionError; NotFound an Http404
        raise refusal(exc) from exc
