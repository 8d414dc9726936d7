"""When a round opens, carry each region's unclosed problems of earlier years into it.

The round's evaluations are bulk-created after the Round row is saved (no per-evaluation signal), so the
carry-over runs once the opening transaction has committed, as the office that opened the round. If it
fails, the round stays open and the office can run the carry-over explicitly (it is idempotent).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from lvzhi.evaluations.models import Round


def carry_over_into_new_round(round_id: int) -> None:
    """Run the carry-over for a freshly opened round as the user who opened it."""
    from lvzhi.rectification.actions import do_carry_over_round

    rnd = Round.objects.select_related("opened_by").filter(pk=round_id).first()
    if rnd is None or rnd.opened_by is None:
        return
    do_carry_over_round(acting_user=rnd.opened_by, round=rnd)


@receiver(post_save, sender=Round, dispatch_uid="rectification.carry_over_on_round_open")
def _on_round_saved(sender: Any, instance: Round, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        round_id = instance.pk
        transaction.on_commit(lambda: carry_over_into_new_round(round_id), robust=True)
