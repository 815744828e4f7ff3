"""`SalesforceHttp`: the one way every API module talks to an org's instance.

One `send` does, in order: ask the `CallBudget` (counted paths only, every attempt), attach the current
access token, send, report `Sforce-Limit-Info` to the budget, then

- `401 INVALID_SESSION_ID` → renew the token once and send again;
- connection failures, resets, timeouts, 5xx, 429/420 (and 403 ConcurrentPerOrgLongTxn) → wait with
  jittered backoff (or `Retry-After`) and send again, within `RetryPolicy`; a call that may have been
  processed (POST after a read error or 500) is only resent when the caller says it is idempotent;
- any other error → the matching `errors.py` exception.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import closing
from typing import Any
from urllib.parse import urlsplit

import httpx

from syncline.connectors.salesforce.client.api_errors import (
    error_from_response,
    is_invalid_session,
    parse_fault,
)
from syncline.connectors.salesforce.client.auth import TokenManager
from syncline.connectors.salesforce.client.budget import (
    CallBudget,
    UnlimitedBudget,
    counts_against_limit,
    parse_limit_info,
)
from syncline.connectors.salesforce.client.oauth_errors import describe_transport_error
from syncline.connectors.salesforce.client.retry import RetryPolicy, retry_after_seconds
from syncline.connectors.salesforce.errors import SalesforceUnavailable
from syncline.connectors.upstreams import UpstreamNotAllowed

__all__ = ["DEFAULT_API_VERSION", "SalesforceHttp"]

DEFAULT_API_VERSION = "62.0"
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
log = logging.getLogger(__name__)


class SalesforceHttp:
    """Authenticated, budgeted, retried requests to one org.

    Args:
        tokens: Supplies the access token and the instance URL.
        client: The httpx client to send with (its transport, `verify` and timeouts apply).
        api_version: Salesforce API version, e.g. `"62.0"`.
        budget: Asked before every counted call; `UnlimitedBudget` when None.
        retry: Retry policy for transient failures.
        sleep: How to wait between attempts (tests make it instant).

    Attributes:
        sent: Requests sent to counted paths, retries included.
    """

    def __init__(
        self,
        tokens: TokenManager,
        *,
        client: httpx.Client,
        api_version: str = DEFAULT_API_VERSION,
        budget: CallBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tokens = tokens
        self.api_version = api_version.removeprefix("v")
        self.budget: CallBudget = budget if budget is not None else UnlimitedBudget()
        self.retry = retry or RetryPolicy()
        self._client = client
        self._sleep = sleep
        self._lock = threading.Lock()
        self.sent = 0

    def data_path(self, relative: str) -> str:
        """`/services/data/vXX.X/{relative}`."""
        return f"/services/data/v{self.api_version}/{relative.lstrip('/')}"

    def async_path(self, relative: str) -> str:
        """`/services/async/XX.X/{relative}` (Bulk 1.0)."""
        return f"/services/async/{self.api_version}/{relative.lstrip('/')}"

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | httpx.QueryParams | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        session_header: bool = False,
        stream: bool = False,
    ) -> httpx.Response:
        """Send a request to the instance and return its successful (< 400) answer.

        Args:
            path: An instance path (`/services/data/...`) or an absolute URL.
            idempotent: Whether resending after an ambiguous failure is safe; by default true for GET,
                HEAD, PUT, DELETE and OPTIONS.
            session_header: Authenticate with `X-SFDC-Session` (Bulk 1.0) instead of `Authorization`.
            stream: Return a successful answer as soon as its headers arrive, its body unread; the caller
                reads it (`iter_bytes`) and must close it. A failure while reading is the caller's to retry.

        Raises:
            BudgetExhausted: Before sending, when the budget allows no more calls.
            SalesforceError: A subclass matching Salesforce's answer (see `errors.py`).
        """
        method = method.upper()
        safe = method in _IDEMPOTENT if idempotent is None else idempotent
        counted = counts_against_limit(urlsplit(path).path if "://" in path else path)
        policy, started, renewed = self.retry, time.monotonic(), False
        attempt = 0
        while True:
            attempt += 1
            session = self.tokens.session()
            url = path if "://" in path else f"{session.instance_url}{path}"
            auth = (
                {"X-SFDC-Session": session.access_token}
                if session_header
                else {"Authorization": f"Bearer {session.access_token}"}
            )
            if counted:
                self.budget.spend(1)
                with self._lock:
                    self.sent += 1
            out_of_tries = attempt >= policy.max_attempts or time.monotonic() - started > policy.deadline
            try:
                request = self._client.build_request(
                    method,
                    url,
                    params=params,
                    json=json,
                    content=content,
                    headers={**auth, **(headers or {})},
                )
                response = self._client.send(request, stream=stream)
                if stream and response.status_code >= httpx.codes.BAD_REQUEST:
                    with closing(response):  # an error is read whole: its body says what went wrong
                        response.read()
            except UpstreamNotAllowed as exc:
                exc.field = exc.field or "instance_url"
                raise
            except httpx.TransportError as exc:
                if out_of_tries or not policy.should_retry_exception(exc, idempotent=safe):
                    raise SalesforceUnavailable(
                        f"{method} {path} failed: {describe_transport_error(exc)}", attempts=attempt
                    ) from exc
                # The path only: a query string (SOQL, a proxied query) is not the log's to keep.
                self._wait(policy.delay(attempt), f"{type(exc).__name__} on {method} {urlsplit(path).path}")
                continue
            self._observe(response)
            if is_invalid_session(response) and not renewed:
                renewed = True
                self.tokens.invalidate(session.access_token)
                attempt -= 1  # a renewal is not a failure of the call; the budget still counted the send
                continue
            if response.status_code < httpx.codes.BAD_REQUEST:
                return response
            if not out_of_tries and self._retriable(response, safe):
                self._wait(
                    policy.delay(attempt, retry_after_seconds(response)), f"HTTP {response.status_code}"
                )
                continue
            raise error_from_response(response, attempts=attempt)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`send` and decode the JSON answer (None for an empty body, e.g. 204)."""
        response = self.send(method, path, **kwargs)
        return response.json() if response.content else None

    def _retriable(self, response: httpx.Response, idempotent: bool) -> bool:
        if self.retry.should_retry_status(response.status_code, idempotent=idempotent):
            return True
        if response.status_code == httpx.codes.FORBIDDEN:
            fault = parse_fault(response)
            return fault.code == "REQUEST_LIMIT_EXCEEDED" and "ConcurrentPerOrgLongTxn" in fault.message
        return False

    def _observe(self, response: httpx.Response) -> None:
        usage = parse_limit_info(response.headers.get("sforce-limit-info"))
        if usage is not None:
            self.budget.observe(*usage)

    def _wait(self, seconds: float, why: str) -> None:
        log.info("Salesforce call failed (%s); retrying in %.2f s", why, seconds)
        self._sleep(seconds)
