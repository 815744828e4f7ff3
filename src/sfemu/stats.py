"""API-call statistics (`GET /__sfemu/stats`) and the daily API usage behind `Sforce-Limit-Info`.

The usage is the org's, not the process's: it is kept in the data dir, so a restart does not hand a client
a fresh day's allowance while the data it synced persists. It starts again at 0 each UTC day (Salesforce
counts a rolling 24 hours). The per-endpoint statistics are a test aid and live in memory.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# (path prefix, kind), most specific first; the kind is what stats group calls by.
_KINDS = (
    ("/services/oauth2/", "oauth"),
    ("/services/Soap/", "soap"),
    ("/services/async/", "bulk1"),
    ("/jobs/ingest", "bulk2.ingest"),
    ("/jobs/query", "bulk2.query"),
    ("/tooling/", "tooling"),
    ("/composite/", "composite"),
    ("/queryAll", "query"),
    ("/query", "query"),
    ("/sobjects", "sobjects"),
    ("/limits", "limits"),
)


def classify(path: str) -> str:
    for marker, kind in _KINDS:
        if marker in path:
            return kind
    return "other"


def counts_against_limit(path: str) -> bool:
    """Salesforce counts calls to /services/data and /services/async, not OAuth or SOAP login."""
    return path.startswith("/services/data/v") or path.startswith("/services/async/")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class Stats:
    """Counts by endpoint and kind, faults, and the daily API usage (saved to `usage_path` if given)."""

    def __init__(self, usage_path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self.by_endpoint: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self._usage_path = usage_path
        self._day, self._usage = _today(), 0
        if usage_path is not None and usage_path.exists():
            saved = json.loads(usage_path.read_text())
            if saved.get("day") == self._day:
                self._usage = int(saved.get("api_usage", 0))

    @property
    def api_usage(self) -> int:
        """Calls counted against the daily limit today."""
        with self._lock:
            self._roll_day()
            return self._usage

    def record(self, method: str, path: str, *, counted: bool) -> None:
        with self._lock:
            self.by_endpoint[f"{method} {_template(path)}"] += 1
            self.by_kind[classify(path)] += 1
            if counted:
                self._roll_day()
                self._usage += 1
                self._save()

    def _roll_day(self) -> None:
        today = _today()
        if today != self._day:
            self._day, self._usage = today, 0

    def _save(self) -> None:
        """Write the usage through (a small file, replaced whole, so a crash never leaves half of it)."""
        if self._usage_path is None:
            return
        partial = self._usage_path.with_suffix(".tmp")
        partial.write_text(json.dumps({"day": self._day, "api_usage": self._usage}))
        os.replace(partial, self._usage_path)

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            self.by_endpoint.clear()
            self.by_kind.clear()
            self.faults.clear()
            self._usage = 0
            self._save()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            self._roll_day()
            return {
                "api_calls": self._usage,
                "total_requests": sum(self.by_kind.values()),
                "by_kind": dict(self.by_kind),
                "by_endpoint": dict(self.by_endpoint),
                "faults": dict(self.faults),
            }


def _template(path: str) -> str:
    """Collapse ids and versions so stats group by endpoint: /services/data/vXX.X/sobjects/Account/{id}."""
    parts = []
    for part in path.rstrip("/").split("/"):
        if len(part) in (15, 18) and part[:3].isalnum() and any(c.isdigit() for c in part):
            parts.append("{id}")
        elif part.startswith("v") and part[1:].replace(".", "").isdigit():
            parts.append("vXX.X")
        else:
            parts.append(part)
    return "/".join(parts)
