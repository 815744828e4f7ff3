"""Waiting for Bulk jobs: poll with a growing interval, since every poll is an API call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from syncline.connectors.salesforce.errors import SalesforceUnavailable

__all__ = ["PollPolicy", "poll_until"]

T = TypeVar("T")


@dataclass(frozen=True)
class PollPolicy:
    """How Bulk jobs are polled.

    Attributes:
        first_delay: Wait before the first poll (small jobs are often done by then).
        factor: Each wait is this much longer than the previous one...
        max_delay: ...up to this.
        timeout: Give up after this many seconds.
    """

    first_delay: float = 0.2
    factor: float = 1.5
    max_delay: float = 15.0
    timeout: float = 6 * 60 * 60.0


def poll_until(
    fetch: Callable[[], T],
    finished: Callable[[T], bool],
    *,
    what: str,
    policy: PollPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fetch` until `finished(result)`; its last result.

    Raises:
        SalesforceUnavailable: Still not finished after `policy.timeout` seconds.
    """
    started, delay, polls = time.monotonic(), policy.first_delay, 0
    while True:
        sleep(delay)
        result = fetch()
        polls += 1
        if finished(result):
            return result
        if time.monotonic() - started > policy.timeout:
            raise SalesforceUnavailable(
                f"{what} did not finish within {policy.timeout:.0f} s", attempts=polls
            )
        delay = min(delay * policy.factor, policy.max_delay)
