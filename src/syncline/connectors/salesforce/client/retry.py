"""When and how long to wait before sending a failed Salesforce call again.

Salesforce answers transient trouble with 5xx, `429`/`420`, a dropped connection or a timeout; Airbyte
retries those five times within about two minutes, and so do we by default. Waits grow exponentially
with full jitter, so parallel workers that failed together do not retry together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["RETRY_STATUSES", "RetryPolicy", "retry_after_seconds"]

# Statuses worth sending again. 500 only for idempotent calls: the server may have done the work.
RETRY_STATUSES = frozenset({420, 429, 500, 502, 503, 504})
SAFE_STATUSES = frozenset({420, 429, 502, 503, 504})  # refused before any work was done


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with jittered exponential backoff.

    Attributes:
        max_attempts: Sends per call, the first included (1 disables retries).
        base_delay: Upper bound of the first wait, in seconds; it doubles per attempt.
        max_delay: Cap of any single wait, `Retry-After` included.
        deadline: Give up once this many seconds have passed since the first send.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    deadline: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter, not security

    def should_retry_status(self, status: int, *, idempotent: bool) -> bool:
        return status in (RETRY_STATUSES if idempotent else SAFE_STATUSES)

    @staticmethod
    def should_retry_exception(exc: httpx.TransportError, *, idempotent: bool) -> bool:
        """Connection failures are always safe to retry (nothing was sent); the rest only if idempotent.

        An untrusted TLS certificate is not retried: it will not become trusted by waiting.
        """
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return False
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        return idempotent and isinstance(
            exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError
        )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a number or an HTTP date), or None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
