"""Where Bulk jobs live: their state in the org's SQLite file, their data in files under `data_dir/bulk`.

Tables (created with the org, or by `ensure_tables`):

- `_bulk_jobs`: one row per job (Bulk 2.0 ingest and query, Bulk 1.0), its info as JSON.
- `_bulk_batches`: Bulk 1.0 batches.
- `_bulk_results`: one row per processed record of an ingest job (2.0) or batch (1.0), keyed by the
  job or batch id and the record's position in the upload. It is written in the same transaction as
  the records themselves, so a restart resumes a job exactly where it stopped.

Uploads and query results are files named after their job or batch id, so jobs survive a restart.

Processing runs on worker threads of the org: a job closed or created (2.0) or a batch added (1.0) is
queued after the org's `bulk_processing_seconds` (zero: at once). Until then a poll sees it still running,
as on a real org, so clients' polling and resume paths run; after it, whoever asks for its state first
waits for it (`settle`). Writes run one at a time in submission order; queries run two at a time.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfemu import ids

if TYPE_CHECKING:
    from sfemu.org import Org

JOB_PREFIX = "750"
BATCH_PREFIX = "751"
RESULT_PREFIX = "752"
log = logging.getLogger("sfemu.bulk")

_TABLES = (
    "CREATE TABLE IF NOT EXISTS _bulk_jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, info TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS _bulk_batches (id TEXT PRIMARY KEY, job_id TEXT NOT NULL, "
    "info TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix__bulk_batches_job ON _bulk_batches (job_id)",
    "CREATE TABLE IF NOT EXISTS _bulk_results (owner TEXT NOT NULL, seq INTEGER NOT NULL, record_id TEXT, "
    "created INTEGER NOT NULL, error TEXT, PRIMARY KEY (owner, seq)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)

Info = dict[str, Any]
# One record's outcome: (position in the upload, record id, created?, error text or None).
Result = tuple[int, str | None, bool, str | None]


def ensure_tables(conn: sqlite3.Connection) -> None:
    for statement in _TABLES:
        conn.execute(statement)


def rest_stamp(stamp: str) -> str:
    """`2024-01-15T10:30:00.000Z` (storage) → `2024-01-15T10:30:00.000+0000`, as job info shows dates."""
    return stamp[:-1] + "+0000" if stamp.endswith("Z") else stamp


class JobStore:
    """Jobs, batches, results and data files of one org, plus the worker that processes them."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.db = org.db
        self.dir = Path(org.config.data_dir) / "bulk"
        self.dir.mkdir(parents=True, exist_ok=True)
        with self.db.transaction() as conn:
            ensure_tables(conn)
        # Writes go through one worker, in submission order (SQLite has one writer anyway, and Bulk 1.0
        # lock contention must replay the same way for the same seed); queries only read, on their own
        # connections, so two run side by side.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sfemu-bulk-write")
        self._reader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sfemu-bulk-read")
        self._pending: dict[str, Future[None]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        # Jobs and batches in their processing time: when each is due, and the timer that queues it.
        self._due: dict[str, float] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._closed = False

    # --- ids and files -------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        with self.db.transaction() as conn:
            counter = conn.execute(
                "INSERT INTO _counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET "
                "value = value + 1 RETURNING value",
                (prefix,),
            ).fetchone()[0]
        return ids.make_id(prefix, counter)

    def path(self, name: str) -> Path:
        return self.dir / name

    # --- jobs ------------------------------------------------------------------------------------

    def add_job(self, kind: str, job: Info) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO _bulk_jobs VALUES (?, ?, ?)", (job["id"], kind, json.dumps(job)))

    def job(self, job_id: str, kinds: Iterable[str] = ()) -> Info | None:
        normalized = ids.normalize(job_id)
        if normalized is None:
            return None
        rows = self.db.read("SELECT kind, info FROM _bulk_jobs WHERE id = ?", (normalized,))
        if not rows or (kinds and rows[0][0] not in kinds):
            return None
        info: Info = json.loads(rows[0][1])
        return info

    def jobs(self, kinds: Iterable[str]) -> list[Info]:
        wanted = list(kinds)
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.read(f"SELECT info FROM _bulk_jobs WHERE kind IN ({marks}) ORDER BY id", wanted)
        return [json.loads(row[0]) for row in rows]

    def save_job(self, job: Info) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE _bulk_jobs SET info = ? WHERE id = ?", (json.dumps(job), job["id"]))

    def delete_job(self, job_id: str) -> None:
        rows = self.db.read("SELECT id FROM _bulk_batches WHERE job_id = ?", (job_id,))
        batch_ids = [row[0] for row in rows]
        with self.db.transaction() as conn:
            for owner in [job_id, *batch_ids]:
                conn.execute("DELETE FROM _bulk_results WHERE owner = ?", (owner,))
            conn.execute("DELETE FROM _bulk_batches WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM _bulk_jobs WHERE id = ?", (job_id,))
        for owner in [job_id, *batch_ids]:
            for file in self.dir.glob(f"{owner}*"):
                file.unlink(missing_ok=True)

    # --- batches (Bulk 1.0) ------------------------------------------------------------------------

    def add_batch(self, batch: Info) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO _bulk_batches VALUES (?, ?, ?)", (batch["id"], batch["jobId"], json.dumps(batch))
            )

    def batch(self, job_id: str, batch_id: str) -> Info | None:
        normalized = ids.normalize(batch_id)
        if normalized is None:
            return None
        rows = self.db.read(
            "SELECT info FROM _bulk_batches WHERE id = ? AND job_id = ?", (normalized, job_id)
        )
        info: Info | None = json.loads(rows[0][0]) if rows else None
        return info

    def batches(self, job_id: str) -> list[Info]:
        rows = self.db.read("SELECT info FROM _bulk_batches WHERE job_id = ? ORDER BY id", (job_id,))
        return [json.loads(row[0]) for row in rows]

    def save_batch(self, batch: Info) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE _bulk_batches SET info = ? WHERE id = ?", (json.dumps(batch), batch["id"]))

    # --- per-record results --------------------------------------------------------------------

    def add_results(self, conn: sqlite3.Connection, owner: str, results: list[Result]) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO _bulk_results VALUES (?, ?, ?, ?, ?)",
            [(owner, seq, record_id, int(created), error) for seq, record_id, created, error in results],
        )

    def results(self, owner: str) -> list[Result]:
        rows = self.db.read(
            "SELECT seq, record_id, created, error FROM _bulk_results WHERE owner = ? ORDER BY seq", (owner,)
        )
        return [(row[0], row[1], bool(row[2]), row[3]) for row in rows]

    def progress(self, owner: str) -> int:
        """How many records of `owner` are done: processing resumes after them."""
        rows = self.db.read("SELECT MAX(seq) FROM _bulk_results WHERE owner = ?", (owner,))
        return 0 if rows[0][0] is None else rows[0][0] + 1

    # --- processing ------------------------------------------------------------------------------

    def submit(self, key: str, task: Callable[[], None], *, reads_only: bool = False) -> None:
        """Queue `task` (idempotent: it checks the state it works on) once its processing time is up."""
        delay = self.org.config.bulk_processing_seconds
        if delay <= 0:
            self._queue(key, task, reads_only)
            return
        timer = threading.Timer(delay, self._queue, (key, task, reads_only))
        timer.daemon = True
        with self._guard:
            self._due[key] = time.monotonic() + delay
            self._timers[key] = timer
        timer.start()

    def _queue(self, key: str, task: Callable[[], None], reads_only: bool) -> None:
        worker = self._reader if reads_only else self._writer
        with self._guard:
            self._timers.pop(key, None)
            if not self._closed:
                self._pending[key] = worker.submit(self._exclusive, key, task)

    def processing(self, key: str) -> bool:
        """True while `key` is within its processing time: a poll shows it InProgress."""
        with self._guard:
            due = self._due.get(key)
            if due is not None and time.monotonic() >= due:
                del self._due[key]
                due = None
        return due is not None

    def settle(self, key: str, task: Callable[[], None], *, wait: bool = False) -> bool:
        """Make sure `task` has run: wait for its queued run, or run it here (after a restart).

        Within its processing time it is left alone (False), unless `wait`: then it runs now.
        """
        if self.processing(key) and not wait:
            return False
        with self._guard:
            self._due.pop(key, None)
            future = self._pending.get(key)
        if future is not None:
            future.result()
            with self._guard:
                if self._pending.get(key) is future:
                    del self._pending[key]
            return True
        self._exclusive(key, task)
        return True

    @contextmanager
    def locked(self, key: str) -> Iterator[None]:
        """Hold `key` (a job or batch id) as its processing task does: for state changes that race it."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def _exclusive(self, key: str, task: Callable[[], None]) -> None:
        with self.locked(key):
            try:
                task()
            except Exception:  # a task records its own failure; this is the last line of defence
                log.exception("bulk task %s failed", key)

    def close(self) -> None:
        with self._guard:
            self._closed = True
            timers = list(self._timers.values())
        for timer in timers:
            timer.cancel()
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)


def store_of(org: Org) -> JobStore:
    """The org's job store (`org.bulk_jobs`)."""
    return org.bulk_jobs
