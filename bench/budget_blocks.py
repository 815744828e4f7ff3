"""Benchmark: API-budget calls per second with block reservations vs a database round trip per call.

    python bench/budget_blocks.py [--calls 5000]

Spends `--calls` single calls through `DbCallBudget` on a fresh SQLite store and a fresh PostgreSQL
database (the local server), once with blocks as shipped and once with `BLOCK_SIZE = 1` — every call a
locked read-modify-write of the buckets, as the budget was before blocks — the baseline, in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from syncline.runtime import budget  # noqa: E402
from syncline.store.db import Store  # noqa: E402
from syncline.store.tables import Connection, Organization  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_store(backend: str, folder: Path) -> tuple[Store, str, str | None]:
    database = None
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
    else:
        database = f"bench_budget_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    store = Store(url)
    store.migrate()
    with store.session() as session:
        org = Organization(name="bench")
        session.add(org)
        session.flush()
        connection = Connection(organization_id=org.id, name="sf", type="salesforce", configuration={})
        session.add(connection)
        session.flush()
        connection_id = connection.id
    return store, connection_id, database


def calls_per_second(backend: str, folder: Path, calls: int, block_size: int) -> float:
    budget.BLOCK_SIZE = block_size
    store, connection_id, database = fresh_store(backend, folder)
    spender = budget.DbCallBudget(store, folder / "locks", connection_id, cap=10_000_000)
    started = time.perf_counter()
    for _ in range(calls):
        spender.spend()
    elapsed = time.perf_counter() - started
    store.dispose()
    if database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5_000)
    args = parser.parse_args()
    shipped = budget.BLOCK_SIZE
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            per_call = calls_per_second(backend, Path(tmp), args.calls, 1)
            blocks = calls_per_second(backend, Path(tmp), args.calls, shipped)
            print(
                f"{backend:10} baseline (a round trip per call): {per_call:10,.0f} calls/s   "
                f"blocks of {shipped}: {blocks:12,.0f} calls/s   ratio {blocks / per_call:6.1f}x"
            )


if __name__ == "__main__":
    main()
