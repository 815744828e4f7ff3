"""The org's data in one SQLite file: one table per sObject, named and columned as the schema declares.

Storage encodings (the SOQL compiler and the record store rely on them):
- ids: 18-character text; booleans: 0/1; numbers: INTEGER or REAL
- datetime: text `YYYY-MM-DDTHH:MM:SS.fffZ` (UTC, sortable); date: `YYYY-MM-DD`; time: `HH:MM:SS.fffZ`
- multipicklist: `A;B;C`
- compound (address) and formula fields are not stored; they are assembled when read
Tooling objects live in tables named `tooling_<Name>`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sfemu.schema.model import ObjectDef, Schema


def table_name(obj: ObjectDef) -> str:
    return f"tooling_{obj.name}" if obj.tooling else obj.name


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _ThreadState(threading.local):
    """What `Database` keeps per thread: its read connection, and how deep in a write it is."""

    def __init__(self) -> None:
        self.reader: sqlite3.Connection | None = None
        self.writing = 0


class Database:
    """The org's SQLite file: one shared connection for writes, one connection per thread for reads.

    Writes are serialized by `lock`: SQLite allows one writer at a time anyway, and holding our own lock
    keeps a multi-statement write (validate, insert, bump the clock) atomic with respect to other
    requests. Reads take no lock: in WAL mode each thread's read connection sees the last committed
    state, so a slow query never holds up a token check or a write on another thread. A read made
    inside the thread's own transaction uses the write connection, so it sees that transaction's rows.
    A `:memory:` database exists on one connection only, so there reads share it under the lock.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.conn = self._connect()
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.lock = threading.RLock()
        self._local = _ThreadState()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._shared = self.path in ("", ":memory:") or self.path.startswith("file::memory:")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """Hold the write lock and mark this thread as writing, so its reads join the transaction."""
        with self.lock:
            depth = self._local.writing
            self._local.writing = depth + 1
            try:
                yield self.conn
            finally:
                self._local.writing = depth

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises (nested blocks join the outer one)."""
        with self._writing() as conn:
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: undo just this block if it raises (one record of a batch)."""
        with self._writing() as conn:
            conn.execute("SAVEPOINT record")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK TO record")
                conn.execute("RELEASE record")
                raise
            conn.execute("RELEASE record")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection to read with: this thread's own, or the write connection inside a transaction."""
        if self._shared or self._local.writing:
            with self._writing() as conn:
                yield conn
            return
        yield self._reader()

    def _reader(self) -> sqlite3.Connection:
        reader = self._local.reader
        if reader is None:
            reader = self._connect()
            reader.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    def read(self, sql: str, params: tuple | list | dict = ()) -> list[sqlite3.Row]:
        with self.reading() as conn:
            return conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()
        self.conn.close()


def create_tables(conn: sqlite3.Connection, schema: Schema) -> None:
    """Create missing object tables and add missing columns (a schema file may grow between runs)."""
    for obj in [*schema.objects.values(), *schema.tooling.values()]:
        name = table_name(obj)
        existing = {row[1].lower() for row in conn.execute(f"PRAGMA table_info({quote(name)})")}
        if not existing:
            columns = ", ".join(
                f"{quote(f.name)} {f.column_type}" + (" PRIMARY KEY" if f.name == "Id" else "")
                for f in obj.stored_fields()
            )
            conn.execute(f"CREATE TABLE {quote(name)} ({columns})")
            conn.execute(
                f"CREATE INDEX {quote('ix_' + name + '_modstamp')} ON {quote(name)} (SystemModstamp)"
            )
            for f in obj.stored_fields():
                if f.external_id or f.type == "reference":
                    conn.execute(
                        f"CREATE INDEX {quote('ix_' + name + '_' + f.name)} ON {quote(name)} "
                        f"({quote(f.name)} COLLATE NOCASE)"
                        if f.external_id
                        else f"CREATE INDEX {quote('ix_' + name + '_' + f.name)} ON {quote(name)} "
                        f"({quote(f.name)})"
                    )
            continue
        for f in obj.stored_fields():
            if f.name.lower() not in existing:
                conn.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(f.name)} {f.column_type}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _deleted_log (object TEXT, id TEXT PRIMARY KEY, deleted_date TEXT)"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
