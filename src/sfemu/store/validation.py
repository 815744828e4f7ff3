"""Validation and coercion of the values of one write, with Salesforce's error codes and messages.

`Validator.prepare` turns the values a caller gives into a storage row, or raises the first error in the
order Salesforce checks: each given field (type, length, picklist, reference), then required fields on
create, then duplicates. Inside `create_many` it is handed a `CreateBatch`, whose known answers let it
skip reads; every read it does make is preceded by a flush of the batch's held-back inserts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from sfemu.errors import InvalidField, RequiredFieldMissing, SalesforceError
from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.store.db import quote, table_name
from sfemu.store.plan import CONVERTED, REFERENCE, TEXT, CreateBatch, plan_of
from sfemu.store.values import coerce

# Values of a record to write: field name -> value, or relationship name -> {external id field: value}.
Values = Mapping[str, Any]
CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}
# An opportunity stage's default Probability and ForecastCategoryName, as a new org's stage picklist has them.
STAGE_DEFAULTS: dict[str, tuple[int, str]] = {
    "Prospecting": (10, "Pipeline"),
    "Qualification": (10, "Pipeline"),
    "Needs Analysis": (20, "Pipeline"),
    "Value Proposition": (50, "Pipeline"),
    "Id. Decision Makers": (60, "Pipeline"),
    "Perception Analysis": (70, "Pipeline"),
    "Proposal/Price Quote": (75, "Pipeline"),
    "Negotiation/Review": (90, "Pipeline"),
    "Closed Won": (100, "Closed"),
    "Closed Lost": (0, "Omitted"),
}
_UNLIMITED_TYPES = frozenset({"id", "reference", "date", "datetime"})  # no STRING_TOO_LONG for these


def find_by_field(conn: sqlite3.Connection, obj: ObjectDef, f: FieldDef, value: Any) -> list[str]:
    """Ids of the live records whose `f` equals `value` (case-insensitively, ids aside), in id order."""
    stored = coerce(f, value)
    collate = " COLLATE NOCASE" if f.type not in {"id", "reference"} else ""
    rows = conn.execute(
        f"SELECT Id FROM {quote(table_name(obj))} WHERE {quote(f.name)} = ?{collate} AND IsDeleted = 0 "
        "ORDER BY Id",
        (stored,),
    ).fetchall()
    return [row[0] for row in rows]


@lru_cache(maxsize=1024)
def _allowed(picklist: tuple[str, ...]) -> dict[str, str]:
    return {v.lower(): v for v in picklist}


class Validator:
    def __init__(self, schema: Schema, duplicate_rule: Callable[[], bool]) -> None:
        self.schema = schema
        # True while the Lead/Contact Email duplicate rule is active.
        self.duplicate_rule = duplicate_rule

    def prepare(
        self,
        conn: sqlite3.Connection,
        obj: ObjectDef,
        values: Values,
        *,
        creating: bool,
        current: dict[str, Any] | None = None,
        batch: CreateBatch | None = None,
    ) -> dict[str, Any]:
        """Validate and coerce `values` into a storage row: the fields given, plus defaults on create."""
        plan = plan_of(obj)
        row: dict[str, Any] = {}
        for key, value in values.items():
            if key == "attributes" or (key == "Id" and not creating):
                continue
            entry = plan.entry(key)
            if entry is None:
                parent_ref = plan.relationship(key)
                if parent_ref is not None and isinstance(value, Mapping):
                    if batch is not None:
                        batch.flush()
                    row[parent_ref.name] = self._resolve_foreign_key(conn, parent_ref, value)
                    continue
                raise InvalidField(f"No such column '{key}' on sobject of type {obj.name}", [key])
            f = entry.field
            if not (f.createable if creating else f.updateable):
                raise SalesforceError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to {'create' if creating else 'update'} fields: {f.name}. "
                    "Please check the security settings of this field and verify that it is "
                    "read/write for your profile or permission set.",
                    [f.name],
                )
            if value is None:
                row[f.name] = None
            elif entry.kind == TEXT and type(value) is str and not (f.length and len(value) > f.length):
                row[f.name] = value
            elif entry.kind == CONVERTED:
                row[f.name] = entry.coerce(f, value)
            elif entry.kind == REFERENCE and batch is not None and type(value) is str and value in batch.ids:
                row[f.name] = value = batch.ids[value]
                self._check_reference(conn, f, value, batch)
            else:
                row[f.name] = self._checked(conn, f, entry.coerce(f, value), batch)
        if creating:
            for name, default in plan.defaults:
                if name not in row:
                    row[name] = default
            missing = [name for name in plan.required if row.get(name) in (None, "")]
            if missing:
                raise RequiredFieldMissing(
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
                raise RequiredFieldMissing(
                    f"Required fields are missing: [{', '.join(blanked)}]",
                    blanked,
                )
        self._derive(obj, row, current)
        if plan.unique or obj.name in {"Lead", "Contact"}:
            self._check_duplicates(conn, obj, row, current, batch)
        return row

    def _checked(self, conn: sqlite3.Connection, f: FieldDef, value: Any, batch: CreateBatch | None) -> Any:
        if isinstance(value, str) and f.length and len(value) > f.length and f.type not in _UNLIMITED_TYPES:
            raise SalesforceError(
                400,
                "STRING_TOO_LONG",
                f"{f.label or f.name}: data value too large: {value[:40]} (max length={f.length})",
                [f.name],
            )
        if f.restricted_picklist and f.picklist:
            chosen = value.split(";") if f.type == "multipicklist" else [value]
            allowed = _allowed(f.picklist)
            if any(v.lower() not in allowed for v in chosen):
                raise SalesforceError(
                    400,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{f.label or f.name}: bad value for restricted picklist field: {value}",
                    [f.name],
                )
            value = ";".join(allowed[v.lower()] for v in chosen)
        if f.type == "reference":
            self._check_reference(conn, f, value, batch)
        return value

    def _check_reference(
        self, conn: sqlite3.Connection, f: FieldDef, value: str, batch: CreateBatch | None
    ) -> None:
        target = self.schema.by_prefix(value[:3])
        if target is None or target.name not in f.reference_to:
            raise SalesforceError(
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                f"{f.label or f.name}: id value of incorrect type: {value}",
                [f.name],
            )
        if batch is not None:
            if value in batch.live:
                return
            batch.flush()
        row = conn.execute(
            f"SELECT IsDeleted FROM {quote(table_name(target))} WHERE Id = ?", (value,)
        ).fetchone()
        if row is None or row[0]:
            raise SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name])

    def _resolve_foreign_key(self, conn: sqlite3.Connection, ref: FieldDef, lookup: Mapping[str, Any]) -> str:
        """`{"Account": {"External_Id__c": "K1"}}` → the Account's id; Bulk's `Account.External_Id__c` too."""
        target = self.schema.get(ref.reference_to[0])
        keys = [k for k in lookup if k != "attributes"]
        if target is None or len(keys) != 1:
            raise InvalidField(f"Invalid foreign key lookup for {ref.relationship_name}", [ref.name])
        f = target.field(keys[0])
        if f is None or not (f.external_id or f.id_lookup):
            raise InvalidField(
                f"Field name provided, {keys[0]} is not an External ID or indexed field for {target.name}",
                [ref.name],
            )
        value = lookup[keys[0]]
        matches = find_by_field(conn, target, f, value)
        if not matches:
            raise InvalidField(
                f"Foreign key external ID: {value} not found for field {f.name} in entity {target.name}",
                [ref.name],
            )
        if len(matches) > 1:
            raise InvalidField(
                f"Foreign key external ID: {value} matches multiple records for field {f.name} in "
                f"entity {target.name}",
                [ref.name],
            )
        return matches[0]

    def _derive(self, obj: ObjectDef, row: dict[str, Any], current: dict[str, Any] | None) -> None:
        """Fields Salesforce computes on save from other fields of the same record."""
        if obj.name == "Opportunity" and "StageName" in row:
            won = CLOSED_STAGES.get(row["StageName"])
            row["IsClosed"] = int(won is not None)
            row["IsWon"] = int(bool(won))
            # A new stage brings its probability and forecast category, unless the save sets them too.
            defaults = STAGE_DEFAULTS.get(row["StageName"])
            if defaults is not None and (current is None or current.get("StageName") != row["StageName"]):
                row.setdefault("Probability", defaults[0])
                row.setdefault("ForecastCategoryName", defaults[1])
        if obj.name == "Task" and "Status" in row:
            row["IsClosed"] = int(row["Status"] == "Completed")

    def _check_duplicates(
        self,
        conn: sqlite3.Connection,
        obj: ObjectDef,
        row: dict[str, Any],
        current: dict[str, Any] | None,
        batch: CreateBatch | None,
    ) -> None:
        own_id = current["Id"] if current else None
        plan = plan_of(obj)
        for name in [name for name in row if name in plan.unique]:
            value = row[name]
            if value in (None, ""):
                continue
            if batch is not None:
                if batch.unique_is_free(name, value):
                    continue
                batch.flush()
            clash = conn.execute(
                f"SELECT Id FROM {plan.table} WHERE {quote(name)} = ? COLLATE NOCASE AND Id IS NOT ? "
                "AND IsDeleted = 0 LIMIT 1",
                (value, own_id),
            ).fetchone()
            if clash:
                raise SalesforceError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: {clash[0]}",
                    [name],
                )
        if obj.name in {"Lead", "Contact"} and row.get("Email") and self.duplicate_rule():
            if batch is not None:
                batch.flush()
            clash = conn.execute(
                f"SELECT Id FROM {plan.table} WHERE Email = ? COLLATE NOCASE AND Id IS NOT ? "
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
