"""Headings: Chinese numbering in ASCII and full-width forms, run-in and inline headings, findings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lvzhi.reader.pipeline import analyse


def _heads(text: str) -> list[tuple[int, str, str]]:
    return [(s.level, s.marker, s.title) for s in analyse(text).sections]


def test_every_marker_type_gets_its_level() -> None:
    text = "一、总体情况\n(一)组织领导\n1.党政重视。内容\n(1)专题研究\n①会议次数\n"
    assert _heads(text) == [
        (1, "一、", "总体情况"),
        (2, "(一)", "组织领导"),
        (3, "1.", "党政重视"),
        (4, "(1)", "专题研究"),
        (5, "①", "会议次数"),
    ]


def test_full_width_markers_are_copied_as_written() -> None:
    text = "　　（二）经费保障：全年投入\n２．学位供给\n3、队伍建设\n"
    assert _heads(text) == [(2, "（二）", "经费保障"), (3, "２．", "学位供给"), (3, "3、", "队伍建设")]


def test_chinese_numeral_with_a_full_stop_is_a_first_level_heading() -> None:
    assert _heads("一.基本情况\n二．主要做法\n") == [(1, "一.", "基本情况"), (1, "二．", "主要做法")]


def test_heading_offset_is_the_marker_not_the_indent() -> None:
    text = "标题\n\u2002\u2002一、基本情况\n"
    a = analyse(text)
    assert text[a.sections[0].start :].startswith("一、")


def test_inline_headings_continue_the_numbering_inside_a_paragraph() -> None:
    text = "(二)经费保障。1.增长情况:支出增长5%,全省排名12.2.分担情况:落实到位。3.其他:无。\n"
    heads = _heads(text)
    assert heads == [(2, "(二)", "经费保障"), (3, "1.", "增长情况"), (3, "2.", "分担情况"), (3, "3.", "其他")]


def test_decimals_and_grade_lists_are_not_headings() -> None:
    text = "1.5万名学生参加。\n一、二、三级公办幼儿园分别补助。\n2023.11.15\n"
    assert _heads(text) == []


def test_numbering_gap_repeat_and_disorder_are_findings() -> None:
    text = "一、甲\n二、乙\n四、丁\n(一)子\n(一)子二\n1.x\n3.y\n2.z\n"
    kinds = [f.kind for f in analyse(text).findings]
    assert kinds == ["numbering_gap", "numbering_repeat", "numbering_gap", "numbering_disorder"]
    gap = analyse(text).findings[0]
    assert "缺少第3项" in gap.message


def test_numbering_may_also_run_on_across_parents() -> None:
    text = "一、甲\n(一)子\n1.a\n2.b\n(二)丑\n3.c\n4.d\n"
    assert analyse(text).findings == []


def test_numbering_restarts_under_a_new_parent() -> None:
    text = "一、甲\n1.a\n2.b\n二、乙\n1.c\n2.d\n"
    assert analyse(text).findings == []


@given(st.text(alphabet="一二三四五六七八九十()（）、.．123456789①② \n甲乙丙。:", max_size=200))
def test_any_text_gives_headings_at_their_marker(text: str) -> None:
    for s in analyse(text).sections:
        assert text[s.start :].startswith(s.marker)
        assert 1 <= s.level <= 5
