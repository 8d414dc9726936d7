"""A synthetic province of about 100 counties with plausible, reproducible statistics (seeded RNG).

Money grows by a few per cent a year with noise, so some counties break 只增不减 in some years; rates drift
around realistic centres (national thresholds sit inside the spread, so the league table has winners and
losers). Everything derives from one seed: the same call returns the same figures on every machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

PROVINCE_CODE = "990000"
PROVINCE_NAME = "示范省"
# Ten prefecture-level cities, ten counties each; 99 is no real province code in GB/T 2260.
CITY_NAMES = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"]
COUNTY_NAMES = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str
    scale: float  # relative size (population/economy), 1.0 = a typical county
    wealth: float  # relative income level, shifts money per student and pay


@dataclass(frozen=True)
class SyntheticProvince:
    cities: list[tuple[str, str]]  # (code, name)
    counties: list[County]
    # values[year][county code][item code]
    values: dict[int, dict[str, dict[str, Decimal]]] = field(default_factory=dict)


def _d(x: float, places: int) -> Decimal:
    return Decimal(str(round(x, places))) if places else Decimal(round(x))


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def build_province(
    years: list[int], seed: int = 20240601, n_cities: int = 10, per_city: int = 10
) -> SyntheticProvince:
    """The regions and every county's statistics for each year, reproducibly."""
    rng = random.Random(seed)
    cities = [(f"99{i + 1:02d}00", f"{PROVINCE_NAME}{CITY_NAMES[i]}市") for i in range(n_cities)]
    counties: list[County] = []
    for ccode, cname in cities:
        city_wealth = rng.lognormvariate(0, 0.18)
        for k in range(per_city):
            counties.append(
                County(
                    code=f"{ccode[:4]}{k + 1:02d}",
                    name=f"{cname}{COUNTY_NAMES[k]}县",
                    city_code=ccode,
                    scale=rng.lognormvariate(0, 0.45),
                    wealth=city_wealth * rng.lognormvariate(0, 0.1),
                )
            )
    values: dict[int, dict[str, dict[str, Decimal]]] = {y: {} for y in years}
    for c in counties:
        state = _initial_state(rng, c)
        for y in sorted(years):
            values[y][c.code] = _emit(state)
            _advance(rng, state)
    return SyntheticProvince(cities, counties, values)


def _initial_state(rng: random.Random, c: County) -> dict[str, float]:
    gdp = 1_800_000 * c.scale * c.wealth  # 万元
    gpb_total = gdp * rng.uniform(0.14, 0.24)
    classes = max(60, 900 * c.scale * rng.uniform(0.8, 1.2))
    return {
        "gdp": gdp,
        "gpb_total_spending": gpb_total,
        "edu_gpb_spending": gpb_total * rng.uniform(0.15, 0.22),
        "fiscal_ratio": rng.uniform(1.05, 1.2),
        "per_student_gpb_kg": 9000 * c.wealth * rng.uniform(0.85, 1.15),
        "per_student_gpb_primary": 12000 * c.wealth * rng.uniform(0.85, 1.15),
        "per_student_gpb_junior": 17000 * c.wealth * rng.uniform(0.85, 1.15),
        "per_student_gpb_senior": 19000 * c.wealth * rng.uniform(0.85, 1.15),
        "per_student_gpb_vocational": 18000 * c.wealth * rng.uniform(0.85, 1.15),
        "civil_servant_avg_pay": 110000 * c.wealth * rng.uniform(0.95, 1.05),
        "pay_ratio": rng.uniform(0.96, 1.08),
        "kg_gross_enrolment_rate": rng.uniform(83, 97),
        "kg_inclusive_coverage": rng.uniform(76, 95),
        "kg_public_share": rng.uniform(38, 68),
        "classes_total": classes,
        "large_share": max(0.0, rng.gauss(3.5, 3.0)),
        "super_share": max(0.0, rng.gauss(-0.3, 0.5)),
        "disabled_enrolment_rate": rng.uniform(92, 99.5),
        "exchange_share": rng.uniform(7, 20),
        "senior_gross_enrolment_rate": rng.uniform(86, 98),
        "party_committee_edu_sessions": rng.randint(2, 8),
        "gov_exec_edu_sessions": rng.randint(3, 12),
        "hazards_found": 300 * c.scale * rng.uniform(0.5, 1.5),
        "fix_rate": rng.uniform(0.8, 1.0),
        "student_space_rate": rng.uniform(75, 99),
        "teacher_space_rate": rng.uniform(85, 100),
        "pupil_funds_primary": 720.0,
        "pupil_funds_junior": 940.0,
        "growth": 0.0,
    }


