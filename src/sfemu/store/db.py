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


class Database:
    """One SQLite connection shared by all requests; writes are serialized by a lock.

    SQLite allows one writer at a time anyway; holding our own lock keeps a multi-statement write
    (validate, insert, bump the clock) atomic with respect to other requests.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises (nested blocks join the outer one)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: undo just this block if it raises (one record of a batch)."""
        with self.lock:
            self.conn.execute("SAVEPOINT record")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK TO record")
                self.conn.execute("RELEASE record")
                raise
            self.conn.execute("RELEASE record")

    def read(self, sql: str, params: tuple | list | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
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
