"""Salesforce errors in the shapes its APIs use.

REST and Bulk 2.0 answer `[{"message", "errorCode", "fields"}]`; sObject Collections put `statusCode` in
per-record errors; OAuth answers `{"error", "error_description"}`; Bulk 1.0 uses
`{"exceptionCode", "exceptionMessage"}` (or XML).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class SalesforceError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]

    def record_error(self) -> dict[str, Any]:
        """The per-record error of sObject Collections and ingest results."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def invalid_session() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", message)


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description}, status_code=self.status
        )
