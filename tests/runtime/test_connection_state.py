"""A connection's API budget and tokens, shared through the metadata store by threads and processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event, func, select

from syncline.connectors.credentials import StoredTokens
from syncline.connectors.errors import BudgetExhausted
from syncline.runtime.budget import BLOCK_SIZE, DbCallBudget, calls_last_24_hours, release_reservations
from syncline.runtime.connection_state import DbCredentialStore
from syncline.store.crypto import SecretBox
from syncline.store.db import Store
from syncline.store.tables import ApiCallBucket, Connection, ConnectionLimits, Organization

KEY = Fernet.generate_key()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meta.db'}"
    return request.getfixturevalue("scratch_pg_database").replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def connection(store_url: str) -> Iterator[tuple[Store, str]]:
    store = Store(store_url)
    store.migrate()
    box = SecretBox(KEY)
    with store.session() as session:
        org = Organization(name="o")
        session.add(org)
        session.flush()
        conn = Connection(
            organization_id=org.id,
            name="sf",
            type="salesforce",
            configuration={},
            secrets=box.encrypt({"oauth_refresh_token": "first-refresh"}),
        )
        session.add(conn)
        session.flush()
        connection_id = conn.id
    yield store, connection_id
    store.dispose()


def _spend_many(url: str, lock_dir: str, connection_id: str, attempts: int, cap: int = 25) -> int:
    """Single calls until `attempts` were tried; unused reserved calls are handed back at the end."""
    store = Store(url)
    budget = DbCallBudget(store, Path(lock_dir), connection_id, cap=cap)
    granted = 0
    for _ in range(attempts):
        try:
            budget.spend()
            granted += 1
        except BudgetExhausted:
            pass
    release_reservations(store, Path(lock_dir))
    store.dispose()
    return granted


def test_enforced_cap_is_never_exceeded_by_threads_and_processes(
    connection: tuple[Store, str], store_url: str, tmp_path: Path
) -> None:
    store, connection_id = connection
    lock_dir = str(tmp_path / "locks")
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool, ThreadPoolExecutor(2) as threads:
        in_processes = pool.starmap_async(_spend_many, [(store_url, lock_dir, connection_id, 20)] * 2)
        in_threads = [threads.submit(_spend_many, store_url, lock_dir, connection_id, 10) for _ in range(2)]
        granted = sum(in_processes.get(timeout=120)) + sum(f.result() for f in in_threads)
    assert granted == 25
    assert recorded(store, connection_id) == 25


def test_exhausted_budget_names_cap_usage_and_resume_time(
    connection: tuple[Store, str], tmp_path: Path
) -> None:
    store, connection_id = connection
    budget = DbCallBudget(store, tmp_path, connection_id, cap=2, clock=lambda: 1_000_000.0)
    budget.spend(2)
    with pytest.raises(BudgetExhausted) as exhausted:
        budget.spend()
    assert (exhausted.value.cap, exhausted.value.used) == (2, 2)
    assert exhausted.value.resume_at is not None
    assert "2 calls/24h" in str(exhausted.value)
    # A day and the window's slack later (runtime/budget.py), the calls have left the window.
    later = DbCallBudget(store, tmp_path, connection_id, cap=2, clock=lambda: 1_000_000.0 + 86_400 + 240)
    later.spend()  # a day later the window has moved on


def test_automatic_cap_follows_the_observed_org_limit(connection: tuple[Store, str], tmp_path: Path) -> None:
    store, connection_id = connection
    budget = DbCallBudget(store, tmp_path, connection_id, cap=None)
    budget.spend()  # nothing observed yet: one call is allowed to learn the limit
    budget.observe(used=880, limit=1000)  # the org may go up to 90 %: 20 calls of room left
    budget.spend(19)
    budget.spend(1)
    with pytest.raises(BudgetExhausted):
        budget.spend()
    budget.observe(used=850, limit=1000)  # others' usage fell out of the window: room again
    budget.spend(10)


def test_tokens_round_trip_and_rotation_updates_the_secret(
    connection: tuple[Store, str], tmp_path: Path
) -> None:
    store, connection_id = connection
    credentials = DbCredentialStore(store, SecretBox(KEY), tmp_path, connection_id)
    assert credentials.load().refresh_token == "first-refresh"
    with credentials.lock():
        credentials.save(
            StoredTokens(
                refresh_token="rotated-" + uuid.uuid4().hex,
                access_token="access-1",
                instance_url="https://acme.my.salesforce.com",
                issued_at=1.0,
            )
        )
    fresh = DbCredentialStore(store, SecretBox(KEY), tmp_path, connection_id).load()
    assert fresh.refresh_token is not None
    assert fresh.refresh_token.startswith("rotated-")
    assert (fresh.access_token, fresh.instance_url) == ("access-1", "https://acme.my.salesforce.com")
    with store.session() as session:
        stored = session.get(Connection, connection_id)
        assert stored is not None
        assert "rotated-" not in (stored.secrets or "")  # encrypted, not in plaintext


def recorded(store: Store, connection_id: str) -> int:
    with store.session() as session:
        return calls_last_24_hours(session, connection_id)


def _statements(store: Store) -> list[str]:
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_calls_are_reserved_in_blocks_not_a_round_trip_each(
    connection: tuple[Store, str], tmp_path: Path
) -> None:
    store, connection_id = connection
    budget = DbCallBudget(store, tmp_path, connection_id, cap=100_000)
    statements = _statements(store)
    for _ in range(BLOCK_SIZE * 4):
        budget.spend()
    window_reads = [s for s in statements if "ORDER BY api_call_buckets.minute" in s]
    assert len(window_reads) == 4  # one reservation per block of BLOCK_SIZE calls
    assert recorded(store, connection_id) == BLOCK_SIZE * 4


def test_unused_reserved_calls_are_handed_back(connection: tuple[Store, str], tmp_path: Path) -> None:
    store, connection_id = connection
    DbCallBudget(store, tmp_path, connection_id, cap=100_000).spend(3)
    assert recorded(store, connection_id) == 3  # shown: the calls sent, not the block
    with store.session() as session:  # held: the whole block is recorded against the cap
        assert session.scalar(select(func.sum(ApiCallBucket.calls))) == BLOCK_SIZE
    release_reservations(store, tmp_path)
    with store.session() as session:
        assert session.scalar(select(func.sum(ApiCallBucket.calls))) == 3
    assert recorded(store, connection_id) == 3


def test_blocks_shrink_near_the_cap_so_it_is_met_exactly(
    connection: tuple[Store, str], tmp_path: Path
) -> None:
    store, connection_id = connection
    budget = DbCallBudget(store, tmp_path, connection_id, cap=300)
    granted = 0
    while granted <= 300:
        try:
            budget.spend()
        except BudgetExhausted:
            break
        granted += 1
    assert granted == 300
    assert recorded(store, connection_id) == 300


def test_processes_holding_blocks_never_exceed_the_cap(
    connection: tuple[Store, str], store_url: str, tmp_path: Path
) -> None:
    store, connection_id = connection
    lock_dir = str(tmp_path / "locks")
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        granted = sum(pool.starmap(_spend_many, [(store_url, lock_dir, connection_id, 1_500, 2_000)] * 2))
    assert 2_000 - 2 * BLOCK_SIZE <= granted <= 2_000  # a process may stop while holding unused calls
    assert recorded(store, connection_id) == granted  # handed back at the end


def test_first_observations_from_two_threads_at_once_both_land(
    connection: tuple[Store, str], tmp_path: Path
) -> None:
    """Two calls answered at once on a connection never observed (two queries started together): both
    reports are kept, neither fails on the other's row. The barrier holds each thread right after it looked
    for the row, so without the lock both would insert it."""
    store, connection_id = connection
    barrier = threading.Barrier(2, timeout=2)

    @event.listens_for(store.engine, "after_cursor_execute")
    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM connection_limits" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):  # the lock let one through alone
                barrier.wait()

    budgets = [DbCallBudget(store, tmp_path, connection_id, cap=None) for _ in range(2)]
    with ThreadPoolExecutor(2) as threads:
        done = [threads.submit(budget.observe, used=10 + n, limit=1000) for n, budget in enumerate(budgets)]
        for future in done:
            future.result()
    event.remove(store.engine, "after_cursor_execute", hold)
    with store.session() as session:
        assert session.get(ConnectionLimits, connection_id).limit == 1000
