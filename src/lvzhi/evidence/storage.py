"""Content-addressed storage of evidence files, and recognising a file's type by its bytes.

Stored files live behind Django's storage API (the "evidence" entry of STORAGES): the local disk under
MEDIA_ROOT by default (written atomically), or an S3-compatible object store (django-storages) when several
machines share them (LVZHI_S3_BUCKET, see docs/deployment.md). Uploads are staged on the local disk of the
machine that receives them and published under their hash as the last step of the recording transaction.
"""

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
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

# Extension → kind. The kind must also be what the bytes say; the extension alone proves nothing.
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}
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


class AtomicFileSystemStorage(FileSystemStorage):
    """Local disk for content-addressed files: each write goes to a temporary file renamed into place, so a
    crash never leaves a half file under a valid hash; a name is its content, so it is never renamed."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name

    def _save(self, name: str, content: File[bytes]) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            for chunk in content.chunks():
                fh.write(chunk)
        os.replace(tmp, target)
        return name


def backend() -> Storage:
    """Where stored evidence files live (STORAGES["evidence"])."""
    return storages["evidence"]


def name_for(digest: str) -> str:
    """The storage name of the file with this sha256."""
    return f"evidence/{digest[:2]}/{digest}"


def root() -> Path:
    """The local evidence folder (MEDIA_ROOT/evidence): stored files on the local backend, and staging."""
    return Path(settings.MEDIA_ROOT) / "evidence"


def path_for(digest: str) -> Path:
    """Where a file with this sha256 lives on the local backend."""
    return root() / digest[:2] / digest


def open_stored(digest: str) -> File[bytes]:
    """The stored file with this sha256, opened for reading (local disk or object store)."""
    return backend().open(name_for(digest), "rb")


def _present(name: str, size: int) -> bool:
    store = backend()
    return bool(store.exists(name)) and store.size(name) == size


def store(content: bytes) -> str:
    """Write the content under its sha256 (once: same content, same file); returns the digest."""
    digest = sha256(content)
    name = name_for(digest)
    if not _present(name, len(content)):
        backend().save(name, ContentFile(content))
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


def _chunks(source: bytes | BinaryIO | File[bytes]) -> Iterator[bytes]:
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


def stage(name: str, source: bytes | BinaryIO | File[bytes]) -> Staged:
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
    """Put a staged file under its hash (once per content): a rename on the local disk, an upload otherwise."""
    name = name_for(staged.sha256)
    store = backend()
    if _present(name, staged.size):
        staged.path.unlink(missing_ok=True)
        return
    if isinstance(store, FileSystemStorage):
        target = Path(store.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
        return
    with staged.path.open("rb") as fh:
        store.save(name, File(fh))
    staged.path.unlink(missing_ok=True)


def discard(staged: Staged) -> None:
    """Remove a staged file that will not be published."""
    staged.path.unlink(missing_ok=True)


def stored_files() -> Iterator[tuple[str, str]]:
    """(storage name, file name) of every stored file, temporary writes included (staging is local)."""
    store = backend()
    try:
        folders, _ = store.listdir("evidence")  # an object store has no folders to ask about, only prefixes
    except FileNotFoundError:
        return
    for sub in sorted(folders):
        if sub == STAGING:
            continue
        for f in sorted(store.listdir(f"evidence/{sub}")[1]):
            yield f"evidence/{sub}/{f}", f


def staged_files() -> Iterator[Path]:
    """Every file in the staging folder."""
    folder = root() / STAGING
    if folder.is_dir():
        yield from (f for f in sorted(folder.iterdir()) if f.is_file())
