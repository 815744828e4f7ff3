"""The one place connector errors become HTTP: by category, never by connector.

=============  ======  ==========================  ============================================
category       status  key                         extra
=============  ======  ==========================  ============================================
configuration  400     upstream_error              (422 `connection_test_failed` while saving)
authorization  400     authorization_required      the connection's status says it too
request        400     upstream_error
not_found      404     not_found / schema_not_found
retriable      502     upstream_unavailable
limit          429     api_limit_exhausted         `resume_at` in metadata, `Retry-After` header
record         422     record_rejected
=============  ======  ==========================  ============================================

An upstream the deployment keeps connections away from (`UpstreamNotAllowed`) answers 422
`upstream_not_allowed` whatever the path.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi.responses import JSONResponse

from syncline.api.envelope import iso
from syncline.api.errors import ApiError, error_response
from syncline.connectors.errors import ConnectorError, ErrorCategory, SchemaNotFound
from syncline.connectors.upstreams import PRIVATE_UPSTREAMS_SETTING, UpstreamNotAllowed
from syncline.store.types import utcnow

__all__ = ["UpstreamFailure", "upstream_error"]

_STATUS = {
    ErrorCategory.CONFIGURATION: (400, "upstream_error"),
    ErrorCategory.AUTHORIZATION: (400, "authorization_required"),
    ErrorCategory.REQUEST: (400, "upstream_error"),
    ErrorCategory.NOT_FOUND: (404, "not_found"),
    ErrorCategory.RETRIABLE: (502, "upstream_unavailable"),
    ErrorCategory.LIMIT: (429, "api_limit_exhausted"),
    ErrorCategory.RECORD: (422, "record_rejected"),
}


class UpstreamFailure(ApiError):
    """A connector error as an API error: any status, with headers (`Retry-After`)."""

    def __init__(
        self, status: int, key: str, message: str, metadata: dict[str, Any], headers: dict[str, str]
    ) -> None:
        super().__init__(message, key=key, metadata=metadata)
        self.status = status
        self.headers = headers

    def response(self) -> JSONResponse:
        return error_response(self.status, self.key, self.message, self.metadata, headers=self.headers)


def upstream_error(exc: ConnectorError, **metadata: Any) -> UpstreamFailure:
    """The API error for a connector's refusal, carrying the connector's own message."""
    status, key = _STATUS[exc.category]
    headers: dict[str, str] = {}
    if isinstance(exc, SchemaNotFound):
        key = "schema_not_found"
        metadata["id"] = exc.schema_id
    if isinstance(exc, UpstreamNotAllowed):
        status, key = 422, "upstream_not_allowed"
        metadata["setting"] = PRIVATE_UPSTREAMS_SETTING
    if exc.category is ErrorCategory.LIMIT:
        metadata["resume_at"] = iso(exc.resume_at)
        if exc.resume_at is not None:
            seconds = math.ceil((exc.resume_at - utcnow()).total_seconds())
            headers["Retry-After"] = str(max(1, seconds))
    return UpstreamFailure(status, key, str(exc), metadata, headers)
