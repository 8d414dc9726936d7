"""The log file handler: var/log/lvzhi.log, its directory made on first use."""

from __future__ import annotations

import logging.handlers
from pathlib import Path


class VarLogHandler(logging.handlers.WatchedFileHandler):
    """Appends to the file, reopening it when logrotate moves it (safe with several gunicorn workers).

    The directory is created on first use, so a fresh installation logs its first error too.
    """

    def __init__(self, filename: str, **kwargs: object) -> None:
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(filename, encoding="utf-8", delay=True)
