"""Regions: the upsert the registry loader calls, subtree paths, non-standard units, clear errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.audit.models import AuditRecord
from lvzhi.regions.models import Kind, Region
from lvzhi.regions.services import RegionError, do_add_unit, subtree, upsert_regions

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "code": "500113",
        "name": "巴南区",
        "level": "县",
        "parent": "500100",
    },  # child before parent: order is free
    {"code": "500000", "name": "重庆市", "level": "省", "parent": None},
    {"code": "500100", "name": "市辖区", "level": "市", "parent": "500000"},
]


def test_rows_in_any_order_are_stored_with_their_tree_paths_and_audited_once():
    result = upsert_regions(ROWS, source="GB/T 2260 测试")
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Region.objects.get(code="500113").path == "/500000/500100/500113/"
    assert Region.objects.get(code="500113").full_name == "重庆市市辖区巴南区"
    assert [r.code for r in subtree(Region.objects.get(code="500100"))] == ["500100", "500113"]
    rec = AuditRecord.objects.get(action="regions.upsert")
    assert rec.after["created"] == 3 and rec.after["source"] == "GB/T 2260 测试"


def test_running_the_same_rows_again_changes_nothing_and_renames_are_updates():
    upsert_regions(ROWS)
    assert upsert_regions(ROWS).unchanged == 3
    assert AuditRecord.objects.filter(action="regions.upsert").count() == 1
    renamed = [dict(ROWS[0], name="巴南区（新）"), *ROWS[1:]]
    assert upsert_regions(renamed).updated == 1
    assert Region.objects.get(code="500113").name == "巴南区（新）"


def test_moving_a_region_moves_its_subtree():
    upsert_regions([*ROWS, {"code": "500200", "name": "县", "level": "市", "parent": "500000"}])
    upsert_regions(
        [
            {"code": "500100", "name": "市辖区", "level": "市", "parent": "500000"},
            {"code": "500113", "name": "巴南区", "level": "县", "parent": "500200"},
        ]
    )
    assert Region.objects.get(code="500113").path == "/500000/500200/500113/"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"code": "5001", "name": "x", "level": "县", "parent": "500000"}, "代码格式错误"),
        ({"code": "500114", "name": "", "level": "县", "parent": "500100"}, "缺少名称"),
        ({"code": "500114", "name": "x", "level": "乡", "parent": "500100"}, "层级"),
        ({"code": "500114", "name": "x", "level": "县", "parent": None}, "必须有上级"),
        ({"code": "500114", "name": "x", "level": "县", "parent": "999999"}, "不存在"),
    ],
)
def test_a_bad_row_is_refused_with_its_row_number_and_nothing_is_written(row, message):
    with pytest.raises(RegionError, match=message) as exc:
        upsert_regions([*ROWS, row])
    if "格式" in message or "名称" in message:
        assert "第 4 行" in str(exc.value)
    assert not Region.objects.exists()


def test_a_development_zone_is_added_under_its_parent_and_is_in_the_parents_subtree(cast):
    jia = cast.regions["甲市"]
    unit = do_add_unit(
        acting_user=cast.admin, parent=jia, code="990100K01", name="甲市经济开发区", kind=Kind.DEV_ZONE
    )
    assert unit.path == "/990000/990100/990100K01/" and unit.level == "县"
    from lvzhi.accounts.scoping import regions_visible_to

    assert unit in regions_visible_to(cast.jia_office)
    assert unit not in regions_visible_to(cast.jia1_filler)
    with pytest.raises(RegionError, match="格式错误"):
        do_add_unit(acting_user=cast.admin, parent=jia, code="990199", name="x", kind=Kind.DEV_ZONE)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=3), st.sampled_from(["省", "市", "县", "", None]))
def test_arbitrary_rows_either_load_or_fail_with_a_region_error(names, level):
    rows = [{"code": str(110000 + i), "name": n, "level": level, "parent": None} for i, n in enumerate(names)]
    with contextlib.suppress(RegionError):
        upsert_regions(rows)


def test_a_region_added_in_the_admin_gets_its_path_and_an_audit_record(cast):
    from django.test import Client

    c = Client()
    c.force_login(cast.admin)
    response = c.post(
        "/admin/regions/region/add/",
        {
            "code": "990202",
            "name": "乙市二县",
            "level": "县",
            "kind": "行政区",
            "parent": cast.regions["乙市"].pk,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    region = Region.objects.get(code="990202")
    assert region.path == "/990000/990200/990202/"
    assert AuditRecord.objects.order_by("-seq").first().region_code == "990202"
    bad = c.post(
        "/admin/regions/region/add/",
        {"code": "99", "name": "x", "level": "县", "kind": "行政区", "parent": cast.regions["乙市"].pk},
    )
    assert bad.status_code == 200 and "区划代码格式错误" in bad.content.decode()
