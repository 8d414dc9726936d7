"""The supervisor's feedback letter (反馈意见) and problem list (问题清单) in docx and xlsx."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime

from docx import Document
from openpyxl import load_workbook

from lvzhi.writer.docx import render_docx
from lvzhi.writer.feedback import LIST_HEADER, build_feedback, problem_list_document, problem_list_xlsx
from lvzhi.writer.model import ProblemItem, ReportContext


def test_the_letter_addresses_the_government_and_cites_the_scheme(
    seed_contexts: dict[str, ReportContext],
) -> None:
    doc = build_feedback(seed_contexts["chongqing-banan-2023"])
    assert doc.title == "关于重庆市巴南区2023年度履行教育职责评价的反馈意见"
    assert doc.blocks[1].text == "重庆市巴南区人民政府："
    assert "（渝教函〔2023〕464号），重庆市教育委员会对你区2023年度" in doc.blocks[2].text
    assert [b.text for b in doc.blocks if b.kind == "h1"] == [
        "一、总体评价",
        "二、存在的主要问题",
        "三、整改要求",
    ]
    (signature,) = [b for b in doc.blocks if b.kind == "signature"]
    assert signature.text == "重庆市教育委员会"


def test_the_letter_lists_the_problems_and_the_deadline(seed_contexts: dict[str, ReportContext]) -> None:
    ctx = seed_contexts["yunnan-zhaotong-2024"]
    text = build_feedback(ctx, deadline=date(2024, 8, 31)).text()
    assert "一是公办园在园幼儿占比39.66%，低于目标50%，“公办园在园幼儿占比达到50%”失1.5分。" in text
    assert "于2024年8月31日前将整改情况书面报送" in text


def test_the_problem_list_is_an_attachment_with_its_basis_in_words(
    seed_contexts: dict[str, ReportContext],
) -> None:
    doc = build_feedback(seed_contexts["yunnan-zhaotong-2024"], deadline=date(2024, 8, 31))
    kinds = [b.kind for b in doc.blocks]
    # 附件说明 under the text, the signature, then the attachment on its own page
    assert kinds[-6:] == ["attachments", "signature", "date", "attachment", "title", "table"]
    assert doc.blocks[-6].text == "附件：问题清单"
    (signature,) = [b for b in doc.blocks if b.kind == "signature"]
    assert signature.text == "云南省人民政府教育督导委员会办公室"  # the office that ran the evaluation
    rows = doc.blocks[-1].rows
    basis = {r[1]: r[3] for r in rows[1:]}
    first = "公办园在园幼儿占比39.66%，低于目标50%，“公办园在园幼儿占比达到50%”失1.5分。"
    assert basis[first] == "公办园在园幼儿占比39.66%，低于目标50%"
    assert not any("→" in b or "/" in b for b in basis.values())  # no engine notation


def test_without_a_deadline_the_letter_gives_ninety_days(seed_contexts: dict[str, ReportContext]) -> None:
    text = build_feedback(seed_contexts["yunnan-zhaotong-2024"]).text()  # signed 2024-05-19
    assert "于2024年8月17日前" in text


def test_a_problem_with_its_own_deadline_keeps_it(seed_contexts: dict[str, ReportContext]) -> None:
    ctx = seed_contexts["yunnan-zhaotong-2024"]
    own = ProblemItem("3 各级各类教育协调发展", "普惠学位不足。", "核查", "新建幼儿园", date(2025, 6, 30))
    ctx = dataclasses.replace(ctx, problems=(own, *ctx.problems))
    rows = problem_list_document(ctx, deadline=date(2024, 8, 31)).blocks[1].rows
    assert rows[1] == ("1", "普惠学位不足。", "3 各级各类教育协调发展", "核查", "新建幼儿园", "2025年6月30日")
    assert rows[2][-1] == "2024年8月31日"


def test_the_problem_list_workbook_has_one_row_per_problem(seed_contexts: dict[str, ReportContext]) -> None:
    ctx = seed_contexts["yunnan-zhaotong-2024"]
    ws = load_workbook(io.BytesIO(problem_list_xlsx(ctx, deadline=date(2024, 8, 31))))["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "云南省昭通市2023年度履行教育职责评价问题清单"
    assert rows[1] == LIST_HEADER
    assert len(rows) == 2 + len(ctx.problems)
    first = rows[2]
    assert first[0] == 1 and first[1] == ctx.problems[0].text
    assert first[2] == "3 各级各类教育协调发展"
    assert "39.66%" in str(first[3])  # the evidence: the scoring explanation
    assert first[5] == datetime(2024, 8, 31)  # a real date cell, not text


def test_the_problem_list_docx_is_a_table_with_the_five_columns(
    seed_contexts: dict[str, ReportContext],
) -> None:
    doc = Document(io.BytesIO(render_docx(problem_list_document(seed_contexts["chongqing-banan-2023"]))))
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == list(LIST_HEADER)
    assert len(table.rows) == 1 + len(seed_contexts["chongqing-banan-2023"].problems)


def test_a_region_without_problems_gets_no_list_and_no_deadline(
    seed_contexts: dict[str, ReportContext],
) -> None:
    ctx = dataclasses.replace(seed_contexts["zhejiang-wuxing-2019"], problems=())
    doc = build_feedback(ctx)
    assert not [b for b in doc.blocks if b.kind == "table"]
    assert "评价中未发现量化指标失分。" in doc.text()
