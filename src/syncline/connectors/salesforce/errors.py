"""Errors of the Salesforce connector, grouped by what the caller does next.

ConnectorError                         (syncline.connectors.errors)
└── SalesforceError                    .message, .status, .error_code, .fields; .category (request)
    ├── SalesforceConfigError          configuration: the user must change a setting or reconnect
    │   ├── InvalidDomain              the `domain` setting is not a usable host
    │   ├── DomainUnreachable          nothing answers at the login host (or TLS fails)
    │   ├── MissingCredentials         a setting the connect mode needs is empty
    │   ├── OAuthError                 the token endpoint refused us (.error, .description)
    │   │   ├── InvalidClientCredentials   client_id / client_secret wrong
    │   │   ├── ReauthorizationRequired    authorization: refresh token revoked, expired or rotated away
    │   │   └── AuthorizationFailed        authorization: browser/code flow denied, state mismatch, bad code
    │   ├── ApiDisabled                API_DISABLED_FOR_ORG
    │   └── InsufficientAccess         the Salesforce user lacks a permission
    ├── SalesforceRequestError         fatal for this call: the query, object or data is wrong
    │   ├── InvalidField               a field is gone or hidden: refresh the schema (.field, .sobject)
    │   ├── MalformedQuery             Salesforce's message verbatim
    │   ├── InvalidType                Salesforce's message verbatim
    │   ├── NotFound                   not_found
    │   ├── BulkNotSupported           the object/query can't use Bulk: fall back to REST
    │   └── BulkJobFailed              a Bulk job ended Failed or Aborted (.job_id, .state)
    ├── SalesforceTransientError       retriable: our own retries are already spent
    │   └── SalesforceUnavailable      5xx, resets, timeouts, 429 (.attempts)
    └── SalesforceLimitError           limit: stop cleanly, keep the checkpoint, resume at .resume_at
        └── DailyLimitExceeded         Salesforce's REQUEST_LIMIT_EXCEEDED (.used, .limit)

syncline's own call cap raises the connector-wide `BudgetExhausted` (category limit), re-exported here.

Each class sets `category` (see `syncline.connectors.errors`), which is all the engine and the API look
at. Each class also says in `retriable` whether trying the same thing again later can succeed. Messages end
with what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from syncline.connectors.errors import BudgetExhausted, ConnectorError, ErrorCategory

__all__ = [
    "ApiDisabled",
    "AuthorizationFailed",
    "BudgetExhausted",
    "BulkJobFailed",
    "BulkNotSupported",
    "DailyLimitExceeded",
    "DomainUnreachable",
    "InsufficientAccess",
    "InvalidClientCredentials",
    "InvalidDomain",
    "InvalidField",
    "InvalidType",
    "MalformedQuery",
    "MissingCredentials",
    "NotFound",
    "OAuthError",
    "ReauthorizationRequired",
    "SalesforceConfigError",
    "SalesforceError",
    "SalesforceLimitError",
    "SalesforceRequestError",
    "SalesforceTransientError",
    "SalesforceUnavailable",
]


class SalesforceError(ConnectorError):
    """Base of every Salesforce error.

    Attributes:
        message: The whole message (also `str(error)`).
        status: HTTP status of the answer that caused it, if any.
        error_code: Salesforce's `errorCode` (or OAuth `error`), if any.
        fields: Fields Salesforce named in the error, if any.
    """

    retriable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.fields = tuple(fields)


# --- fatal: configuration ---------------------------------------------------------------------------


class SalesforceConfigError(SalesforceError):
    """The connection's settings or authorization are wrong; retrying will not help."""

    category = ErrorCategory.CONFIGURATION


class InvalidDomain(SalesforceConfigError):
    def __init__(self, domain: str, reason: str) -> None:
        self.domain = domain
        super().__init__(
            f"The domain setting {domain!r} is not usable: {reason}. Set it to your login domain, "
            "e.g. acme.my.salesforce.com, acme--uat.sandbox.my.salesforce.com or login.salesforce.com."
        )


class DomainUnreachable(SalesforceConfigError):
    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(
            f"Could not reach Salesforce at {url} ({cause}). Check the domain setting and that this "
            "server can reach it."
        )


class MissingCredentials(SalesforceConfigError):
    def __init__(self, setting: str, connect_mode: str) -> None:
        self.setting = setting
        self.connect_mode = connect_mode
        super().__init__(
            f"connect_mode {connect_mode!r} needs {setting}, which is empty. Set {setting} on the connection."
        )


