"""The report model: title, opening, the four parts, figures from the data, problems and plans."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import date
from decimal import Decimal

from lvzhi.schemes import load_builtin
from lvzhi.scoring import RegionInput, compile_scheme
from lvzhi.writer.builder import ReportDocument, build_report, stat_sentence
from lvzhi.writer.model import ProblemItem, ReportContext, Stat, context_from


def headings(doc: ReportDocument, kind: str) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == kind]


def test_title_names_the_government_and_the_year(seed_reports: dict[str, ReportDocument]) -> None:
    assert (
        seed_reports["yunnan-zhaotong-2024"].title
        == "云南省昭通市人民政府关于2023年度履行教育职责情况的自评报告"
    )


def test_opening_cites_the_scheme_document_number(seed_reports: dict[str, ReportDocument]) -> None:
    opening = seed_reports["chongqing-banan-2023"].blocks[2].text
    assert "（渝教函〔2023〕464号）要求" in opening


def test_report_has_the_four_parts_in_order(seed_reports: dict[str, ReportDocument]) -> None:
    for doc in seed_reports.values():
        assert headings(doc, "h1") == [
            "一、基本情况",
            "二、履职情况",
            "三、存在的主要问题",
            "四、下步工作打算",
        ]


def test_every_top_level_indicator_gets_a_numbered_section(
    seed_contexts: dict[str, ReportContext], seed_reports: dict[str, ReportDocument]
) -> None:
    for key, ctx in seed_contexts.items():
        expected = [f"（{'一二三四五六七八九十'[i]}）{p.name}" for i, p in enumerate(ctx.indicators)]
        assert headings(seed_reports[key], "h2") == expected


def test_spending_is_stated_with_last_years_figure_and_the_growth(
    seed_reports: dict[str, ReportDocument],
) -> None:
    text = seed_reports["yunnan-zhaotong-2024"].text()
    assert "一般公共预算教育经费117.05亿元，较上年116.56亿元增长0.42%。" in text


def test_a_stated_growth_is_used_rather_than_recomputed() -> None:
    s = Stat(
        "edu_gpb_spending",
        "一般公共预算教育经费",
        "万元",
        Decimal(168824),
        Decimal("167500.74"),
        Decimal("0.79"),
    )
    assert stat_sentence(s) == "一般公共预算教育经费168824万元，较上年167500.74万元增长0.79%。"


def test_a_percentage_changes_by_percentage_points() -> None:
    s = Stat("x", "一般公共预算教育经费占一般公共预算支出比例", "%", Decimal("20.68"), Decimal("17.04"))
    assert stat_sentence(s).endswith("为20.68%，较上年17.04%提高3.64个百分点。")


def test_each_statistic_is_stated_once(seed_contexts: dict[str, ReportContext]) -> None:
    for ctx in seed_contexts.values():
        placed = list(ctx.profile) + [c for p in ctx.indicators for c in p.stats]
        assert len(placed) == len(set(placed))
        assert set(placed) == set(ctx.stats)


def test_lost_points_become_problems_and_plans(seed_reports: dict[str, ReportDocument]) -> None:
    text = seed_reports["yunnan-zhaotong-2024"].text()
    problems = text.split("三、存在的主要问题")[1].split("四、下步工作打算")[0]
    # the figure against its target, and the points it cost
    assert "一是公办园在园幼儿占比39.66%，低于目标50%，“公办园在园幼儿占比达到50%”失1.5分。" in problems
    # the statutory rule on the same figure does not repeat the problem
    assert problems.count("39.66%") == 1
    plans = text.split("四、下步工作打算")[1]
    assert "对照“公办园在园幼儿占比达到50%”的要求，明确责任单位和完成时限，推动相关指标达到目标50%" in plans


def test_a_computed_rate_is_rounded_to_two_decimals_in_a_problem(
    seed_reports: dict[str, ReportDocument],
) -> None:
    text = seed_reports["chongqing-banan-2023"].text()
    assert "校园安全隐患整改率为74.37%" in text


def test_the_signature_and_date_close_the_report(seed_reports: dict[str, ReportDocument]) -> None:
    doc = seed_reports["chongqing-banan-2023"]
    assert [(b.kind, b.text) for b in doc.blocks[-2:]] == [
        ("signature", "重庆市巴南区人民政府"),
        ("date", "2024年5月19日"),
    ]


def test_missing_narrative_leaves_a_marked_gap_for_staff(seed_reports: dict[str, ReportDocument]) -> None:
    section = seed_reports["zhejiang-wuxing-2019"].text().split("（一）")[1]
    assert section.startswith("党对教育工作的领导\n【请填写")


def complete_context(narratives: dict[str, str] | None = None, plans: tuple[str, ...] = ()) -> ReportContext:
    """The statutory scheme with every figure given: all leaves scored, so a total and a grade exist."""
    scheme = load_builtin("statutory")
    values = {
        c: Decimal(v)
        for c, v in {
            "edu_gpb_spending": 1170500,
            "per_student_gpb_kg": 9000,
            "per_student_gpb_primary": 11000,
            "per_student_gpb_junior": 15000,
            "per_student_gpb_senior": 14000,
            "per_student_gpb_vocational": 20000,
            "edu_fiscal_spending": 1300000,
            "gdp": 20000000,
            "teacher_avg_pay": 98000,
            "civil_servant_avg_pay": 97000,
            "kg_gross_enrolment_rate": 91,
            "kg_inclusive_coverage": 88,
            "kg_public_share": "39.66",
            "classes_total": 1000,
            "large_classes": 20,
            "super_large_classes": 0,
            "disabled_enrolment_rate": 97,
            "exchange_share": "11.95",
            "senior_gross_enrolment_rate": "90.18",
        }.items()
    }
    previous = {c: v - 1 for c, v in values.items() if c.startswith(("edu_gpb", "per_student"))}
    region = RegionInput("530600", "昭通市", values, previous)
    (result,) = compile_scheme(scheme).score([region])
    return context_from(
        scheme,
        result,
        region,
        2023,
        narratives=narratives or {},
        plans=plans,
        addressee="省人民政府教育督导委员会办公室",
        when=date(2024, 5, 19),
    )


def test_a_complete_evaluation_states_the_self_score_and_grade() -> None:
    ctx = complete_context()
    assert ctx.complete
    text = build_report(ctx).text()
    assert f"自评得分{ctx.score_total.normalize():f}分（满分16分），等次为{ctx.grade_name}。" in text  # type: ignore[union-attr]
    assert re.search(r"合计\t16\t\d+", text)


def test_staff_narrative_and_plans_are_used_verbatim() -> None:
    ctx = complete_context(
        {"S1": "我市坚持教育优先发展。\n落实两个只增不减。"}, ("加快公办园建设。", "扩充学位")
    )
    text = build_report(ctx).text()
    assert "我市坚持教育优先发展。\n落实两个只增不减。\n" in text
    assert "一是加快公办园建设。\n二是扩充学位。" in text


def test_a_report_over_the_schemes_length_limit_says_by_how_much() -> None:
    ctx = dataclasses.replace(complete_context(), report_limit=300)
    doc = build_report(ctx, charts=False)
    over = doc.body_length() - 300
    assert over > 0
    assert doc.warnings == [
        f"报告正文{doc.body_length()}字，超出方案限定的300字{over}字 "
        f"(report is {over} characters over the scheme's limit of 300)"
    ]


def test_a_report_within_the_limit_has_no_warning() -> None:
    ctx = dataclasses.replace(complete_context(), report_limit=5000)
    assert build_report(ctx, charts=False).warnings == []


def test_staff_problems_come_before_drafted_ones() -> None:
    ctx = complete_context()
    mine = ProblemItem("S 法定", "学前教育师资不足。", measure="补充幼儿园教师。")
    ctx = dataclasses.replace(ctx, problems=(mine, *ctx.problems))
    text = build_report(ctx, charts=False).text()
    assert "一是学前教育师资不足。\n二是" in text
    assert "一是补充幼儿园教师。" in text


def test_charts_show_when_scores_exist_and_can_be_left_out() -> None:
    ctx = complete_context()
    with_chart = build_report(ctx)
    (chart,) = [b for b in with_chart.blocks if b.kind == "chart"]
    assert chart.image.startswith(b"\x89PNG")
    assert not [b for b in build_report(ctx, charts=False).blocks if b.kind == "chart"]


def test_several_scheme_documents_are_cited_in_one_bracket(seed_reports: dict[str, ReportDocument]) -> None:
    opening = seed_reports["qinghai-haidong-2020"].blocks[2].text
    assert "（青政办〔2018〕3号、青教督委办〔2020〕45号）要求" in opening
    assert "重构" not in opening  # the project's note on the scheme's source is not cited


def test_without_a_total_the_report_says_why(seed_reports: dict[str, ReportDocument]) -> None:
    text = seed_reports["chongqing-banan-2023"].text()
    assert "项待评定（" in text and "须经人工评定并附佐证材料" in text
    assert "自评总分和等次在全部指标评定后确定" in text


def test_no_sentence_is_repeated_and_section_scores_vary_their_wording(
    seed_reports: dict[str, ReportDocument],
) -> None:
    for name, doc in seed_reports.items():
        # (a gap left for staff, 【请填写…】, may stand in several sections: it is flagged, not prose)
        sentences = [
            s
            for b in doc.blocks
            if b.kind == "para" and not b.text.startswith("【")
            for s in re.split(r"(?<=。)", b.text)
            if s
        ]
        assert len(sentences) == len(set(sentences)), name
        # the score sentences of neighbouring sections never share their wording
        shapes = [
            re.sub(r"“[^”]*”|\d+(?:\.\d+)?", "#", b.text)
            for b in doc.blocks
            if b.kind == "para" and ("待评定" in b.text or "得分" in b.text) and "项指标" in b.text
        ]
        assert all(a != b for a, b in itertools.pairwise(shapes)), name
