"""Excel import into a round: good files are stored in one transaction; any bad cell means nothing is written."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lvzhi.accounts.scoping import NotFound
from lvzhi.audit.models import AuditRecord
from lvzhi.entry import workbook as wbk
from lvzhi.entry.services import import_workbook, template_for
from lvzhi.entry.workbook import WorkbookInvalid
from lvzhi.evaluations.models import DataValue, Source

pytestmark = pytest.mark.django_db


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _item_template(cast):
    data, _ = template_for(cast.jia1_filler, cast.round.pk, "990101")
    return load_workbook(io.BytesIO(data))


def _row_of(ws, code):
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)


@pytest.fixture
def filling(cast):
    cast.advance(cast.jia1, "填报中")
    cast.advance(cast.jia2, "填报中")
    return cast


def _refused(cast, data, *fragments):
    """Import must fail listing every fragment, and write nothing (no value, no audit record)."""
    values, audits = DataValue.objects.count(), AuditRecord.objects.count()
    with pytest.raises(WorkbookInvalid) as err:
        import_workbook(cast.jia1_filler, cast.round.pk, data, "填报.xlsx")
    text = "\n".join(err.value.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert (DataValue.objects.count(), AuditRecord.objects.count()) == (values, audits)
    return err.value.errors


def test_a_filled_item_template_is_stored_with_last_years_values_and_audited(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    r = _row_of(ws, "kg_public_share")
    ws.cell(r, 4).value, ws.cell(r, 5).value = 48, 55.5
    ws.cell(_row_of(ws, "edu_gpb_spending"), 5).value = "12,345.60"
    result = import_workbook(filling.jia1_filler, filling.round.pk, _save(wb), "甲市一县.xlsx")
    assert (result.regions, result.values_written) == (1, 2)
    dv = DataValue.objects.get(evaluation=filling.jia1, item_code="kg_public_share")
    assert (dv.value, dv.prev_value, dv.source) == (Decimal("55.5"), Decimal(48), Source.IMPORT)
    assert DataValue.objects.get(evaluation=filling.jia1, item_code="edu_gpb_spending").value == Decimal(
        "12345.6"
    )
    assert AuditRecord.objects.filter(action="value.import", region_code="990101").count() == 1


def test_an_imported_amount_far_from_last_years_is_stored_unconfirmed_and_named(filling):
    from lvzhi.evaluations.actions import do_confirm_value, submission_problems

    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    r = _row_of(ws, "edu_gpb_spending")
    ws.cell(r, 4).value, ws.cell(r, 5).value = 10000, 100000  # a slipped digit: ten times last year's
    r = _row_of(ws, "kg_public_share")
    ws.cell(r, 4).value, ws.cell(r, 5).value = 48, 55.5  # a share, not an amount: not checked for change
    result = import_workbook(filling.jia1_filler, filling.round.pk, _save(wb), "甲市一县.xlsx")
    assert result.values_written == 2
    (doubt,) = result.doubtful
    assert doubt.startswith("甲市一县：") and "与上年" in doubt and "+900.0%" in doubt
    far = DataValue.objects.get(evaluation=filling.jia1, item_code="edu_gpb_spending")
    assert (far.value, far.confirmed) == (Decimal(100000), False)
    assert DataValue.objects.get(evaluation=filling.jia1, item_code="kg_public_share").confirmed
    # Not submitted until a person vouches for it, as a typed value would not be saved without 确认.
    assert any("导入的数值与上年相比变动较大" in i.message for i in submission_problems(filling.jia1))
    do_confirm_value(
        acting_user=filling.jia1_filler,
        evaluation=filling.jia1,
        item_code=far.item_code,
        expected_version=far.version,
    )
    assert not any("与上年相比变动较大" in i.message for i in submission_problems(filling.jia1))


def test_an_import_in_another_unit_is_doubted_the_same_way(filling):
    # 元 typed where 万元 is asked (×10000): whatever the size of the figures, the same verdict.
    for last, now in ((1234, 12340000), (5, 50000)):
        wb = _item_template(filling)
        ws = wb[wbk.ITEM_SHEET]
        r = _row_of(ws, "edu_gpb_spending")
        ws.cell(r, 4).value, ws.cell(r, 5).value = last, now
        assert len(import_workbook(filling.jia1_filler, filling.round.pk, _save(wb), "a.xlsx").doubtful) == 1


def test_notes_in_the_item_template_are_stored_beside_the_values(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    r = _row_of(ws, "kg_public_share")
    ws.cell(r, 5).value, ws.cell(r, 6).value = 55, "含民办普惠园"
    import_workbook(filling.jia1_filler, filling.round.pk, _save(wb), "a.xlsx")
    dv = DataValue.objects.get(evaluation=filling.jia1, item_code="kg_public_share")
    assert (dv.value, dv.note, dv.source) == (Decimal(55), "含民办普惠园", Source.IMPORT)
    ws = _item_template(filling)[wbk.ITEM_SHEET]
    assert ws.cell(_row_of(ws, "kg_public_share"), 6).value == "含民办普惠园"


def test_the_template_shows_stored_values_so_a_second_download_carries_them(filling):
    wb = _item_template(filling)
    wb[wbk.ITEM_SHEET].cell(_row_of(wb[wbk.ITEM_SHEET], "kg_public_share"), 5).value = 61
    import_workbook(filling.jia1_filler, filling.round.pk, _save(wb), "a.xlsx")
    ws = _item_template(filling)[wbk.ITEM_SHEET]
    assert ws.cell(_row_of(ws, "kg_public_share"), 5).value == 61


def test_an_office_imports_many_regions_from_region_rows(filling):
    data, name = template_for(filling.prov_office, filling.round.pk)
    assert name.endswith("各地区-填报模板.xlsx")
    wb = load_workbook(io.BytesIO(data))
    ws = wb[wbk.CURRENT_SHEET]
    assert [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)] == ["990101", "990102", "990201"]
    ws["F3"], ws["F4"] = 70, 30  # kg_public_share of the two counties that are filling
    result = import_workbook(filling.prov_office, filling.round.pk, _save(wb), "各地区.xlsx")
    assert result.regions == 2
    assert DataValue.objects.get(evaluation=filling.jia2, item_code="kg_public_share").value == Decimal(30)


def test_every_wrong_cell_is_listed_as_sheet_and_cell_and_nothing_is_written(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    share, money = _row_of(ws, "kg_public_share"), _row_of(ws, "edu_gpb_spending")
    ws.cell(share, 5).value = 150
    ws.cell(share, 4).value = "五十"
    ws.cell(money, 5).value = -3
    ws.cell(_row_of(ws, "disabled_enrolment_rate"), 5).value = 96  # a good cell does not save the others
    errors = _refused(
        filling,
        _save(wb),
        f"数据填报!E{share}: “公办园在园幼儿占比”不能大于 100 %，填写的是 150",
        f"数据填报!D{share}: “公办园在园幼儿占比”应为数字，填写的是文字“五十”",
        f"数据填报!E{money}: “一般公共预算教育经费”不能小于 0 万元",
    )
    assert len(errors) == 3


def test_a_formula_without_a_cached_value_is_refused(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    r = _row_of(ws, "kg_public_share")
    ws.cell(r, 5).value = "=40+15"  # openpyxl, like many generators, saves no computed result
    _refused(filling, _save(wb), f"数据填报!E{r}: 公式 =40+15 没有计算结果")


def test_a_formula_with_a_cached_value_is_read_as_its_value(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    r = _row_of(ws, "kg_public_share")
    ws.cell(r, 5).value = "=40+15"
    data = _save(wb)
    # Put Excel's cached result beside the formula, as Excel and WPS do when they save.
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = body.replace(b"<f>40+15</f><v></v>", b"<f>40+15</f><v>55</v>").replace(
                    b"<f>40+15</f></c>", b"<f>40+15</f><v>55</v></c>"
                )
                assert b"<v>55</v>" in body
            zout.writestr(info, body)
    import_workbook(filling.jia1_filler, filling.round.pk, out.getvalue(), "a.xlsx")
    assert DataValue.objects.get(evaluation=filling.jia1, item_code="kg_public_share").value == Decimal(55)


def test_missing_and_extra_columns_are_refused(filling):
    wb = _item_template(filling)
    ws = wb[wbk.ITEM_SHEET]
    ws.delete_cols(6)  # 说明
    ws["G1"] = "备注"
    _refused(filling, _save(wb), "数据填报!F1: 表头应为“说明”，实际为“（空）”", "数据填报!G1: 多出的列“备注”")


def test_region_rows_missing_an_item_column_or_with_an_unknown_one_are_refused(filling):
    data, _ = template_for(filling.prov_office, filling.round.pk)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[wbk.CURRENT_SHEET]
    ws.delete_cols(3)  # disabled_enrolment_rate
    ws.cell(1, 7).value = "made_up_item"
    values = DataValue.objects.count()
    with pytest.raises(WorkbookInvalid) as err:
        import_workbook(filling.prov_office, filling.round.pk, _save(wb), "x.xlsx")
    text = "\n".join(err.value.errors)
    assert "缺少数据项“残疾儿童少年义务教育入学率”（disabled_enrolment_rate）的列" in text
    assert "本年数值!G1: 多出的列“made_up_item”" in text
    assert DataValue.objects.count() == values


def test_merged_cells_are_refused_with_their_range(filling):
    wb = _item_template(filling)
    wb[wbk.ITEM_SHEET].merge_cells("D2:E2")
    _refused(filling, _save(wb), "数据填报!D2:E2: 有合并单元格")


def test_a_county_cannot_import_a_row_of_another_county(filling):
    data, _ = template_for(filling.prov_office, filling.round.pk)
    wb = load_workbook(io.BytesIO(data))
    wb[wbk.CURRENT_SHEET]["F4"] = 30  # 甲市二县's row, in 甲市一县's hands
    _refused(filling, _save(wb), "本年数值!A4: 区划代码“990102”不在本轮次中，或您无权填报该地区")


def test_a_county_cannot_download_another_countys_template(filling):
    with pytest.raises(NotFound):
        template_for(filling.jia1_filler, filling.round.pk, "990102")


def test_a_locked_evaluation_refuses_the_import(filling):
    wb = _item_template(filling)
    wb[wbk.ITEM_SHEET].cell(_row_of(wb[wbk.ITEM_SHEET], "kg_public_share"), 5).value = 60
    filling.advance(filling.jia1, "已提交")
    _refused(filling, _save(wb), "数据已锁定")


def test_a_file_over_the_size_limit_is_refused_before_reading(filling):
    big = b"PK\x03\x04" + bytes(50 * 1024 * 1024)
    _refused(filling, big, "文件大小 50.0 MB，超过上限 30 MB")


def test_a_zip_bomb_is_refused_before_openpyxl_inflates_it(filling):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    _refused(filling, buf.getvalue(), "xl/worksheets/sheet1.xml 的压缩比", "疑似压缩炸弹")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a workbook", "不是 .xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "旧版 .xls 文件"),
        (b"PK\x03\x04 truncated", "压缩包已损坏"),
    ],
)
def test_what_is_not_an_xlsx_is_refused_with_a_reason(filling, data, message):
    _refused(filling, data, message)


def test_a_workbook_not_made_from_a_template_is_refused(filling):
    from openpyxl import Workbook

    _refused(filling, _save(Workbook()), "缺少“模板信息”工作表")
