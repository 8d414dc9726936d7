"""`lvzhi backup` / `lvzhi restore`: a round trip gives back every row and file, the audit chain intact."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lvzhi.audit.services import verify_chain
from lvzhi.cli.main import app
from lvzhi.evaluations.actions import do_save_value
from lvzhi.evaluations.models import DataValue
from lvzhi.evidence.services import do_attach_evidence
from lvzhi.ops import backup

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _snapshot(media: Path) -> tuple[str, dict[str, bytes]]:
    objects = json.dumps(backup.dump_objects(), cls=backup._Encoder, ensure_ascii=False, sort_keys=True)
    files = {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    return objects, files


@pytest.fixture
def populated(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cast.advance(cast.jia1, "填报中")
    do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="kg_public_share",
        value="55.123456789",
        prev_value="50.1",
        expected_version=None,
    )
    do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, indicator_code="1.1", name="纪要.pdf", content=PDF
    )
    return cast


def test_a_backup_restored_over_a_changed_database_gives_back_identical_rows_and_files(
    populated, tmp_path, settings
):
    media = Path(settings.MEDIA_ROOT)
    before = _snapshot(media)
    summary = backup.write_backup(tmp_path / "b.zip")
    assert summary.files == 1 and summary.objects > 20
    # Change things after the backup: a new value (with its audit record) and a lost file.
    dv = DataValue.objects.get(item_code="kg_public_share")
    do_save_value(
        acting_user=populated.jia1_filler,
        evaluation=populated.jia1,
        item_code="kg_public_share",
        value="1",
        expected_version=dv.version,
    )
    for p in media.rglob("*"):
        if p.is_file():
            p.unlink()
    assert _snapshot(media) != before
    with pytest.raises(backup.BackupError, match="数据库不是空的"):
        backup.restore_backup(tmp_path / "b.zip")
    backup.restore_backup(tmp_path / "b.zip", replace=True)
    assert _snapshot(media) == before
    assert DataValue.objects.get(item_code="kg_public_share").value == Decimal("55.123456789")
    assert verify_chain() is None  # microseconds survived: every audit hash still verifies


def test_new_rows_after_a_restore_get_fresh_ids(populated, tmp_path):
    backup.write_backup(tmp_path / "b.zip")
    backup.restore_backup(tmp_path / "b.zip", replace=True)
    dv = DataValue.objects.get(item_code="kg_public_share")
    new, _ = do_save_value(
        acting_user=populated.jia1_filler,
        evaluation=populated.jia1,
        item_code="kg_inclusive_coverage",
        value="80",
        expected_version=None,
    )
    assert new.pk > dv.pk and verify_chain() is None


def test_a_tampered_backup_is_refused_and_nothing_changes(populated, tmp_path):
    path = tmp_path / "b.zip"
    backup.write_backup(path)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "data.json":
                body = body.replace(b"55.123456789", b"99.123456789")
            zout.writestr(info, body)
    with pytest.raises(backup.BackupError, match=r"data\.json 的校验和不符"):
        backup.restore_backup(bad, replace=True)
    assert DataValue.objects.get(item_code="kg_public_share").value == Decimal("55.123456789")
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(backup.BackupError, match="不是 zip"):
        backup.restore_backup(not_zip)


def test_the_backup_and_restore_commands_round_trip(populated, tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["backup", str(tmp_path / "c.zip")])
    assert out.exit_code == 0 and "已备份到" in out.output, out.output
    out = runner.invoke(app, ["restore", str(tmp_path / "c.zip")])
    assert out.exit_code == 1 and "--force" in out.output
    out = runner.invoke(app, ["restore", str(tmp_path / "c.zip"), "--force"])
    assert out.exit_code == 0 and "已从" in out.output, out.output
