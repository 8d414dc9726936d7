"""Region changes: `lvzhi regions update --map OLD:NEW` deactivates a code that left the registry and links
it to its successor, so last year's evaluation and values and the open problems follow the new code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from lvzhi.audit.models import AuditRecord
from lvzhi.cli.main import app
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.rescoring import previous_values
from lvzhi.rectification.actions import do_carry_over_round, do_raise_problem
from lvzhi.rectification.models import Problem
from lvzhi.regions.models import Region, RegionChange

pytestmark = pytest.mark.django_db


def _registry(tmp_path: Path) -> Path:
    """The cast's registry after 甲市二县 (990102) became 甲市新区 (990103)."""
    rows = [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent.code if r.parent else None}
        for r in Region.objects.filter(code__startswith="99").exclude(code="990102").select_related("parent")
    ]
    rows.append({"code": "990103", "name": "甲市新区", "level": "县", "parent": "990100"})
    lines = ["code,name,level,parent"] + [
        f"{r['code']},{r['name']},{r['level']},{r['parent'] or ''}" for r in rows
    ]
    path = tmp_path / "divisions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_county_turned_district_carries_its_history_into_the_new_code(cast, tmp_path):
    cast.complete_data(cast.advance(cast.jia2, "填报中"))
    do_raise_problem(
        acting_user=cast.prov_office,
        evaluation=cast.jia2,
        source="专家评审",
        description="义务教育大班额未消除",
        required_measure="消除大班额",
        deadline=timezone.localdate() + timedelta(days=60),
    )
    result = CliRunner().invoke(
        app, ["regions", "update", "--from", str(_registry(tmp_path)), "--map", "990102:990103"]
    )
    assert result.exit_code == 0, result.output
    assert "停用 1，登记变更 1" in result.output
    assert not Region.objects.get(code="990102").active
    change = RegionChange.objects.get()
    assert (change.old.code, change.new.code) == ("990102", "990103")
    assert AuditRecord.objects.filter(action="regions.change").exists()

    opened = office.do_open_year_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=2025,
        owner_region=cast.regions["示范省"],
        level="县",
    )
    evs = {e.region.code: e for e in opened.round.evaluations.select_related("region", "round")}
    assert "990102" not in evs and "990103" in evs
    new = evs["990103"]
    assert new.previous_id == cast.jia2.pk
    assert previous_values(new)["kg_public_share"] == 96
    do_carry_over_round(acting_user=cast.prov_office, round=opened.round)
    assert Problem.objects.get(evaluation=new).description == "义务教育大班额未消除"


def test_a_mapping_to_an_unknown_code_is_refused_and_nothing_changes(cast, tmp_path):
    result = CliRunner().invoke(
        app, ["regions", "update", "--from", str(_registry(tmp_path)), "--map", "990102:990999"]
    )
    assert result.exit_code == 1 and "990999 不存在" in result.output
    assert Region.objects.get(code="990102").active
    assert not Region.objects.filter(code="990103").exists()
