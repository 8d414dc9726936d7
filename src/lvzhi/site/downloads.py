"""Files sent to the browser: one table of content types and one way to name a download.

Names are Chinese (a region, a round), so the header carries them the way Django's FileResponse does
(RFC 6266 filename* in UTF-8, with an ASCII fallback).
"""

from __future__ import annotations

from pathlib import PurePath

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# By file kind (the extension without its dot): the types our pages, API and evidence store hand out.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}


def content_type_of(filename: str) -> str:
    """The content type of a file by its extension (octet-stream for a kind not listed)."""
    return CONTENT_TYPES.get(PurePath(filename).suffix.lower().lstrip("."), "application/octet-stream")


def download(data: bytes | str, filename: str, *, inline: bool = False) -> HttpResponse:
    """The bytes as a file named `filename`: saved by the browser, or shown in place when `inline`."""
    response = HttpResponse(data, content_type=content_type_of(filename))
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    return response
