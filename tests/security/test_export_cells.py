"""Item 3: text a user wrote never comes back as a live formula in a workbook we produce (OWASP CSV injection)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from lvzhi.evaluations import actions
from lvzhi.evaluations.models import State
from lvzhi.writer.cells import FORMULA_TRIGGERS, neutralise, restore
from lvzhi.writer.feedback import problem_list_xlsx
from lvzhi.writer.model import ProblemItem, ReportContext

DDE = "=cmd|' /C calc'!A0"
HOSTILE = [DDE, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", '=HYPERLINK("http://evil.example")']


def cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_live_formula(data: bytes) -> None:
    for cell in cells(data):
        assert cell.data_type != "f", f"{cell.coordinate} holds a formula: {cell.value!r}"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_TRIGGERS), f"{cell.coordinate}: {cell.value!r}"


@given(st.text(max_size=40))
def test_neutralised_text_never_starts_a_formula_and_restores_to_itself(text):
    out = neutralise(text)
    assert not out.startswith(FORMULA_TRIGGERS)
    assert restore(out) == text


@pytest.mark.django_db
@pytest.mark.parametrize("note", HOSTILE)
def test_a_hostile_note_comes_back_as_text_in_the_office_users_template(client, cast, note):
    cast.advance(cast.jia1, State.FILLING)
    dv, _ = actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="edu_gpb_spending",
        value="12",
        expected_version=None,
        note=note,
    )
    client.force_login(cast.prov_office)
    response = client.get(f"/rounds/{cast.round.pk}/template.xlsx", {"region": "990101"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert_no_live_formula(data)
    stored = dv.note  # as the action keeps it (control characters removed, trimmed)
    shown = [c.value for c in cells(data) if isinstance(c.value, str) and stored in c.value]
    assert shown == ["'" + stored]


def test_the_problem_list_writes_problem_text_as_text():
    problems = tuple(ProblemItem(indicator="1.1", text=t, evidence=t, measure=t) for t in HOSTILE)
    ctx = ReportContext("990101", "甲市一县", 2024, "x", "方案", None, "", (), {}, problems=problems)
    assert_no_live_formula(problem_list_xlsx(ctx, deadline=date(2025, 6, 30)))
