"""SOQL text → `nodes.Query`, with Salesforce's MALFORMED_QUERY errors.

The grammar (`grammar.lark`) is LALR with Lark's contextual lexer; parses are memoised because sync tools
send the same few queries over and over (every page of a window, every window of a stream).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from sfemu.errors import MalformedQuery, SalesforceError
from sfemu.soql import dates
from sfemu.soql.errors import malformed, unexpected_token
from sfemu.soql.nodes import (
    BoolOp,
    Call,
    Compare,
    FieldPath,
    In,
    Includes,
    Like,
    Literal,
    Not,
    OrderItem,
    Pos,
    Query,
    SelectCall,
    SelectField,
    SelectSubquery,
)

__all__ = ["parse"]

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


class _Malformed(Exception):
    """Raised inside the transformer; turned into MALFORMED_QUERY once the source text is at hand."""

    def __init__(self, pos: Pos, token: str) -> None:
        super().__init__(token)
        self.pos = pos
        self.token = token


def _pos(token: Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


def unescape(raw: str) -> str:
    """Decode SOQL string escapes; `\\%` and `\\_` decode to the bare wildcard characters."""
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt == "u":
            digits = "".join(next(chars, "") for _ in range(4))
            out.append(chr(int(digits, 16)) if len(digits) == 4 else "u" + digits)
        else:
            out.append(_ESCAPES.get(nxt, nxt))
    return "".join(out)


@v_args(inline=True)
class _ToNodes(Transformer[Token, Query]):
    def start(self, query: Query) -> Query:
        return query

    def query(self, *parts: Any) -> Query:
        select, obj_token, *rest = parts
        clauses: dict[str, Any] = {}
        alias = None
        for part in rest:
            if isinstance(part, Token):
                alias = str(part)
            elif isinstance(part, tuple) and part and part[0] == "clause":
                clauses[part[1]] = part[2]
        limit = clauses.get("limit")
        offset = clauses.get("offset")
        return Query(
            select=tuple(select),
            obj=str(obj_token),
            obj_pos=_pos(obj_token),
            alias=alias,
            where=clauses.get("where"),
            group_by=tuple(clauses.get("group_by", ())),
            having=clauses.get("having"),
            order_by=tuple(clauses.get("order_by", ())),
            limit=None if limit is None else int(limit),
            offset=None if offset is None else int(offset),
            offset_pos=None if offset is None else _pos(offset),
        )

    def select_list(self, *items: Any) -> list[Any]:
        return list(items)

    def select_field(self, path: FieldPath) -> SelectField:
        return SelectField(path)

    def select_call(self, call: Call, alias: Token | None = None) -> SelectCall:
        return SelectCall(call, None if alias is None else str(alias))

    def select_subquery(self, query: Query) -> SelectSubquery:
        return SelectSubquery(query)

    def call(self, name: Token, arg: FieldPath | None) -> Call:
        return Call(str(name).upper(), arg, _pos(name))

    def field_path(self, *names: Token) -> FieldPath:
        return FieldPath(tuple(str(n) for n in names), _pos(names[0]))

    # --- clauses: tagged so `query` can tell them apart ---------------------------------------------
    def using(self, _scope: Token) -> tuple[str, str, None]:
        return ("clause", "using", None)

    def where(self, condition: Any) -> tuple[str, str, Any]:
        return ("clause", "where", condition)

    def with_(self, name: Token) -> tuple[str, str, None]:
        if str(name).upper() not in {"SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"}:
            raise _Malformed(_pos(name), str(name))
        return ("clause", "with", None)

    def group_by(self, *operands: Any) -> tuple[str, str, Any]:
        return ("clause", "group_by", operands)

    def having(self, condition: Any) -> tuple[str, str, Any]:
        return ("clause", "having", condition)

    def order_by(self, *items: OrderItem) -> tuple[str, str, Any]:
        return ("clause", "order_by", items)

    def order_item(self, operand: Any, direction: Token | None, nulls: Token | None) -> OrderItem:
        if direction is not None and str(direction).upper() not in {"ASC", "DESC"}:
            raise _Malformed(_pos(direction), str(direction))
        if nulls is not None and str(nulls).upper() not in {"FIRST", "LAST"}:
            raise _Malformed(_pos(nulls), str(nulls))
        descending = direction is not None and str(direction).upper() == "DESC"
        nulls_last = descending if nulls is None else str(nulls).upper() == "LAST"
        return OrderItem(operand, descending, nulls_last)

    def limit(self, value: Token) -> tuple[str, str, Any]:
        return ("clause", "limit", value)

    def offset(self, value: Token) -> tuple[str, str, Any]:
        return ("clause", "offset", value)

    def for_(self, name: Token) -> tuple[str, str, None]:
        if str(name).upper() not in {"VIEW", "REFERENCE", "UPDATE"}:
            raise _Malformed(_pos(name), str(name))
        return ("clause", "for", None)

    # --- conditions -----------------------------------------------------------------------------------
    def and_cond(self, *items: Any) -> BoolOp:
        return BoolOp("AND", items)

    def or_cond(self, *items: Any) -> BoolOp:
        return BoolOp("OR", items)

    def not_(self, condition: Any) -> Not:
        return Not(condition)

    def compare(self, operand: Any, op: Token, value: Literal) -> Compare:
        return Compare(operand, "!=" if op == "<>" else str(op), value)

    def in_(self, operand: Any, values: Any) -> In:
        return self._in(operand, values, negated=False)

    def not_in(self, operand: Any, values: Any) -> In:
        return self._in(operand, values, negated=True)

    @staticmethod
    def _in(operand: Any, values: Any, *, negated: bool) -> In:
        if isinstance(values, Query):
            return In(operand, negated, (), values)
        return In(operand, negated, tuple(values), None)

    def like(self, operand: Any, value: Literal) -> Like:
        return Like(operand, False, value)

    def not_like(self, operand: Any, value: Literal) -> Like:
        return Like(operand, True, value)

    def includes(self, operand: Any, values: list[Literal]) -> Includes:
        return Includes(operand, False, tuple(values))

    def excludes(self, operand: Any, values: list[Literal]) -> Includes:
        return Includes(operand, True, tuple(values))

    # --- values ---------------------------------------------------------------------------------------
    def values(self, *items: Literal) -> list[Literal]:
        return list(items)

    def string(self, token: Token) -> Literal:
        raw = str(token)[1:-1]
        return Literal("string", unescape(raw), _pos(token), raw)

    def number(self, token: Token) -> Literal:
        text = str(token)
        number: int | float = float(text) if "." in text else int(text)
        return Literal("number", number, _pos(token))

    def datetime(self, token: Token) -> Literal:
        try:
            return Literal("datetime", dates.parse_datetime(str(token)), _pos(token))
        except ValueError:
            raise _Malformed(_pos(token), str(token)) from None

    def date(self, token: Token) -> Literal:
        try:
            return Literal("date", dates.parse_date(str(token)), _pos(token))
        except ValueError:
            raise _Malformed(_pos(token), str(token)) from None

    def word(self, name: Token, n: Token | None) -> Literal:
        word = str(name).upper()
        if n is None and word in {"TRUE", "FALSE"}:
            return Literal("boolean", word == "TRUE", _pos(name))
        if n is None and word == "NULL":
            return Literal("null", None, _pos(name))
        if dates.is_date_literal(word) and (n is not None) == dates.needs_n(word):
            if n is not None and not str(n).isdigit():
                raise _Malformed(_pos(n), str(n))
            return Literal("range", (dates.canonical(word), None if n is None else int(n)), _pos(name))
        raise _Malformed(_pos(name), str(name))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """Built on first use. Building the LALR tables takes ~1.5 s; Lark's cache (a file in the temp dir,
    keyed by the grammar's hash and Lark's version) brings later processes down to ~0.1 s."""
    grammar = (resources.files("sfemu.soql") / "grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=True, cache=True)


@lru_cache(maxsize=1024)
def parse(soql: str) -> Query:
    """Parse a SOQL query; raises SalesforceError(400, MALFORMED_QUERY) with Salesforce's caret message."""
    if not soql or not soql.strip():
        raise MalformedQuery("unexpected token: '<EOF>'")
    try:
        tree = _parser().parse(soql)
        query = _ToNodes().transform(tree)
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, _Malformed):
            raise unexpected_token(soql, inner.pos, inner.token) from None
        raise malformed(soql, None, f"unexpected error: {inner}") from None
    except UnexpectedInput as exc:
        raise _syntax_error(soql, exc) from None
    return _attach_source(query, soql)


