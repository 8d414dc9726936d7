"""The scheme diff: nothing between a scheme and itself, and every change seen from both sides."""

from __future__ import annotations

import itertools

import pytest

from lvzhi.schemes import list_builtin, load_builtin
from lvzhi.schemes.diff import scheme_diff

PAIRS = list(itertools.combinations(list_builtin(), 2))


@pytest.mark.parametrize("scheme_id", list_builtin())
def test_a_scheme_has_no_difference_from_itself(scheme_id):
    s = load_builtin(scheme_id)
    assert scheme_diff(s, s).changes == []


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}~{b}" for a, b in PAIRS])
def test_what_one_direction_adds_the_other_removes(a, b):
    old, new = load_builtin(a), load_builtin(b)
    forward, backward = scheme_diff(old, new), scheme_diff(new, old)
    assert forward.counts["新增"] == backward.counts["删除"]
    assert forward.counts["删除"] == backward.counts["新增"]
    assert forward.counts["修改"] == backward.counts["修改"]
    swapped = {(c.key or c.what, c.field, c.after, c.before) for c in backward.changes if c.kind == "修改"}
    assert {
        (c.key or c.what, c.field, c.before, c.after) for c in forward.changes if c.kind == "修改"
    } == swapped


def test_changed_points_and_rules_are_shown_in_words():
    d = scheme_diff(load_builtin("national-2019"), load_builtin("national-2021"))
    fields = {c.field for c in d.changes}
    assert "分值" in fields or "评分规则" in fields
    assert all("_" not in (c.before + c.after) for c in d.changes if c.field == "评分规则")
