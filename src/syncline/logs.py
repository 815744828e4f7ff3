"""Structured (JSON-lines) logging with secrets scrubbed from every record.

Two layers of defence: known secret values (registered when they are decrypted or minted) are replaced
wherever they appear, and patterns that look like credentials (bearer tokens, `password=...`, URLs with
a password) are masked even when nobody registered them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_NAME = r"(?:password|passwd|secret|token|api[_-]?key|client_secret)"
_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    # A quoted value is masked up to its closing quote, so a passphrase with spaces goes whole.
    re.compile(rf"(?i)({_SECRET_NAME}[\"']?\s*[:=]\s*\")[^\"]*(?=\")"),
    re.compile(rf"(?i)({_SECRET_NAME}[\"']?\s*[:=]\s*')[^']*(?=')"),
    re.compile(rf"(?i)({_SECRET_NAME}[\"']?\s*[:=]\s*)(?![\"'])[^\s\"',&}}]+"),
    # Greedy up to the last '@' of the authority: a raw '@' inside the password must not leak the rest.
    re.compile(r"(?i)(://[^:/@\s]+:)[^\s/]*(?=@)"),
]


class SecretRegistry:
    """Literal secret values that must never be written to a log."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: object) -> None:
        # Very short values would redact ordinary words; real secrets are long.
        if isinstance(value, str) and len(value) >= 6:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


secrets = SecretRegistry()


_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key|authorization|credential)")


def scrub_value(value: Any, key: str = "") -> Any:
    """Scrub a value before it is encoded: whole values under secret-like keys, patterns in strings."""
    if key and _SECRET_KEY.search(key) and isinstance(value, str | bytes):
        return REDACTED
    if isinstance(value, str):
        return secrets.scrub(value)
    if isinstance(value, dict):
        return {k: scrub_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [scrub_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return secrets.scrub(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra` fields.

    Scrubbing happens on the values, before JSON encoding: a secret containing a quote or a non-ASCII
    character would otherwise no longer match once escaped.
    """

    _STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(scrub_value(entry), default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log prints raw request lines; ours is structured and scrubbed.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every outbound request line at INFO; its URL carries the upstream query string (SOQL,
    # proxied queries), which the user's data and queries are not the log's to keep.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
