"""The country (全国) as a region: the national supervision office evaluates the provinces with a
province-level scheme, sees every region below it through the one scoping helper, and is the only region
above the provinces."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lvzhi.accounts import scoping
from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.evaluations import actions
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.models import Evaluation
from lvzhi.regions.models import Region
from lvzhi.regions.services import RegionError, upsert_regions
from lvzhi.schemes import load_builtin
from lvzhi.schemes.registry import builtin_files

pytestmark = pytest.mark.django_db

NATION = {"code": "100000", "name": "全国", "level": "国", "parent": None}


@pytest.fixture
def nation(cast):
    upsert_regions([NATION], acting_user=cast.admin)
    region = Region.objects.get(code="100000")
    user = User.objects.create(username="nation_office", full_name="国家督导办")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, region=region)
    return region, user


def province_scheme_text() -> str:
    """A built-in province-level scheme (the national scheme for provinces)."""
    (first, *_) = [
        p for s, p in builtin_files().items() if s != "catalogue" and load_builtin(s).level == "省"
    ]
    return first.read_text(encoding="utf-8")


def test_the_country_is_the_root_of_every_path_and_names_itself(nation, cast):
    region, _ = nation
    assert region.path == "/" and region.full_name == "全国"
    assert all(r.is_within(region) for r in Region.objects.all())
    assert cast.regions["甲市一县"].path == "/990000/990100/990101/"  # provinces keep their paths


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [NATION, {"code": "200000", "name": "又一个全国", "level": "国", "parent": None}],
            "只能有一个全国区划",
        ),
        (
            [NATION, {"code": "990300", "name": "丙市", "level": "市", "parent": "100000"}],
            "上级不能是全国区划",
        ),
        ([{**NATION, "parent": "990000"}], "全国不应有上级"),
    ],
)
def test_a_second_country_or_a_region_filed_under_it_is_refused_and_nothing_is_written(cast, rows, message):
    before = Region.objects.count()
    with pytest.raises(RegionError, match=message):
        upsert_regions(rows)
    assert Region.objects.count() == before


def test_the_national_office_opens_a_province_round_for_every_province(nation, cast):
    region, user = nation
    text = province_scheme_text()
    sv = actions.do_create_scheme_version(acting_user=cast.admin, yaml_text=text, source_name="province.yaml")
    opened = office.do_open_year_round(
        acting_user=user, scheme_version=sv, year=2025, owner_region=region, level="省"
    )
    assert opened.created and opened.added == 1
    assert opened.round.name == "全国2025年度省级政府履行教育职责评价"
    (ev,) = Evaluation.objects.filter(round=opened.round)
    assert ev.region == cast.regions["示范省"]
    # The national office sees the province's evaluation; the province's office does not manage the round.
    assert scoping.evaluations_for(user, scoping.Perm.MANAGE).filter(pk=ev.pk).exists()
    assert not scoping.rounds_for(cast.prov_office, scoping.Perm.MANAGE).filter(pk=opened.round.pk).exists()
    # Every region of the country is in the national office's reach, the country in no province's.
    assert set(scoping.regions_visible_to(user)) == set(Region.objects.all())
    assert region not in set(scoping.regions_visible_to(cast.prov_office))


def test_only_the_national_office_is_offered_the_province_level(nation, cast, client):
    _, user = nation
    client.force_login(user)
    assert "省级（各省）" in client.get(reverse("web:rounds")).content.decode()
    client.force_login(cast.prov_office)
    assert "省级（各省）" not in client.get(reverse("web:rounds")).content.decode()


def test_the_national_offices_pages_of_a_province_round_open_and_name_the_province(nation, cast, client):
    region, user = nation
    sv = actions.do_create_scheme_version(
        acting_user=cast.admin, yaml_text=province_scheme_text(), source_name="province.yaml"
    )
    rnd = office.do_open_year_round(
        acting_user=user, scheme_version=sv, year=2025, owner_region=region, level="省"
    ).round
    client.force_login(user)
    for name in ("web:round", "web:round_experts", "web:inspection", "web:workbook_template"):
        answer = client.get(reverse(name, args=[rnd.pk]))
        assert answer.status_code == 200, name
        if name != "web:workbook_template":
            assert "示范省" in answer.content.decode(), name
    for fmt in ("xlsx", "csv"):
        assert client.get(reverse("web:round_export", args=[rnd.pk, fmt])).status_code == 200
    assert client.get(reverse("web:analysis")).status_code == 200
    # The province's own office fills in nothing for the country, and cannot open the national round's pages.
    client.force_login(cast.prov_office)
    assert client.get(reverse("web:round_experts", args=[rnd.pk])).status_code in (403, 404)


def test_an_expert_filed_at_the_country_is_offered_to_a_provinces_round(nation, cast):
    region, _ = nation
    expert = User.objects.create(username="nation_expert", full_name="国家督学")
    RoleAssignment.objects.create(user=expert, role=Role.EXPERT, region=region)
    assert expert in office.experts_available_to(cast.prov_office, cast.round)
