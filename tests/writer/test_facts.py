"""Every printed figure as the data holds it: its own period and qualifier, no derived figure stated as a
fact, units as officials write them, yes/no items as true sentences, no change as 与上年持平."""

from __future__ import annotations

from decimal import Decimal

from lvzhi.scoring import Sample
from lvzhi.writer.builder import ReportDocument, stat_sentence
from lvzhi.writer.model import ReportContext, Stat


def test_a_figure_of_another_period_says_its_period(seed_reports: dict[str, ReportDocument]) -> None:
    banan = seed_reports["chongqing-banan-2023"].text()
    assert "2022年，一般公共预算教育经费16.8824亿元，比上年增长0.79%。" in banan
    haidong = seed_reports["qinghai-haidong-2020"].text()
    # January to September only: never presented as the year 2020
    assert "2020年1—9月，一般公共预算教育经费32.17亿元。" in haidong
    assert "2020年1—9月，地区生产总值336.6亿元。" in haidong


def test_qualifiers_stay_with_their_figures(seed_reports: dict[str, ReportDocument]) -> None:
    assert "2022—2023学年，保安经费5800余万元。" in seed_reports["chongqing-banan-2023"].text()
    zhaotong = seed_reports["yunnan-zhaotong-2024"].text()
    assert "学校教育专网（宽带）接入率接近100%。" in zhaotong
    assert "97%以上" in zhaotong


def test_large_counts_are_written_in_wan(seed_reports: dict[str, ReportDocument]) -> None:
    zhaotong = seed_reports["yunnan-zhaotong-2024"].text()
    assert "各级各类在校生118.69万人" in zhaotong and "1186900" not in zhaotong
    assert "校舍建筑面积1104.1万平方米" in zhaotong


def test_implied_values_are_scored_but_never_printed(
    seed_contexts: dict[str, ReportContext], seed_reports: dict[str, ReportDocument]
) -> None:
    stats = seed_contexts["zhejiang-wuxing-2019"].stats
    assert not stats["major_accidents"].printed and not stats["falsified"].printed
    text = seed_reports["zhejiang-wuxing-2019"].text()
    assert "重大安全责任事故" not in text and "弄虚作假" not in text


def test_yes_no_items_read_as_true_sentences() -> None:
    falsified = Stat("falsified", "评价材料弄虚作假(是否)", "是否", Decimal(0), adverse=True)
    assert stat_sentence(falsified) == "未发现评价材料弄虚作假问题。"
    parity = Stat("teacher_pay_parity", "教师工资不低于公务员(是否)", "是否", Decimal(1))
    assert stat_sentence(parity) == "已实现教师工资不低于公务员。"
    accidents = Stat("major_accidents", "重大安全责任事故", "起", Decimal(0), Decimal(0), adverse=True)
    assert stat_sentence(accidents) == "未发生重大安全责任事故。"


def test_no_change_reads_the_same_as_last_year() -> None:
    rooms = Stat("resource_rooms", "特殊教育资源教室", "间", Decimal(16), Decimal(16))
    assert stat_sentence(rooms) == "特殊教育资源教室16间，与上年持平。"
    share = Stat("kg_public_share", "公办园在园幼儿占比", "%", Decimal("50.5"), Decimal("50.5"))
    assert stat_sentence(share) == "公办园在园幼儿占比为50.5%，与上年持平。"


def test_a_comparison_states_both_years_in_one_unit() -> None:
    both = Stat("edu_gpb_spending", "一般公共预算教育经费", "万元", Decimal(168824), Decimal(165000))
    assert stat_sentence(both).startswith("一般公共预算教育经费16.8824亿元，较上年16.5亿元增长")
    # 9800万元 is below 1亿: both stay in 万元 rather than 1.08亿元 beside 9800万元
    mixed = Stat("edu_gpb_spending", "一般公共预算教育经费", "万元", Decimal(10800), Decimal(9800))
    assert stat_sentence(mixed).startswith("一般公共预算教育经费10800万元，较上年9800万元增长")


def test_the_profile_runs_in_paragraphs_from_the_region_to_its_spending(
    seed_reports: dict[str, ReportDocument],
) -> None:
    blocks = seed_reports["zhejiang-wuxing-2019"].blocks
    start = next(i for i, b in enumerate(blocks) if b.text == "一、基本情况")
    paragraphs = [b.text for b in blocks[start + 1 :] if b.kind == "para"][:4]
    assert paragraphs[0].startswith("浙江省湖州市吴兴区总人口62.99万人")
    assert paragraphs[1].startswith("2019年，全区各级各类学校132所")
    assert paragraphs[2].startswith("2019年，全区教职工数7688人")
    assert paragraphs[3].startswith("2019年，全区一般公共预算教育经费")


def test_the_two_no_decreases_are_stated_when_the_data_has_both(
    seed_reports: dict[str, ReportDocument],
) -> None:
    assert "落实了“两个只增不减”" in seed_reports["yunnan-zhaotong-2024"].text()
    assert "两个只增不减" not in seed_reports["zhejiang-wuxing-2019"].text()  # no per-student figure


def test_a_figure_given_as_a_bound_is_a_matter_to_verify_not_a_failure(
    seed_reports: dict[str, ReportDocument],
) -> None:
    text = seed_reports["heilongjiang-county-2024"].text()
    problems = text.split("三、存在的主要问题")[1].split("四、下步工作打算")[0]
    assert "教师网络学习空间开通率为90%以上" in problems and "需以确切数据核实" in problems
    assert "未达标" not in problems


def test_a_judged_indicator_that_lost_points_says_what_it_scored(
    seed_reports: dict[str, ReportDocument],
) -> None:
    text = seed_reports["zhejiang-wuxing-2019"].text()
    assert "“教育布局专项规划与学校建设”自评得2分（满分4分）。" in text


def test_a_figure_measured_on_a_sample_states_n_the_interval_and_the_margin() -> None:
    measured = Sample(17, Decimal("78.23"), Decimal("96.09"))
    rate = Stat("satisfaction_rate", "教育满意度", "%", Decimal("92.35"), sample=measured)
    assert stat_sentence(rate) == (
        "教育满意度为92.35%（抽样调查有效样本17份，95%置信区间为78.23%—96.09%，误差±8.93个百分点）。"
    )
    last_year = Stat("satisfaction_rate", "教育满意度", "%", Decimal("92.35"), Decimal("90"), sample=measured)
    assert stat_sentence(last_year).endswith("误差±8.93个百分点），较上年90%提高2.35个百分点。")
    typed = Stat("satisfaction_rate", "教育满意度", "%", Decimal("92.35"))
    assert stat_sentence(typed) == "教育满意度为92.35%。"
