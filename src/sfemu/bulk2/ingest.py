"""Ingest records through the org's one write path, as Bulk 2.0 and Bulk 1.0 both do.

A CSV header is resolved once (`plan_columns`); each row then becomes a record of values
(`Columns.record`) that `RecordWriter.apply` hands to `org.records`. `run_records` applies many records
in transactions of `CHUNK` records, each record in its own savepoint: a failed record leaves nothing
behind, the others commit together, and the per-record results commit with them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfemu import ids
from sfemu.bulk2.csvio import NULL
from sfemu.errors import InvalidField, MissingArgument, SalesforceError
from sfemu.schema.model import FieldDef, ObjectDef
from sfemu.store.records import MultipleMatches

if TYPE_CHECKING:
    from sfemu.bulk2.jobs import JobStore, Result
    from sfemu.org import Org

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CHUNK = 10_000  # Salesforce splits ingest data into batches of 10,000 records, too


class JobFailure(Exception):
    """The whole job (or Bulk 1.0 batch) fails; the message becomes its `errorMessage`/`stateMessage`."""


def record_error(error: SalesforceError) -> str:
    """`CODE:message:fields --`, the form of `sf__Error` and of Bulk 1.0's CSV `Error` column."""
    return f"{error.code}:{error.message}:{','.join(error.fields or [])} --"


@dataclass(frozen=True)
class Column:
    """One header column: `Id`, a field, `Rel.ExtId` (a lookup by external id) or `Rel:Type.ExtId`."""

    header: str
    field: FieldDef | None = None  # a plain field (or Id)
    reference: FieldDef | None = None  # the lookup field a relationship column sets
    target: ObjectDef | None = None  # the parent type of a polymorphic column
    key: str = ""  # the parent's external id field


class Columns:
    """A resolved header: turns one row of cells into the values `RecordStore` takes."""

    def __init__(self, org: Org, obj: ObjectDef, columns: list[Column]) -> None:
        self.org = org
        self.obj = obj
        self.columns = columns
        self.headers = [c.header for c in columns]

    def record(self, cells: list[str]) -> dict[str, Any]:
        """Empty cells leave their field alone; `#N/A` sets it to null."""
        values: dict[str, Any] = {}
        for column, cell in zip(self.columns, cells, strict=True):
            if cell == "":
                continue
            value = None if cell == NULL else cell
            if column.field is not None:
                values[column.field.name] = value
            elif column.reference is None:
                continue
            elif value is None:
                values[column.reference.name] = None
            elif column.target is not None:
                values[column.reference.name] = resolve_parent(self.org, column.target, column.key, value)
            elif column.reference.relationship_name:
                values[column.reference.relationship_name] = {column.key: value}
        return values


def plan_columns(
    org: Org, obj: ObjectDef, header: list[str], operation: str, external_id: str | None
) -> Columns:
    """Resolve a header against `obj`, or raise JobFailure naming the first bad column."""
    if not header or header == [""]:
        raise JobFailure("InvalidBatch : The CSV has no header row")
    names = [h.strip() for h in header]
    if operation in {"delete", "hardDelete"} and [n.lower() for n in names] != ["id"]:
        raise JobFailure(
            f"InvalidBatch : The '{operation}' batch must contain only the 'Id' field, found: "
            f"{', '.join(names)}"
        )
    seen: set[str] = set()
    columns = []
    for name in names:
        if name.lower() in seen:
            raise JobFailure(f"InvalidBatch : Duplicate header for field: {name}")
        seen.add(name.lower())
        columns.append(_column(org, obj, name))
    # Upsert on Id takes rows without an Id column too: each one is inserted.
    if operation == "upsert" and external_id and external_id.lower() not in {"id", *seen}:
        raise JobFailure(f"InvalidBatch : Field name not found : {external_id}")
    return Columns(org, obj, columns)


def _column(org: Org, obj: ObjectDef, name: str) -> Column:
    missing = JobFailure(f"InvalidBatch : Field name not found : {name}")
    if "." not in name:
        f = obj.field(name)
        if f is None:
            raise missing
        return Column(name, field=f)
    path, key = name.rsplit(".", 1)
    relationship, _, type_name = path.partition(":")
    reference = obj.relationship(relationship)
    if reference is None:
        raise missing
    target = org.schema.get(type_name or reference.reference_to[0])
    key_field = target.field(key) if target is not None else None
    if target is None or key_field is None or target.name not in reference.reference_to:
        raise missing
    if type_name:  # polymorphic: resolved here, since RecordStore looks up the first target type only
        return Column(name, reference=reference, target=target, key=key_field.name)
    return Column(name, reference=reference, key=key_field.name)


def resolve_parent(org: Org, target: ObjectDef, key: str, value: str) -> str:
    f = target.field(key)
    assert f is not None
    if not (f.external_id or f.id_lookup or f.unique):
        raise InvalidField(
            f"Field name provided, {f.name} is not an External ID or indexed field for {target.name}",
            [],
        )
    matches = org.records.find_by_field(target, f, value)
    if len(matches) != 1:
        problem = "not found" if not matches else "matches multiple records"
        raise InvalidField(
            f"Foreign key external ID: {value} {problem} for field {f.name} in entity {target.name}",
            [],
        )
    return matches[0]


