"""One registry of audit action codes: every code an action writes has a Chinese label and a sentence."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from lvzhi.accounts.actions import do_grant_role
from lvzhi.accounts.models import Role
from lvzhi.audit.codes import ACTIONS, UnknownAuditAction, action_label, changes, describe, describe_record
from lvzhi.audit.models import AuditRecord
from lvzhi.audit.services import record, record_many
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import State

SRC = Path(__file__).resolve().parents[2] / "src" / "lvzhi"
RECORDERS = {"record", "record_many"}


def _literals(node: ast.expr) -> list[str] | None:
    """The codes an expression can take: a string constant, both arms of `a if c else b`, or a family
    "prefix.*" for an f-string with a constant prefix such as f"job.{status}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        prefix = str(node.values[0].value)
        return [prefix + "*"] if prefix.endswith(".") else None
    return None


def codes_written_in_source() -> tuple[dict[str, list[str]], list[str]]:
    """Every audit action code the source writes (code → where), and the places whose code is not literal.

    record(action=name) inside a helper is fine when its callers pass the literal code as `action=`.
    """
    used: dict[str, list[str]] = {}
    opaque: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or (path.parent.name == "audit" and path.name == "services.py"):
            continue
        where = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found: list[tuple[int, ast.expr]] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                for k in node.keywords:
                    if k.arg != "action":
                        continue
                    if name in RECORDERS and not isinstance(k.value, ast.Name):
                        found.append((node.lineno, k.value))
                    elif isinstance(k.value, ast.Constant) and "." in str(k.value.value):
                        # A code handed to a helper that records it (or a filter on codes): written here.
                        found.append((node.lineno, k.value))
            elif isinstance(node, ast.Dict):
                # record_many entries: {"action": "value.import", "obj": …}
                found += [
                    (node.lineno, v)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "action" and isinstance(v, ast.Constant)
                ]
            for lineno, expr in found:
                codes = _literals(expr)
                if codes is None:
                    opaque.append(f"{where}:{lineno}")
                for code in codes or ():
                    used.setdefault(code, []).append(f"{where}:{lineno}")
    return used, opaque


def _registered(code: str) -> bool:
    if code.endswith("*"):
        return any(c.startswith(code[:-1]) for c in ACTIONS)
    return code in ACTIONS


def test_every_action_code_written_anywhere_is_registered_with_a_label_and_a_sentence():
    used, opaque = codes_written_in_source()
    assert len(used) >= 30, "the scan found too few audit writes to be scanning the actions"
    missing = {code: where for code, where in used.items() if not _registered(code)}
    assert not missing, f"audit codes written but not registered in lvzhi.audit.codes: {missing}"
    assert not opaque, f"audit codes must be literal so this test can read them: {opaque}"


def test_no_code_is_registered_that_nothing_writes():
    used, _ = codes_written_in_source()
    families = [code[:-1] for code in used if code.endswith("*")]
    stale = [c for c in ACTIONS if c not in used and not any(c.startswith(f) for f in families)]
    assert stale == []


def test_every_registered_sentence_names_who_and_is_chinese():
    for action in ACTIONS.values():
        # Who did it, or — for what the system did on its own (a background job ending) — what it was.
        assert "{who}" in action.sentence or "{what}" in action.sentence, action.code
        assert action.label and not action.label.isascii(), action.code
        describe(
            actor="张三", action=action.code, object_repr="甲县", before={"state": "a"}, after={"state": "b"}
        )


@pytest.mark.django_db
def test_recording_an_unregistered_code_is_refused_and_writes_nothing():
    count = AuditRecord.objects.count()
    with pytest.raises(UnknownAuditAction, match=r"未在 lvzhi\.audit\.codes 中登记"), transaction.atomic():
        record(actor=None, action="value.frobnicate", object_repr="x")
    with pytest.raises(UnknownAuditAction), transaction.atomic():
        record_many(actor=None, entries=[{"action": "value.import"}, {"action": "no.such"}])
    assert AuditRecord.objects.count() == count


@pytest.mark.django_db
def test_a_saved_value_reads_as_who_changed_what_from_and_to(cast):
    cast.advance(cast.jia1, State.FILLING)
    version = None
    for value in ("100.5", "120"):
        dv, _ = actions.do_save_value(
            acting_user=cast.jia1_filler,
            evaluation=cast.jia1,
            item_code="edu_gpb_spending",
            value=value,
            expected_version=version,
        )
        version = dv.version
    rec = AuditRecord.objects.filter(action="value.save").order_by("-seq").first()
    sentence = describe_record(rec)
    assert sentence.startswith("jia1_filler修改了“") and "一般公共预算教育经费" in sentence
    assert "数值：100.5 → 120" in sentence and "版本：1 → 2" in sentence
    # A field that did not change is not mentioned.
    assert "来源" not in sentence


@pytest.mark.django_db
def test_a_transition_reads_as_the_state_it_left_and_the_state_it_reached(cast):
    cast.advance(cast.jia1, State.FILLING)
    rec = AuditRecord.objects.filter(action="evaluation.transition").order_by("-seq").first()
    assert action_label(rec.action) == "状态变更"
    assert "状态：未开始 → 填报中" in describe_record(rec)


@pytest.mark.django_db
def test_a_code_stored_in_a_choice_field_is_shown_by_its_chinese_label(cast):
    do_grant_role(
        acting_user=cast.admin, user=cast.users["jia1_filler"], role=Role.VIEWER, region=cast.regions["甲市"]
    )
    rec = AuditRecord.objects.filter(action="role.grant").order_by("-seq").first()
    assert rec.after["role"] == "viewer"
    shown = {c.key: c.after for c in changes(rec.before, rec.after, rec.object_type)}
    assert shown["role"] == "查看"


def test_a_retired_code_in_old_records_still_reads_as_a_sentence():
    assert action_label("old.code") == "old.code"
    assert (
        describe(actor="", action="old.code", object_repr="甲", after={"x": 1})
        == "系统执行了 old.code（甲）：x：1"
    )


def test_a_before_after_key_that_is_no_field_of_the_recorded_model_reads_as_itself():
    # Evidence records carry "indicator", which is not a field of Evidence.
    shown = changes(None, {"indicator": "1.1", "name": "纪要.pdf"}, "evidence.evidence")
    assert [str(c) for c in shown] == ["指标：1.1", "名称：纪要.pdf"]
