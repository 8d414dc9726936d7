"""Uploaded reports as text: which files are accepted, and their text through the reader's extractor.

The extractor runs in a child process with a memory and a time limit: a hostile file (a docx or PDF that
unpacks to gigabytes, deeply nested HTML) can exhaust only that child, which is then refused with a message,
never the web worker that serves everyone else.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from lvzhi.reader.extract import ExtractError, extract

MAX_REPORT_BYTES = 20 * 1024 * 1024
REPORT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
# The parsers the child needs, imported once in the fork server so each child starts at once.
_PRELOAD = ["lvzhi.reader.extract", "docx", "pdfplumber", "bs4", "lxml.html", "charset_normalizer"]
_context: multiprocessing.context.ForkServerContext | None = None


class ReportUnreadable(ValueError):
    """The uploaded file cannot be turned into text; the message says what to do."""


def memory_limit() -> int:
    """Bytes the reading child may add to its address space (LVZHI_READER_MEMORY_MB, default 256)."""
    return int(getattr(settings, "LVZHI_READER_MEMORY_MB", 256)) * 1024 * 1024


def time_limit() -> float:
    """Seconds a report may take to read (LVZHI_READER_SECONDS, default 60)."""
    return float(getattr(settings, "LVZHI_READER_SECONDS", 60))


def max_chars() -> int:
    """Characters of text a report may have (LVZHI_READER_MAX_CHARS, default 1,000,000).

    The longest real reports run to a few hundred thousand characters; the reader analyses about a million
    characters in 2–3 seconds, so this bounds the time a request can take.
    """
    return int(getattr(settings, "LVZHI_READER_MAX_CHARS", 1_000_000))


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _read_in_child(path: str, out: Connection, extra_bytes: int, seconds: int, chars: int) -> None:
    """Child process: cap memory and CPU time, read the file, send ("ok", text) or ("refused", message)."""
    limit = _address_space() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    try:
        text = extract(path).text
        if len(text) > chars:
            out.send(("refused", f"文字有 {len(text):,} 字，超过 {chars:,} 字上限，不像是一份报告"))
        else:
            out.send(("ok", text))
    except ExtractError as exc:
        out.send(("refused", str(exc)))
    except MemoryError:
        out.send(("memory", ""))
    except RecursionError:
        out.send(("refused", "文件结构嵌套过深，无法读取"))
    finally:
        out.close()


def _forkserver() -> multiprocessing.context.ForkServerContext:
    # A fork server rather than fork(): the web worker has threads and database connections a forked child
    # must not inherit; the server is a clean single-threaded process that forks a child per report.
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        _context = ctx
    return _context


def read_limited(path: Path, name: str) -> str:
    """The text of a report file, read in a child process within memory_limit() and time_limit()."""
    ctx = _forkserver()
    receive, send = ctx.Pipe(duplex=False)
    seconds = max(1, int(time_limit()))
    child = ctx.Process(
        target=_read_in_child, args=(str(path), send, memory_limit(), seconds, max_chars()), daemon=True
    )
    child.start()
    send.close()
    try:
        if not receive.poll(time_limit()):
            raise ReportUnreadable(
                f"“{name}”读取超过 {seconds} 秒仍未完成，已停止：请确认文件未损坏，或另存为 txt 后上传。"
            )
        kind, payload = receive.recv()
    except EOFError:
        kind, payload = "memory", ""  # the child was stopped by a limit before it could answer
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if kind == "ok":
        return str(payload)
    if kind == "memory":
        mb = memory_limit() // 1048576
        raise ReportUnreadable(
            f"“{name}”读取时所需内存超过 {mb} MB 上限（文件内容异常庞大，疑似压缩炸弹），已拒绝。"
        )
    raise ReportUnreadable(str(payload) + "。请确认文件未损坏、未加密，或另存为 txt 后上传。")


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
            # The extractor names the temporary file; the person knows the file by its own name.
            return read_limited(path, name)
        except ReportUnreadable as exc:
            raise ReportUnreadable(str(exc).replace(str(path), name)) from exc
