"""Salesforce errors in the shapes its APIs use, one class per common wire error code.

REST and Bulk 2.0 answer `[{"message", "errorCode", "fields"}]`; sObject Collections put `statusCode` in
per-record errors; OAuth answers `{"error", "error_description"}`; Bulk 1.0 uses
`{"exceptionCode", "exceptionMessage"}` (or XML, `sfemu.bulk1.wire.BulkError`).

A handler raises the class named after the code it answers; the app turns it into the response. A code
used once or twice is still raised as `SalesforceError(status, code, message)`; SOQL errors are built
by `sfemu.soql.errors`.

    SalesforceError(status, code, message, fields=None)
    └── CodedError(message=None, fields=None): the class fixes status and code
        ├── NotFound                  404 NOT_FOUND
        ├── EntityIsDeleted           404 ENTITY_IS_DELETED
        ├── InvalidSessionId          401 INVALID_SESSION_ID
        ├── RequestLimitExceeded      403 REQUEST_LIMIT_EXCEEDED
        ├── ServerUnavailable         503 SERVER_UNAVAILABLE
        ├── InvalidField              400 INVALID_FIELD
        ├── InvalidType               400 INVALID_TYPE
        ├── MissingArgument           400 MISSING_ARGUMENT
        ├── MalformedQuery            400 MALFORMED_QUERY
        ├── MalformedId               400 MALFORMED_ID
        ├── JsonParserError           400 JSON_PARSER_ERROR
        ├── RequiredFieldMissing      400 REQUIRED_FIELD_MISSING
        ├── ExceededIdLimit           400 EXCEEDED_ID_LIMIT
        ├── InvalidQueryLocator       400 INVALID_QUERY_LOCATOR
        ├── UnableToLockRow           400 UNABLE_TO_LOCK_ROW
        ├── InvalidJob                400 INVALIDJOB          (Bulk 2.0)
        ├── InvalidEntity             400 INVALIDENTITY       (Bulk 2.0)
        └── InvalidLocator            400 INVALIDLOCATOR      (Bulk 2.0)
    OAuthError(status, error, description)
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

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r}, fields={self.fields!r})"
        )


class CodedError(SalesforceError):
    """A `SalesforceError` whose class fixes its status and code; `fields=None` leaves out `fields`."""

    STATUS = 400
    CODE = ""
    MESSAGE = ""  # the default message, when Salesforce always says the same thing

    def __init__(self, message: str | None = None, fields: list[str] | None = None) -> None:
        if message is None:
            if not self.MESSAGE:
                raise TypeError(f"{type(self).__name__} needs a message")
            message = self.MESSAGE
        super().__init__(self.STATUS, self.CODE, message, fields)


class NotFound(CodedError):
    STATUS, CODE, MESSAGE = 404, "NOT_FOUND", "The requested resource does not exist"


class EntityIsDeleted(CodedError):
    STATUS, CODE, MESSAGE = 404, "ENTITY_IS_DELETED", "entity is deleted"


class InvalidSessionId(CodedError):
    STATUS, CODE, MESSAGE = 401, "INVALID_SESSION_ID", "Session expired or invalid"


class RequestLimitExceeded(CodedError):
    STATUS, CODE = 403, "REQUEST_LIMIT_EXCEEDED"


class ServerUnavailable(CodedError):
    STATUS, CODE, MESSAGE = 503, "SERVER_UNAVAILABLE", "Server is temporarily unavailable. Please retry."


class InvalidField(CodedError):
    CODE = "INVALID_FIELD"


class InvalidType(CodedError):
    CODE = "INVALID_TYPE"


class MissingArgument(CodedError):
    CODE = "MISSING_ARGUMENT"


class MalformedQuery(CodedError):
    CODE = "MALFORMED_QUERY"


class MalformedId(CodedError):
    CODE = "MALFORMED_ID"


class JsonParserError(CodedError):
    CODE = "JSON_PARSER_ERROR"


class RequiredFieldMissing(CodedError):
    CODE = "REQUIRED_FIELD_MISSING"


class ExceededIdLimit(CodedError):
    CODE = "EXCEEDED_ID_LIMIT"


class InvalidQueryLocator(CodedError):
    CODE, MESSAGE = "INVALID_QUERY_LOCATOR", "invalid query locator"


class UnableToLockRow(CodedError):
    CODE = "UNABLE_TO_LOCK_ROW"


class InvalidJob(CodedError):
    CODE = "INVALIDJOB"


class InvalidEntity(CodedError):
    CODE = "INVALIDENTITY"


class InvalidLocator(CodedError):
    CODE = "INVALIDLOCATOR"


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
