"""Layout rules shared by the Word and PDF renderers: title lines, punctuation, signature, column widths."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lvzhi.writer.layout import (
    TITLE_CHARS,
    chinese_punctuation,
    column_shares,
    signature_indents,
    title_lines,
    width,
    words,
)

TITLES = [
    "重庆市巴南区人民政府关于2023年度履行教育职责情况的自评报告",
    "关于青海省海东市2020年度履行教育职责评价的反馈意见",
    "浙江省湖州市吴兴区人民政府关于2019年度履行教育职责情况的自评报告",
    "云南省昭通市2024年度履行教育职责评价问题清单",
]


def test_titles_break_only_between_phrases_into_lines_that_fit() -> None:
    for title in TITLES:
        lines = title_lines(title)
        assert "".join(lines) == title
        assert len(lines) == 2 and all(width(line) <= TITLE_CHARS for line in lines)
        boundaries = set()
        pos = 0
        for w in words(title):
            pos += len(w)
            boundaries.add(pos)
        assert len(lines[0]) in boundaries
        for whole in ("履行教育职责", "自评报告", "反馈意见", "问题清单", "人民政府"):
            assert not any(whole not in line and whole[:2] in line[-2:] for line in lines[:-1]), (
                title,
                lines,
            )
        assert not lines[1].startswith(("的", "年度", "市", "评", "育"))


def test_the_two_lines_are_balanced() -> None:
    # 巴南: 16 + 13 characters rather than 12 + 17
    assert title_lines(TITLES[0]) == ("重庆市巴南区人民政府关于2023年度", "履行教育职责情况的自评报告")
    assert title_lines(TITLES[1]) == ("关于青海省海东市2020年度", "履行教育职责评价的反馈意见")


def test_a_short_title_stays_one_line() -> None:
    assert title_lines("关于某县的反馈意见") == ("关于某县的反馈意见",)


def test_half_width_marks_in_chinese_text_become_full_width_numbers_keep_theirs() -> None:
    assert chinese_punctuation("学前教育普惠资源(普惠性幼儿园覆盖率),共1,000人;时间9:30") == (
        "学前教育普惠资源（普惠性幼儿园覆盖率），共1,000人；时间9:30"
    )
    assert chinese_punctuation("see (a, b)") == "see (a, b)"


@given(st.text(alphabet="学校(),;:?!1234567890ab .%", max_size=30))
def test_punctuation_is_idempotent_and_keeps_every_other_character(text: str) -> None:
    once = chinese_punctuation(text)
    assert chinese_punctuation(once) == once
    keep = str.maketrans("", "", "(),;:?!（），；：？！ ")
    assert once.translate(keep) == text.translate(keep)


def test_the_signature_is_centred_over_the_date_with_a_seal_and_two_characters_in_without() -> None:
    signer, dated = "重庆市巴南区人民政府", "2024年5月19日"  # 10 and 6.5 characters wide
    assert signature_indents(signer, dated) == (2.25, 4.0)  # centred over the date, date 右空四字
    # without a seal: signer 右空二字, the date starting two characters right of the signer
    s_indent, d_indent = signature_indents(signer, dated, sealed=False)
    assert s_indent == 2.0 and (s_indent + 10) - (d_indent + 6.5) == 2
    # a date as long as the signer keeps 2 characters and pushes the signer left
    assert signature_indents("某县人民政府", "2024年12月31日", sealed=False) == (5.0, 2.0)


def test_columns_share_the_width_by_their_content() -> None:
    rows = [
        ("序号", "问题", "依据"),
        ("1", "校园安全隐患整改率为74.37%，低于目标", "校园安全隐患整改率74.37%"),
    ]
    shares = column_shares(rows)
    assert abs(sum(shares) - 1) < 1e-9
    assert shares[0] < shares[2] <= shares[1]


def test_short_columns_keep_their_content_on_one_line_and_text_columns_share_the_rest() -> None:
    rows = [
        ("序号", "问题", "所属指标", "依据", "整改措施", "整改时限"),
        (
            "1",
            "公办园在园幼儿占比39.66%，低于目标50%，“公办园在园幼儿占比达到50%”失1.5分。",
            "3 各级各类教育协调发展",
            "公办园在园幼儿占比39.66%，低于目标50%",
            "对照要求，明确责任单位和完成时限，推动相关指标达到目标50%。",
            "2024年8月17日",
        ),
    ]
    chars = [share * 36 for share in column_shares(rows)]
    assert chars[0] >= width("序号") + 1 and chars[5] >= width("2024年8月17日") + 1
    assert min(chars[1:5]) >= 5  # no text column squeezed to a character or two
