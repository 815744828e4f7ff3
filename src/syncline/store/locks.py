"""Named locks that hold across threads and processes sharing one metadata store, each taken inside the
one session that does the locked work, so a locked unit of work holds one pooled connection, not two.

PostgreSQL: a transaction advisory lock (`pg_advisory_xact_lock`), released by the session's commit or
rollback — workers on other machines are serialised too. SQLite: the database is one file on one
machine, so an `flock` on a lock file beside it does the same job.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from syncline.store.db import Store

_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _thread_lock(name: str) -> threading.Lock:
    with _guard:
        return _thread_locks.setdefault(name, threading.Lock())


@contextmanager
def locked_session(store: Store, lock_dir: Path, name: str) -> Iterator[Session]:
    """A unit of work (committed on success) that holds lock `name` until it ends."""
    with _thread_lock(name):
        if store.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            with store.session() as session:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                yield session
            return
        lock_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        with (lock_dir / f"{digest}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with store.session() as session:
                    yield session
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
