"""The hostile-upload corpus against every upload endpoint: each file refused or read within 5 s and 100 MB of
extra memory of the serving process (the report reader's child capped at 100 MB too), nothing written on
refusal.

The corpus is made here: docx and xlsx zip bombs, deeply nested XML and HTML, a PDF whose object stream
inflates to 600 MB, a 19 MiB file, malformed HTML, a GBK text report, a YAML billion-laughs scheme.
"""

from __future__ import annotations

import io
import resource
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from lvzhi.evaluations.models import DataValue, State
from lvzhi.evidence.models import Evidence, StoredFile

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SECONDS = 5.0
EXTRA_MB = 100
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
    'main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _zip(parts: dict[str, object]) -> bytes:
    """A zip whose parts are bytes, or (head, repeated piece, count, tail) streamed without building them."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, part in parts.items():
            if isinstance(part, bytes | str):
                zf.writestr(name, part)
                continue
            head, piece, count, tail = part  # type: ignore[misc]
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(head)
                block = piece * 4096
                for _ in range(count // 4096):
                    fh.write(block)
                fh.write(tail)
    return buf.getvalue()


def docx_bomb() -> bytes:
    para = "<w:p><w:r><w:t>全县共有学校一百二十所</w:t></w:r></w:p>".encode()
    body = (
        f"<w:document {W}><w:body>".encode(),
        para,
        40 * 1024 * 1024 // len(para),
        b"</w:body></w:document>",
    )
    return _zip({"[Content_Types].xml": CT, "_rels/.rels": RELS, "word/document.xml": body})


def docx_nested() -> bytes:
    depth = 200_000
    xml = f"<w:document {W}><w:body>" + "<w:sdt><w:sdtContent>" * depth + "</w:sdtContent></w:sdt>" * depth
    return _zip(
        {"[Content_Types].xml": CT, "_rels/.rels": RELS, "word/document.xml": xml + "</w:body></w:document>"}
    )


def xlsx_bomb() -> bytes:
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
        row,
        300 * 1024 * 1024 // len(row),
        b"</sheetData></worksheet>",
    )
    return _zip(
        {
            "[Content_Types].xml": CT.replace("word/document.xml", "xl/workbook.xml"),
            "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def pdf_bomb() -> bytes:
    squeeze = zlib.compressobj(9)
    zeros = bytes(1024 * 1024)
    stream = b"".join(squeeze.compress(zeros) for _ in range(600)) + squeeze.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def big_pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        + b"% padding padding padding padding padding padding padding padding\n" * (19 * 1024 * 16)
        + (b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    )


def gbk_report() -> bytes:
    text = "某县2023年度履行教育职责自评报告\n一、基本情况\n全县共有中小学校120所，在校生45678人。\n" * 200
    return text.encode("gbk")


YAML_LAUGHS = "\n".join(
    ['a: &a ["哈","哈","哈","哈","哈","哈","哈","哈","哈"]']
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
        for i in range(8)
    ]
).encode("utf-8")


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes


@pytest.fixture(scope="module")
def corpus() -> dict[str, Hostile]:
    files = [
        Hostile("炸弹.docx", docx_bomb()),
        Hostile("嵌套.docx", docx_nested()),
        Hostile("炸弹.xlsx", xlsx_bomb()),
        Hostile("炸弹.pdf", pdf_bomb()),
        Hostile("很大.pdf", big_pdf()),
        Hostile("嵌套.html", ("<html><body>" + "<div>" * 200_000 + "数据" + "</div>" * 200_000).encode()),
        Hostile("残缺.html", "<html><body><p>全县学校<table><tr><td>120<td>所<p>未闭合".encode()),
        Hostile("报告.txt", gbk_report()),
        Hostile("方案.yaml", YAML_LAUGHS),
    ]
    return {f.name: f for f in files}


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LVZHI_READER_MEMORY_MB = EXTRA_MB


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def post(client, url, field, f: Hostile, data=None):
    upload = io.BytesIO(f.content)
    upload.name = f.name
    before, start = peak_mb(), time.perf_counter()
    response = client.post(url, {**(data or {}), field: upload})
    took, grew = time.perf_counter() - start, peak_mb() - before
    assert response.status_code < 500, f"{f.name} → {url}: {response.status_code}"
    assert took < SECONDS, f"{f.name} → {url}: {took:.1f} s"
    assert grew < EXTRA_MB, f"{f.name} → {url}: +{grew:.0f} MB"
    return response


def media_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


NAMES = [
    "炸弹.docx",
    "嵌套.docx",
    "炸弹.xlsx",
    "炸弹.pdf",
    "很大.pdf",
    "嵌套.html",
    "残缺.html",
    "报告.txt",
    "方案.yaml",
]


@pytest.mark.parametrize("name", NAMES)
def test_the_report_reader_refuses_or_reads_each_file_in_bounds(client, cast, corpus, name):
    client.force_login(cast.viewer)
    page = post(client, "/reader/", "report", corpus[name]).content.decode()
    if name in ("报告.txt", "残缺.html"):
        assert "全县" in page  # read, and its figures shown
    elif name != "很大.pdf":
        assert any(w in page for w in ("上限", "无法", "损坏", "不支持", "嵌套", "没有可读取")), page[-2000:]


@pytest.mark.parametrize("name", NAMES)
def test_prefill_from_a_report_refuses_or_reads_each_file_and_writes_nothing_on_refusal(
    client, cast, corpus, name
):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.jia1_filler)
    post(client, f"/e/{cast.jia1.pk}/prefill/", "report", corpus[name])
    if name != "报告.txt":
        assert not DataValue.objects.filter(evaluation=cast.jia1).exists()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("who", ["viewer", "jia1_filler"])
def test_evidence_upload_on_the_web_and_the_api_writes_nothing_on_refusal(
    client, cast, corpus, name, who, media_in_tmp
):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.users[who])
    post(client, f"/e/{cast.jia1.pk}/evidence/1.1/", "file", corpus[name])
    post(client, f"/api/v1/evaluations/{cast.jia1.pk}/evidence", "file", corpus[name], {"indicator": "1.1"})
    accepted = who == "jia1_filler" and name == "很大.pdf"
    assert Evidence.objects.exists() == accepted and StoredFile.objects.exists() == accepted
    expected = 1 if accepted else 0
    assert len(media_files(media_in_tmp)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_the_workbook_import_refuses_each_file_and_writes_nothing(client, cast, corpus, name):
    cast.advance(cast.jia1, State.FILLING)
    client.force_login(cast.jia1_filler)
    post(client, f"/rounds/{cast.round.pk}/import/", "workbook", corpus[name])
    post(client, f"/api/v1/rounds/{cast.round.pk}/import", "file", corpus[name])
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("name", NAMES)
def test_rectification_progress_files_write_nothing_on_refusal(
    client, cast, problem, corpus, name, media_in_tmp
):
    client.force_login(cast.jia1_filler)
    post(
        client,
        f"/api/v1/rectification/problems/{problem.pk}/progress",
        "files",
        corpus[name],
        {"text": "已开工"},
    )
    if name != "很大.pdf":
        assert media_files(media_in_tmp) == []


@pytest.mark.parametrize("name", NAMES)
def test_scheme_upload_refuses_each_file_in_bounds(client, cast, corpus, name):
    client.force_login(cast.prov_office)
    before = cast.scheme_version.__class__.objects.count()
    post(client, "/schemes/upload/", "file", corpus[name])
    assert cast.scheme_version.__class__.objects.count() == before


@pytest.mark.parametrize("name", ["炸弹.docx", "嵌套.html", "报告.txt"])
def test_the_bulk_reading_job_upload_is_bounded(client, cast, corpus, name):
    bundle = Hostile("报告.zip", _zip({f"990101_{name}": corpus[name].content}))
    client.force_login(cast.prov_office)
    post(client, "/jobs/submit/", "file", bundle, {"kind": "read_reports", "round": str(cast.round.pk)})
