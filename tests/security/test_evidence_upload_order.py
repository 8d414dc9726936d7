"""Item 4: a refused upload writes nothing to the evidence store; orphans of crashed uploads are cleaned up."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.evaluations.models import State
from lvzhi.evidence import services, storage
from lvzhi.evidence.models import Evidence, StoredFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIG_PDF = PDF + b"\0" * (19 * 1024 * 1024)


def files_on_disk(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def upload(client, evaluation, content=BIG_PDF, name="材料.pdf"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(f"/e/{evaluation.pk}/evidence/1.1/", {"file": f}, follow=True)


def test_a_viewer_posting_19_mib_is_refused_and_nothing_stays_on_disk(client, cast, media_in_tmp):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.viewer)
    for _ in range(3):
        response = upload(client, cast.jia1)
        assert "未上传" in response.content.decode()
    assert files_on_disk(media_in_tmp) == []
    assert not StoredFile.objects.exists()


def test_an_upload_to_a_locked_evaluation_is_refused_and_nothing_stays_on_disk(client, cast, media_in_tmp):
    cast.advance(cast.jia1, State.SUBMITTED)
    client.force_login(cast.jia1_filler)
    assert "未上传" in upload(client, cast.jia1).content.decode()
    assert files_on_disk(media_in_tmp) == []


def test_a_file_of_the_wrong_kind_is_refused_and_nothing_stays_on_disk(client, cast, media_in_tmp):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.jia1_filler)
    assert "未上传" in upload(client, cast.jia1, content=b"MZ" + bytes(5000), name="x.pdf").content.decode()
    assert files_on_disk(media_in_tmp) == []


def test_a_file_over_the_limit_is_cut_off_while_streaming(cast, media_in_tmp, settings):
    settings.LVZHI_EVIDENCE_MAX_BYTES = 1024 * 1024
    cast.advance(cast.jia1, State.FILLING)

    class Endless(io.RawIOBase):
        """A body that never ends: the copy must stop at the limit, not when the sender stops."""

        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"%PDF-" + bytes(max(n - 5, 0))

    body = Endless()
    with pytest.raises(storage.FileRefused, match="超过上限"):
        services.do_attach_evidence(
            acting_user=cast.jia1_filler,
            evaluation=cast.jia1,
            indicator_code="1.1",
            name="a.pdf",
            content=body,
        )
    assert body.read_bytes <= 2 * 1024 * 1024
    assert files_on_disk(media_in_tmp) == []


def test_when_the_transaction_fails_after_staging_nothing_is_stored(cast, media_in_tmp, monkeypatch):
    cast.advance(cast.jia1, State.FILLING)

    def broken(**kwargs):
        raise RuntimeError("审计写入失败")

    monkeypatch.setattr("lvzhi.evidence.services.record", broken)
    with pytest.raises(RuntimeError):
        services.do_attach_evidence(
            acting_user=cast.jia1_filler,
            evaluation=cast.jia1,
            indicator_code="1.1",
            name="a.pdf",
            content=PDF,
        )
    assert files_on_disk(media_in_tmp) == []
    assert not Evidence.objects.exists()


def test_an_accepted_upload_lands_under_its_hash_with_no_staging_copy(client, cast, media_in_tmp):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.jia1_filler)
    assert "已上传" in upload(client, cast.jia1, content=PDF).content.decode()
    digest = StoredFile.objects.get().sha256
    assert files_on_disk(media_in_tmp) == [storage.path_for(digest)]


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_cleanup_removes_old_orphans_and_keeps_every_named_file_and_fresh_uploads(cast, media_in_tmp):
    cast.advance(cast.jia1, State.FILLING)
    kept = services.do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, indicator_code="1.1", name="a.pdf", content=PDF
    )
    kept_path = storage.path_for(kept.file.sha256)
    orphan = storage.path_for("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x" * 100)
    stale = storage.root() / storage.STAGING / "upload-stale"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"y" * 50)
    fresh = storage.root() / storage.STAGING / "upload-in-progress"
    fresh.write_bytes(b"z")
    for p in (kept_path, orphan, stale):
        age(p, 3)
    dry = services.cleanup_orphan_files(dry_run=True)
    assert set(dry.files) == {str(orphan), str(stale)} and dry.bytes == 150 and orphan.exists()
    result = CliRunner().invoke(app, ["evidence", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "已删除 2 个" in result.output
    assert files_on_disk(media_in_tmp) == sorted([kept_path, fresh])
