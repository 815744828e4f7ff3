"""Engine, sessions and schema migrations for the metadata store (SQLite or PostgreSQL)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from syncline.settings import Settings

DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10
# A metadata database that does not answer stops the start within this many seconds, not never.
CONNECT_TIMEOUT_SECONDS = 10
# The session-level advisory lock every process takes around its migrations (PostgreSQL).
MIGRATION_LOCK_KEY = 0x73796E636C696E65  # "syncline"
MIGRATION_LOCK_FILE = "migrations.lock"


def make_engine(
    database_url: str, *, pool_size: int = DEFAULT_POOL_SIZE, max_overflow: int = DEFAULT_MAX_OVERFLOW
) -> Engine:
    """An engine for the metadata store; the pool sizes apply to PostgreSQL (SQLite keeps its defaults)."""
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {}
    if "connect_timeout" not in make_url(database_url).query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args=connect_args,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("syncline.store") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, lock_dir: Path | None = None) -> None:
    """Bring the schema to the newest migration; safe to run on every start, and by several processes at
    once: they take turns (PostgreSQL: an advisory lock; SQLite: an `flock` in `lock_dir`), so the later
    ones find the schema done instead of creating the same tables beside the first."""
    cfg = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        _migrate_under_advisory_lock(engine, cfg)
    elif lock_dir is not None:
        lock_dir.mkdir(parents=True, exist_ok=True)
        with (lock_dir / MIGRATION_LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            command.upgrade(cfg, "head")
    else:
        command.upgrade(cfg, "head")


def _migrate_under_advisory_lock(engine: Engine, cfg: Config) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()  # the lock is the session's: the migrations' own transaction starts clean
        try:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


class Store:
    """The metadata store: one engine and a session factory."""

    def __init__(
        self,
        database_url: str,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
    ) -> None:
        self.engine = make_engine(database_url, pool_size=pool_size, max_overflow=max_overflow)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block succeeds, rolled back when it raises."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store of `SYNCLINE_DATABASE_URL`, pooled as `SYNCLINE_DB_POOL_SIZE`/`_MAX_OVERFLOW` say."""
        return cls(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )

    def migrate(self, lock_dir: Path | None = None) -> None:
        """See `migrate`; `lock_dir` holds the lock file that serialises processes on a SQLite store."""
        migrate(self.engine, lock_dir)

    def dispose(self) -> None:
        self.engine.dispose()


def unusable_store_message(database_url: str, exc: DBAPIError) -> str:
    """One line for an operator whose metadata database cannot be used: which database (no password),
    and the driver's reason without its hints and prefixes."""
    url = make_url(database_url)
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    reason = reason.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    if url.get_backend_name() == "sqlite":
        where = f"the SQLite metadata database {url.database}"
    else:
        host = url.host or str(url.query.get("host") or "localhost")  # `?host=` names a unix socket dir
        where = f"the metadata database at {host}:{url.port or 5432}/{url.database or ''}"
    return f"SYNCLINE_DATABASE_URL: cannot use {where}: {reason}"
