"""The engine retries a unit of work after a retriable connector error, and nothing else."""

from __future__ import annotations

import pytest

from syncline.connectors.errors import BudgetExhausted, ConnectorError, QueryFailed, Retriable
from syncline.runtime.jobs import JobCanceled
from syncline.runtime.retry import Backoff, with_retries

FAST = Backoff(attempts=3, base_delay=1.0, max_delay=8.0)


class Flaky:
    """Fails with the given errors, in order, then answers 42."""

    def __init__(self, *errors: ConnectorError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 42


def test_retriable_errors_are_retried_with_growing_waits() -> None:
    waits: list[float] = []
    work = Flaky(Retriable("down"), Retriable("still down"))
    assert with_retries(work, wait=lambda s: waits.append(s) or False, backoff=FAST) == 42
    assert work.calls == 3
    assert len(waits) == 2
    assert 0 <= waits[0] <= 1.0
    assert 0 <= waits[1] <= 2.0


def test_the_last_retriable_error_propagates_once_attempts_are_spent() -> None:
    work = Flaky(Retriable("1"), Retriable("2"), Retriable("3"), Retriable("4"))
    with pytest.raises(Retriable, match="3"):
        with_retries(work, wait=lambda _: False, backoff=FAST)
    assert work.calls == 3


@pytest.mark.parametrize(
    "error",
    [QueryFailed("syntax error"), BudgetExhausted(10, 10, None)],
    ids=["request", "limit"],
)
def test_other_categories_are_not_retried(error: ConnectorError) -> None:
    work = Flaky(error)
    with pytest.raises(type(error)):
        with_retries(work, wait=lambda _: False, backoff=FAST)
    assert work.calls == 1


def test_a_cancel_during_the_wait_ends_the_retries() -> None:
    work = Flaky(Retriable("down"))
    with pytest.raises(JobCanceled):
        with_retries(work, wait=lambda _: True, backoff=FAST)
    assert work.calls == 1
