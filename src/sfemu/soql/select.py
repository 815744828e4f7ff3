"""The clauses of one query level: select list, WHERE, GROUP BY/HAVING and ORDER BY.

`SelectBuilder` resolves every name against the schema, collects the SQL columns (each expression once)
and folds the select list into the projection tree that `results` turns into records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfemu.schema.model import NUMBER_TYPES, STRING_TYPES, FieldDef, ObjectDef
from sfemu.soql import errors
from sfemu.soql.filters import ConditionCompiler, Term
from sfemu.soql.nodes import (
    Call,
    Condition,
    FieldPath,
    Operand,
    Query,
    SelectCall,
    SelectField,
    SelectSubquery,
)
from sfemu.soql.projection import AggregateColumn, Children, Compound, FlatColumn, Member, Parent, Scalar
from sfemu.soql.resolve import (
    Context,
    Hop,
    Scope,
    child_relationships,
    compound_parts,
    field_expr,
    is_compound,
    resolve,
    root_object,
)
from sfemu.store.db import quote, table_name

if TYPE_CHECKING:
    from sfemu.soql.compiler import CompiledQuery

AGGREGATES = {"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"}
# Display functions: the stored value is close enough.
_PASS_THROUGH = {"TOLABEL", "FORMAT", "CONVERTCURRENCY"}
_MONTH = "CAST(substr({0}, 6, 2) AS INTEGER)"
DATE_FUNCTIONS = {
    "CALENDAR_YEAR": "CAST(substr({0}, 1, 4) AS INTEGER)",
    "CALENDAR_MONTH": _MONTH,
    "CALENDAR_QUARTER": f"(({_MONTH} + 2) / 3)",
    "DAY_IN_MONTH": "CAST(substr({0}, 9, 2) AS INTEGER)",
    "DAY_IN_WEEK": "(CAST(strftime('%w', substr({0}, 1, 10)) AS INTEGER) + 1)",
    "DAY_IN_YEAR": "CAST(strftime('%j', substr({0}, 1, 10)) AS INTEGER)",
    "WEEK_IN_YEAR": "((CAST(strftime('%j', substr({0}, 1, 10)) AS INTEGER) + 6) / 7)",
    "HOUR_IN_DAY": "CAST(substr({0}, 12, 2) AS INTEGER)",
    "DAY_ONLY": "substr({0}, 1, 10)",
    "FISCAL_YEAR": "CAST(substr({0}, 1, 4) AS INTEGER)",
    "FISCAL_MONTH": _MONTH,
    "FISCAL_QUARTER": f"(({_MONTH} + 2) / 3)",
}
CompileChild = Callable[[Context, Query, ObjectDef, str], "CompiledQuery"]


@dataclass(frozen=True)
class SortKey:
    expr: str
    descending: bool
    nulls_last: bool
    nocase: bool
    index: int  # the row column holding the key's value (keyset paging)

    def sql(self) -> str:
        text = (
            self.expr + (" COLLATE NOCASE" if self.nocase else "") + (" DESC" if self.descending else " ASC")
        )
        # SQLite's default null placement is SOQL's: say it only when it differs.
        if self.nulls_last != self.descending:
            text += " NULLS LAST" if self.nulls_last else " NULLS FIRST"
        return text


class _Tree:
    """A record or relationship object while the select list is being folded into it."""

    def __init__(self, key: str, obj: ObjectDef, id_index: int) -> None:
        self.key, self.obj, self.id_index = key, obj, id_index
        self.members: dict[str, Member | _Tree] = {}

    def parent(self, hop: Hop, id_index: int) -> _Tree:
        key = (hop.reference.relationship_name or hop.reference.name).lower()
        node = self.members.get(key)
        if not isinstance(node, _Tree):
            node = self.members[key] = _Tree(hop.reference.relationship_name or "", hop.target, id_index)
        return node

    def freeze(self) -> tuple[Member, ...]:
        return tuple(
            Parent(m.key, m.obj, m.id_index, m.freeze()) if isinstance(m, _Tree) else m
            for m in self.members.values()
        )


class SelectBuilder:
    def __init__(
        self, ctx: Context, query: Query, obj: ObjectDef, *, link: str | None, compile_child: CompileChild
    ) -> None:
        self.ctx, self.query, self.obj = ctx, query, obj
        self.scope = Scope(ctx, obj, ctx.new_alias(), query.alias)
        self.compile_child = compile_child
        self.columns: list[str] = []
        self._index: dict[str, int] = {}
        self.uses: set[str] = {"offset"} if query.offset is not None else set()
        self.fields_pos = query.obj_pos
        self.root_id = f'{self.scope.alias}."Id"'
        self.column(self.root_id)
        self.link_expr = None if link is None else f"{self.scope.alias}.{quote(link)}"
        if self.link_expr:
            self.column(self.link_expr)
        calls = [item.call for item in query.select if isinstance(item, SelectCall)]
        self.count_only = any(call.name == "COUNT" and call.arg is None for call in calls)
        if self.count_only and len(query.select) > 1:
            raise errors.malformed(
                ctx.source, calls[0].pos, "COUNT() must be the only element in the SELECT list"
            )
        self.aggregate = bool(query.group_by) or any(c.name in AGGREGATES and c.arg for c in calls)
        if self.count_only or self.aggregate:
            self.uses.add("aggregate")
        self.group_sql = ""
        self.group_exprs: list[str] = []

    def column(self, expr: str) -> int:
        if expr not in self._index:
            self._index[expr] = len(self.columns)
            self.columns.append(expr)
        return self._index[expr]

    def from_sql(self) -> str:
        joins = "".join(" " + join for join in self.scope.joins)
        return f"FROM {quote(table_name(self.obj))} AS {self.scope.alias}{joins}"

    # --- WHERE / HAVING -----------------------------------------------------------------------------
    def where(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if not self.ctx.include_deleted and self.obj.field("IsDeleted") is not None:
            parts.append(f'{self.scope.alias}."IsDeleted" IS NOT 1')
        if self.query.where is not None:
            sql, params = self._condition(self.query.where, self._filter_operand)
            parts.append(sql)
        return " AND ".join(parts), params

    def having(self) -> tuple[str, list[Any]]:
        if self.query.having is None:
            return "", []
        return self._condition(self.query.having, lambda operand: self.operand(operand, aggregates=True))

    def _condition(self, condition: Condition, operand: Callable[[Operand], Term]) -> tuple[str, list[Any]]:
        compiler = ConditionCompiler(self.ctx.source, self.ctx.today, operand, self._semi_join)
        return compiler.compile(condition), compiler.params

    def _filter_operand(self, operand: Operand) -> Term:
        term = self.operand(operand)
        if _long_text(term.field):
            raise errors.invalid_field(
                self.ctx.source, term.pos, f"field '{term.field.name}' can not be filtered in a query call"
            )
        return term

    def _semi_join(self, sub: Query) -> tuple[str, list[Any]]:
        """`Id IN (SELECT AccountId FROM Contact ...)`: an SQL subquery yielding ids, never null."""
        obj = root_object(sub, self.ctx.schema, tooling=self.ctx.tooling)
        inner = SelectBuilder(self.ctx, sub, obj, link=None, compile_child=self.compile_child)
        item = sub.select[0] if len(sub.select) == 1 else None
        if not isinstance(item, SelectField):
            raise errors.malformed(
                self.ctx.source, sub.obj_pos, "semi join sub-selects can only query id fields"
            )
        term = inner.operand(item.path)
        if term.field.type not in {"id", "reference"}:
            raise errors.invalid_field(
                self.ctx.source, term.pos, "semi join sub-selects can only query id fields"
            )
        where, params = inner.where()
        condition = f"{term.expr} IS NOT NULL" + (f" AND {where}" if where else "")
        return f"SELECT {term.expr} {inner.from_sql()} WHERE {condition}", params

    # --- operands -----------------------------------------------------------------------------------
    def operand(self, operand: Operand, *, aggregates: bool = False, usage: str = "filtered") -> Term:
        if isinstance(operand, FieldPath):
            resolved = resolve(self.scope, operand)
            if resolved.expr is None:
                message = f"field '{resolved.field.name}' can not be {usage} in a query call"
                raise errors.invalid_field(self.ctx.source, operand.pos, message)
            return Term(resolved.expr, resolved.field, operand.text, operand.pos)
        if operand.arg is None:
            raise errors.unexpected_token(self.ctx.source, operand.pos, operand.name)
        inner = self.operand(operand.arg, usage=usage)
        if operand.name in DATE_FUNCTIONS and inner.field.type in {"date", "datetime"}:
            kind = "date" if operand.name == "DAY_ONLY" else "int"
            return Term(
                DATE_FUNCTIONS[operand.name].format(inner.expr),
                FieldDef(operand.name, kind),
                operand.name,
                operand.pos,
            )
        if operand.name in AGGREGATES and aggregates:
            expr, kind = self._aggregate(operand, inner)
            return Term(expr, FieldDef(operand.name, kind), operand.name, operand.pos)
        raise errors.unexpected_token(self.ctx.source, operand.pos, operand.name)

    def _aggregate(self, call: Call, term: Term) -> tuple[str, str]:
        kind = term.field.type
        if call.name in {"SUM", "AVG"} and kind not in NUMBER_TYPES:
            raise errors.invalid_field(
                self.ctx.source,
                call.pos,
                f"field {term.label} does not support aggregate operator {call.name}",
            )
        if call.name == "COUNT":
            return f"COUNT({term.expr})", "int"
        if call.name == "COUNT_DISTINCT":
            return f"COUNT(DISTINCT {term.expr})", "int"
        if call.name == "AVG":
            return f"AVG({term.expr})", "double"
        return f"{call.name}({term.expr})", kind

    # --- SELECT ---------------------------------------------------------------------------------------
    def members(self) -> tuple[tuple[Member, ...], tuple[FlatColumn, ...]]:
        if self.count_only:  # COUNT() alone: only totalSize, of rows or (with GROUP BY) of groups
            self._group_by()
            return (), ()
        if self.aggregate:
            return self._aggregate_members(), ()
        root = _Tree(self.obj.name, self.obj, 0)
        flat: dict[str, FlatColumn] = {}
        for item in self.query.select:
            if isinstance(item, SelectField):
                self._add_path(root, flat, item.path)
            elif isinstance(item, SelectSubquery):
                child = self._child(item.query)
                root.members.setdefault(child.key.lower(), child)
            elif item.call.name == "FIELDS":
                for path in self._fields_function(item.call):
                    self._add_path(root, flat, path)
            elif item.call.name in _PASS_THROUGH and item.call.arg is not None:
                self._add_path(root, flat, item.call.arg)
            else:
                raise errors.unexpected_token(self.ctx.source, item.call.pos, item.call.name)
        return root.freeze(), tuple(flat.values())

    def _add_path(self, root: _Tree, flat: dict[str, FlatColumn], path: FieldPath) -> None:
        resolved = resolve(self.scope, path)
        node = root
        for hop in resolved.hops:
            node = node.parent(hop, self.column(f'{hop.alias}."Id"'))
        definition = resolved.field
        if is_compound(definition):
            parts = tuple(
                (
                    key,
                    self.column(
                        field_expr(self.scope, resolved.obj, resolved.alias, part, path.pos) or "NULL"
                    ),
                    part,
                )
                for key, part in compound_parts(resolved.obj, definition)
            )
            node.members.setdefault(definition.name.lower(), Compound(definition.name, definition, parts))
        else:
            index = self.column(resolved.expr or "NULL")
            node.members.setdefault(definition.name.lower(), Scalar(definition.name, index, definition))
        direct = not resolved.hops and definition.formula is None
        flat.setdefault(path.text.lower(), FlatColumn(path.text, resolved.expr, definition, direct))

    def _fields_function(self, call: Call) -> list[FieldPath]:
        group = call.arg.text.upper() if call.arg is not None else ""
        if group not in {"ALL", "STANDARD", "CUSTOM"}:
            raise errors.unexpected_token(
                self.ctx.source, call.arg.pos if call.arg else call.pos, group or ")"
            )
        self.uses.add("fields_function")
        if group != "STANDARD":  # FIELDS(ALL) and FIELDS(CUSTOM) need LIMIT <= 200 in REST
            self.uses.add("fields")
            self.fields_pos = call.pos
        chosen = [f for f in self.obj.fields.values() if group == "ALL" or f.custom == (group == "CUSTOM")]
        return [FieldPath((f.name,), call.pos) for f in chosen]

    def _child(self, sub: Query) -> Children:
        if self.link_expr is not None:
            raise errors.malformed(self.ctx.source, sub.obj_pos, "nested subqueries are not supported")
        found = child_relationships(self.ctx.schema, self.obj).get(sub.obj.lower())
        if found is None:
            message = (
                f"Didn't understand relationship '{sub.obj}' in FROM part of query call. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the appropriate "
                "names."
            )
            raise errors.query_error("INVALID_TYPE", message, self.ctx.source, sub.obj_pos)
        name, child, reference = found
        self.uses.add("subquery")
        return Children(name, self.compile_child(self.ctx, sub, child, reference.name))

    def _group_by(self) -> set[str]:
        self.group_exprs = [self.operand(operand, usage="grouped").expr for operand in self.query.group_by]
        if self.group_exprs:
            self.group_sql = " GROUP BY " + ", ".join(self.group_exprs)
        return set(self.group_exprs)

    def _aggregate_members(self) -> tuple[Member, ...]:
        grouped = self._group_by()
        members: list[Member] = []
        unnamed = 0
        for item in self.query.select:
            if isinstance(item, SelectSubquery):
                raise errors.malformed(
                    self.ctx.source, item.query.obj_pos, "subqueries are not supported in aggregate queries"
                )
            operand = item.path if isinstance(item, SelectField) else item.call
            term = self.operand(operand, aggregates=True)
            is_function = isinstance(operand, Call)
            if not (isinstance(operand, Call) and operand.name in AGGREGATES) and term.expr not in grouped:
                raise errors.malformed(
                    self.ctx.source, term.pos, f"Field must be grouped or aggregated: {term.label}"
                )
            alias = item.alias if isinstance(item, SelectCall) else None
            key = alias or (f"expr{unnamed}" if is_function else term.field.name)
            unnamed += 1 if is_function and alias is None else 0
            members.append(AggregateColumn(key, self.column(term.expr), term.field.type))
        return tuple(members)

    # --- ORDER BY -------------------------------------------------------------------------------------
    def order(self) -> tuple[SortKey, ...]:
        keys: list[SortKey] = []
        for item in self.query.order_by:
            term = self.operand(item.operand, aggregates=self.aggregate, usage="sorted")
            if _long_text(term.field) or term.field.type == "multipicklist":
                raise errors.invalid_field(
                    self.ctx.source, term.pos, f"field '{term.field.name}' can not be sorted in a query call"
                )
            nocase = term.field.type in STRING_TYPES and term.field.type not in {"id", "reference"}
            keys.append(SortKey(term.expr, item.descending, item.nulls_last, nocase, self.column(term.expr)))
        if self.aggregate:
            if not keys:  # a stable order for grouped results
                keys = [SortKey(expr, False, False, False, self.column(expr)) for expr in self.group_exprs]
            return tuple(keys)
        if not keys or keys[-1].expr != self.root_id:
            keys.append(SortKey(self.root_id, False, False, False, 0))  # Id breaks ties: stable pages
        return tuple(keys)


def _long_text(definition: FieldDef) -> bool:
    """Long text areas cannot be filtered or sorted on in Salesforce."""
    return definition.type == "textarea" and definition.length > 255
