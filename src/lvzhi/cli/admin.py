"""CLI commands for running an installation: `lvzhi init`, `lvzhi serve` and `lvzhi user …`.

The demo builds a throwaway database; these are for a real one (SQLite file or `DATABASE_URL`). User
changes go through the account actions like the web pages do (password policy, role rules, audit record in
the same transaction), acting as the administrator named by `--as`; only the very first administrator of an
empty installation is created without one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from lvzhi.cli.acting import django_setup, operator_named, refuse, run_action

ROLE_HELP = "角色：admin 系统管理员 / office 督导办 / expert 专家 / filler 填报员 / viewer 查看"
# The arguments the user commands share.
Username = Annotated[str, typer.Argument(help="用户名")]
RoleName = Annotated[str, typer.Option(help=ROLE_HELP)]
Acting = Annotated[str, typer.Option("--as", help="执行操作的管理员用户名")]
RoleRegion = Annotated[str | None, typer.Option(help="角色所属区划代码（系统管理员不填）")]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("init")(init)
    app.command("serve")(serve)
    users = typer.Typer(help="用户与角色 (users and roles)。", no_args_is_help=True)
    users.command("add")(user_add)
    users.command("list")(user_list)
    users.command("grant")(user_grant)
    users.command("revoke")(user_revoke)
    users.command("deactivate")(user_deactivate)
    app.add_typer(users, name="user")


def _region(code: str | None) -> Any:
    from lvzhi.regions.models import Region

    if code is None:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise refuse(f"区划代码 {code} 不存在；先运行 lvzhi init 或 lvzhi regions update")
    return region


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("LVZHI_PASSWORD")
    if env:
        return env
    return str(typer.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


def init() -> None:
    """建立或升级数据库结构，收集静态文件，首次载入全国行政区划 (migrate, collect static files, load regions)."""
    django_setup()
    from django.core.management import call_command

    from lvzhi.regions import divisions
    from lvzhi.regions.models import Region

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    typer.echo("数据库结构已是最新；静态文件已收集。")
    if not Region.objects.exists():
        result = divisions.load(None)
        typer.echo(f"已载入全国行政区划：{result.created} 个。")
    from lvzhi.accounts.models import RoleAssignment, User

    if not (
        User.objects.filter(is_superuser=True).exists()
        or RoleAssignment.objects.filter(role="admin").exists()
    ):
        typer.echo("还没有系统管理员：运行 lvzhi user add 用户名 --role admin 创建第一个。")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 (listen address)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 (port)")] = 8000,
    workers: Annotated[int, typer.Option(help="gunicorn 进程数 (worker processes)")] = 2,
) -> None:
    """以 gunicorn 启动网站和一个后台任务工作进程（先运行 lvzhi init） (serve the site and one job worker)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.site.settings")
    # Production sits behind an HTTPS proxy (README): Secure cookies, HSTS, the scheme from X-Forwarded-Proto,
    # and forwarded client addresses believed from the proxy only — by default one on this machine.
    os.environ.setdefault("LVZHI_HTTPS", "1")
    os.environ.setdefault("LVZHI_TRUSTED_PROXIES", "127.0.0.1,::1")
    args = [str(gunicorn), "lvzhi.site.wsgi:application", "--bind", f"{host}:{port}"]
    args += ["--workers", str(workers), "--threads", "4", "--access-logfile", "-"]
    from lvzhi.cli.jobs import start_embedded_worker

    start_embedded_worker()
    os.execv(args[0], args)


def user_add(
    username: Username,
    role: RoleName,
    region: RoleRegion = None,
    full_name: Annotated[str, typer.Option(help="姓名")] = "",
    acting: Annotated[str | None, typer.Option("--as", help="执行操作的管理员用户名")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读密码")] = False,
) -> None:
    """创建用户并授予角色；空系统的第一个系统管理员无需 --as (create a user with a role)."""
    django_setup()
    from lvzhi.accounts import actions
    from lvzhi.accounts.models import Role, RoleAssignment, User

    if role not in Role.values:
        raise refuse(f"未知角色 {role}。{ROLE_HELP}")
    no_admin_yet = not (
        User.objects.filter(is_superuser=True).exists()
        or RoleAssignment.objects.filter(role=Role.ADMIN).exists()
    )
    where = _region(region)
    password = _password(password_stdin)
    if role == Role.ADMIN and acting is None and no_admin_yet:
        user = run_action(
            actions.do_create_first_admin, username=username, password=password, full_name=full_name
        )
    else:
        actor = operator_named(acting)
        user = run_action(
            actions.do_create_user,
            acting_user=actor,
            username=username,
            password=password,
            full_name=full_name,
            roles=[(role, where)],
        )
    typer.echo(f"已创建用户 {user.username}（{Role(role).label}{'，' + where.name if where else ''}）。")


def _user(username: str) -> Any:
    from lvzhi.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise refuse(f"用户 {username} 不存在")
    return user


def _role_change(username: str, role: str, acting: str, region: str | None) -> tuple[Any, Any, Any]:
    """The user, the acting user and the region of a role to grant or revoke (the role checked first)."""
    from lvzhi.accounts.models import Role

    if role not in Role.values:
        raise refuse(f"未知角色 {role}。{ROLE_HELP}")
    return _user(username), operator_named(acting), _region(region)


def user_grant(
    username: Username,
    role: RoleName,
    acting: Acting,
    region: RoleRegion = None,
) -> None:
    """给已有用户增加一个角色 (grant a role)."""
    django_setup()
    from lvzhi.accounts import actions
    from lvzhi.accounts.models import Role

    user, actor, where = _role_change(username, role, acting, region)
    run_action(actions.do_grant_role, acting_user=actor, user=user, role=role, region=where)
    typer.echo(f"已授予 {username} 角色 {Role(role).label}。")


def user_revoke(
    username: Username,
    role: RoleName,
    acting: Acting,
    region: RoleRegion = None,
) -> None:
    """撤销用户的一个角色 (revoke a role)."""
    django_setup()
    from lvzhi.accounts import actions
    from lvzhi.accounts.models import Role, RoleAssignment

    user, actor, where = _role_change(username, role, acting, region)
    assignment = RoleAssignment.objects.filter(user=user, role=role, region=where).first()
    if assignment is None:
        place = f"（{where.name}）" if where is not None else ""
        raise refuse(f"{username} 没有角色 {Role(role).label}{place}，无需撤销")
    run_action(actions.do_revoke_role, acting_user=actor, assignment=assignment)
    typer.echo(f"已撤销 {username} 的角色 {Role(role).label}。")


def user_deactivate(
    username: Username,
    acting: Acting,
) -> None:
    """停用用户：不能登录，令牌和会话全部失效 (deactivate a user)."""
    django_setup()
    from lvzhi.accounts import actions

    run_action(actions.do_deactivate_user, acting_user=operator_named(acting), user=_user(username))
    typer.echo(f"已停用用户 {username}。")


def user_list(
    acting: Annotated[str, typer.Option("--as", help="以该用户的可见范围列出")],
) -> None:
    """列出（该用户可见范围内的）用户和角色 (list users within the acting user's scope)."""
    django_setup()
    from lvzhi.accounts.scoping import users_visible_to

    table = Table(title="用户")
    for col in ("用户名", "姓名", "状态", "角色"):
        table.add_column(col, overflow="fold")
    for u in users_visible_to(operator_named(acting)).prefetch_related("roles__region").order_by("username"):
        roles = "、".join(str(r) for r in u.roles.all()) or "—"
        table.add_row(u.username, u.full_name, "启用" if u.is_active else "停用", roles)
    Console().print(table)
