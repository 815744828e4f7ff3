"""Shared by the jobs tests: a migrated store per backend, organizations, and a clock tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncline.store.db import Store
from syncline.store.tables import Organization
from tests.conftest import fresh_pg_database


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def migrated_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated metadata store on SQLite or on a fresh PostgreSQL database."""
    if backend == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'jobs.db'}")
        store.migrate()
        yield store
        store.dispose()
        return
    with fresh_pg_database() as url:
        store = Store(url.replace("postgresql://", "postgresql+psycopg://", 1))
        store.migrate()
        yield store
        store.dispose()


def new_org(store: Store, name: str = "org") -> str:
    with store.session() as session:
        org = Organization(name=name)
        session.add(org)
        session.flush()
        return org.id