class OAuthError(SalesforceConfigError):
    """Salesforce's token endpoint refused the request.

    Attributes:
        error: OAuth `error`, e.g. `invalid_grant`.
        description: OAuth `error_description`, e.g. `authentication failure`.
    """

    def __init__(self, error: str, description: str, advice: str, *, status: int | None = None) -> None:
        self.error = error
        self.description = description
        shown = f"{error}: {description}" if description else error
        super().__init__(
            f"Salesforce refused the authorization ({shown}). {advice}", status=status, error_code=error
        )


class InvalidClientCredentials(OAuthError):
    """`invalid_client_id` / `invalid_client`: the connected app's id or secret is wrong."""


class ReauthorizationRequired(OAuthError):
    """The refresh token (or login) no longer works: a user must reconnect the connection."""

    category = ErrorCategory.AUTHORIZATION


class AuthorizationFailed(OAuthError):
    """The interactive (browser/code) authorization did not complete."""

    category = ErrorCategory.AUTHORIZATION


class ApiDisabled(SalesforceConfigError):
    """API_DISABLED_FOR_ORG: the org's edition or the user's profile has no API access."""


class InsufficientAccess(SalesforceConfigError):
    """The Salesforce user lacks a permission the call needs."""


# --- fatal: this request ----------------------------------------------------------------------------


class SalesforceRequestError(SalesforceError):
    """Salesforce rejected this call (query, object, field or data); change the call, not the timing."""


class InvalidField(SalesforceRequestError):
    """INVALID_FIELD: a field was deleted or hidden since the schema was read.

    Attributes:
        field: The missing field when Salesforce names it (`No such column 'X'`), else None.
        sobject: The object it was looked for on, when named.
    """

    def __init__(
        self, message: str, *, field: str | None, sobject: str | None, status: int | None = None
    ) -> None:
        self.field = field
        self.sobject = sobject
        super().__init__(
            f"{message} — the object's fields changed or are hidden from this user; refresh the schema "
            "and check field-level security.",
            status=status,
            error_code="INVALID_FIELD",
            fields=(field,) if field else (),
        )


class MalformedQuery(SalesforceRequestError):
    """MALFORMED_QUERY: Salesforce's message verbatim."""


class InvalidType(SalesforceRequestError):
    """INVALID_TYPE: the object does not exist or is not visible; Salesforce's message verbatim."""


class NotFound(SalesforceRequestError):
    """NOT_FOUND / ENTITY_IS_DELETED."""

    category = ErrorCategory.NOT_FOUND


class BulkNotSupported(SalesforceRequestError):
    """The object or query cannot run in the Bulk API (compound fields, unsupported entity); use REST."""


class BulkJobFailed(SalesforceRequestError):
    def __init__(self, job_id: str, state: str, error_message: str | None) -> None:
        self.job_id = job_id
        self.state = state
        self.error_message = error_message
        detail = f": {error_message}" if error_message else ""
        super().__init__(f"Salesforce Bulk job {job_id} ended {state}{detail}")


# --- retriable --------------------------------------------------------------------------------------


class SalesforceTransientError(SalesforceError):
    """A temporary failure; the same call may succeed later."""

    category = ErrorCategory.RETRIABLE

    retriable: ClassVar[bool] = True


class SalesforceUnavailable(SalesforceTransientError):
    """Salesforce did not answer usefully after every retry (5xx, resets, timeouts, 429).

    Attributes:
        attempts: How many times the call was sent.
    """

    def __init__(
        self, message: str, *, attempts: int, status: int | None = None, error_code: str | None = None
    ):
        self.attempts = attempts
        super().__init__(
            f"{message} (after {attempts} attempt{'s' if attempts != 1 else ''}); Salesforce is unavailable "
            "or overloaded, try again later.",
            status=status,
            error_code=error_code,
        )


# --- limits: stop cleanly, resume later -------------------------------------------------------------


class SalesforceLimitError(SalesforceError):
    """A call budget is used up: stop, keep the checkpoint, resume at `resume_at` (None: unknown)."""

    category = ErrorCategory.LIMIT

    retriable: ClassVar[bool] = True
    resume_at: datetime | None = None


class DailyLimitExceeded(SalesforceLimitError):
    """Salesforce answered REQUEST_LIMIT_EXCEEDED: the org's daily API allocation is used up."""

    def __init__(self, message: str, *, used: int | None = None, limit: int | None = None) -> None:
        self.used = used
        self.limit = limit
        usage = f" (used {used} of {limit})" if used is not None and limit is not None else ""
        super().__init__(
            f"Salesforce's daily API request limit for the org is exhausted{usage}: {message} "
            "Wait for the rolling 24 h window, or lower syncline's daily_api_calls so other tools keep room.",
            status=403,
            error_code="REQUEST_LIMIT_EXCEEDED",
        )
