"""What every evaluation action checks before it writes: the acting user's permission and the state."""

from __future__ import annotations

from typing import Any

from lvzhi.accounts.scoping import Forbidden, Perm, can
from lvzhi.evaluations.errors import NotEditable
from lvzhi.evaluations.models import Evaluation
from lvzhi.evaluations.workflow import EDITABLE_STATES

# "Argument not given" for optional fields where None means "clear it".
UNSET: Any = object()


def actor_name(user: Any) -> str:
    # The person's name as pages show it (User.get_full_name), never the account name alone.
    name = user.get_full_name() if hasattr(user, "get_full_name") else getattr(user, "username", "")
    return str(name or "系统")


def require(user: Any, evaluation: Evaluation, *perms: Perm) -> None:
    if not any(can(user, evaluation, p) for p in perms):
        names = "或".join(PERM_WORDS[p] for p in perms)
        raise Forbidden(f"您没有对“{evaluation}”执行此操作的权限（需要{names}权限）")


# The permissions as people name them, for refusals shown on the pages.
PERM_WORDS = {Perm.VIEW: "查看", Perm.FILL: "填报", Perm.REVIEW: "评审", Perm.MANAGE: "管理"}


def require_editable(acting_user: Any, ev: Evaluation, *perms: Perm) -> None:
    require(acting_user, ev, *perms)
    if ev.state not in EDITABLE_STATES:
        raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，数据已锁定，不能修改")