def _advance(rng: random.Random, s: dict[str, float]) -> None:
    g = rng.gauss(0.04, 0.045)  # mostly growth, sometimes a cut (只增不减 broken)
    s["growth"] = g
    s["gdp"] *= 1 + rng.gauss(0.05, 0.02)
    s["gpb_total_spending"] *= 1 + rng.gauss(0.04, 0.03)
    s["edu_gpb_spending"] *= 1 + g
    for k in (
        "per_student_gpb_kg",
        "per_student_gpb_primary",
        "per_student_gpb_junior",
        "per_student_gpb_senior",
        "per_student_gpb_vocational",
    ):
        s[k] *= 1 + g + rng.gauss(0, 0.02)
    s["civil_servant_avg_pay"] *= 1 + rng.gauss(0.03, 0.01)
    s["pay_ratio"] = _clip(s["pay_ratio"] + rng.gauss(0.005, 0.02), 0.9, 1.15)
    for k, lo, hi in (
        ("kg_gross_enrolment_rate", 75, 99.5),
        ("kg_inclusive_coverage", 70, 98),
        ("kg_public_share", 30, 80),
        ("disabled_enrolment_rate", 88, 100),
        ("exchange_share", 4, 25),
        ("senior_gross_enrolment_rate", 80, 99.5),
        ("student_space_rate", 60, 100),
        ("teacher_space_rate", 70, 100),
    ):
        s[k] = _clip(s[k] + rng.gauss(0.8, 1.2), lo, hi)
    s["large_share"] = max(0.0, s["large_share"] - rng.uniform(0, 1.5))
    s["super_share"] = max(0.0, s["super_share"] - rng.uniform(0, 0.3))
    s["hazards_found"] *= rng.uniform(0.8, 1.2)
    s["fix_rate"] = _clip(s["fix_rate"] + rng.gauss(0.01, 0.03), 0.7, 1.0)
    s["party_committee_edu_sessions"] = max(1, s["party_committee_edu_sessions"] + rng.randint(-1, 2))
    s["gov_exec_edu_sessions"] = max(1, s["gov_exec_edu_sessions"] + rng.randint(-2, 2))
    s["pupil_funds_primary"] += 20 * rng.randint(0, 2)
    s["pupil_funds_junior"] += 20 * rng.randint(0, 2)


def _emit(s: dict[str, float]) -> dict[str, Decimal]:
    classes = round(s["classes_total"])
    hazards = round(s["hazards_found"])
    v = {
        "gdp": _d(s["gdp"], 0),
        "gpb_total_spending": _d(s["gpb_total_spending"], 0),
        "edu_gpb_spending": _d(s["edu_gpb_spending"], 0),
        "edu_gpb_budget_share": _d(s["edu_gpb_spending"] / s["gpb_total_spending"] * 100, 2),
        "edu_fiscal_spending": _d(s["edu_gpb_spending"] * s["fiscal_ratio"], 0),
        "teacher_avg_pay": _d(s["civil_servant_avg_pay"] * s["pay_ratio"], 0),
        "civil_servant_avg_pay": _d(s["civil_servant_avg_pay"], 0),
        "classes_total": _d(classes, 0),
        "large_classes": _d(classes * s["large_share"] / 100, 0),
        "super_large_classes": _d(classes * s["super_share"] / 100, 0),
        "hazards_found": _d(hazards, 0),
        "hazards_fixed": _d(hazards * s["fix_rate"], 0),
        "major_accidents": Decimal(0),
        "falsified": Decimal(0),
    }
    v["teacher_pay_parity"] = Decimal(1 if v["teacher_avg_pay"] >= v["civil_servant_avg_pay"] else 0)
    for k in (
        "per_student_gpb_kg",
        "per_student_gpb_primary",
        "per_student_gpb_junior",
        "per_student_gpb_senior",
        "per_student_gpb_vocational",
        "pupil_funds_primary",
        "pupil_funds_junior",
    ):
        v[k] = _d(s[k], 2)
    for k in (
        "kg_gross_enrolment_rate",
        "kg_inclusive_coverage",
        "kg_public_share",
        "disabled_enrolment_rate",
        "exchange_share",
        "senior_gross_enrolment_rate",
        "student_space_rate",
        "teacher_space_rate",
    ):
        v[k] = _d(s[k], 2)
    for k in ("party_committee_edu_sessions", "gov_exec_edu_sessions"):
        v[k] = _d(s[k], 0)
    return v
