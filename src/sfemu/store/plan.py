"""What a write of one sObject type needs, derived once from its declaration, and `create_many`'s batch.

`plan_of(obj)` caches, per object: the table, field lookups by the key spellings callers use, the
defaults and required fields of a create, and the unique fields. `CreateBatch` lets `create_many` and
`create_each` skip reads whose answer they already know (parents known live, unique values known free
when the batch started) and hold inserts back for one `executemany`; any read that could see a held-back
row flushes them first, so every check sees exactly the rows it would see if the records were written
one by one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sfemu import ids
from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.store.db import quote, table_name
from sfemu.store.values import coercer

IN_CHUNK = 500  # ids or values per `IN (...)` list: well under any SQLite variable limit
# How `Validator.prepare` may check a field's value without the general path (same outcome, fewer steps):
TEXT = 1  # text kept as given: only the length is checked
CONVERTED = 2  # numbers and booleans: the coercion is the whole check
REFERENCE = 3  # ids: normalized (a batch may know the answer already), then the parent is checked
GENERAL = 0  # coercion, then length, picklist and reference checks as they apply
_PLAIN_TEXT = frozenset(
    {"string", "textarea", "picklist", "combobox", "email", "phone", "url", "encryptedstring"}
)
_CONVERTED = frozenset({"boolean", "int", "long", "double", "currency", "percent"})


@dataclass(frozen=True)
class Entry:
    """One key of a record as callers spell it: its field and how its values are checked."""

    field: FieldDef
    kind: int
    coerce: Callable[[FieldDef, Any], Any]


def _entry(f: FieldDef) -> Entry:
    restricted = f.restricted_picklist and bool(f.picklist)
    kind = GENERAL
    if not restricted and f.type in _PLAIN_TEXT:
        kind = TEXT
    elif not restricted and f.type in _CONVERTED:
        kind = CONVERTED
    elif not restricted and f.type == "reference":
        kind = REFERENCE
    return Entry(f, kind, coercer(f))


@dataclass
class WritePlan:
    obj: ObjectDef
    table: str  # quoted
    defaults: tuple[tuple[str, Any], ...]  # (field, value) set on create when not given, in field order
    required: tuple[str, ...]  # required on create (OwnerId aside: it defaults to the caller)
    unique: frozenset[str]
    owned: bool  # has OwnerId
    _entries: dict[str, Entry] = field(default_factory=dict)
    _relationships: dict[str, FieldDef] = field(default_factory=dict)

    def entry(self, key: str) -> Entry | None:
        """The field `key` names (case-insensitively) and how to check it, remembered per spelling."""
        found = self._entries.get(key)
        if found is None:
            f = self.obj.field(key)
            if f is None:
                return None
            found = self._entries[key] = _entry(f)
        return found

    def field(self, key: str) -> FieldDef | None:
        """`obj.field(key)`, remembered per spelling of the key."""
        found = self.entry(key)
        return None if found is None else found.field

    def relationship(self, key: str) -> FieldDef | None:
        found = self._relationships.get(key)
        if found is None:
            found = self.obj.relationship(key)
            if found is not None:
                self._relationships[key] = found
        return found


def _build(obj: ObjectDef) -> WritePlan:
    stored = obj.stored_fields()
    return WritePlan(
        obj=obj,
        table=quote(table_name(obj)),
        defaults=tuple(
            (f.name, int(f.default) if f.type == "boolean" else f.default)
            for f in stored
            if f.defaulted_on_create and f.default is not None
        ),
        required=tuple(f.name for f in stored if f.required_on_create and f.name != "OwnerId"),
        unique=frozenset(f.name for f in obj.fields.values() if f.unique),
        owned=obj.field("OwnerId") is not None,
    )


def plan_of(obj: ObjectDef) -> WritePlan:
    return obj.derived("write_plan", _build)


@lru_cache(maxsize=4096)
def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(quote(name) for name in columns)
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join('?' for _ in columns)})"


def fold(value: str) -> str:
    """A key equal for any two values SQLite's NOCASE calls equal (it may join a few more: re-check)."""
    return value.lower()


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


class CreateBatch:
    """The state of one batch of creates: answers known up front and inserts held back."""

    def __init__(self, conn: sqlite3.Connection, plan: WritePlan) -> None:
        self.conn = conn
        self.plan = plan
        self.live: set[str] = set()  # ids of records that were live (not deleted) when the batch began
        self.ids: dict[str, str] = {}  # id as given (15 or 18 characters) → its 18-character form
        self.free: dict[str, set[str]] = {}  # unique field → folded values no live record had then
        self.taken: dict[str, set[str]] = {name: set() for name in plan.unique}  # ... written since
        self._columns: tuple[str, ...] = ()
        self._pending: list[tuple[Any, ...]] = []

    def prefetch(self, schema: Schema, rows: Iterable[Mapping[str, Any]]) -> None:
        """One read per parent type and unique field for the whole batch instead of one per row."""
        references: dict[str, set[str]] = {}
        candidates: dict[str, set[str]] = {name: set() for name in self.plan.unique}
        # key → the set its values go to (ids of parents to look up, or values of a unique field)
        kinds: dict[str, set[str] | None] = {}
        ids_seen: set[str] = set()
        for values in rows:
            for key, value in values.items():
                if not isinstance(value, str) or not value:
                    continue
                if key not in kinds:
                    f = self.plan.field(key)
                    if f is not None and f.type == "reference":
                        kinds[key] = ids_seen
                    else:
                        kinds[key] = candidates.get(f.name) if f is not None else None
                wanted = kinds[key]
                if wanted is not None:
                    wanted.add(value)
        for value in ids_seen:
            normalized = ids.normalize(value)
            if normalized is not None:
                self.ids[value] = normalized
                references.setdefault(normalized[:3], set()).add(normalized)
        for prefix, wanted in references.items():
            target = schema.by_prefix(prefix)
            if target is None:
                continue
            for chunk in _chunks(wanted):
                self.live.update(
                    row[0]
                    for row in self.conn.execute(
                        f"SELECT Id FROM {quote(table_name(target))} WHERE IsDeleted = 0 AND Id IN "
                        f"({', '.join('?' * len(chunk))})",
                        chunk,
                    )
                )
        for name, found in candidates.items():
            free = {fold(value) for value in found}
            for chunk in _chunks(found):
                free.difference_update(
                    fold(str(row[0]))
                    for row in self.conn.execute(
                        f"SELECT {quote(name)} FROM {self.plan.table} WHERE {quote(name)} COLLATE NOCASE "
                        f"IN ({', '.join('?' * len(chunk))}) AND IsDeleted = 0",
                        chunk,
                    )
                )
            self.free[name] = free

    def unique_is_free(self, name: str, value: Any) -> bool:
        """True when no live record can hold `value` in unique field `name`: its read may be skipped."""
        if not isinstance(value, str):
            return False
        key = fold(value)
        return key in self.free.get(name, ()) and key not in self.taken[name]

    def add(self, row: dict[str, Any]) -> None:
        """Hold back the insert of `row` (a full storage row); consecutive rows of one shape go together."""
        columns = tuple(row)
        if columns != self._columns:
            self.flush()
            self._columns = columns
        self._pending.append(tuple(row.values()))
        for name in self.plan.unique:
            value = row.get(name)
            if isinstance(value, str):
                self.taken[name].add(fold(value))
        if len(self._pending) >= 5000:
            self.flush()

    def flush(self) -> None:
        """Write the held-back rows, in order: before any read that could see them, and at the end."""
        if self._pending:
            self.conn.executemany(insert_sql(table_name(self.plan.obj), self._columns), self._pending)
            self._pending.clear()
