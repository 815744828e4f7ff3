"""Salesforce error answers → the exception classes of `errors.py`.

Three body shapes reach us: REST/Bulk 2.0 `[{"errorCode", "message", "fields"}]`, Bulk 1.0
`{"exceptionCode", "exceptionMessage"}` (JSON or `<error>` XML), and plain text from proxies.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx

from syncline.connectors.salesforce.client.budget import parse_limit_info
from syncline.connectors.salesforce.errors import (
    ApiDisabled,
    BulkNotSupported,
    DailyLimitExceeded,
    InsufficientAccess,
    InvalidField,
    InvalidType,
    MalformedQuery,
    NotFound,
    ReauthorizationRequired,
    SalesforceError,
    SalesforceRequestError,
    SalesforceUnavailable,
)

__all__ = ["ApiFault", "error_from_response", "is_invalid_session", "parse_fault"]

_NO_SUCH_COLUMN = re.compile(r"No such column '(?P<field>[^']+)' on entity '(?P<entity>[^']+)'")
_BULK_UNSUPPORTED = (
    "is not supported by the Bulk API",
    "Selecting compound data not supported in Bulk Query",
    "does not support query",
)
_SESSION_CODES = frozenset({"INVALID_SESSION_ID", "InvalidSessionId"})
_ACCESS_CODES = frozenset(
    {
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "TXN_SECURITY_METERING_ERROR",
    }
)


@dataclass(frozen=True)
class ApiFault:
    """The first error of a Salesforce error body."""

    code: str
    message: str
    fields: tuple[str, ...] = ()


def parse_fault(response: httpx.Response) -> ApiFault:
    """The error code, message and fields of an error answer, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return _xml_fault(response) or ApiFault(f"HTTP_{response.status_code}", _text(response))
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        return ApiFault(
            str(first.get("errorCode") or first.get("statusCode") or f"HTTP_{response.status_code}"),
            str(first.get("message") or ""),
            tuple(str(field) for field in first.get("fields") or ()),
        )
    if isinstance(body, dict):
        code = body.get("exceptionCode") or body.get("errorCode") or body.get("error")
        message = body.get("exceptionMessage") or body.get("message") or body.get("error_description")
        if code:
            return ApiFault(str(code), str(message or ""))
    return ApiFault(f"HTTP_{response.status_code}", _text(response))


def is_invalid_session(response: httpx.Response) -> bool:
    """A 401 that a new access token cures (REST `INVALID_SESSION_ID`, Bulk 1.0 `InvalidSessionId`)."""
    return response.status_code == httpx.codes.UNAUTHORIZED and parse_fault(response).code in _SESSION_CODES


def error_from_response(response: httpx.Response, *, attempts: int = 1) -> SalesforceError:
    """The exception for a Salesforce error answer; messages keep Salesforce's words and add the fix."""
    fault = parse_fault(response)
    status, code, message = response.status_code, fault.code, fault.message

    def make(cls: type[SalesforceError], text: str) -> SalesforceError:
        return cls(text, status=status, error_code=code, fields=fault.fields)

    if code in _SESSION_CODES or status == httpx.codes.UNAUTHORIZED:
        return ReauthorizationRequired(
            code, message, "A freshly issued token was refused too; reconnect the connection.", status=status
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        if "ConcurrentPerOrgLongTxn" in message:
            return SalesforceUnavailable(
                f"Salesforce refused a long-running request: {message}",
                attempts=attempts,
                status=status,
                error_code=code,
            )
        usage = parse_limit_info(response.headers.get("sforce-limit-info"))
        return DailyLimitExceeded(
            message, used=usage[0] if usage else None, limit=usage[1] if usage else None
        )
    if code == "API_DISABLED_FOR_ORG":
        return make(
            ApiDisabled,
            f"{message} — the API is not enabled for this org or user; use an edition with API access and "
            "grant the user the 'API Enabled' permission.",
        )
    if code in _ACCESS_CODES or (code == "API_ERROR" and "Implementation restriction" in message):
        return make(InsufficientAccess, f"{message} — {_access_advice(code, message)}")
    if any(marker in message for marker in _BULK_UNSUPPORTED) or code == "INVALIDENTITY":
        return make(BulkNotSupported, f"{message} — read this object or query through the REST API instead.")
    if code == "INVALID_FIELD":
        match = _NO_SUCH_COLUMN.search(message)
        return InvalidField(
            message,
            field=match["field"] if match else (fault.fields[0] if fault.fields else None),
            sobject=match["entity"] if match else None,
            status=status,
        )
    if code == "MALFORMED_QUERY":
        return make(MalformedQuery, message)
    if code == "INVALID_TYPE":
        return make(InvalidType, message)
    if code in ("NOT_FOUND", "ENTITY_IS_DELETED"):
        return make(NotFound, message or "The requested resource does not exist")
    if status >= httpx.codes.INTERNAL_SERVER_ERROR or status in (420, 429):
        return SalesforceUnavailable(
            f"Salesforce answered HTTP {status} {code}: {message}",
            attempts=attempts,
            status=status,
            error_code=code,
        )
    return make(SalesforceRequestError, f"Salesforce answered HTTP {status} {code}: {message}")


def _access_advice(code: str, message: str) -> str:
    if code == "TXN_SECURITY_METERING_ERROR":
        return "grant the Salesforce user the 'Exempt from Transaction Security' permission."
    if "Implementation restriction" in message:
        return "grant the Salesforce user the 'View All Data' permission."
    return "grant the Salesforce user access to this object and its fields (profile or permission set)."


def _xml_fault(response: httpx.Response) -> ApiFault | None:
    if not response.content.lstrip().startswith(b"<"):
        return None
    try:
        root = ET.fromstring(response.content)  # Salesforce's own answer
    except ET.ParseError:
        return None
    values = {element.tag.rsplit("}", 1)[-1]: (element.text or "") for element in root.iter()}
    if "exceptionCode" not in values:
        return None
    return ApiFault(values["exceptionCode"], values.get("exceptionMessage", ""))


def _text(response: httpx.Response) -> str:
    text = response.text.strip()
    return text[:500] if text else response.reason_phrase
