"""The small fixed cast every platform database test uses.

Regions: 示范省 (990000) › 甲市 (990100) › 甲市一县 (990101), 甲市二县 (990102); 乙市 (990200) › 乙市一县 (990201).
Users (password CAST_PASSWORD): admin (系统管理员), prov_office (省督导办), jia_office (甲市督导办),
jia1_filler (甲市一县填报员), jia2_filler (甲市二县填报员), expert (专家, assigned to 甲市一县 in the round),
viewer (查看, 甲市). A scheme version from tests/platform/schemes/small-county.yaml and a round opened by
the province office for the three counties (year 2024), every evaluation in 未开始.

`cast.advance(evaluation, state)` walks an evaluation forward through the real actions with the right actors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

SCHEME_FILE = Path(__file__).parent / "schemes" / "small-county.yaml"
CAST_PASSWORD = "Lvzhi-cast-2024"

REGION_ROWS = [
    {"code": "990000", "name": "示范省", "level": "省", "parent": None},
    {"code": "990100", "name": "甲市", "level": "市", "parent": "990000"},
    {"code": "990200", "name": "乙市", "level": "市", "parent": "990000"},
    {"code": "990101", "name": "甲市一县", "level": "县", "parent": "990100"},
    {"code": "990102", "name": "甲市二县", "level": "县", "parent": "990100"},
    {"code": "990201", "name": "乙市一县", "level": "县", "parent": "990200"},
]

_hash_cache: dict[str, str] = {}


class _LightArgon2(Argon2PasswordHasher):
    # Real argon2id, with small cost parameters (they are stored in the hash, so verification is cheap too):
    # the default 100 MB × 8 lanes per check would make every login in the tests take a second on CI.
    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def cast_password_hash() -> str:
    """One argon2 hash of CAST_PASSWORD, computed once per process and shared by the cast."""
    if "h" not in _hash_cache:
        _hash_cache["h"] = make_password(CAST_PASSWORD, hasher=_LightArgon2())
    return _hash_cache["h"]


@dataclass
class Cast:
    regions: dict[str, Any]
    users: dict[str, Any]
    scheme_version: Any
    round: Any
    evaluations: dict[str, Any] = field(default_factory=dict)
    password: str = CAST_PASSWORD  # every cast member's password

    @property
    def admin(self) -> Any:
        return self.users["admin"]

    @property
    def prov_office(self) -> Any:
        return self.users["prov_office"]

    @property
    def jia_office(self) -> Any:
        return self.users["jia_office"]

    @property
    def jia1_filler(self) -> Any:
        return self.users["jia1_filler"]

    @property
    def jia2_filler(self) -> Any:
        return self.users["jia2_filler"]

    @property
    def expert(self) -> Any:
        return self.users["expert"]

    @property
    def viewer(self) -> Any:
        return self.users["viewer"]

    @property
    def jia1(self) -> Any:
        """The evaluation of 甲市一县 in the round."""
        return self.evaluations["甲市一县"]

    @property
    def jia2(self) -> Any:
        return self.evaluations["甲市二县"]

    @property
    def yi1(self) -> Any:
        return self.evaluations["乙市一县"]

    def filler_for(self, evaluation: Any) -> Any:
        return {"甲市一县": self.jia1_filler, "甲市二县": self.jia2_filler}.get(evaluation.region.name)

    def open_test_round(
        self, scheme_file: str, name: str, counties: tuple[str, ...] = ("甲市一县", "甲市二县")
    ) -> Any:
        """A round of a test scheme (tests/platform/schemes/…) that 甲市督导办 opens for counties of 甲市."""
        from pathlib import Path

        from lvzhi.evaluations import actions

        path = Path(__file__).parent / "schemes" / scheme_file
        sv = actions.do_create_scheme_version(
            acting_user=self.prov_office, yaml_text=path.read_text(encoding="utf-8"), source_name=path.name
        )
        return actions.do_open_round(
            acting_user=self.jia_office,
            scheme_version=sv,
            year=2024,
            name=name,
            owner_region=self.regions["甲市"],
            regions=[self.regions[c] for c in counties],
        )

    def start_ranked(self, rnd: Any, progress: tuple[str, str] = ("90", "80")) -> tuple[Any, Any]:
        """甲市一县 and 甲市二县 of a ranked round filling, with their 教育支出进度 entered; returns both."""
        from lvzhi.evaluations import actions

        one, two = (rnd.evaluations.get(region=self.regions[n]) for n in ("甲市一县", "甲市二县"))
        for ev, value in zip((one, two), progress, strict=True):
            filler = self.filler_for(ev)
            actions.do_start_filling(acting_user=filler, evaluation=ev)
            actions.do_save_value(
                acting_user=filler,
                evaluation=ev,
                item_code="edu_budget_progress",
                value=value,
                expected_version=None,
            )
        return one, two

    def complete_self_assessment(self, evaluation: Any) -> None:
        """Self-score every manual indicator so the evaluation can be submitted."""
        from lvzhi.evaluations.actions import do_set_self_score
        from lvzhi.evaluations.models import ItemScore

        filler = self.filler_for(evaluation)
        judgements = {
            "1.1": ("优", "县委常委会每季度专题研究教育工作。"),
            "J1": ("差", "本年度未获国家级表彰。"),  # the bonus item: judged too, else the total has no grade
        }
        for code, (level, justification) in judgements.items():
            row = ItemScore.objects.filter(evaluation=evaluation, indicator_code=code).first()
            do_set_self_score(
                acting_user=filler,
                evaluation=evaluation,
                indicator_code=code,
                level=level,
                justification=justification,
                expected_version=row.version if row else None,
            )

    def complete_data(self, evaluation: Any) -> None:
        """Enter every statistic the scheme reads, so each automatic indicator gets a score and the total a
        grade (the completeness gate refuses 已审核/已发布 otherwise)."""
        from lvzhi.evaluations import gateway
        from lvzhi.evaluations.actions import do_save_value
        from lvzhi.evaluations.models import DataValue

        filler = self.filler_for(evaluation)
        info = gateway.scheme_info(evaluation.round.scheme_version.yaml_text)
        for code in info.item_codes:
            row = DataValue.objects.filter(evaluation=evaluation, item_code=code).first()
            do_save_value(
                acting_user=filler,
                evaluation=evaluation,
                item_code=code,
                value="96",
                prev_value="90",
                expected_version=row.version if row else None,
            )

    def advance(self, evaluation: Any, state: str) -> Any:
        """Walk an evaluation of 甲市一县/甲市二县 forward to `state` through the real actions."""
        from lvzhi.evaluations import actions
        from lvzhi.evaluations.models import State

        order = [
            State.NOT_STARTED,
            State.FILLING,
            State.SUBMITTED,
            State.REVIEWING,
            State.APPROVED,
            State.PUBLISHED,
        ]
        filler = self.filler_for(evaluation)
        target = State.REVIEWING if state == State.RETURNED else state
        while order.index(evaluation.state) < order.index(target):
            if evaluation.state == State.NOT_STARTED:
                actions.do_start_filling(acting_user=filler, evaluation=evaluation)
            elif evaluation.state == State.FILLING:
                self.complete_data(evaluation)
                self.complete_self_assessment(evaluation)
                actions.do_submit(acting_user=filler, evaluation=evaluation)
            elif evaluation.state == State.SUBMITTED:
                actions.do_start_review(acting_user=self.prov_office, evaluation=evaluation)
            elif evaluation.state == State.REVIEWING:
                actions.do_approve(acting_user=self.prov_office, evaluation=evaluation)
            elif evaluation.state == State.APPROVED:
                actions.do_publish(acting_user=self.prov_office, evaluation=evaluation)
        if state == State.RETURNED:
            actions.do_return(
                acting_user=self.prov_office, evaluation=evaluation, reasons="学前教育数据与统计年报不一致"
            )
        evaluation.refresh_from_db()
        return evaluation


def build_cast() -> Cast:
    """Create the cast in the current database (through the real services and actions)."""
    from lvzhi.accounts.models import Role, RoleAssignment, User
    from lvzhi.evaluations.actions import do_assign_expert, do_create_scheme_version, do_open_round
    from lvzhi.evaluations.models import Evaluation
    from lvzhi.regions.models import Region
    from lvzhi.regions.services import upsert_regions

    upsert_regions(REGION_ROWS, source="测试")
    regions = {r.name: r for r in Region.objects.filter(code__startswith="99")}
    specs = [
        ("admin", "系统管理员", Role.ADMIN, None),
        ("prov_office", "省督导办", Role.OFFICE, "示范省"),
        ("jia_office", "甲市督导办", Role.OFFICE, "甲市"),
        ("jia1_filler", "甲市一县填报员", Role.FILLER, "甲市一县"),
        ("jia2_filler", "甲市二县填报员", Role.FILLER, "甲市二县"),
        ("expert", "评审专家", Role.EXPERT, "示范省"),
        ("viewer", "甲市查看员", Role.VIEWER, "甲市"),
    ]
    pw = cast_password_hash()
    users: dict[str, Any] = {}
    for username, full_name, role, region in specs:
        user = User.objects.create(
            username=username, full_name=full_name, password=pw, is_staff=role == Role.ADMIN
        )
        RoleAssignment.objects.create(user=user, role=role, region=regions[region] if region else None)
        users[username] = user
    sv = do_create_scheme_version(
        acting_user=users["admin"],
        yaml_text=SCHEME_FILE.read_text(encoding="utf-8"),
        source_name=SCHEME_FILE.name,
    )
    counties = [regions["甲市一县"], regions["甲市二县"], regions["乙市一县"]]
    rnd = do_open_round(
        acting_user=users["prov_office"],
        scheme_version=sv,
        year=2024,
        name="示范省2024年县级履职评价",
        owner_region=regions["示范省"],
        regions=counties,
    )
    do_assign_expert(
        acting_user=users["prov_office"], round=rnd, region=regions["甲市一县"], expert=users["expert"]
    )
    evaluations = {
        e.region.name: e for e in Evaluation.objects.filter(round=rnd).select_related("region", "round")
    }
    return Cast(regions=regions, users=users, scheme_version=sv, round=rnd, evaluations=evaluations)


@pytest.fixture
def cast(db: Any) -> Cast:
    """The fixed cast of regions, users, scheme version and round (see the module docstring)."""
    return build_cast()
