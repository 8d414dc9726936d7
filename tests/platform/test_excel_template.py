"""The Excel template (pure part: no database): layout, protection, validation, and a round trip."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from lvzhi.entry import workbook as wbk
from lvzhi.entry.workbook import ItemRule, RegionRow, TemplateSpec, WorkbookInvalid

RULES = [
    ItemRule("kg_public_share", "公办园在园幼儿占比", "%", Decimal(0), Decimal(100)),
    ItemRule("edu_gpb_spending", "一般公共预算教育经费", "万元", Decimal(0), None),
    ItemRule("teachers", "专任教师数", "人", Decimal(0), None, integer=True),
]
REGIONS = [RegionRow("990101", "甲市一县"), RegionRow("990102", "甲市二县")]


def _item_spec(**kw):
    return TemplateSpec(
        round_id=7,
        round_name="示范省2024年县级履职评价",
        year=2024,
        items=RULES,
        regions=REGIONS[:1],
        current={"990101": {"kg_public_share": Decimal("55.5")}},
        previous={"990101": {"kg_public_share": Decimal("50"), "edu_gpb_spending": Decimal("12345.67")}},
        **kw,
    )


def _open(data):
    return load_workbook(io.BytesIO(data))


def test_an_item_row_template_has_instructions_a_protected_header_and_unlocked_value_cells():
    wb = _open(wbk.build_template(_item_spec()))
    assert wb.sheetnames == [wbk.INFO_SHEET, wbk.ITEM_SHEET, wbk.META_SHEET]
    assert wb[wbk.META_SHEET].sheet_state == "hidden"
    ws = wb[wbk.ITEM_SHEET]
    assert [c.value for c in ws[1]] == list(wbk.ITEM_HEADER)
    assert [c.value for c in ws[2]] == ["kg_public_share", "公办园在园幼儿占比", "%", 50, 55.5, None]
    assert ws.protection.sheet is True
    assert ws["A1"].protection.locked and ws["B2"].protection.locked
    assert (
        not ws["D2"].protection.locked and not ws["E2"].protection.locked and not ws["F2"].protection.locked
    )
    assert not ws.merged_cells.ranges  # WPS and the importer both dislike merged cells
    assert "不要合并单元格" in "".join(str(c.value) for c in wb[wbk.INFO_SHEET]["A"])


def test_data_validation_comes_from_the_catalogue_limits():
    ws = _open(wbk.build_template(_item_spec()))[wbk.ITEM_SHEET]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    share = rules["D2 E2"]
    assert (share.type, share.formula1, share.formula2) == ("decimal", "0", "100")
    teachers = rules["D4 E4"]
    assert teachers.type == "whole" and teachers.showErrorMessage


def test_a_region_row_template_lists_regions_and_items_with_validation_per_column():
    spec = TemplateSpec(7, "示范省2024年县级履职评价", 2024, RULES, REGIONS, layout=wbk.REGION_LAYOUT)
    wb = _open(wbk.build_template(spec))
    ws = wb[wbk.CURRENT_SHEET]
    assert [c.value for c in ws[1]] == [
        "区划代码",
        "区划名称",
        "kg_public_share",
        "edu_gpb_spending",
        "teachers",
    ]
    assert ws["C2"].value == "公办园在园幼儿占比（%）"
    assert [ws["A3"].value, ws["B4"].value] == ["990101", "甲市二县"]
    assert {str(dv.sqref) for dv in ws.data_validations.dataValidation} == {"C3:C4", "D3:D4", "E3:E4"}
    assert wbk.PREVIOUS_SHEET in wb.sheetnames


def test_an_untouched_template_parses_back_to_the_values_it_was_filled_with():
    parsed = wbk.parse_workbook(
        wbk.build_template(_item_spec()), round_id=7, items=RULES, regions={"990101": "甲市一县"}
    )
    assert parsed.current == {"990101": {"kg_public_share": Decimal("55.5")}}
    assert parsed.previous == {
        "990101": {"kg_public_share": Decimal(50), "edu_gpb_spending": Decimal("12345.67")}
    }


def test_a_template_of_another_round_is_refused():
    with pytest.raises(WorkbookInvalid, match="此模板属于评价轮次“示范省2024年县级履职评价”（编号 7）"):
        wbk.parse_workbook(wbk.build_template(_item_spec()), round_id=8, items=RULES, regions={"990101": "x"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "应为数字，填写的是文字“abc”"),
        (True, "是逻辑值"),
        (Decimal("-1"), "不能小于 0"),
        (Decimal("100.5"), "不能大于 100"),
    ],
)
def test_a_bad_cell_value_gets_a_chinese_message(raw, message):
    value, problem = wbk.check_value(RULES[0], raw)
    assert value is None and message in problem


def test_an_integer_item_refuses_fractions():
    assert wbk.check_value(RULES[2], 12.5)[1] == "“专任教师数”应为整数，填写的是 12.5"
    assert wbk.check_value(RULES[2], 12) == (Decimal(12), None)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False))
def test_any_number_typed_into_a_cell_comes_back_exactly(d):
    # Excel stores what a person typed as a double; the shortest repr gives the typed text back.
    assert wbk.check_value(RULES[0], float(d)) == (d, None)
    assert wbk.check_value(RULES[0], f"{d:,}") == (d, None)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none()))
def test_check_value_never_crashes_and_either_accepts_or_explains(raw):
    value, problem = wbk.check_value(RULES[0], raw)
    assert (value is None) or (problem is None)
    if value is not None:
        assert Decimal(0) <= value <= Decimal(100)
