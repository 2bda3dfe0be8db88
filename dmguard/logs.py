"""Log lines for people (text) or for log shippers (one JSON object a line).

Levels mean something: what dmguard did (a tick, a send) is INFO, platform
trouble it will retry is WARNING, a job that failed or crashed is ERROR. Fields
passed as ``extra={...}`` become JSON keys, or ``key=value`` after a text line.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

#: Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                                 "level": record.levelname.lower(), "logger": record.name,
                                 "message": record.getMessage(), **fields_of(record)}
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The message, then each field the message does not already say as ``key=value``."""
        line = super().format(record)
        head, newline, rest = line.partition("\n")
        said = set(head.split())
        extra = " ".join(pair for pair in (f"{key}={value}" for key, value
                                           in fields_of(record).items()) if pair not in said)
        if not extra:
            return line
        return f"{head} {extra}{newline}{rest}"


def setup_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """dmguard's loggers, and the scheduler's, write to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    for name, at in (("dmguard", level), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(at)
        logger.propagate = False
    # The daemon logs a crashed job itself (with its fields); the executor's copy would repeat it.
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