class RecordWriter:
    """Applies one operation to one record: `apply(values)` → (id, created), or raises SalesforceError."""

    def __init__(
        self, org: Org, obj: ObjectDef, operation: str, external_id: str | None, user_id: str
    ) -> None:
        self.org = org
        self.obj = obj
        self.operation = operation
        self.external_id = external_id or "Id"
        self.user_id = user_id

    def insert_many(self, rows: list[Mapping[str, Any] | SalesforceError]) -> list[Outcome]:
        """Inserts without a savepoint per row: `create_each` validates a whole chunk and writes only the
        rows that pass (same results as one `create` per row); rows that failed earlier pass through."""
        outcomes: list[Outcome] = [row if isinstance(row, SalesforceError) else None for row in rows]
        todo: list[tuple[int, dict[str, Any]]] = []
        for index, row in enumerate(rows):
            if isinstance(row, SalesforceError):
                continue
            record = dict(row)
            if _pop(record, "Id"):
                outcomes[index] = InvalidField("cannot specify Id in an insert call", ["Id"])
            else:
                todo.append((index, record))
        created = self.org.records.create_each(self.obj, [record for _, record in todo], user_id=self.user_id)
        for (index, _), result in zip(todo, created, strict=True):
            outcomes[index] = result if isinstance(result, SalesforceError) else (result, True)
        return outcomes

    def apply(self, values: Mapping[str, Any]) -> tuple[str | None, bool]:
        record = dict(values)
        record_id = _pop(record, "Id")
        records, obj, user = self.org.records, self.obj, self.user_id
        if self.operation == "insert":
            if record_id:
                raise InvalidField("cannot specify Id in an insert call", ["Id"])
            return records.create(obj, record, user_id=user), True
        if self.operation == "upsert":
            key = record_id if self.external_id.lower() == "id" else _pop(record, self.external_id)
            try:
                outcome = records.upsert(obj, self.external_id, key, record, user_id=user)
            except MultipleMatches as many:
                message = (
                    f"{self.external_id}: more than one record found for external id field: {many.matches}"
                )
                raise SalesforceError(300, "DUPLICATE_EXTERNAL_ID", message, [self.external_id]) from None
            return outcome.id, outcome.created
        if not record_id:
            verb = "an update" if self.operation == "update" else "a delete"
            raise MissingArgument(f"Id not specified in {verb} call", ["Id"])
        if self.operation == "update":
            records.update(obj, record_id, record, user_id=user)
        elif self.operation == "delete":
            records.delete(obj, record_id, user_id=user)
        else:
            records.hard_delete(obj, record_id)
        return ids.normalize(record_id) or record_id, False


def _pop(record: dict[str, Any], name: str) -> Any:
    for key in list(record):
        if key.lower() == name.lower():
            return record.pop(key)
    return None


Apply = Callable[[int, Any], tuple[str | None, bool]]
# A record's outcome: (id, created), or the error that failed it (None only while not yet decided).
Outcome = tuple[str | None, bool] | SalesforceError | None
# Applies a whole chunk at once (inserts): one outcome per record, in order.
ApplyChunk = Callable[[list[tuple[int, Any]]], list[Outcome]]


def run_records(
    org: Org,
    store: JobStore,
    owner: str,
    items: Iterable[tuple[int, Any]],
    apply: Apply,
    *,
    id_of: Callable[[Any], str | None] | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    apply_chunk: ApplyChunk | None = None,
) -> tuple[int, int]:
    """Apply `items` ((position, record) pairs) in chunked transactions; returns (processed, failed).

    `apply(position, record)` returns (id, created) or raises SalesforceError, which fails that record
    only; `id_of(record)` is the id a failed record reports (the one it named, for update and delete).
    `on_chunk(processed, failed)` runs inside each chunk's transaction, so progress counters commit
    together with the records.
    """
    id_of = id_of or named_id
    processed = failed = 0
    chunk: list[tuple[int, Any]] = []

    def flush() -> None:
        nonlocal processed, failed
        results: list[Result] = []
        with org.db.transaction() as conn:
            if apply_chunk is not None:
                for (seq, record), outcome in zip(chunk, apply_chunk(chunk), strict=True):
                    if isinstance(outcome, SalesforceError) or outcome is None:
                        error = outcome or SalesforceError(500, "UNKNOWN_EXCEPTION", "record not processed")
                        results.append((seq, id_of(record), False, record_error(error)))
                        failed += 1
                    else:
                        results.append((seq, outcome[0], outcome[1], None))
            for seq, record in chunk if apply_chunk is None else ():
                try:
                    with org.db.savepoint():
                        record_id, created = apply(seq, record)
                    results.append((seq, record_id, created, None))
                except SalesforceError as error:
                    results.append((seq, id_of(record), False, record_error(error)))
                    failed += 1
            processed += len(chunk)
            store.add_results(conn, owner, results)
            if on_chunk is not None:
                on_chunk(processed, failed)
        chunk.clear()

    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return processed, failed


def named_id(record: Any) -> str | None:
    """The id a record of values names (update, delete), if any."""
    if isinstance(record, Mapping):
        value = next((v for k, v in record.items() if k.lower() == "id"), None)
        if isinstance(value, str) and value:
            return ids.normalize(value) or value
    return None
