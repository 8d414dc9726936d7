"""Content-addressed storage of evidence files, and recognising a file's type by its bytes."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings

# Extension → kind. The kind must also be what the bytes say; the extension alone proves nothing.
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
KIND_NAMES = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "jpg": "JPEG 图片",
    "png": "PNG 图片",
}
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 150


class FileRefused(ValueError):
    """The upload is not an accepted file; the message says why (Chinese)."""


def max_bytes() -> int:
    return int(getattr(settings, "LVZHI_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))


def _ooxml_kind(content: bytes) -> str | None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED or any(
        i.file_size > 1024 * 1024 and i.file_size / max(i.compress_size, 1) > MAX_RATIO for i in infos
    ):
        raise FileRefused("压缩包解压后大小异常（疑似压缩炸弹），拒绝上传")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def sniff(content: bytes) -> str | None:
    """The kind the bytes say the file is (pdf/docx/xlsx/jpg/png), or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"PK\x03\x04"):
        return _ooxml_kind(content)
    return None


def check_upload(name: str, content: bytes) -> str:
    """The file's kind if it is an accepted type within the size limit; else FileRefused."""
    ext = Path(name).suffix.lower()
    expected = EXTENSIONS.get(ext)
    if expected is None:
        raise FileRefused(
            f"“{name}”：不支持的文件类型 {ext or '（无扩展名）'}，只接受 PDF、DOCX、XLSX、JPG、PNG"
        )
    if not content:
        raise FileRefused(f"“{name}”是空文件")
    limit = max_bytes()
    if len(content) > limit:
        raise FileRefused(f"“{name}”大小 {len(content) / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB")
    actual = sniff(content)
    if actual != expected:
        what = KIND_NAMES[actual] if actual else "无法识别的内容"
        raise FileRefused(f"“{name}”的扩展名是 {ext}，但文件内容是{what}，拒绝上传")
    return expected


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def path_for(digest: str) -> Path:
    """Where a file with this sha256 lives under MEDIA_ROOT."""
    return Path(settings.MEDIA_ROOT) / "evidence" / digest[:2] / digest


def store(content: bytes) -> str:
    """Write the content under its sha256 (once: same content, same file); returns the digest."""
    digest = sha256(content)
    target = path_for(digest)
    if target.exists() and target.stat().st_size == len(content):
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash never leaves a half file under a valid hash.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    os.replace(tmp, target)
    return digest
