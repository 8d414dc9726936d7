"""Every download is named and typed in one place (lvzhi.site.downloads), Chinese names intact."""

from __future__ import annotations

from urllib.parse import quote

from lvzhi.site.downloads import content_type_of, download


def test_a_chinese_file_name_is_kept_for_the_browser_and_the_type_follows_the_extension():
    response = download(b"a,b\n", "甲市2024年度评价.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"filename*=utf-8''{quote('甲市2024年度评价.csv')}" in response["Content-Disposition"]


def test_an_inline_pdf_is_shown_in_place():
    response = download(b"%PDF-1.4", "报告.pdf", inline=True)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")


def test_each_evidence_kind_has_its_type_and_an_unknown_one_is_plain_bytes():
    assert content_type_of("台账.JPEG") == content_type_of("x.jpg") == "image/jpeg"
    assert content_type_of("纪要.docx").endswith("wordprocessingml.document")
    assert content_type_of("x.exe") == "application/octet-stream"
