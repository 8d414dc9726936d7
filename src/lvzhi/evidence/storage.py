"""Content-addressed storage of evidence files, and recognising a file's type by its bytes."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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


def _ooxml_kind(source: bytes | Path) -> str | None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
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


def sniff(content: bytes | Path) -> str | None:
    """The kind the bytes (in memory, or in a file) say the file is (pdf/docx/xlsx/jpg/png), or None."""
    if isinstance(content, Path):
        with content.open("rb") as fh:
            head = fh.read(8)
    else:
        head = content[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(content)
    return None


def _check(name: str, size: int, content: bytes | Path) -> str:
    ext = Path(name).suffix.lower()
    expected = EXTENSIONS.get(ext)
    if expected is None:
        raise FileRefused(
            f"“{name}”：不支持的文件类型 {ext or '（无扩展名）'}，只接受 PDF、DOCX、XLSX、JPG、PNG"
        )
    if not size:
        raise FileRefused(f"“{name}”是空文件")
    limit = max_bytes()
    if size > limit:
        raise FileRefused(f"“{name}”大小 {size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB")
    actual = sniff(content)
    if actual != expected:
        what = KIND_NAMES[actual] if actual else "无法识别的内容"
        raise FileRefused(f"“{name}”的扩展名是 {ext}，但文件内容是{what}，拒绝上传")
    return expected


def check_upload(name: str, content: bytes) -> str:
    """The file's kind if it is an accepted type within the size limit; else FileRefused."""
    return _check(name, len(content), content)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def root() -> Path:
    """The evidence store: MEDIA_ROOT/evidence."""
    return Path(settings.MEDIA_ROOT) / "evidence"


def path_for(digest: str) -> Path:
    """Where a file with this sha256 lives under MEDIA_ROOT."""
    return root() / digest[:2] / digest


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


# ---------------------------------------------------------------- staged uploads

STAGING = ".staging"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Staged:
    """An upload streamed to a temporary file inside the store, not yet under its hash."""

    path: Path
    sha256: str
    size: int


def _chunks(source: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for i in range(0, len(source), CHUNK):
            yield source[i : i + CHUNK]
        return
    chunks = getattr(source, "chunks", None)  # Django's UploadedFile: spooled file, read piece by piece
    if callable(chunks):
        yield from chunks(CHUNK)
        return
    while piece := source.read(CHUNK):
        yield piece


def stage(name: str, source: bytes | BinaryIO) -> Staged:
    """Stream an upload to a temporary file in the store (hashing as it goes) and check it; FileRefused if not.

    Never more than the size limit is written: the copy stops at the first byte past it. A refused file is
    removed before this returns; an accepted one stays staged until publish() or discard().
    """
    limit = max_bytes()
    folder = root() / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="upload-")
    path = Path(tmp)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in _chunks(source):
                size += len(piece)
                if size > limit:
                    raise FileRefused(f"“{name}”超过上限 {limit / 1048576:.0f} MB，拒绝上传")
                digest.update(piece)
                out.write(piece)
        _check(name, size, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Staged(path, digest.hexdigest(), size)


def publish(staged: Staged) -> None:
    """Move a staged file under its hash (an atomic rename in the same file system; once per content)."""
    target = path_for(staged.sha256)
    if target.exists() and target.stat().st_size == staged.size:
        staged.path.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged.path, target)


def discard(staged: Staged) -> None:
    """Remove a staged file that will not be published."""
    staged.path.unlink(missing_ok=True)


def stored_files() -> Iterator[tuple[Path, str]]:
    """(path, name) of every file in the store outside the staging folder, temporary writes included."""
    base = root()
    if not base.is_dir():
        return
    for sub in sorted(base.iterdir()):
        if sub.name == STAGING or not sub.is_dir():
            continue
        for f in sorted(sub.iterdir()):
            if f.is_file():
                yield f, f.name


def staged_files() -> Iterator[Path]:
    """Every file in the staging folder."""
    folder = root() / STAGING
    if folder.is_dir():
        yield from (f for f in sorted(folder.iterdir()) if f.is_file())
