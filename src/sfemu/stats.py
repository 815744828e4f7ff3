"""API-call statistics (`GET /__sfemu/stats`) and the daily API usage behind `Sforce-Limit-Info`."""

from __future__ import annotations

import threading
from collections import Counter
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


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_endpoint: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.api_usage = 0  # calls counted against the daily limit
        self.faults: Counter[str] = Counter()

    def record(self, method: str, path: str, *, counted: bool) -> None:
        with self._lock:
            self.by_endpoint[f"{method} {_template(path)}"] += 1
            self.by_kind[classify(path)] += 1
            if counted:
                self.api_usage += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            self.by_endpoint.clear()
            self.by_kind.clear()
            self.faults.clear()
            self.api_usage = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "api_calls": self.api_usage,
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
