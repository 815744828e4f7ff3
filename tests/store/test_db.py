"""The metadata store's engine: pool sizes from the settings (PostgreSQL), SQLite as it was."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.pool import QueuePool

from syncline.settings import Settings
from syncline.store.db import Store


def test_postgres_pool_is_sized_by_the_settings() -> None:
    settings = Settings.from_env(
        {
            "SYNCLINE_DATABASE_URL": "postgresql+psycopg://sync@127.0.0.1:1/nowhere",
            "SYNCLINE_SECRET_KEY": Fernet.generate_key().decode(),
            "SYNCLINE_DB_POOL_SIZE": "3",
            "SYNCLINE_DB_MAX_OVERFLOW": "2",
        }
    )
    store = Store.from_settings(settings)  # no connection is opened yet
    pool = store.engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (3, 2)
    store.dispose()


def test_sqlite_store_ignores_pool_sizes_and_keeps_its_pragmas(tmp_path: Path) -> None:
    settings = Settings.from_env({"SYNCLINE_DATA_DIR": str(tmp_path), "SYNCLINE_DB_POOL_SIZE": "1"})
    store = Store.from_settings(settings)
    with store.session() as session:
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()