def _attach_source(query: Query, source: str) -> Query:
    """Give the query and its subqueries the text their error carets point into."""
    select = tuple(
        SelectSubquery(_attach_source(item.query, source)) if isinstance(item, SelectSubquery) else item
        for item in query.select
    )
    return replace(query, select=select, where=_attach_condition(query.where, source), source=source)


def _attach_condition(condition: Any, source: str) -> Any:
    if isinstance(condition, In) and condition.subquery is not None:
        return replace(condition, subquery=_attach_source(condition.subquery, source))
    if isinstance(condition, Not):
        return Not(_attach_condition(condition.condition, source))
    if isinstance(condition, BoolOp):
        return BoolOp(condition.op, tuple(_attach_condition(item, source) for item in condition.items))
    return condition


def _syntax_error(soql: str, exc: UnexpectedInput) -> SalesforceError:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return unexpected_token(soql, _end_pos(soql), "<EOF>")
        return unexpected_token(soql, _pos(token), str(token))
    if isinstance(exc, UnexpectedEOF):
        return unexpected_token(soql, _end_pos(soql), "<EOF>")
    if isinstance(exc, UnexpectedCharacters):
        rest = soql[exc.pos_in_stream or 0 :].split(None, 1)
        return unexpected_token(soql, Pos(exc.line, exc.column), rest[0] if rest else "<EOF>")
    return malformed(soql, None, str(exc))


def _end_pos(soql: str) -> Pos:
    lines = soql.rstrip().splitlines() or [""]
    return Pos(len(lines), len(lines[-1]) + 1)
