"""TokenManager: proactive and reactive renewal, and refresh-token rotation shared through one store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from syncline.connectors.salesforce.client import (
    InMemoryCredentialStore,
    StoredTokens,
    TokenManager,
    TokenResponse,
)
from syncline.connectors.salesforce.errors import ReauthorizationRequired
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RotatingSource:
    """A fake grant that rotates the refresh token on every use, like Salesforce with rotation on."""

    clock: Clock
    issued: int = 0
    presented: list[str | None] = field(default_factory=list)

    def fetch(self, refresh_token: str | None) -> TokenResponse:
        self.presented.append(refresh_token)
        self.issued += 1
        return TokenResponse(
            access_token=f"access-{self.issued}",
            instance_url="https://acme.my.salesforce.com",
            issued_at=self.clock.now,
            refresh_token=f"refresh-{self.issued}",
        )


def manager(
    source: RotatingSource, store: InMemoryCredentialStore, *, instance_url_override: str | None = None
) -> TokenManager:
    return TokenManager(
        source,
        store,
        session_lifetime=100,
        refresh_margin=10,
        clock=source.clock,
        instance_url_override=instance_url_override,
    )


def test_the_token_is_renewed_a_margin_before_the_assumed_expiry() -> None:
    clock = Clock()
    source = RotatingSource(clock)
    tokens = manager(source, InMemoryCredentialStore(StoredTokens(refresh_token="refresh-0")))
    assert tokens.access_token() == "access-1"
    clock.now += 89
    assert tokens.access_token() == "access-1"
    clock.now += 2  # 91 s: within the 10 s margin of the 100 s lifetime
    assert tokens.access_token() == "access-2"
    assert source.presented == ["refresh-0", "refresh-1"]  # always the latest, rotated token


def test_a_token_issued_in_our_future_is_not_trusted_longer() -> None:
    clock = Clock()
    source = RotatingSource(Clock(clock.now + 3600))  # Salesforce's clock an hour ahead
    tokens = TokenManager(
        source, InMemoryCredentialStore(), session_lifetime=100, refresh_margin=10, clock=clock
    )
    assert tokens.session().expires_at == clock.now + 100


def test_a_refused_token_is_replaced_by_one_another_worker_already_got() -> None:
    clock = Clock()
    source = RotatingSource(clock)
    store = InMemoryCredentialStore(StoredTokens(refresh_token="refresh-0"))
    first, second = manager(source, store), manager(source, store)
    assert first.access_token() == second.access_token() == "access-1"  # the second adopted the first's
    first.invalidate("access-1")
    assert second.invalidate("access-1").access_token == "access-2"  # adopted: no grant of its own
    assert source.issued == 2
    assert store.load().refresh_token == "refresh-2"


def test_the_instance_url_override_is_used_for_data_calls() -> None:
    source = RotatingSource(Clock())
    tokens = manager(source, InMemoryCredentialStore(), instance_url_override="https://eu5.salesforce.com/")
    assert tokens.instance_url == "https://eu5.salesforce.com"


def test_an_expired_session_mid_work_costs_one_refresh(org: Org) -> None:
    with org.client("api", settings={"oauth_refresh_token": org.refresh_token()}) as sf:
        assert len(list(sf.rest.query("SELECT Id FROM Account"))) == DEMO_ACCOUNTS
        org.admin("POST", "tokens/expire")
        assert len(list(sf.rest.query("SELECT Id FROM Account"))) == DEMO_ACCOUNTS
        assert sf.tokens.renewals == 2
    by_endpoint = org.stats()["by_endpoint"]
    assert by_endpoint["POST /services/oauth2/token"] == 1 + 2  # the code exchange, then two refreshes
    assert by_endpoint["GET /services/data/vXX.X/query"] == 3  # the refused call was sent again once


def test_rotated_refresh_tokens_are_never_reused_by_concurrent_workers(org: Org) -> None:
    org.configure(rotate_refresh_tokens=True)
    store = InMemoryCredentialStore(StoredTokens(refresh_token=org.refresh_token()))
    # Two workers (as two processes would: their own clients and token managers) share one store. A
    # zero session lifetime makes every call renew first: the most refreshes two workers can race on.
    workers = [
        org.client("api", credentials=store, options=org.options(session_lifetime=0)) for _ in range(2)
    ]

    def work(index: int) -> int:
        sf = workers[index]
        return sum(len(list(sf.rest.query("SELECT Id FROM Account LIMIT 3"))) for _ in range(15))

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(work, range(2))) == [45, 45]
    renewals = sum(worker.tokens.renewals for worker in workers)
    assert renewals == store.saves >= 15
    with org.client("api", credentials=store) as later:  # the latest saved token still works
        assert later.rest.limits()
    for worker in workers:
        worker.close()


def test_without_a_shared_store_a_rotated_token_revokes_the_other_worker(org: Org) -> None:
    org.configure(rotate_refresh_tokens=True)
    refresh_token = org.refresh_token()
    first, second = (
        org.client("api", credentials=InMemoryCredentialStore(StoredTokens(refresh_token=refresh_token)))
        for _ in range(2)
    )
    with first, second:
        first.rest.limits()
        with pytest.raises(ReauthorizationRequired):
            second.rest.limits()  # presents the token the first worker rotated away
