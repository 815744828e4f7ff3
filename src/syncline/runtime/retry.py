"""What the engine does with a connector error's category: retry the retriable ones with backoff.

Connectors retry single HTTP calls themselves; this is the retry of a whole unit of work (a query, a
schema refresh, later a batch) after the connector gave up, so an upstream outage of a minute does not
fail a job. Other categories are not retried: configuration and authorization need a person, a request
error will not change, and a limit names its own `resume_at`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from syncline.connectors.errors import ConnectorError, ErrorCategory
from syncline.runtime.jobs import JobCanceled

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits up to min(max_delay, base_delay * 2**n)."""

    attempts: int = 4
    base_delay: float = 2.0
    max_delay: float = 60.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        return min(self.max_delay, self.base_delay * 2**attempt) * rand()


def with_retries(
    work: Callable[[], T],
    *,
    wait: Callable[[float], bool],
    backoff: Backoff = Backoff(),
    on_retry: Callable[[int, ConnectorError], None] | None = None,
) -> T:
    """Run `work`; on a retriable connector error wait (`wait` returns True to stop: the job was canceled)
    and run it again, up to `backoff.attempts` times in all. The last error propagates.

    Raises:
        ConnectorError: A non-retriable error at once, a retriable one once the attempts are spent.
        JobCanceled: The job was asked to stop while waiting.
    """
    attempt = 0
    while True:
        try:
            return work()
        except ConnectorError as exc:
            attempt += 1
            if exc.category is not ErrorCategory.RETRIABLE or attempt >= backoff.attempts:
                raise
            if on_retry is not None:
                on_retry(attempt, exc)
            if wait(backoff.delay(attempt - 1)):
                raise JobCanceled(str(exc)) from exc
