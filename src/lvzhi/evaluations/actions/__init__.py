"""Every state change of the evaluation domain: one function each, one transaction each, audited.

Each `do_xxx(*, acting_user, ...)` re-checks the acting user's permission through the scoping helper
(callers may have checked already; the action does not trust them), locks what it changes, writes, and
appends its audit record inside the same transaction — so a refused action writes nothing at all.
"""

from lvzhi.evaluations.actions.guards import UNSET
from lvzhi.evaluations.actions.rounds import (
    do_assign_expert,
    do_open_round,
    do_unassign_expert,
    do_update_round,
)
from lvzhi.evaluations.actions.scheme_versions import (
    MAX_SCHEME_BYTES,
    do_activate_scheme_version,
    do_create_scheme_version,
    do_upload_scheme_version,
)
from lvzhi.evaluations.actions.scores import do_complete_review, do_set_review, do_set_self_score, review_gaps
from lvzhi.evaluations.actions.transitions import (
    do_approve,
    do_publish,
    do_reopen,
    do_return,
    do_start_filling,
    do_start_review,
    do_submit,
    do_transition,
    submission_problems,
)
from lvzhi.evaluations.actions.values import (
    Prefill,
    PrefillOutcome,
    do_confirm_value,
    do_confirm_values,
    do_import_values,
    do_prefill_values,
    do_save_value,
)

# The errors the actions raise, so callers catch them where they call the actions.
from lvzhi.evaluations.errors import (
    ActionError,
    EditConflict,
    Issue,
    NotEditable,
    TransitionError,
    ValidationFailed,
)

__all__ = [
    "MAX_SCHEME_BYTES",
    "UNSET",
    "ActionError",
    "EditConflict",
    "Issue",
    "NotEditable",
    "Prefill",
    "PrefillOutcome",
    "TransitionError",
    "ValidationFailed",
    "do_activate_scheme_version",
    "do_approve",
    "do_assign_expert",
    "do_complete_review",
    "do_confirm_value",
    "do_confirm_values",
    "do_create_scheme_version",
    "do_import_values",
    "do_open_round",
    "do_prefill_values",
    "do_publish",
    "do_reopen",
    "do_return",
    "do_save_value",
    "do_set_review",
    "do_set_self_score",
    "do_start_filling",
    "do_start_review",
    "do_submit",
    "do_transition",
    "do_unassign_expert",
    "do_update_round",
    "do_upload_scheme_version",
    "review_gaps",
    "submission_problems",
]
