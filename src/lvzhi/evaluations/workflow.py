"""The workflow: which state may follow which, and which permission each step needs."""

from __future__ import annotations

from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations.models import State

# (from, to) → permissions, any of which allows the step. Nothing else is allowed.
TRANSITIONS: dict[tuple[str, str], tuple[Perm, ...]] = {
    (State.NOT_STARTED, State.FILLING): (Perm.FILL, Perm.MANAGE),
    (State.FILLING, State.SUBMITTED): (Perm.FILL,),
    # A returned evaluation is corrected in place and resubmitted, or explicitly reopened for filling.
    (State.RETURNED, State.SUBMITTED): (Perm.FILL,),
    (State.RETURNED, State.FILLING): (Perm.FILL, Perm.MANAGE),
    (State.SUBMITTED, State.REVIEWING): (Perm.MANAGE, Perm.REVIEW),
    (State.REVIEWING, State.RETURNED): (Perm.MANAGE, Perm.REVIEW),
    (State.REVIEWING, State.APPROVED): (Perm.MANAGE,),
    (State.APPROVED, State.PUBLISHED): (Perm.MANAGE,),
}

# Data and self-scores may change only here; 已提交 and later are locked.
EDITABLE_STATES = frozenset({State.FILLING, State.RETURNED})
REVIEW_STATES = frozenset({State.REVIEWING})
