"""Named locks that hold across threads and processes sharing one metadata store.

PostgreSQL: a session advisory lock (so workers on other machines are serialised too). SQLite: the
database is one file on one machine, so an `flock` on a lock file beside it does the same job.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from syncline.store.db import Store

_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _thread_lock(name: str) -> threading.Lock:
    with _guard:
        return _thread_locks.setdefault(name, threading.Lock())


@contextmanager
def named_lock(store: Store, lock_dir: Path, name: str) -> Iterator[None]:
    with _thread_lock(name):
        if store.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            with store.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
            return
        lock_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(name.encode()).hexdigest()[:32]
        with (lock_dir / f"{digest}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
