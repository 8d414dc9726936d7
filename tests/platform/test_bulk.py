"""Bulk helpers of the platform: the garbage collector pause used by imports and round scoring."""

from __future__ import annotations

import gc

import pytest

from lvzhi.evaluations.bulk import gc_paused


def test_the_collector_is_paused_during_the_call_and_restored_after():
    seen = []
    gc_paused(lambda: seen.append(gc.isenabled()))()
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_restored_even_when_the_call_raises():
    def boom() -> None:
        raise ValueError("bad cell")

    with pytest.raises(ValueError, match="bad cell"):
        gc_paused(boom)()
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    try:
        gc_paused(lambda: None)()
        assert not gc.isenabled()
    finally:
        gc.enable()
