"""The extractor turns every supported input into the report's plain text, and refuses the rest clearly."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from lvzhi.reader.extract import MAX_BYTES, ExtractError, decode_text, extract
from lvzhi.reader.pipeline import analyse

_spec = importlib.util.spec_from_file_location(
    "report_formats", Path(__file__).parent / "reports" / "formats.py"
)
assert _spec is not None and _spec.loader is not None
formats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(formats)

REPORT = "201_sichuan_county_2022.txt"


def nonspace(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def report() -> str:
    return formats.report_text(REPORT)


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory: pytest.TempPathFactory, report: str) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(formats.pdf_bytes(report))
    return path


def test_seed_reports_are_read_exactly_as_utf8(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        got = extract(path)
        assert (got.kind, got.encoding) == ("txt", "utf-8")
        assert got.text == path.read_text(encoding="utf-8")
        assert str(got) == got.text


@pytest.mark.parametrize(
    ("codec", "label"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
        ("utf-32", "utf-32"),
    ],
)
def test_text_in_any_common_encoding_decodes_to_the_same_text(
    tmp_path: Path, report: str, codec: str, label: str
) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(report.encode(codec))
    got = extract(path)
    assert got.text == report
    assert got.encoding == label


def test_a_docx_saved_with_a_doc_suffix_is_still_read(tmp_path: Path, report: str) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(formats.docx_bytes(report))
    assert extract(path).kind == "docx"


def test_windows_line_endings_become_newlines(tmp_path: Path, report: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(report.replace("\n", "\r\n").encode("gbk"))
    assert extract(path).text == report


def test_gbk_text_outside_gb2312_still_decodes() -> None:
    # 堃 and 镕 are GBK but not GB2312: sites declaring gb2312 use them anyway.
    text, enc = decode_text("某县教育局局长王堃、副局长李镕出席会议。".encode("gbk"))
    assert (text, enc) == ("某县教育局局长王堃、副局长李镕出席会议。", "gb18030")


def test_web_page_in_gbk_keeps_the_article_and_drops_the_site_chrome(tmp_path: Path, report: str) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(formats.gbk_page(report))
    got = extract(path)
    assert (got.kind, got.encoding) == ("html", "gb18030")
    assert nonspace(got.text) == nonspace(report)
    for chrome in ("首页", "当前位置", "统计代码", "ICP", "分享到", "发布时间", "页面加载完毕", "字体"):
        assert chrome not in got.text
    assert got.text.startswith("某县人民政府2022年度履行教育职责自评报告\n")


def test_web_page_saved_with_a_txt_suffix_is_still_read_as_html(tmp_path: Path, report: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(formats.gbk_page(report))
    got = extract(path)
    assert got.kind == "html"
    assert "蜀ICP备" not in got.text


def test_docx_paragraphs_and_tables_come_in_document_order(tmp_path: Path, report: str) -> None:
    table = [["指标", "2021年", "2022年"], ["一般公共预算教育经费(万元)", "91230", "98650"]]
    path = tmp_path / "report.docx"
    path.write_bytes(formats.docx_bytes(report, table))
    got = extract(path)
    lines = got.text.split("\n")
    assert got.kind == "docx"
    assert lines[0] == "某县人民政府2022年度履行教育职责自评报告"
    assert lines[2:4] == ["指标\t2021年\t2022年", "一般公共预算教育经费(万元)\t91230\t98650"]
    assert lines[4].startswith("根据《某省人民政府")


def test_pdf_text_joins_broken_lines_and_drops_header_and_page_numbers(pdf_file: Path, report: str) -> None:
    got = extract(pdf_file)
    assert got.kind == "pdf"
    assert nonspace(got.text) == nonspace(report)
    assert "某县教育督导文件" not in got.text and "— 1 —" not in got.text
    # Every paragraph of the source (wrapped over several PDF lines) is one line again.
    want = [line.strip("\u3000") for line in report.split("\n") if line.strip()]
    assert got.text.split("\n") == want


def test_pdf_letter_spacing_does_not_split_figures(tmp_path: Path) -> None:
    import weasyprint

    page = (
        "<html><head><style>body{font-family:'Noto Serif CJK SC';font-size:14pt;letter-spacing:0.4em}</style>"
        "</head><body><p>全县共有各级各类学校126所，在校学生7.92万人，占比20.68%。</p></body></html>"
    )
    path = tmp_path / "spaced.pdf"
    path.write_bytes(weasyprint.HTML(string=page).write_pdf())
    assert extract(path).text == "全县共有各级各类学校126所，在校学生7.92万人，占比20.68%。"


def test_scanned_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    import weasyprint

    page = "<html><body><div style='width:300px;height:400px;background:#333'></div></body></html>"
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(weasyprint.HTML(string=page).write_pdf())
    with pytest.raises(ExtractError, match=r"扫描件.pdf.*没有文字层"):
        extract(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "空文件"),
        ("blank.txt", b" \n\r\n\t ", "空文件"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "图片"),
        ("image.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "二进制"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "另存为 .docx"),
        ("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 50, "docx"),
        ("broken.pdf", b"%PDF-1.7\n" + b"\x00\x01 garbage" * 50, "PDF"),
        ("controls.txt", bytes(range(1, 9)) * 200, "二进制"),
    ],
)
def test_unreadable_files_raise_a_chinese_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message) as err:
        extract(path)
    assert name in str(err.value)


def test_a_file_above_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: costs no disk and no time
    with pytest.raises(ExtractError, match=r"huge.txt.*超过 50 MB"):
        extract(path)


def test_missing_files_and_directories_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="无法打开文件"):
        extract(tmp_path / "nowhere.txt")
    with pytest.raises(ExtractError, match="是目录"):
        extract(tmp_path)
    assert os.path.isdir(tmp_path)


def test_table_laid_out_page_with_br_lines_keeps_only_the_article_cell(tmp_path: Path) -> None:
    # Older county sites: one layout table, navigation in one cell, the report as <br>-separated text in another.
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=GBK'></head><body>"
        "<table><tr><td class='left'><a href='/'>网站首页</a><br><a href='/jy'>教育动态</a><br>"
        "<a href='/dd'>督导评估</a></td><td>"
        "<font size='3'>一、基本情况<br>\u3000\u3000全县共有中小学42所，在校学生2.36万人，专任教师1890人。<br>"
        "二、主要工作<br>\u3000\u3000一般公共预算教育经费5.12亿元，比上年增长3.6%。</font>"
        "</td></tr><tr><td colspan='2'>版权所有：某县教育局 备案号：ICP备000001号</td></tr></table></body></html>"
    )
    path = tmp_path / "old.htm"
    path.write_bytes(page.encode("gbk"))
    got = extract(path)
    assert [line.strip() for line in got.text.strip().split("\n")] == [
        "一、基本情况",
        "全县共有中小学42所，在校学生2.36万人，专任教师1890人。",
        "二、主要工作",
        "一般公共预算教育经费5.12亿元，比上年增长3.6%。",
    ]


def test_headings_numbered_by_word_get_their_labels_back(tmp_path: Path) -> None:
    path = tmp_path / "numbered.docx"
    path.write_bytes(
        formats.numbered_docx(
            [
                (0, "基本情况"),
                (None, "全县共有学校126所。"),
                (0, "主要工作"),
                (1, "保障经费投入"),
                (2, "落实两个只增不减"),
                (2, "改善办学条件"),
                (1, "促进教育公平"),
                (2, "学前教育"),
                (0, "存在的问题"),
            ]
        )
    )
    assert extract(path).text.split("\n") == [
        "一、基本情况",
        "全县共有学校126所。",
        "二、主要工作",
        "(一)保障经费投入",
        "1.落实两个只增不减",
        "2.改善办学条件",
        "(二)促进教育公平",
        "1.学前教育",
        "三、存在的问题",
    ]
    markers = [s.marker for s in analyse(extract(path).text).sections]
    assert markers == ["一、", "二、", "(一)", "1.", "2.", "(二)", "1.", "三、"]


def test_word_list_styles_are_numbered_and_bullets_stay_unlabelled(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("落实经费", style="List Number")
    document.add_paragraph("改善条件", style="List Number")
    document.add_paragraph("要点", style="List Bullet")
    path = tmp_path / "styles.docx"
    document.save(str(path))
    assert extract(path).text.split("\n") == ["1.落实经费", "2.改善条件", "要点"]


def test_pdf_last_page_of_short_lines_keeps_its_line_breaks(tmp_path: Path, report: str) -> None:
    import weasyprint

    lines = [line.strip("\u3000 ") for line in report.split("\n") if line.strip()]
    tail = ["附件：", "自评得分表", "佐证材料目录", "问题整改清单"]
    body = "".join(f"<p>{line}</p>" for line in lines) + "".join(
        f"<p style='text-indent:0;{'page-break-before:always' if i == 0 else ''}'>{line}</p>"
        for i, line in enumerate(tail)
    )
    path = tmp_path / "attachments.pdf"
    path.write_bytes(
        weasyprint.HTML(
            string=f"<html><head><style>{formats.PDF_CSS}</style></head><body>{body}</body></html>"
        ).write_pdf()
    )
    assert extract(path).text.split("\n")[-4:] == tail
