"""Structured logs: one JSON object per line, with parties' phone and ID numbers masked.

`LOGGING` is the dictConfig for settings. Every handler carries `MaskPersonalData`, which
rewrites the message, its arguments and the exception text before any formatter sees them,
so no handler (console, file, journald) ever writes an 11-digit mobile number or an
18-character resident ID number in full. The masking follows jiefen.lib.personal.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

from jiefen.lib.personal import mask_id, mask_phone

# A mobile number (optionally +86) or a resident ID number standing alone: not inside a
# longer run of digits, so ids, timestamps and division codes are left as they are.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9])")


def mask_text(text: str) -> str:
    """Mask every phone and ID number in `text` the way the screens do."""
    text = _ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and 10**10 <= abs(value) < 10**18:
        # An integer argument with a phone's or an ID's digits.
        masked = mask_text(str(value))
        return masked if masked != str(value) else value
    if isinstance(value, (bytes, bytearray)):
        return mask_text(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return mask_text(str(value))


class MaskPersonalData(logging.Filter):
    """Rewrite a record so that it carries no phone or ID number in full. Never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, masked
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        # The exception itself stays for handlers that format it themselves (e.g. mail),
        # but they then see only the masked text.
        record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in _extras(record).items():
            record.__dict__[key] = _mask_value(value)
        return True


# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, process, the
    `extra=` fields, and the exception text. Values it cannot encode become their text."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "pid": record.process,
        }
        for key, value in _extras(record).items():
            if key not in entry:
                entry[key] = _mask_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "jiefen.ops.logging.MaskPersonalData"}},
    "formatters": {
        "json": {"()": "jiefen.ops.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "filters": ["mask_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": _LEVEL},
    "loggers": {
        # Without these, Django's own loggers would also go to its default handlers
        # (mail_admins, its unfiltered console), bypassing the mask.
        "django": {"handlers": ["console"], "level": _LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Sign-ins, failures and lockouts are in the audit log; axes' own lines only repeat them.
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": _LEVEL, "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": _LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": _LEVEL, "propagate": False},
    },
}
