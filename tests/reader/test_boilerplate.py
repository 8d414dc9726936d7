"""Web-page chrome inside plain text: metadata tables, breadcrumbs, publication lines, footers."""

from __future__ import annotations

from lvzhi.reader.pipeline import analyse


def _spans(text: str) -> list[str]:
    return [text[s.start : s.end] for s in analyse(text).boilerplate]


def test_breadcrumb_and_publication_line_form_spans_around_the_title() -> None:
    text = (
        "首页 > 政务公开 > 通知公告\n某县人民政府履行教育职责自评报告\n"
        "发布时间:2024-03-01 来源:县教育局 浏览次数:35\n\n一、基本情况\n全县共有学校35所。\n"
    )
    assert _spans(text) == ["首页 > 政务公开 > 通知公告", "发布时间:2024-03-01 来源:县教育局 浏览次数:35"]


def test_footer_lines_form_one_span_without_the_trailing_newline() -> None:
    text = "正文结束。\n某县人民政府\n2024年3月1日\n版权所有:某县人民政府\n\n主办单位:某县政府办\n蜀ICP备12345678号\n"
    assert _spans(text) == ["版权所有:某县人民政府\n\n主办单位:某县政府办\n蜀ICP备12345678号"]


def test_site_title_between_directive_and_breadcrumb_joins_the_header() -> None:
    text = '<%@ page contentType="text/html"%>\n某区人民政府门户网站\n首页 > 政务公开\n某区自查报告\n'
    assert _spans(text) == ['<%@ page contentType="text/html"%>\n某区人民政府门户网站\n首页 > 政务公开']


def test_inline_pagination_link_is_cut_out_of_the_paragraph() -> None:
    text = "一、自查情况\n\n点击浏览下一页  我市高度重视评价工作。\n"
    a = analyse(text)
    assert _spans(text) == ["点击浏览下一页"]
    assert a.sections[0].title == "自查情况"


def test_metadata_table_of_a_government_site() -> None:
    text = "[ 索引号 ] | 1150/2023-1 | [ 发文字号 ] | |\n[ 发布机构 ] | 区教委 | [ 有效性 ] | |\n报告标题\n"
    assert _spans(text) == [
        "[ 索引号 ] | 1150/2023-1 | [ 发文字号 ] | |\n[ 发布机构 ] | 区教委 | [ 有效性 ] | |"
    ]


def test_report_prose_mentioning_sources_is_not_chrome() -> None:
    text = "来源广泛的社会资金投入教育,全年共接受捐赠资金120万元,用于改善办学条件和资助家庭经济困难学生,受到群众欢迎。\n"
    assert _spans(text) == []


def test_figures_inside_chrome_are_not_claims() -> None:
    text = "网警110\n蜀ICP备12345678号\n全县共有学校35所。\n"
    assert [c.surface for c in analyse(text).claims] == ["35所"]
