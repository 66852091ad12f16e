"""Log lines as JSON: one object per line, whatever the message holds.

The message and every field are JSON strings, so a newline or a quote typed into a
form (a user name, say) is escaped and cannot start a line of its own that looks
like another entry. Used by the console handler in settings.LOGGING.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed in `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """{"time": …, "level": …, "logger": …, "message": …} and any `extra` fields,
    with the traceback (if any) in "exception"."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii: control characters, U+2028 and the like all become \u escapes.
        return json.dumps(entry, default=str, ensure_ascii=True)
