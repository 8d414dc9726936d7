"""Evidence and job files on an S3-compatible object store (django-storages), against a local S3 server the
test starts itself (moto's server mode); skipped, saying why, where that server cannot start."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from lvzhi.evidence import services as evidence
from lvzhi.evidence import storage
from lvzhi.jobs import services
from lvzhi.jobs.models import Status
from lvzhi.jobs.worker import drain

pytestmark = pytest.mark.django_db

BUCKET = "lvzhi-test"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[s3] and flask are dev dependencies
        pytest.skip(f"moto's S3 server is not installed ({exc})")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except OSError as exc:
        pytest.skip(f"the local S3 server could not start: {exc}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    import boto3

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    options = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
        "file_overwrite": True,
        "default_acl": None,
    }
    backend = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    settings.STORAGES = {**settings.STORAGES, "default": backend, "evidence": backend}
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_evidence_goes_to_the_object_store_and_comes_back_from_it(s3, cast, settings):
    e = evidence.do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, indicator_code="1.1", name="纪要.pdf", content=PDF
    )
    assert keys(s3) == [storage.name_for(e.file.sha256)]
    with storage.open_stored(e.file.sha256) as fh:
        assert fh.read() == PDF
    # Nothing stays on the receiving machine's disk: the staging copy went once it was published.
    assert not storage.path_for(e.file.sha256).exists()
    assert list(storage.staged_files()) == []


def test_the_orphan_clean_up_works_on_the_object_store(s3, cast):
    kept = evidence.do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, indicator_code="1.1", name="a.pdf", content=PDF
    )
    orphan = storage.name_for("ab" + "0" * 62)
    s3.put_object(Bucket=BUCKET, Key=orphan, Body=b"x" * 100)
    result = evidence.cleanup_orphan_files(older_than=timedelta(0))
    assert result.files == (orphan,) and result.bytes == 100
    assert keys(s3) == [storage.name_for(kept.file.sha256)]


def test_a_jobs_upload_and_its_zip_live_in_the_object_store(s3, cast):
    job, _ = services.submit(
        cast.prov_office, "bulk_reports", round_id=cast.round.pk, params={"formats": ["docx"]}
    )
    drain()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.message
    assert job.output_file in keys(s3)
    with default_storage.open(job.output_file, "rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert len([n for n in names if n.endswith("自评报告.docx")]) == 3
