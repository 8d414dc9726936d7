"""Uploaded reports as text: which files are accepted, and their text through the reader's extractor."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from lvzhi.reader.extract import ExtractError, extract

MAX_REPORT_BYTES = 20 * 1024 * 1024
REPORT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")


class ReportUnreadable(ValueError):
    """The uploaded file cannot be turned into text; the message says what to do."""


def report_text(upload: UploadedFile) -> str:
    """The plain text of an uploaded report, through the reader's extractor (any encoding, docx, pdf, html)."""
    name = upload.name or "report"
    suffix = Path(name).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ReportUnreadable(
            f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 txt、docx、pdf 或 html 格式的报告。"
        )
    if upload.size and upload.size > MAX_REPORT_BYTES:
        raise ReportUnreadable(
            f"文件 {upload.size // 1024 // 1024} MB，超过 20 MB 上限：请压缩图片或只上传正文。"
        )
    with tempfile.TemporaryDirectory(prefix="lvzhi-report-") as tmp:
        path = Path(tmp) / f"report{suffix}"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            return extract(path).text
        except ExtractError as exc:
            # The extractor names the temporary file; the person knows the file by its own name.
            raise ReportUnreadable(
                str(exc).replace(str(path), name) + "。请确认文件未损坏、未加密，或另存为 txt 后上传。"
            ) from exc
