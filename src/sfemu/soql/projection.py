"""The output shape of a compiled query: which row columns become which keys of a record.

A row from `CompiledQuery.sql` is a flat tuple; the tree below says how to fold it into the nested
REST record (`Parent` for relationship objects, `Compound` for addresses, `Children` for subqueries),
and `FlatColumn`s say how to write it as a Bulk CSV line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sfemu.schema.model import FieldDef, ObjectDef

if TYPE_CHECKING:
    from sfemu.soql.compiler import CompiledQuery


@dataclass(frozen=True)
class Scalar:
    key: str  # describe casing
    index: int
    field: FieldDef


@dataclass(frozen=True)
class Compound:
    key: str
    field: FieldDef
    parts: tuple[tuple[str, int, FieldDef], ...]  # (JSON key, row index, component field)


@dataclass(frozen=True)
class Parent:
    """A relationship object: null in the record when its Id column is null (no parent)."""

    key: str  # relationship name: Account, Owner, Account__r
    obj: ObjectDef
    id_index: int
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Children:
    """A child-relationship subquery, fetched per page of parents by `results.rest_records`."""

    key: str  # Contacts, Invoices__r
    query: CompiledQuery


@dataclass(frozen=True)
class AggregateColumn:
    key: str  # alias, exprN, or the grouped field's name
    index: int
    type: str  # field type that formats the value


Member = Scalar | Compound | Parent | Children | AggregateColumn


@dataclass(frozen=True)
class FlatColumn:
    """One selected leaf in SELECT order, as Bulk CSV writes it: header as written, SQL, field type."""

    header: str
    expr: str | None  # None for compound fields (Bulk refuses them)
    field: FieldDef
    direct: bool = False  # a stored column of the root object itself: no join or formula can make it null
