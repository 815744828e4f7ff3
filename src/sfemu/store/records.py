"""The write path every API shares: create, update, upsert, delete, undelete, hard delete, lead conversion.

Validation happens here, once (`Validator`, in `validation.py`), with Salesforce's error codes; REST,
sObject Collections, Bulk 2.0 and Bulk 1.0 only translate their wire formats into calls of `RecordStore`.
Every call runs inside one transaction, so a failed record leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from sfemu import ids
from sfemu.clock import Clock
from sfemu.errors import EntityIsDeleted, InvalidType, MalformedId, NotFound, SalesforceError
from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.store.db import Database, quote, table_name
from sfemu.store.plan import CreateBatch, insert_sql, plan_of
from sfemu.store.validation import CLOSED_STAGES, Validator, Values, find_by_field

__all__ = ["CLOSED_STAGES", "MultipleMatches", "RecordStore", "UpsertOutcome", "Values"]


@dataclass(frozen=True)
class UpsertOutcome:
    id: str
    created: bool


class RecordStore:
    def __init__(self, db: Database, schema: Schema, clock: Clock, *, duplicate_rule: Any = None) -> None:
        self.db = db
        self.schema = schema
        self.clock = clock
        # A callable returning True while the Lead/Contact Email duplicate rule is active.
        self.duplicate_rule = duplicate_rule or (lambda: False)
        self.validator = Validator(schema, lambda: self.duplicate_rule())

    # --- reads -----------------------------------------------------------------------------------

    def get(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """The stored row (deleted rows included), or None."""
        normalized = ids.normalize(record_id)
        if normalized is None:
            return None
        rows = self.db.read(f"SELECT * FROM {quote(table_name(obj))} WHERE Id = ?", (normalized,))
        return dict(rows[0]) if rows else None

    def find_by_field(self, obj: ObjectDef, f: FieldDef, value: Any) -> list[str]:
        with self.db.reading() as conn:
            return find_by_field(conn, obj, f, value)

    # --- writes ----------------------------------------------------------------------------------

    def create(self, obj: ObjectDef, values: Values, *, user_id: str) -> str:
        if not obj.createable:
            raise InvalidType(f"entity type {obj.name} does not support create")
        with self.db.transaction() as conn:
            row = self.validator.prepare(conn, obj, values, creating=True)
            return self._insert(conn, obj, row, user_id)

    def create_many(self, obj: ObjectDef, rows: list[Values], *, user_id: str) -> list[str]:
        """Create many records in one transaction (all or nothing): the seeding fast path.

        Validates each record exactly as `create` does, in order, and raises the first error; but reads
        once per parent type and unique field for the whole batch, and writes with executemany.
        """
        if not obj.createable:
            raise InvalidType(f"entity type {obj.name} does not support create")
        with self.db.transaction() as conn:
            return [str(outcome) for outcome in self._create_rows(conn, obj, list(rows), user_id, stop=True)]

    def create_each(self, obj: ObjectDef, rows: list[Values], *, user_id: str) -> list[str | SalesforceError]:
        """Create each record on its own: the id of each one created, or the error that failed it.

        The same outcome (ids, stamps, errors) as calling `create` for each record in one transaction,
        each in a savepoint that a failure rolls back; but no savepoints are needed, since a record that
        fails validation has written nothing. Meant for Bulk inserts, a chunk of records at a time.
        """
        rows = list(rows)
        if not obj.createable:
            message = f"entity type {obj.name} does not support create"
            return [InvalidType(message) for _ in rows]
        with self.db.transaction() as conn:
            return self._create_rows(conn, obj, rows, user_id, stop=False)

    def update(self, obj: ObjectDef, record_id: str, values: Values, *, user_id: str) -> None:
        if not obj.updateable:
            raise InvalidType(f"entity type {obj.name} does not support update")
        with self.db.transaction() as conn:
            current = self._existing(conn, obj, record_id)
            if obj.name == "Lead" and current.get("IsConverted"):
                raise SalesforceError(
                    400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []
                )
            row = self.validator.prepare(conn, obj, values, creating=False, current=current)
            self._write(conn, obj, current["Id"], row, user_id)

    def upsert(
        self, obj: ObjectDef, field_name: str, value: Any, values: Values, *, user_id: str
    ) -> UpsertOutcome:
        """Match on an external id field (or Id): none → create, one → update, several → 300."""
        f = obj.field(field_name)
        if f is None or not (f.external_id or f.name == "Id"):
            raise NotFound(
                f"Provided external ID field does not exist or is not accessible: {field_name}",
            )
        with self.db.transaction() as conn:
            matches = self.find_by_field(obj, f, value) if value not in (None, "") else []
            if len(matches) > 1:
                raise MultipleMatches(obj, matches)
            if matches:
                self.update(obj, matches[0], values, user_id=user_id)
                return UpsertOutcome(matches[0], created=False)
            if f.name == "Id" and value not in (None, ""):
                raise NotFound(
                    f"Provided external ID field does not exist or is not accessible: {value}",
                )
            merged = dict(values)
            if f.name != "Id":
                merged[f.name] = value
            row = self.validator.prepare(conn, obj, merged, creating=True)
            return UpsertOutcome(self._insert(conn, obj, row, user_id), created=True)

    def delete(self, obj: ObjectDef, record_id: str, *, user_id: str) -> None:
        """Soft delete into the recycle bin; children of cascading relationships go with it."""
        if not obj.deletable:
            raise SalesforceError(400, "DELETE_FAILED", f"entity type {obj.name} does not support delete")
        with self.db.transaction() as conn:
            current = self._existing(conn, obj, record_id)
            stamp = self.clock.stamp()
            self._mark_deleted(conn, obj, current["Id"], stamp, user_id)
            for child, f in self.schema.child_relationships(obj.name):
                if not f.cascade_delete:
                    continue
                for (child_id,) in conn.execute(
                    f"SELECT Id FROM {quote(table_name(child))} WHERE {quote(f.name)} = ? AND IsDeleted = 0",
                    (current["Id"],),
                ).fetchall():
                    self._mark_deleted(conn, child, child_id, self.clock.stamp(), user_id)

    def undelete(self, obj: ObjectDef, record_id: str, *, user_id: str) -> None:
        with self.db.transaction() as conn:
            current = self._row(conn, obj, record_id)
            if current is None:
                raise NotFound()
            if not current["IsDeleted"]:
                raise SalesforceError(400, "UNDELETE_FAILED", "Entity is not in the recycle bin")
            stamp = self.clock.stamp()
            conn.execute(
                f"UPDATE {quote(table_name(obj))} SET IsDeleted = 0, SystemModstamp = ?, "
                "LastModifiedDate = ?, LastModifiedById = ? WHERE Id = ?",
                (stamp, stamp, user_id, current["Id"]),
            )
            conn.execute("DELETE FROM _deleted_log WHERE id = ?", (current["Id"],))

    def hard_delete(self, obj: ObjectDef, record_id: str) -> None:
        """Remove the row for good (Bulk hardDelete, emptying the bin); getDeleted still reports it."""
        with self.db.transaction() as conn:
            current = self._row(conn, obj, record_id)
            if current is None:
                raise NotFound()
            conn.execute(f"DELETE FROM {quote(table_name(obj))} WHERE Id = ?", (current["Id"],))
            conn.execute(
                "INSERT OR IGNORE INTO _deleted_log VALUES (?, ?, ?)",
                (obj.name, current["Id"], self.clock.stamp()),
            )

    def empty_recycle_bin(self, obj: ObjectDef, record_ids: list[str]) -> None:
        for record_id in record_ids:
            row = self.get(obj, record_id)
            if row is None or not row["IsDeleted"]:
                raise SalesforceError(
                    400, "INVALID_ID_FIELD", f"record {record_id} is not in the recycle bin"
                )
            self.hard_delete(obj, record_id)

    # --- internals -------------------------------------------------------------------------------

    def _row(self, conn: sqlite3.Connection, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        normalized = ids.normalize(record_id)
        if normalized is None or normalized[:3] != obj.key_prefix:
            return None
        row = conn.execute(f"SELECT * FROM {quote(table_name(obj))} WHERE Id = ?", (normalized,)).fetchone()
        return dict(row) if row else None

    def _existing(self, conn: sqlite3.Connection, obj: ObjectDef, record_id: str) -> dict[str, Any]:
        if ids.normalize(record_id) is None:
            raise MalformedId(f"{obj.name} ID: id value of incorrect type: {record_id}", ["Id"])
        current = self._row(conn, obj, record_id)
        if current is None:
            raise NotFound()
        if current["IsDeleted"]:
            raise EntityIsDeleted(fields=[])
        return current

    def _next_id(self, conn: sqlite3.Connection, obj: ObjectDef) -> str:
        # UPDATE then SELECT, not UPDATE ... RETURNING: RETURNING collects its rows in a temporary table,
        # which costs more than the write itself when SQLite keeps temporary data in files.
        prefix = obj.key_prefix
        if conn.execute("UPDATE _counters SET value = value + 1 WHERE name = ?", (prefix,)).rowcount:
            counter = conn.execute("SELECT value FROM _counters WHERE name = ?", (prefix,)).fetchone()[0]
        else:
            conn.execute("INSERT INTO _counters VALUES (?, 1)", (prefix,))
            counter = 1
        return ids.make_id(prefix, counter)

    def _create_rows(
        self, conn: sqlite3.Connection, obj: ObjectDef, rows: list[Values], user_id: str, *, stop: bool
    ) -> list[str | SalesforceError]:
        """Validate and insert `rows` in order: ids for the records created, errors for the others.

        `stop`: raise the first error instead, leaving the records before it written (as one `create`
        after another would). Ids are numbered from the counter once and the counter written once.
        """
        if not rows:
            return []
        batch = CreateBatch(conn, plan_of(obj))
        batch.prefetch(self.schema, rows)
        found = conn.execute("SELECT value FROM _counters WHERE name = ?", (obj.key_prefix,)).fetchone()
        counter = used = int(found[0]) if found else 0
        outcomes: list[str | SalesforceError] = []
        try:
            for values in rows:
                try:
                    row = self.validator.prepare(conn, obj, values, creating=True, batch=batch)
                except SalesforceError as error:
                    if stop:
                        raise
                    outcomes.append(error)
                    continue
                used += 1
                record_id = ids.make_id(obj.key_prefix, used)
                batch.add(self._system_fields(obj, row, record_id, user_id))
                outcomes.append(record_id)
        finally:
            batch.flush()
            if used != counter:
                conn.execute(
                    "INSERT INTO _counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                    "value = excluded.value",
                    (obj.key_prefix, used),
                )
        return outcomes

    def _system_fields(
        self, obj: ObjectDef, row: dict[str, Any], record_id: str, user_id: str
    ) -> dict[str, Any]:
        """The full storage row of a new record: `row` plus id, audit fields and the default owner."""
        stamp = self.clock.stamp()
        row = {
            **row,
            "Id": record_id,
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "CreatedById": user_id,
            "LastModifiedDate": stamp,
            "LastModifiedById": user_id,
            "SystemModstamp": stamp,
        }
        if plan_of(obj).owned and not row.get("OwnerId"):
            row["OwnerId"] = user_id
        return row

    def _insert(self, conn: sqlite3.Connection, obj: ObjectDef, row: dict[str, Any], user_id: str) -> str:
        record_id = self._next_id(conn, obj)
        row = self._system_fields(obj, row, record_id, user_id)
        conn.execute(insert_sql(table_name(obj), tuple(row)), tuple(row.values()))
        return record_id

    def _write(
        self, conn: sqlite3.Connection, obj: ObjectDef, record_id: str, row: dict[str, Any], user_id: str
    ) -> None:
        stamp = self.clock.stamp()
        row = {**row, "LastModifiedDate": stamp, "LastModifiedById": user_id, "SystemModstamp": stamp}
        assignments = ", ".join(f"{quote(name)} = ?" for name in row)
        conn.execute(
            f"UPDATE {quote(table_name(obj))} SET {assignments} WHERE Id = ?", (*row.values(), record_id)
        )

    def _mark_deleted(
        self, conn: sqlite3.Connection, obj: ObjectDef, record_id: str, stamp: str, user_id: str
    ) -> None:
        conn.execute(
            f"UPDATE {quote(table_name(obj))} SET IsDeleted = 1, SystemModstamp = ?, LastModifiedDate = ?, "
            "LastModifiedById = ? WHERE Id = ?",
            (stamp, stamp, user_id, record_id),
        )
        conn.execute("INSERT OR REPLACE INTO _deleted_log VALUES (?, ?, ?)", (obj.name, record_id, stamp))


class MultipleMatches(SalesforceError):
    """Upsert matched several records: Salesforce answers 300 with their URLs."""

    def __init__(self, obj: ObjectDef, matches: list[str]) -> None:
        super().__init__(
            300, "MULTIPLE_CHOICES", f"more than one record found for external id field: {', '.join(matches)}"
        )
        self.obj = obj
        self.matches = matches
