"""Errors raised by connectors, in categories the engine and the API act on without knowing the connector.

Every connector error carries a `category` that says what happens next:

=============  =======================================================  ==========================
category       meaning                                                  the API answers
=============  =======================================================  ==========================
configuration  the settings are wrong: fix them                         400 (422 when saving)
authorization  the connection must be re-authorised; its status says so 400
request        this call is wrong (a query, an object): change the call 400
not_found      the thing asked for does not exist upstream              404
retriable      transient: the same call may succeed later (backoff)     502
limit          an API budget or rate limit: carries `resume_at`         429 with Retry-After
record         one record was refused; the others went through          (in per-record results)
=============  =======================================================  ==========================

The mapping to HTTP lives in one place, `syncline.api.connector_errors`.

ConnectorError                   .category
├── UnknownConnectionType        configuration: the type id is not registered
├── ConfigurationInvalid         configuration: the settings break the type's rules (every field error)
├── ConfigurationError           configuration: the upstream says the settings are wrong
│   ├── ConnectionCheckFailed    the upstream could not be reached or refused us (its message)
│   │   └── CheckNotAvailable    this type cannot check its upstream yet
│   └── CapabilityMissing        the connection type cannot do what was asked
├── AuthorizationRequired        authorization: tokens revoked or never granted
├── RequestRejected              request: the upstream refused this call (e.g. a query's syntax)
│   └── QueryFailed              the query runner's query was refused
├── NotFound                     not_found
│   └── SchemaNotFound           a schema (table, object) the connection does not have
├── Retriable                    retriable: the upstream is unavailable for now
├── LimitReached                 limit: `.resume_at` says when work can go on (None: unknown)
│   └── BudgetExhausted          syncline's own call cap for the connection (`.cap`, `.used`)
└── RecordRejected               record: one record's error (`.record_id`, `.code`)

Connectors may keep richer trees of their own (see `salesforce/errors.py`); each of their classes sets
`category`, so nothing outside the connector needs to import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

__all__ = [
    "AuthorizationRequired",
    "BudgetExhausted",
    "CapabilityMissing",
    "CheckNotAvailable",
    "ConfigurationError",
    "ConfigurationInvalid",
    "ConnectionCheckFailed",
    "ConnectorError",
    "ErrorCategory",
    "FieldError",
    "LimitReached",
    "NotFound",
    "QueryFailed",
    "RecordRejected",
    "RequestRejected",
    "Retriable",
    "SchemaNotFound",
    "UnknownConnectionType",
    "category_of",
]


class ErrorCategory(StrEnum):
    CONFIGURATION = "configuration"
    AUTHORIZATION = "authorization"
    REQUEST = "request"
    NOT_FOUND = "not_found"
    RETRIABLE = "retriable"
    LIMIT = "limit"
    RECORD = "record"


class ConnectorError(Exception):
    """Base class of every connector error; `category` says what the caller does next."""

    category: ClassVar[ErrorCategory] = ErrorCategory.REQUEST
    # When a limit lifts; only LIMIT errors set it, None elsewhere or when unknown.
    resume_at: datetime | None = None


def category_of(error: BaseException) -> ErrorCategory | None:
    """The category of a connector error; None for anything else (a bug, not an upstream's answer)."""
    return error.category if isinstance(error, ConnectorError) else None


# --- configuration -----------------------------------------------------------------------------------


class ConfigurationError(ConnectorError):
    """The connection's settings are wrong or do not reach a working upstream: fix the settings."""

    category = ErrorCategory.CONFIGURATION


class UnknownConnectionType(ConfigurationError):
    def __init__(self, type_id: str, known: list[str]) -> None:
        self.type_id = type_id
        self.known = known
        super().__init__(f"unknown connection type {type_id!r}; supported types: {', '.join(known)}")


@dataclass(frozen=True)
class FieldError:
    """One problem with one configuration field; `field` is a dotted path such as `port`."""

    field: str
    message: str


class ConfigurationInvalid(ConfigurationError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(f"invalid configuration: {detail}")


class ConnectionCheckFailed(ConfigurationError):
    """The upstream check failed; the message is the upstream's own words plus what to do."""


class CheckNotAvailable(ConnectionCheckFailed):
    """The connection type has no upstream check in this version."""


class CapabilityMissing(ConfigurationError):
    """The connection type does not implement what was asked (e.g. a query runner, a proxy)."""

    def __init__(self, type_name: str, what: str) -> None:
        self.type_name = type_name
        self.what = what
        super().__init__(f"{type_name} connections do not support {what}")


# --- authorization -----------------------------------------------------------------------------------


class AuthorizationRequired(ConnectorError):
    """The upstream no longer accepts the connection's authorization: a user must reconnect it."""

    category = ErrorCategory.AUTHORIZATION


# --- this request ------------------------------------------------------------------------------------


class RequestRejected(ConnectorError):
    """The upstream refused this call (a query, an object, a field); change the call, not the timing."""

    category = ErrorCategory.REQUEST


class QueryFailed(RequestRejected):
    """The upstream rejected the query; the message is the upstream's own (e.g. a syntax error)."""


class NotFound(ConnectorError):
    """What was asked for does not exist upstream."""

    category = ErrorCategory.NOT_FOUND


class SchemaNotFound(NotFound):
    """The connection has no schema (table, view, object) with this id."""

    def __init__(self, schema_id: str) -> None:
        self.schema_id = schema_id
        super().__init__(f"schema {schema_id} not found on the connection; refresh the schemas if it is new")


# --- timing ------------------------------------------------------------------------------------------


class Retriable(ConnectorError):
    """A temporary failure (unreachable, overloaded); the same call may succeed later."""

    category = ErrorCategory.RETRIABLE


class LimitReached(ConnectorError):
    """An API budget or rate limit is used up: stop cleanly, keep the checkpoint, resume at `resume_at`."""

    category = ErrorCategory.LIMIT

    def __init__(self, message: str, *, resume_at: datetime | None = None) -> None:
        super().__init__(message)
        self.resume_at = resume_at


class BudgetExhausted(LimitReached):
    """syncline's own API-call cap for this connection is reached; raised before the call is sent.

    Attributes:
        cap: Calls allowed per window.
        used: Calls already made in the window.
        resume_at: When enough calls leave the window for work to go on.
    """

    def __init__(self, cap: int, used: int, resume_at: datetime | None) -> None:
        self.cap = cap
        self.used = used
        when = f"; work can resume at {resume_at.isoformat(timespec='seconds')}" if resume_at else ""
        super().__init__(
            f"The API budget of {cap} calls/24h for this connection is used up (used {used}){when}. "
            "Raise the connection's daily API call cap (daily_api_calls) or wait.",
            resume_at=resume_at,
        )


# --- one record --------------------------------------------------------------------------------------


class RecordRejected(ConnectorError):
    """One record was refused; the batch it came in went on without it."""

    category = ErrorCategory.RECORD

    def __init__(self, message: str, *, record_id: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.code = code
