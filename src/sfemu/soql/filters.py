"""WHERE and HAVING conditions → SQL, with SOQL's value rules.

Semantics kept from Salesforce:
- null is a value: `!= 'x'` and `NOT IN` match rows where the field is null, and `NOT cond` is true when
  cond is "unknown" (each NOT is compiled as `NOT COALESCE(cond, 0)`).
- strings compare case-insensitively (`COLLATE NOCASE`; LIKE is case-insensitive in SQLite);
- id literals are normalised to the stored 18-character form, so a 15-character id matches;
- date and datetime literals must be unquoted and of the field's own kind; a date literal such as
  LAST_N_DAYS:7 is a range of days: `=` is within it, `<` before its start, `>` after its end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sfemu import ids
from sfemu.schema.model import NUMBER_TYPES, STRING_TYPES, FieldDef
from sfemu.soql import dates, errors
from sfemu.soql.nodes import BoolOp, Compare, Condition, In, Includes, Like, Literal, Not, Operand, Pos, Query
from sfemu.soql.parser import unescape


@dataclass(frozen=True)
class Term:
    """A resolved left-hand side: its SQL, the field that types it, and how to name it in errors."""

    expr: str
    field: FieldDef
    label: str
    pos: Pos


_TYPE_NAMES = {
    "datetime": "dateTime",
    "int": "integer",
    "boolean": "boolean",
    "date": "date",
    "long": "long",
    "double": "double",
    "currency": "currency",
    "percent": "percent",
}


class ConditionCompiler:
    """Compiles one condition tree; `params` receives the bound values in the order they appear."""

    def __init__(
        self,
        source: str,
        today: date,
        operand: Callable[[Operand], Term],
        semi_join: Callable[[Query], tuple[str, list[Any]]],
    ) -> None:
        self.source = source
        self.today = today
        self.operand = operand
        self.semi_join = semi_join
        self.params: list[Any] = []

    def compile(self, condition: Condition) -> str:
        if isinstance(condition, BoolOp):
            return "(" + f" {condition.op} ".join(self.compile(item) for item in condition.items) + ")"
        if isinstance(condition, Not):
            return f"NOT COALESCE({self.compile(condition.condition)}, 0)"
        term = self.operand(condition.operand)
        if isinstance(condition, Compare):
            return self._compare(term, condition.op, condition.value)
        if isinstance(condition, In):
            return self._in(term, condition)
        if isinstance(condition, Like):
            return self._like(term, condition)
        return self._includes(term, condition)

    # --- comparisons ----------------------------------------------------------------------------------
    def _compare(self, term: Term, op: str, literal: Literal) -> str:
        kind = term.field.type
        if literal.kind == "null":
            return {"=": f"{term.expr} IS NULL", "!=": f"{term.expr} IS NOT NULL"}.get(op, "0")
        if kind == "boolean" and op not in {"=", "!="}:
            raise errors.invalid_operator(self.source, term.pos, "invalid operator on boolean field")
        if literal.kind == "range":
            return self._range(term, op, literal)
        value = self.value(term, literal)
        if literal.kind == "datetime" and literal.value[1]:
            return self._between_millis(term, op, value)
        collate = _collation(term.field)
        self.params.append(value)
        if op == "!=":
            return f"{term.expr} IS NOT ?{collate}"
        return f"{term.expr} {op} ?{collate}"

    def _between_millis(self, term: Term, op: str, floor: str) -> str:
        """A datetime literal with sub-millisecond digits lies strictly between two storable instants."""
        if op in {"=", "!="}:
            return "0" if op == "=" else "1"
        self.params.append(floor)
        return f"{term.expr} {'>' if op in {'>', '>='} else '<='} ?"

    def _range(self, term: Term, op: str, literal: Literal) -> str:
        if term.field.type not in {"date", "datetime"}:
            self._wrong_type(term, literal)
        name, n = literal.value
        start, end = dates.range_bounds(name, n, self.today, datetime_field=term.field.type == "datetime")
        expr = term.expr
        if op == "=":
            self.params += [start, end]
            return f"({expr} >= ? AND {expr} < ?)"
        if op == "!=":
            self.params += [start, end]
            return f"({expr} IS NULL OR {expr} < ? OR {expr} >= ?)"
        bound = {"<": ("<", start), "<=": ("<", end), ">": (">=", end), ">=": (">=", start)}[op]
        self.params.append(bound[1])
        return f"{expr} {bound[0]} ?"

    def _in(self, term: Term, condition: In) -> str:
        if condition.subquery is not None:
            sql, params = self.semi_join(condition.subquery)
            self.params += params
            if condition.negated:
                return f"({term.expr} IS NULL OR {term.expr} NOT IN ({sql}))"
            return f"{term.expr} IN ({sql})"
        if any(value.kind == "range" for value in condition.values):  # IN (TODAY, YESTERDAY): one range each
            parts = [self._compare(term, "=", value) for value in condition.values]
            joined = "(" + " OR ".join(parts) + ")"
            return f"NOT COALESCE({joined}, 0)" if condition.negated else joined
        values = [self.value(term, value) for value in condition.values if value.kind != "null"]
        has_null = len(values) < len(condition.values)
        collate = _collation(term.field)
        marks = ", ".join("?" for _ in values)
        self.params += values
        if condition.negated:
            null_test = "IS NOT NULL" if has_null else "IS NULL"
            joiner = "AND" if has_null else "OR"
            return f"({term.expr}{collate} NOT IN ({marks}) {joiner} {term.expr} {null_test})"
        if has_null:
            return f"({term.expr}{collate} IN ({marks}) OR {term.expr} IS NULL)"
        return f"{term.expr}{collate} IN ({marks})"

    def _like(self, term: Term, condition: Like) -> str:
        kind = term.field.type
        if kind in {"id", "reference"} or kind not in STRING_TYPES:
            raise errors.invalid_operator(self.source, term.pos, f"invalid operator on {kind} field")
        if condition.value.kind != "string":
            self._wrong_type(term, condition.value)
        self.params.append(like_pattern(condition.value.raw))
        sql = f"{term.expr} LIKE ? ESCAPE '\\'"
        return f"NOT COALESCE({sql}, 0)" if condition.negated else sql

    def _includes(self, term: Term, condition: Includes) -> str:
        if term.field.type != "multipicklist":
            raise errors.invalid_operator(
                self.source, term.pos, "includes or excludes operator only valid on multipicklist field"
            )
        alternatives = []
        for literal in condition.values:
            if literal.kind != "string":
                self._wrong_type(term, literal)
            picks = [pick.strip().lower() for pick in literal.value.split(";") if pick.strip()]
            self.params += [f";{pick};" for pick in picks]
            contained = [f"instr(';' || lower({term.expr}) || ';', ?) > 0" for _ in picks]
            alternatives.append("(" + " AND ".join(contained or ["0"]) + ")")
        sql = "(" + " OR ".join(alternatives) + ")"
        return f"NOT COALESCE({sql}, 0)" if condition.excludes else sql

    # --- values ---------------------------------------------------------------------------------------
    def value(self, term: Term, literal: Literal) -> Any:
        """The storage-encoded value of a literal compared with `term`, or the type error Salesforce gives."""
        kind = term.field.type
        if kind in {"id", "reference"}:
            if literal.kind != "string":
                self._wrong_type(term, literal)
            normalized = ids.normalize(literal.value)
            if normalized is None:
                raise errors.invalid_operator(self.source, literal.pos, f"invalid ID field: {literal.value}")
            return normalized
        if kind == "boolean":
            if literal.kind != "boolean":
                self._wrong_type(term, literal)
            return 1 if literal.value else 0
        if kind in NUMBER_TYPES:
            if literal.kind != "number":
                self._wrong_type(term, literal)
            return literal.value
        if kind in {"date", "datetime"}:
            if literal.kind != kind:
                self._wrong_type(term, literal)
            return literal.value[0] if kind == "datetime" else literal.value
        if literal.kind != "string":
            self._wrong_type(term, literal)
        return literal.value

    def _wrong_type(self, term: Term, literal: Literal) -> None:
        kind = term.field.type
        if kind in STRING_TYPES or kind not in _TYPE_NAMES:
            expected = "id" if kind in {"id", "reference"} else "string"
            raise errors.wrong_value_type(self.source, literal.pos, term.label, expected, quoted=True)
        raise errors.wrong_value_type(self.source, literal.pos, term.label, _TYPE_NAMES[kind], quoted=False)


def _collation(definition: FieldDef) -> str:
    if definition.type in STRING_TYPES and definition.type not in {"id", "reference"}:
        return " COLLATE NOCASE"
    return ""


def like_pattern(raw: str) -> str:
    """A SOQL LIKE pattern (escapes as written) → an SQLite pattern for `LIKE ? ESCAPE '\\'`.

    `%` and `_` are wildcards; `\\%` and `\\_` are the literal characters; other escapes decode as in
    any SOQL string.
    """
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char in "%_":
            out.append(char)
            index += 1
            continue
        if char == "\\" and index + 1 < len(raw):
            if raw[index + 1] in "%_":
                out.append("\\" + raw[index + 1])
                index += 2
                continue
            width = 6 if raw[index + 1] == "u" else 2
            char = unescape(raw[index : index + width])
            index += width
        else:
            index += 1
        out.append(char.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    return "".join(out)
