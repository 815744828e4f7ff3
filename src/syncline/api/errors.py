"""API errors in Polytomic's body shape: `{"key", "message", "status", "metadata"}`.

ApiError                 any error answered with a JSON error body
├── BadRequest           400  malformed input: JSON, request fields, query parameters, headers
├── Unauthorized         401  missing or unknown API key
├── Forbidden            403  the key may not do this (e.g. organization admin needs a partner key)
├── NotFound             404  no such resource in the caller's organization
├── Conflict             409  state conflict: in use, duplicate, idempotent request in flight
└── Unprocessable        422  well-formed but invalid: connection configuration, failed upstream check
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class ApiError(Exception):
    status = 500
    key = "internal_error"

    def __init__(
        self, message: str, *, key: str | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key or self.key
        self.metadata = metadata or {}

    def body(self) -> dict[str, Any]:
        return {"key": self.key, "message": self.message, "status": self.status, "metadata": self.metadata}

    def response(self) -> JSONResponse:
        return error_response(self.status, self.key, self.message, self.metadata)


class BadRequest(ApiError):
    status = 400
    key = "bad_request"


class Unauthorized(ApiError):
    status = 401
    key = "unauthorized"


class Forbidden(ApiError):
    status = 403
    key = "forbidden"


class NotFound(ApiError):
    status = 404
    key = "not_found"

    @classmethod
    def resource(cls, kind: str, resource_id: str) -> NotFound:
        return cls(f"{kind} {resource_id} not found", metadata={"id": resource_id})


class Conflict(ApiError):
    status = 409
    key = "conflict"


class Unprocessable(ApiError):
    status = 422
    key = "unprocessable_entity"


def error_response(
    status: int,
    key: str,
    message: str,
    metadata: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"key": key, "message": message, "status": status, "metadata": metadata or {}}
    return JSONResponse(body, status_code=status, headers=headers)


def field_errors(errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The metadata of a validation error: every offending field with its message."""
    return {"errors": [{"field": field, "message": message} for field, message in errors]}
