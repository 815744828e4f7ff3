"""The write path every API shares: create, update, upsert, delete, undelete, hard delete, lead conversion.

Validation happens here, once, with Salesforce's error codes; REST, sObject Collections, Bulk 2.0 and
Bulk 1.0 only translate their wire formats into calls of `RecordStore`. Every call runs inside one
transaction, so a failed record leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sfemu import ids
from sfemu.clock import Clock
from sfemu.errors import SalesforceError
from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.store.db import Database, quote, table_name
from sfemu.store.values import coerce

# Values of a record to write: field name -> value, or relationship name -> {external id field: value}.
Values = Mapping[str, Any]
CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}


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

    # --- reads -----------------------------------------------------------------------------------

    def get(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """The stored row (deleted rows included), or None."""
        normalized = ids.normalize(record_id)
        if normalized is None:
            return None
        row = self.db.conn.execute(
            f"SELECT * FROM {quote(table_name(obj))} WHERE Id = ?", (normalized,)
        ).fetchone()
        return dict(row) if row else None

    def find_by_field(self, obj: ObjectDef, f: FieldDef, value: Any) -> list[str]:
        stored = coerce(f, value)
        collate = " COLLATE NOCASE" if f.type not in {"id", "reference"} else ""
        rows = self.db.conn.execute(
            f"SELECT Id FROM {quote(table_name(obj))} WHERE {quote(f.name)} = ?{collate} AND IsDeleted = 0 "
            "ORDER BY Id",
            (stored,),
        ).fetchall()
        return [row[0] for row in rows]

    # --- writes ----------------------------------------------------------------------------------

    def create(self, obj: ObjectDef, values: Values, *, user_id: str) -> str:
        if not obj.createable:
            raise SalesforceError(400, "INVALID_TYPE", f"entity type {obj.name} does not support create")
        with self.db.transaction() as conn:
            row = self._prepare(conn, obj, values, creating=True)
            return self._insert(conn, obj, row, user_id)

    def create_many(self, obj: ObjectDef, rows: list[Values], *, user_id: str) -> list[str]:
        """Create many records in one transaction (all or nothing): the seeding and bulk fast path."""
        if not obj.createable:
            raise SalesforceError(400, "INVALID_TYPE", f"entity type {obj.name} does not support create")
        created = []
        with self.db.transaction() as conn:
            for values in rows:
                created.append(
                    self._insert(conn, obj, self._prepare(conn, obj, values, creating=True), user_id)
                )
        return created

    def update(self, obj: ObjectDef, record_id: str, values: Values, *, user_id: str) -> None:
        if not obj.updateable:
            raise SalesforceError(400, "INVALID_TYPE", f"entity type {obj.name} does not support update")
        with self.db.transaction() as conn:
            current = self._existing(conn, obj, record_id)
            if obj.name == "Lead" and current.get("IsConverted"):
                raise SalesforceError(
                    400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []
                )
            row = self._prepare(conn, obj, values, creating=False, current=current)
            self._write(conn, obj, current["Id"], row, user_id)

    def upsert(
        self, obj: ObjectDef, field_name: str, value: Any, values: Values, *, user_id: str
    ) -> UpsertOutcome:
        """Match on an external id field (or Id): none → create, one → update, several → 300."""
        f = obj.field(field_name)
        if f is None or not (f.external_id or f.name == "Id"):
            raise SalesforceError(
                404,
                "NOT_FOUND",
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
                raise SalesforceError(
                    404,
                    "NOT_FOUND",
                    f"Provided external ID field does not exist or is not accessible: {value}",
                )
            merged = dict(values)
            if f.name != "Id":
                merged[f.name] = value
            row = self._prepare(conn, obj, merged, creating=True)
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
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
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
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
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
            raise SalesforceError(
                400, "MALFORMED_ID", f"{obj.name} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        current = self._row(conn, obj, record_id)
        if current is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        if current["IsDeleted"]:
            raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return current

    def _prepare(
        self,
        conn: sqlite3.Connection,
        obj: ObjectDef,
        values: Values,
        *,
        creating: bool,
        current: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Validate and coerce `values` into a storage row: the fields given, plus defaults on create."""
        row: dict[str, Any] = {}
        for key, value in values.items():
            if key == "attributes" or (key == "Id" and not creating):
                continue
            f = obj.field(key)
            if f is None:
                parent_ref = obj.relationship(key)
                if parent_ref is not None and isinstance(value, Mapping):
                    row[parent_ref.name] = self._resolve_foreign_key(parent_ref, value)
                    continue
                raise SalesforceError(
                    400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}", [key]
                )
            if not (f.createable if creating else f.updateable):
                raise SalesforceError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to {'create' if creating else 'update'} fields: {f.name}. "
                    "Please check the security settings of this field and verify that it is "
                    "read/write for your profile or permission set.",
                    [f.name],
                )
            row[f.name] = self._checked(conn, f, coerce(f, value))
        if creating:
            for f in obj.stored_fields():
                if f.name in row:
                    continue
                if f.defaulted_on_create and f.default is not None:
                    row[f.name] = int(f.default) if f.type == "boolean" else f.default
            missing = [
                f.name
                for f in obj.stored_fields()
                if f.required_on_create and row.get(f.name) in (None, "") and f.name != "OwnerId"
            ]
            if missing:
                raise SalesforceError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
        else:
            blanked = [
                name
                for name, value in row.items()
                if value in (None, "") and not obj.fields[name.lower()].nillable
            ]
            if blanked:
                raise SalesforceError(
                    400,
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(blanked)}]",
                    blanked,
                )
        self._derive(obj, row)
        self._check_duplicates(conn, obj, row, current)
        return row

    def _checked(self, conn: sqlite3.Connection, f: FieldDef, value: Any) -> Any:
        if value is None:
            return None
        if (
            isinstance(value, str)
            and f.length
            and len(value) > f.length
            and f.type not in {"id", "reference", "date", "datetime"}
        ):
            raise SalesforceError(
                400,
                "STRING_TOO_LONG",
                f"{f.label or f.name}: data value too large: {value[:40]} (max length={f.length})",
                [f.name],
            )
        if f.restricted_picklist and f.picklist:
            chosen = value.split(";") if f.type == "multipicklist" else [value]
            allowed = {v.lower(): v for v in f.picklist}
            if any(v.lower() not in allowed for v in chosen):
                raise SalesforceError(
                    400,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{f.label or f.name}: bad value for restricted picklist field: {value}",
                    [f.name],
                )
            value = ";".join(allowed[v.lower()] for v in chosen)
        if f.type == "reference":
            self._check_reference(conn, f, value)
        return value

    def _check_reference(self, conn: sqlite3.Connection, f: FieldDef, value: str) -> None:
        target = self.schema.by_prefix(value[:3])
        if target is None or target.name not in f.reference_to:
            raise SalesforceError(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                f"{f.label or f.name}: id value of incorrect type: {value}",
                [f.name],
            )
        row = conn.execute(
            f"SELECT IsDeleted FROM {quote(table_name(target))} WHERE Id = ?", (value,)
        ).fetchone()
        if row is None or row[0]:
            raise SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name])

    def _resolve_foreign_key(self, ref: FieldDef, lookup: Mapping[str, Any]) -> str:
        """`{"Account": {"External_Id__c": "K1"}}` → the Account's id; Bulk's `Account.External_Id__c` too."""
        target = self.schema.get(ref.reference_to[0])
        keys = [k for k in lookup if k != "attributes"]
        if target is None or len(keys) != 1:
            raise SalesforceError(
                400, "INVALID_FIELD", f"Invalid foreign key lookup for {ref.relationship_name}", [ref.name]
            )
        f = target.field(keys[0])
        if f is None or not (f.external_id or f.id_lookup):
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"Field name provided, {keys[0]} is not an External ID or indexed field for {target.name}",
                [ref.name],
            )
        value = lookup[keys[0]]
        matches = self.find_by_field(target, f, value)
        if not matches:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"Foreign key external ID: {value} not found for field {f.name} in entity {target.name}",
                [ref.name],
            )
        if len(matches) > 1:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"Foreign key external ID: {value} matches multiple records for field {f.name} in "
                f"entity {target.name}",
                [ref.name],
            )
        return matches[0]

    def _derive(self, obj: ObjectDef, row: dict[str, Any]) -> None:
        """Fields Salesforce computes on save from other fields of the same record."""
        if obj.name == "Opportunity" and "StageName" in row:
            won = CLOSED_STAGES.get(row["StageName"])
            row["IsClosed"] = int(won is not None)
            row["IsWon"] = int(bool(won))
        if obj.name == "Task" and "Status" in row:
            row["IsClosed"] = int(row["Status"] == "Completed")

    def _check_duplicates(
        self, conn: sqlite3.Connection, obj: ObjectDef, row: dict[str, Any], current: dict[str, Any] | None
    ) -> None:
        own_id = current["Id"] if current else None
        table = quote(table_name(obj))
        for name, value in row.items():
            f = obj.fields[name.lower()]
            if not f.unique or value in (None, ""):
                continue
            clash = conn.execute(
                f"SELECT Id FROM {table} WHERE {quote(f.name)} = ? COLLATE NOCASE AND Id IS NOT ? "
                "AND IsDeleted = 0 LIMIT 1",
                (value, own_id),
            ).fetchone()
            if clash:
                raise SalesforceError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on record with id: {clash[0]}",
                    [f.name],
                )
        if obj.name in {"Lead", "Contact"} and row.get("Email") and self.duplicate_rule():
            clash = conn.execute(
                f"SELECT Id FROM {table} WHERE Email = ? COLLATE NOCASE AND Id IS NOT ? "
                "AND IsDeleted = 0 LIMIT 1",
                (row["Email"], own_id),
            ).fetchone()
            if clash:
                raise SalesforceError(
                    400,
                    "DUPLICATES_DETECTED",
                    f"You're creating a duplicate record. We recommend you use an existing record "
                    f"instead. (duplicate of {clash[0]})",
                    [],
                )

    def _next_id(self, conn: sqlite3.Connection, obj: ObjectDef) -> str:
        counter = conn.execute(
            "INSERT INTO _counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET "
            "value = value + 1 RETURNING value",
            (obj.key_prefix,),
        ).fetchone()[0]
        return ids.make_id(obj.key_prefix, counter)

    def _insert(self, conn: sqlite3.Connection, obj: ObjectDef, row: dict[str, Any], user_id: str) -> str:
        record_id = self._next_id(conn, obj)
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
        if obj.field("OwnerId") is not None and not row.get("OwnerId"):
            row["OwnerId"] = user_id
        conn.execute(_insert_sql(table_name(obj), tuple(row)), tuple(row.values()))
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


@lru_cache(maxsize=4096)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(quote(name) for name in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join('?' for _ in columns)})"


class MultipleMatches(SalesforceError):
    """Upsert matched several records: Salesforce answers 300 with their URLs."""

    def __init__(self, obj: ObjectDef, matches: list[str]) -> None:
        super().__init__(
            300, "MULTIPLE_CHOICES", f"more than one record found for external id field: {', '.join(matches)}"
        )
        self.obj = obj
        self.matches = matches
