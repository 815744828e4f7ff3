"""SOQL → SQLite SQL over the tables of `sfemu.store.db`.

Row layout of every compiled query: column 0 is the root record's Id (always selected: it builds
`attributes.url` and breaks ties), column 1 is the parent reference for child subqueries, then the
selected fields, relationship Ids and sort keys, each expression selected once.

Order is deterministic: the query's ORDER BY (strings case-insensitive, SOQL's null placement), then
Id. Without ORDER BY rows come in Id order, i.e. creation order, so page boundaries are stable.

Paging: `sql` is the whole result (the query's LIMIT/OFFSET applied). Page by keyset instead of OFFSET
(OFFSET re-reads every skipped row): `page(size)` gives the first page, `key_of(last_row)` its sort key,
and `page(size, after=key)` the next page. The caller caps `size` by what LIMIT leaves, i.e. by
`totalSize` (from `count_sql`, which respects LIMIT/OFFSET) minus the rows already sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sfemu.schema.model import ObjectDef, Schema
from sfemu.soql import errors
from sfemu.soql.nodes import Query
from sfemu.soql.parser import parse
from sfemu.soql.projection import FlatColumn, Member
from sfemu.soql.resolve import Context, root_object
from sfemu.soql.select import SelectBuilder, SortKey

__all__ = ["CompiledQuery", "compile_query", "root_object"]

MAX_OFFSET = 2000
MAX_FIELDS_LIMIT = 200


@dataclass(frozen=True)
class CompiledQuery:
    """A query ready to run: SQL text and parameters plus the shape of its records.

    `uses` names the constructs Bulk 2.0 refuses (fields, subquery, aggregate, offset) so the Bulk
    layer can reject them; `link_expr` is set on child subqueries (the reference to the parent).
    """

    obj: ObjectDef
    tooling: bool
    columns: tuple[str, ...]
    members: tuple[Member, ...]
    flat: tuple[FlatColumn, ...]
    from_sql: str
    count_from_sql: str
    where_sql: str
    where_params: tuple[Any, ...]
    group_sql: str
    having_sql: str
    having_params: tuple[Any, ...]
    order: tuple[SortKey, ...]
    limit: int | None
    offset: int
    count_only: bool
    aggregate: bool
    uses: frozenset[str]
    link_expr: str | None = None

    @property
    def sql(self) -> str:
        return self.select(self.columns, limit=self.limit, offset=self.offset)[0]

    @property
    def params(self) -> list[Any]:
        return self.select(self.columns, limit=self.limit, offset=self.offset)[1]

    @property
    def count_sql(self) -> str:
        """SELECT COUNT(*) giving totalSize: the rows the query returns, LIMIT and OFFSET included."""
        if self.aggregate or self.limit is not None or self.offset:
            inner, _ = self.select(("1",), limit=self.limit, offset=self.offset, ordered=False)
            return f"SELECT COUNT(*) FROM ({inner})"
        where = f" WHERE {self.where_sql}" if self.where_sql else ""
        return f"SELECT COUNT(*) {self.count_from_sql}{where}"

    @property
    def count_params(self) -> list[Any]:
        return [*self.where_params, *self.having_params]

    def select(
        self,
        columns: Sequence[str],
        *,
        extra: str = "",
        extra_params: Sequence[Any] = (),
        limit: int | None = None,
        offset: int = 0,
        ordered: bool = True,
        order_first: str = "",
    ) -> tuple[str, list[Any]]:
        """This query's FROM/WHERE/GROUP/ORDER with other select columns (Bulk CSV lines, counts, pages)."""
        where = " AND ".join(part for part in (self.where_sql, extra) if part)
        sql = f"SELECT {', '.join(columns)} {self.from_sql}"
        if where:
            sql += f" WHERE {where}"
        sql += self.group_sql
        if self.having_sql:
            sql += f" HAVING {self.having_sql}"
        if ordered:
            order = ([f"{order_first} ASC"] if order_first else []) + [key.sql() for key in self.order]
            if order:
                sql += " ORDER BY " + ", ".join(order)
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else limit}" + (f" OFFSET {offset}" if offset else "")
        return sql, [*self.where_params, *extra_params, *self.having_params]

    def page(self, size: int, after: Sequence[Any] | None = None) -> tuple[str, list[Any]]:
        """SQL for `size` rows: the first page (after=None) or those following the row whose key is `after`.

        Aggregate results are not pageable (Salesforce has no queryMore for them): use `sql`.
        """
        if after is None:
            limit = size if self.limit is None else min(size, self.limit)
            return self.select(self.columns, limit=limit, offset=self.offset)
        if self.aggregate:
            raise ValueError("aggregate query results come in one page")
        condition, params = _keyset(self.order, after)
        return self.select(self.columns, extra=condition, extra_params=params, limit=size)

    def key_of(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """The sort key of a row, to pass as `after` for the next page."""
        return tuple(row[key.index] for key in self.order)

    def children_sql(self, parent_ids: Sequence[str]) -> tuple[str, list[Any]]:
        """A child subquery's rows for a page of parents, grouped by parent (column 1 is the parent's Id)."""
        if self.link_expr is None:
            raise ValueError("not a child subquery")
        extra = f"{self.link_expr} IN (SELECT value FROM json_each(?))"
        return self.select(
            self.columns, extra=extra, extra_params=[json.dumps(list(parent_ids))], order_first=self.link_expr
        )


def compile_query(
    soql: str,
    schema: Schema,
    *,
    tooling: bool = False,
    include_deleted: bool = False,
    now: datetime | None = None,
) -> CompiledQuery:
    """Compile a SOQL query for `/query` (or `/queryAll` with include_deleted, Tooling with tooling).

    Raises SalesforceError (400: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE,
    INVALID_QUERY_FILTER_OPERATOR, NUMBER_OUTSIDE_VALID_RANGE) with Salesforce's messages.
    """
    query = parse(soql)
    moment = now or datetime.now(UTC)
    today = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()
    ctx = Context(schema, tooling, include_deleted, today, soql)
    return _compile(ctx, query, root_object(query, schema, tooling=tooling))


def _compile(ctx: Context, query: Query, obj: ObjectDef, link: str | None = None) -> CompiledQuery:
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise errors.offset_too_large(ctx.source, query.offset_pos)
    builder = SelectBuilder(ctx, query, obj, link=link, compile_child=_compile)
    where_sql, where_params = builder.where()
    count_from = builder.from_sql()  # only the joins WHERE needs: a count does not pay for selected parents
    members, flat = builder.members()
    order = builder.order()
    having_sql, having_params = builder.having()
    if "fields" in builder.uses and (query.limit is None or query.limit > MAX_FIELDS_LIMIT):
        raise errors.malformed(
            ctx.source,
            builder.fields_pos,
            f"The SOQL FIELDS function must have a LIMIT of at most {MAX_FIELDS_LIMIT}",
        )
    return CompiledQuery(
        obj=obj,
        tooling=ctx.tooling,
        columns=tuple(builder.columns),
        members=members,
        flat=flat,
        from_sql=builder.from_sql(),
        count_from_sql=count_from,
        where_sql=where_sql,
        where_params=tuple(where_params),
        group_sql=builder.group_sql,
        having_sql=having_sql,
        having_params=tuple(having_params),
        order=order,
        limit=query.limit,
        offset=query.offset or 0,
        count_only=builder.count_only,
        aggregate=builder.aggregate,
        uses=frozenset(builder.uses),
        link_expr=builder.link_expr,
    )


def _keyset(order: Sequence[SortKey], after: Sequence[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after `after` in the lexicographic order of `order` (which ends with the unique Id)."""
    alternatives: list[str] = []
    params: list[Any] = []
    equal: list[str] = []
    equal_params: list[Any] = []
    for key, value in zip(order, after, strict=True):
        collate = " COLLATE NOCASE" if key.nocase else ""
        beyond = ">" if not key.descending else "<"
        if value is None:
            strict = None if key.nulls_last else f"{key.expr} IS NOT NULL"
            strict_params: list[Any] = []
        elif key.nulls_last:
            strict, strict_params = f"({key.expr} {beyond} ?{collate} OR {key.expr} IS NULL)", [value]
        else:
            strict, strict_params = f"{key.expr} {beyond} ?{collate}", [value]
        if strict is not None:
            alternatives.append("(" + " AND ".join([*equal, strict]) + ")")
            params += equal_params + strict_params
        equal.append(f"{key.expr} IS NULL" if value is None else f"{key.expr} = ?{collate}")
        equal_params += [] if value is None else [value]
    condition = "(" + " OR ".join(alternatives) + ")" if alternatives else "0"
    first, value = order[0], after[0]
    if value is not None and not first.nulls_last:  # a range the first key's index can serve
        collate = " COLLATE NOCASE" if first.nocase else ""
        condition = f"{first.expr} {'<=' if first.descending else '>='} ?{collate} AND {condition}"
        params.insert(0, value)
    return condition, params
