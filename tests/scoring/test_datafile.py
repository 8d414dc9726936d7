"""Data files (.csv, .xlsx, .json) are read into regions; every bad cell is reported with its place."""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest

from lvzhi.schemes import SchemeError
from lvzhi.scoring import merge_previous, read_data


def test_csv_with_codes_or_chinese_names_as_headers(tmp_path, catalogue):
    path = tmp_path / "d.csv"
    path.write_text(
        "region,name,kg_gross_rate,公办园在园幼儿占比,falsified\n500113,巴南区,88.5,59.69,否\n"
        "530600,昭通市,,39.66,是\n",
        encoding="utf-8",
    )
    data = read_data(path, catalogue)
    banan, zhaotong = data.regions
    assert banan.values == {
        "kg_gross_rate": Decimal("88.5"),
        "kg_public_share": Decimal("59.69"),
        "falsified": Decimal(0),
    }
    assert zhaotong.name == "昭通市" and "kg_gross_rate" not in zhaotong.values  # empty cell = unknown
    assert zhaotong.values["falsified"] == 1


def test_csv_errors_name_the_line(tmp_path, catalogue):
    path = tmp_path / "d.csv"
    path.write_text("region,kg_gross_rate,colour,major_accidents\n1,abc,x,1.5\n2,130,y,2\n", encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        read_data(path, catalogue)
    text = [str(p) for p in exc.value.problems]
    assert any(t.startswith(f"{path}:1") and "colour" in t for t in text)
    assert any(t.startswith(f"{path}:2") and "不是数字" in t for t in text)
    assert any(t.startswith(f"{path}:2") and "应为整数" in t for t in text)
    assert any(t.startswith(f"{path}:3") and "大于上限 120" in t for t in text)


def test_xlsx_errors_name_sheet_and_cell(tmp_path, catalogue):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["region", "name", "kg_gross_rate", "major_accidents"])
    ws.append([500113, "巴南区", 91.2, 0])
    ws.append([530600, "昭通市", "很高", -1])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    with pytest.raises(SchemeError) as exc:
        read_data(path, catalogue)
    cells = {p.cell for p in exc.value.problems}
    assert cells == {"数据!C3", "数据!D3"}
    assert str(exc.value.problems[0]).startswith(f"{path} 数据!C3")


def test_xlsx_reads_numbers_and_region_codes(tmp_path, catalogue):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["地区代码", "地区名称", "kg_gross_rate"])
    ws.append([500113, "巴南区", 91.2])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    (region,) = read_data(path, catalogue).regions
    assert region.region == "500113" and region.values == {"kg_gross_rate": Decimal("91.2")}


def test_json_with_plain_values_value_objects_previous_and_manual(tmp_path, catalogue):
    doc = {
        "year": 2023,
        "note": "test",
        "regions": [
            {
                "region": "500113",
                "name": "巴南区",
                "values": {
                    "edu_gpb_spending": {"value": 16.8824, "unit": "亿元", "sentence": "…"},
                    "kg_gross_rate": 91.2,
                },
                "previous": {"edu_gpb_spending": 167500.74},
                "manual": {"1.4": {"level": "优", "justification": "会议4次", "evidence": ["纪要.pdf"]}},
                "sources": {"kg_gross_rate": {"sentence": "学前三年毛入园率91.2%"}},
            }
        ],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    data = read_data(path, catalogue)
    (r,) = data.regions
    assert data.year == 2023
    assert r.values["edu_gpb_spending"] == Decimal("168824")  # 亿元 converted to the catalogue's 万元
    assert r.previous == {"edu_gpb_spending": Decimal("167500.74")}
    assert r.manual["1.4"].level == "优" and r.manual["1.4"].evidence == ("纪要.pdf",)


def test_json_errors_name_the_line(tmp_path, catalogue):
    path = tmp_path / "d.json"
    path.write_text(
        '{"regions": [\n {"region": "1",\n  "values": {\n   "kg_gross_rate": "n/a",\n'
        '   "nowhere": 1,\n   "kg_public_share": {"value": 3, "unit": "人"}}}]}\n',
        encoding="utf-8",
    )
    with pytest.raises(SchemeError) as exc:
        read_data(path, catalogue)
    lines = sorted((p.line, p.zh) for p in exc.value.problems)
    assert [line for line, _ in lines] == [4, 5, 6]
    assert "不是数字" in lines[0][1] and "未知数据项" in lines[1][1] and "单位" in lines[2][1]


def test_json_syntax_error_has_its_line(tmp_path, catalogue):
    path = tmp_path / "d.json"
    path.write_text('{"regions": [\n  {"region": "1",,}\n]}', encoding="utf-8")
    with pytest.raises(SchemeError) as exc:
        read_data(path, catalogue)
    assert exc.value.problems[0].line == 2


def test_previous_year_file_is_merged_by_region(tmp_path, catalogue):
    now, before = tmp_path / "2023.csv", tmp_path / "2022.csv"
    now.write_text("region,edu_gpb_spending\nA,110\nB,90\n", encoding="utf-8")
    before.write_text("region,edu_gpb_spending\nA,100\n", encoding="utf-8")
    merged = merge_previous(read_data(now, catalogue), read_data(before, catalogue))
    assert merged.regions[0].previous == {"edu_gpb_spending": Decimal(100)}
    assert merged.regions[1].previous == {}


def test_unsupported_or_missing_files(tmp_path, catalogue):
    with pytest.raises(SchemeError, match="不支持的文件类型"):
        (tmp_path / "d.txt").write_text("x", encoding="utf-8")
        read_data(tmp_path / "d.txt", catalogue)
    with pytest.raises(SchemeError, match="文件不存在"):
        read_data(tmp_path / "none.csv", catalogue)
