"""Errors of the service layer, answered by the API as Polytomic error bodies (`api/app.py`).

ServiceError            .key, .metadata
├── Invalid             422  the request breaks a rule; `.fields` names each offending field
├── CheckFailed         an upstream test failed (400 for a test, 422 while saving)
└── Conflict            409  the current state forbids it (in use, not healthy)
"""

from __future__ import annotations

from typing import Any

from syncline.connectors.upstreams import UpstreamNotAllowed


class ServiceError(Exception):
    key = "error"

    def __init__(
        self, message: str, *, key: str | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key or self.key
        self.metadata = metadata or {}


class Invalid(ServiceError):
    key = "invalid_configuration"

    def __init__(
        self, message: str, *, fields: list[tuple[str, str]] | None = None, key: str | None = None
    ) -> None:
        metadata = {"errors": [{"field": f, "message": m} for f, m in fields]} if fields else {}
        super().__init__(message, key=key, metadata=metadata)
        self.fields = fields or []


class CheckFailed(ServiceError):
    key = "connection_test_failed"


class Conflict(ServiceError):
    key = "conflict"


def not_allowed(exc: UpstreamNotAllowed) -> Invalid:
    """The 422 for a connection that would reach an address the deployment keeps connections away from."""
    field = exc.field or "configuration"
    return Invalid(str(exc), fields=[(field, "must reach an allowed address")], key="upstream_not_allowed")
