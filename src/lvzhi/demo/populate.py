"""Builds the demo database through the platform's own action functions (so it is audited like real use).

Contents:
- the five seed regions with their parents, each with a round of its reconstructed scheme, its statistics
  read from its self-evaluation report (values prefilled with their source sentences, waiting for the
  filler to confirm);
- a synthetic province (示范省, 10 cities × 10 counties) with four years of rounds of the statutory scheme:
  2021–2023 published (history for trends), 2024 spread over every workflow state;
- users for every role, printed with their passwords.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import Role, User
from lvzhi.demo import synthetic
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import DataValue, Evaluation, Round, SchemeVersion, Source, State
from lvzhi.regions.models import Kind, Level, Region
from lvzhi.regions.services import upsert_regions

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "LvzhiDemo2024"  # one demo password for everyone (meets the policy: ≥10, letters and digits)
HISTORY_YEARS = [2021, 2022, 2023]
CURRENT_YEAR = 2024

# The five seed reports: region, its parents, the reconstructed scheme, the seed data file, the report file.
# 黑龙江's report does not name its county; it gets a placeholder code (2399xx is no real prefecture).
SEEDS = [
    {
        "key": "banan",
        "code": "500113",
        "name": "巴南区",
        "level": Level.COUNTY,
        "parents": [("500000", "重庆市", Level.PROVINCE)],
        "scheme": "chongqing-2023-county",
        "data": "chongqing-banan-2023.json",
        "report": "000_",
        "office": "cq_office",
        "filler": "banan_filler",
    },
    {
        "key": "haidong",
        "code": "630200",
        "name": "海东市",
        "level": Level.CITY,
        "parents": [("630000", "青海省", Level.PROVINCE)],
        "scheme": "qinghai-2020-city",
        "data": "qinghai-haidong-2020.json",
        "report": "001_",
        "office": "qh_office",
        "filler": "haidong_filler",
    },
    {
        "key": "zhaotong",
        "code": "530600",
        "name": "昭通市",
        "level": Level.CITY,
        "parents": [("530000", "云南省", Level.PROVINCE)],
        "scheme": "yunnan-2024-city",
        "data": "yunnan-zhaotong-2024.json",
        "report": "002_",
        "office": "yn_office",
        "filler": "zhaotong_filler",
    },
    {
        "key": "wuxing",
        "code": "330502",
        "name": "吴兴区",
        "level": Level.COUNTY,
        "parents": [("330000", "浙江省", Level.PROVINCE), ("330500", "湖州市", Level.CITY)],
        "scheme": "zhejiang-2019-county",
        "data": "zhejiang-wuxing-2019.json",
        "report": "003_",
        "office": "zj_office",
        "filler": "wuxing_filler",
    },
    {
        "key": "hlj",
        "code": "239901",
        # The report is unsigned: the region goes by a plain placeholder name (it is printed in signatures).
        "name": "某县",
        "level": Level.COUNTY,
        "parents": [("230000", "黑龙江省", Level.PROVINCE)],
        "scheme": "heilongjiang-2024-county",
        "data": "heilongjiang-county-2024.json",
        "report": "004_",
        "office": "hlj_office",
        "filler": "hlj_filler",
    },
]


@dataclass
class DemoUser:
    username: str
    role: str
    region: Region | None
    full_name: str
    note: str = ""


def _builtin_scheme(scheme_id: str) -> str:
    return files("lvzhi.schemes").joinpath(f"builtin/{scheme_id}.yaml").read_text(encoding="utf-8")


def _seed_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("lvzhi.data").joinpath(f"seeds/{name}").read_text(encoding="utf-8")
    )
    return data


def _when(year: int, month: int, day: int, hour: int = 17) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


class Builder:
    """Holds what the steps share (users by name, regions by code) and the log function."""

    def __init__(self, log: Callable[[str], Any]) -> None:
        self.log = log
        self.users: dict[str, User] = {}
        self.listing: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}
        self.seed_sources: set[str] = set()
        self.seeds: list[dict[str, Any]] = list(SEEDS)
        self.bench_round: Round | None = None

    # ------------------------------------------------------------ regions and users

    def regions(self, province: synthetic.SyntheticProvince) -> None:
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for seed in self.seeds:
            parent = None
            for code, name, level in seed["parents"]:
                if code not in seen:
                    rows.append({"code": code, "name": name, "level": level, "parent": parent})
                    seen.add(code)
                parent = code
            rows.append(
                {
                    "code": seed["code"],
                    "name": seed["name"],
                    "level": seed["level"],
                    "parent": parent,
                    "kind": Kind.STANDARD,
                }
            )
        rows.append(
            {
                "code": synthetic.PROVINCE_CODE,
                "name": synthetic.PROVINCE_NAME,
                "level": Level.PROVINCE,
                "parent": None,
            }
        )
        rows += [
            {"code": c, "name": n, "level": Level.CITY, "parent": synthetic.PROVINCE_CODE}
            for c, n in province.cities
        ]
        rows += [
            {"code": c.code, "name": c.name, "level": Level.COUNTY, "parent": c.city_code}
            for c in province.counties
        ]
        upsert_regions(rows, acting_user=self.users["admin"], source="演示数据 (lvzhi demo)")
        self.counts["regions"] = Region.objects.count()

    def user(self, spec: DemoUser) -> User:
        acting = self.users.get("admin")
        roles = [(spec.role, spec.region)]
        if spec.role == Role.ADMIN:
            u = User.objects.create_superuser(spec.username, password=PASSWORD, full_name=spec.full_name)
            self.users[spec.username] = u
            account_actions.do_grant_role(acting_user=u, user=u, role=Role.ADMIN, region=None)
        else:
            u = account_actions.do_create_user(
                acting_user=acting,
                username=spec.username,
                password=f"Lz9{secrets.token_hex(12)}",  # replaced below
                full_name=spec.full_name,
                roles=roles,
            )
            # The policy refuses the published demo password for any real account (accounts.security); the
            # demo's throw-away accounts are the one place it is meant to work, so it is set after the action.
            u.set_password(PASSWORD)
            u.save(update_fields=["password"])
            self.users[spec.username] = u
        self.listing.append(
            {
                "username": spec.username,
                "password": PASSWORD,
                "role": str(Role(spec.role).label),
                "region": spec.region.name if spec.region else "全部",
                "note": spec.note,
            }
        )
        return u

    # ------------------------------------------------------------ schemes and rounds

    def scheme(self, scheme_id: str) -> SchemeVersion:
        return actions.do_create_scheme_version(
            acting_user=self.users["admin"],
            yaml_text=_builtin_scheme(scheme_id),
            source_name=f"builtin/{scheme_id}.yaml",
        )

    def seed_rounds(self, report_dir: Path | None) -> None:
        """One round per seed region, its statistics from the report reader (or the seed data file)."""
        from lvzhi.demo import seeds as seed_values

        for seed in self.seeds:
            region = Region.objects.get(code=seed["code"])
            province = Region.objects.get(code=seed["parents"][0][0])
            data = _seed_data(seed["data"])
            sv = self.scheme(seed["scheme"])
            year = int(data["year"])
            # Drop the trailing provenance note `(据…重构)` only: 对市(州) inside the title stays.
            name = (
                re.sub(r"[(（][^()（）]*[)）]$", "", sv.title).removesuffix("方案").removesuffix("指标体系")
            )
            rnd = actions.do_open_round(
                acting_user=self.users[seed["office"]],
                scheme_version=sv,
                year=year,
                name=name,
                owner_region=province,
                regions=[region],
                fill_deadline=_when(year + 1, 3, 31),
                review_deadline=_when(year + 1, 5, 31),
            )
            ev = Evaluation.objects.get(round=rnd, region=region)
            # The demo expert reviews the seed regions too, so the review journey can be walked on real material.
            actions.do_assign_expert(
                acting_user=self.users[seed["office"]], round=rnd, region=region, expert=self.users["expert"]
            )
            filler = self.users[seed["filler"]]
            actions.do_start_filling(acting_user=filler, evaluation=ev)
            source, found = seed_values.values_for(seed, data, report_dir)
            for v in found:
                actions.do_save_value(
                    acting_user=filler,
                    evaluation=ev,
                    item_code=v.code,
                    value=v.value,
                    expected_version=None,
                    prev_value=v.previous if v.previous is not None else actions.UNSET,
                    source=Source.PREFILL,
                    source_sentence=v.sentence,
                    source_document=v.document,
                )
            self.counts[f"{region.name}预填"] = len(found)
            self.seed_sources.add(source)

    def province_rounds(self, province: synthetic.SyntheticProvince, history: list[int]) -> None:
        """Four yearly rounds of the statutory scheme over the synthetic province's 100 counties."""
        sv = self.scheme("statutory")
        owner = Region.objects.get(code=synthetic.PROVINCE_CODE)
        counties = list(Region.objects.filter(code__in=[c.code for c in province.counties]).order_by("code"))
        office = self.users["sheng_office"]
        for year in [*history, CURRENT_YEAR]:
            rnd = actions.do_open_round(
                acting_user=office,
                scheme_version=sv,
                year=year,
                name=f"{synthetic.PROVINCE_NAME}{year}年度县级政府履行教育职责评价（法定底线要求）",
                owner_region=owner,
                regions=counties,
            )
            evs = dict(
                sorted(
                    (e.region.code, e)
                    for e in Evaluation.objects.filter(round=rnd).select_related("region", "round")
                )
            )
            current = year == CURRENT_YEAR
            plan = {code: (current_state(i) if current else State.PUBLISHED) for i, code in enumerate(evs)}
            for code, ev in evs.items():
                if plan[code] != State.NOT_STARTED:
                    actions.do_start_filling(acting_user=office, evaluation=ev)
            rows: dict[str, dict[str, Decimal]] = {}
            for i, code in enumerate(evs):
                if plan[code] == State.NOT_STARTED:
                    continue
                values = dict(province.values[year][code])
                if plan[code] == State.FILLING and i % 2:
                    # Some counties still filling have entered only part of their figures.
                    values = dict(list(values.items())[: len(values) // 2])
                rows[code] = values
            first = year == min(province.values) + 1
            actions.do_import_values(
                acting_user=office,
                round=rnd,
                rows=rows,
                previous={code: province.values[year - 1][code] for code in rows} if first else None,
                source_document=f"{synthetic.PROVINCE_NAME}{year}年度各县数据汇总表.xlsx",
            )
            for code, ev in evs.items():
                self.walk(ev, plan[code], rnd)
            # The deadlines are set once the history is replayed: the submissions of earlier years happened
            # before their deadlines, which lie in the past now (the submit action enforces them).
            actions.do_update_round(
                acting_user=office,
                round=rnd,
                fill_deadline=_when(year + 1, 3, 31),
                review_deadline=_when(year + 1, 5, 31),
            )
            self.counts[f"{year}年度评价"] = len(evs)
            if current:
                self.bench_round = rnd

    def walk(self, ev: Evaluation, target: str, rnd: Round) -> None:
        """Move one evaluation through the workflow to `target`, each step by the role that takes it."""
        if target in (State.NOT_STARTED, State.FILLING):
            return
        office, expert = self.users["sheng_office"], self.users["expert"]
        filler = self.users.get(f"filler:{ev.region.code}") or self.users["sheng_filler"]
        # Imported figures far from last year's wait for a person's word (as on the data page) before submitting.
        doubted = dict(
            DataValue.objects.filter(evaluation=ev, confirmed=False).values_list("item_code", "version")
        )
        if doubted:
            actions.do_confirm_values(acting_user=filler, evaluation=ev, versions=doubted)
        actions.do_submit(acting_user=filler, evaluation=ev)
        if target == State.SUBMITTED:
            return
        if ev.region.code.startswith(EXPERT_CITY):
            actions.do_assign_expert(acting_user=office, round=rnd, region=ev.region, expert=expert)
        actions.do_start_review(acting_user=office, evaluation=ev)
        if target == State.REVIEWING:
            return
        if target == State.RETURNED:
            actions.do_return(
                acting_user=office,
                evaluation=ev,
                reasons="大班额班级数与班级总数不一致，请核对“义务教育班级数”后重新提交。",
            )
            return
        actions.do_approve(acting_user=office, evaluation=ev)
        if target == State.PUBLISHED:
            actions.do_publish(acting_user=office, evaluation=ev)


# The expert reviews the counties of 示范省甲市 (codes 9901xx).
EXPERT_CITY = "9901"


def current_state(i: int) -> str:
    """Spread the current round over every workflow state, deterministically by position."""
    if i == 0:
        return State.FILLING  # 示范省甲市一县: the demo filler's county, ready to be filled and submitted
    if i == 1:
        return State.NOT_STARTED  # 示范省甲市二县: the second demo filler's county
    cycle = [
        State.PUBLISHED,
        State.PUBLISHED,
        State.PUBLISHED,
        State.REVIEWING,
        State.APPROVED,
        State.SUBMITTED,
        State.RETURNED,
        State.FILLING,
        State.PUBLISHED,
        State.NOT_STARTED,
    ]
    return cycle[i % len(cycle)]


def build_demo(
    log: Callable[..., Any] = print,
    report_dir: Path | None = None,
    *,
    seed_keys: list[str] | None = None,
    cities: int = 10,
    counties_per_city: int = 10,
    history_years: list[int] | None = None,
) -> dict[str, Any]:
    """Build the demo into the (empty, migrated) database; returns the manifest (users, counts, URLs).

    The defaults build the full demo; tests pass a smaller province, fewer years and fewer seed regions.
    """
    from django.urls import reverse

    b = Builder(log)
    history = HISTORY_YEARS if history_years is None else history_years
    b.seeds = [s for s in SEEDS if seed_keys is None or s["key"] in seed_keys]
    # One year before the first round as well: its figures are the first round's 上年数值 (rules compare
    # spending with last year's, and a county cannot submit without them).
    years = [*history, CURRENT_YEAR]
    province = synthetic.build_province([min(years) - 1, *years], n_cities=cities, per_city=counties_per_city)
    b.user(DemoUser("admin", Role.ADMIN, None, "系统管理员", "Django 管理页面 /admin/"))
    b.regions(province)
    r = {
        code: Region.objects.get(code=code)
        for code in (synthetic.PROVINCE_CODE, "990100", "990101", "990102")
    }
    b.user(DemoUser("sheng_office", Role.OFFICE, r["990000"], "示范省督导办", "组织全省评价、审核、发布"))
    b.user(DemoUser("shi_office", Role.OFFICE, r["990100"], "甲市督导办", "查看甲市各县"))
    b.user(DemoUser("expert", Role.EXPERT, r["990000"], "评审专家", "评审甲市各县和种子地区"))
    b.user(DemoUser("xian1_filler", Role.FILLER, r["990101"], "甲市一县填报员", "填报中，可导入、自评、提交"))
    b.users["filler:990101"] = b.users["xian1_filler"]
    b.user(DemoUser("xian2_filler", Role.FILLER, r["990102"], "甲市二县填报员", "尚未开始"))
    b.users["filler:990102"] = b.users["xian2_filler"]
    b.user(DemoUser("sheng_filler", Role.FILLER, r["990000"], "示范省数据专员", "代各县提交的省级填报账号"))
    b.user(DemoUser("viewer", Role.VIEWER, r["990000"], "示范省查看用户", "只读"))
    for seed in b.seeds:
        region = Region.objects.get(code=seed["code"])
        province_region = Region.objects.get(code=seed["parents"][0][0])
        b.user(DemoUser(seed["office"], Role.OFFICE, province_region, f"{province_region.name}督导办"))
        b.user(DemoUser(seed["filler"], Role.FILLER, region, f"{region.name}填报员", "报告预填的数值待确认"))
    log("  地区与用户已建立；五个种子地区的评价轮次…")
    b.seed_rounds(report_dir)
    log("  合成省份四个年度的评价轮次…")
    b.province_rounds(province, history)
    for source in sorted(b.seed_sources):
        b.notes.append(source)
    rnd = b.bench_round
    first = Evaluation.objects.filter(round=rnd).order_by("region__code").first()
    counts = {
        "地区": Region.objects.count(),
        "用户": User.objects.count(),
        "评价轮次": Round.objects.count(),
        "评价": Evaluation.objects.count(),
        **{k: v for k, v in b.counts.items() if k != "regions"},
    }
    return {
        "users": b.listing,
        "counts": counts,
        "notes": b.notes,
        "bench": {
            "users": [{"username": "sheng_office", "password": PASSWORD}],
            "workbench": reverse("web:home"),
            "entry": reverse("web:data", args=[first.pk]) if first else "/",
            "analysis": reverse("web:analysis") + (f"?round={rnd.pk}" if rnd is not None else ""),
        },
    }
