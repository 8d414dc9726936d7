"""Evidence files: type checked by content, size limit, stored once by content hash, reuse shown, audited."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from openpyxl import Workbook

from lvzhi.accounts.scoping import Forbidden, NotFound
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.actions import do_open_round
from lvzhi.evaluations.errors import ActionError, NotEditable
from lvzhi.evaluations.models import Evaluation
from lvzhi.evidence import storage
from lvzhi.evidence.models import Evidence, StoredFile
from lvzhi.evidence.services import (
    FileRefused,
    do_attach_evidence,
    do_remove_evidence,
    evidence_for,
    get_evidence_for,
    reuse_for,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)


def _docx() -> bytes:
    doc = Document()
    doc.add_paragraph("县委常委会会议纪要")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


@pytest.fixture
def filling(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cast.advance(cast.jia1, "填报中")
    cast.advance(cast.jia2, "填报中")
    return cast


def _attach(cast, ev=None, name="纪要.pdf", content=PDF, code="1.1", user=None):
    ev = ev or cast.jia1
    return do_attach_evidence(
        acting_user=user or cast.filler_for(ev),
        evaluation=ev,
        indicator_code=code,
        name=name,
        content=content,
    )


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.pdf", PDF, "pdf"),
        ("b.PNG", PNG, "png"),
        ("c.jpeg", JPG, "jpg"),
        ("d.docx", None, "docx"),
        ("e.xlsx", None, "xlsx"),
    ],
)
def test_each_accepted_type_is_stored_under_its_sha256(filling, name, content, kind):
    content = content or (_docx() if kind == "docx" else _xlsx())
    e = _attach(filling, name=name, content=content)
    assert e.file.kind == kind and e.file.sha256 == storage.sha256(content)
    path = storage.path_for(e.file.sha256)
    assert path.read_bytes() == content and path.parent.name == e.file.sha256[:2]
    rec = AuditRecord.objects.get(action="evidence.attach")
    assert rec.after["sha256"] == e.file.sha256 and rec.region_code == "990101"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.exe", b"MZ\x90\x00", "不支持的文件类型 .exe"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "扩展名是 .pdf，但文件内容是无法识别的内容"),
        ("photo.png", JPG, "扩展名是 .png，但文件内容是JPEG 图片"),
        ("sheet.docx", None, "扩展名是 .docx，但文件内容是Excel (.xlsx)"),
        ("empty.pdf", b"", "是空文件"),
    ],
)
def test_a_file_whose_bytes_do_not_match_an_accepted_type_is_refused(filling, name, content, message):
    content = _xlsx() if content is None else content
    with pytest.raises(FileRefused, match=re.escape(message)):
        _attach(filling, name=name, content=content)
    assert not Evidence.objects.exists() and not AuditRecord.objects.filter(action="evidence.attach").exists()


def test_a_file_over_the_size_limit_is_refused(filling, settings):
    settings.LVZHI_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(FileRefused, match="超过上限"):
        _attach(filling, content=PDF + bytes(2000))


def test_the_same_file_in_two_regions_is_stored_once_and_the_reuse_is_shown(filling):
    first = _attach(filling, name="经费文件.pdf")
    second = _attach(filling, ev=filling.jia2, name="复制的经费文件.pdf")
    assert StoredFile.objects.count() == 1 and second.file_id == first.file_id
    assert AuditRecord.objects.filter(action="evidence.attach").last().after["reused_elsewhere"] == 1
    shown, hidden = reuse_for(filling.jia_office, second)
    assert [(r.region, r.year, r.indicator_code) for r in shown] == [
        ("甲市一县", 2024, "1.1")
    ] and hidden == 0
    # A county sees that the file is used elsewhere, not where (other counties are outside its scope).
    shown, hidden = reuse_for(filling.jia2_filler, second)
    assert shown == [] and hidden == 1


def test_a_file_reused_in_the_next_years_round_is_detected(filling):
    _attach(filling, name="2024年经费.pdf")
    nxt = do_open_round(
        acting_user=filling.prov_office,
        scheme_version=filling.scheme_version,
        year=2025,
        name="示范省2025年县级履职评价",
        owner_region=filling.regions["示范省"],
        regions=[filling.regions["甲市一县"]],
    )
    ev25 = Evaluation.objects.get(round=nxt)
    filling.advance(ev25, "填报中")
    again = _attach(filling, ev=ev25, name="2025年经费.pdf")
    shown, _ = reuse_for(filling.jia1_filler, again)
    assert [(r.year, r.name) for r in shown] == [(2024, "2024年经费.pdf")]


def test_uploading_the_same_file_twice_for_one_indicator_is_refused(filling):
    _attach(filling)
    with pytest.raises(ActionError, match=r"已作为指标 1\.1 的证明材料上传过"):
        _attach(filling, name="again.pdf")


def test_another_county_cannot_attach_see_or_remove_evidence(filling):
    e = _attach(filling)
    with pytest.raises(Forbidden):
        _attach(filling, user=filling.jia2_filler, name="x.pdf", content=PDF + b"x")
    with pytest.raises(NotFound):
        evidence_for(filling.jia2_filler, filling.jia1.pk)
    with pytest.raises(NotFound):
        get_evidence_for(filling.jia2_filler, e.pk)
    assert Evidence.objects.count() == 1


def test_removal_is_audited_and_refused_once_submitted(filling):
    e = _attach(filling)
    do_remove_evidence(acting_user=filling.jia1_filler, evidence=e)
    rec = AuditRecord.objects.get(action="evidence.remove")
    assert rec.before["name"] == "纪要.pdf" and not Evidence.objects.exists()
    assert StoredFile.objects.count() == 1  # the content stays: the audit record still refers to it
    e = _attach(filling)
    filling.advance(filling.jia1, "已提交")
    with pytest.raises(NotEditable):
        do_remove_evidence(acting_user=filling.jia1_filler, evidence=e)
    with pytest.raises(NotEditable):
        _attach(filling, name="late.png", content=PNG)


def test_an_unknown_indicator_is_refused(filling):
    with pytest.raises(ActionError, match=r"方案中没有代码为 9\.9 的末级指标"):
        _attach(filling, code="9.9")


def test_scoring_sees_the_attached_files(filling):
    from lvzhi.evaluations.rescoring import evidence_files

    _attach(filling, name="纪要.pdf")
    assert evidence_files([filling.jia1.pk]) == {(filling.jia1.pk, "1.1"): ("纪要.pdf",)}
