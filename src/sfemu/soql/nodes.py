"""The parsed form of a SOQL query: immutable, so a parse can be cached and shared between requests.

Names keep the casing the query used; the compiler resolves them against the schema case-insensitively.
Every node that can be blamed in an error message carries its `Pos` in the query text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pos:
    """1-based row and column of a token, as Salesforce's caret messages count them."""

    line: int
    column: int


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    pos: Pos

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Call:
    """A function of a field: COUNT(Id), MAX(Amount), FIELDS(ALL), toLabel(Status); COUNT() has no arg."""

    name: str  # upper-cased
    arg: FieldPath | None
    pos: Pos


Operand = FieldPath | Call


@dataclass(frozen=True)
class SelectField:
    path: FieldPath


@dataclass(frozen=True)
class SelectCall:
    call: Call
    alias: str | None


@dataclass(frozen=True)
class SelectSubquery:
    query: Query


SelectItem = SelectField | SelectCall | SelectSubquery


@dataclass(frozen=True)
class Literal:
    """A value on the right of a comparison.

    kind is one of string, number, boolean, null, date, datetime, range. For strings `raw` keeps the text
    between the quotes with its escapes (LIKE needs to tell `\\%` from `%`); for ranges (date literals such
    as LAST_N_DAYS:7) `value` is `(NAME, n)`; for datetimes `value` is `(utc text, sub-millisecond?)`.
    """

    kind: str
    value: Any
    pos: Pos
    raw: str = ""


@dataclass(frozen=True)
class Compare:
    operand: Operand
    op: str  # = != < <= > >= ("<>" is normalised to "!=")
    value: Literal


@dataclass(frozen=True)
class In:
    operand: Operand
    negated: bool
    values: tuple[Literal, ...]
    subquery: Query | None


@dataclass(frozen=True)
class Like:
    operand: Operand
    negated: bool
    value: Literal


@dataclass(frozen=True)
class Includes:
    operand: Operand
    excludes: bool
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    items: tuple[Condition, ...]


Condition = Compare | In | Like | Includes | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    operand: Operand
    descending: bool
    nulls_last: bool  # SOQL's default: NULLS FIRST when ascending, NULLS LAST when descending


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    obj: str
    obj_pos: Pos
    alias: str | None
    where: Condition | None = None
    group_by: tuple[Operand, ...] = ()
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    offset_pos: Pos | None = None
    source: str = ""  # the whole query text, for caret messages (subqueries share their parent's)
