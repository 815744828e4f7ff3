"""The API-call budget: asked before every counted call (retries too), told Salesforce's own usage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncline.connectors.errors import BudgetExhausted
from syncline.connectors.salesforce.client import (
    InMemoryCallBudget,
    conservative_cap,
    counts_against_limit,
    parse_limit_info,
)
from tests.connectors.salesforce.helpers import Org


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_cap_holds_over_a_rolling_window_and_says_when_to_resume() -> None:
    clock = Clock()
    budget = InMemoryCallBudget(3, window=100, clock=clock)
    budget.spend()
    clock.now += 10
    budget.spend(2)
    with pytest.raises(BudgetExhausted) as info:
        budget.spend()
    assert (info.value.cap, info.value.used) == (3, 3)
    assert info.value.resume_at == datetime.fromtimestamp(clock.now - 10 + 100, UTC)  # the first call leaves
    assert "budget of 3 calls/24h" in str(info.value)
    clock.now += 91
    budget.spend()  # the first call has left the window
    assert budget.used == 3


def test_asking_for_more_than_the_cap_never_resumes() -> None:
    with pytest.raises(BudgetExhausted) as info:
        InMemoryCallBudget(2).spend(3)
    assert info.value.resume_at is None


@pytest.mark.parametrize(
    ("header", "usage"),
    [
        ("api-usage=25/15000", (25, 15000)),
        ("api-usage=25/15000; per-app-api-usage=2/500(appName=syncline)", (25, 15000)),
        ("", None),
        ("garbage", None),
    ],
)
def test_limit_info_headers_are_parsed(header: str, usage: tuple[int, int] | None) -> None:
    assert parse_limit_info(header) == usage


def test_only_data_and_async_paths_count() -> None:
    assert counts_against_limit("/services/data/v62.0/query")
    assert counts_against_limit("/services/async/62.0/job")
    assert not counts_against_limit("/services/oauth2/token")


def test_the_default_cap_leaves_room_for_other_integrations() -> None:
    assert conservative_cap(15000, 15000) == 12000  # 80 % of the allocation
    assert conservative_cap(15000, 5000) == 3500  # never within 10 % of running out
    assert conservative_cap(15000, 100) == 0


def test_an_exhausted_budget_stops_before_the_call_is_sent(org: Org) -> None:
    org.configure(query_page_size=2)  # 15 accounts → 8 pages, 8 calls
    budget = InMemoryCallBudget(5)
    with org.client(budget=budget) as sf:
        records = []
        with pytest.raises(BudgetExhausted) as info:
            records.extend(sf.rest.query("SELECT Id FROM Account"))
    assert len(records) == 10  # five pages were read
    assert info.value.used == 5
    assert org.stats()["api_calls"] == 5  # Salesforce saw exactly the cap, never more
    assert budget.observed is not None
    assert budget.observed[0] == 5  # Salesforce's own count, from Sforce-Limit-Info


def test_retries_are_spent_from_the_budget_too(org: Org) -> None:
    org.configure(error_rate=0.5, fault_seed=11)
    budget = InMemoryCallBudget(12)
    with org.client(budget=budget) as sf:
        for _ in range(20):
            try:
                sf.rest.limits()
            except BudgetExhausted:
                break
    stats = org.stats()
    assert stats["faults"]["server_error"] > 0
    assert stats["api_calls"] == budget.used == sf.http.sent == 12
