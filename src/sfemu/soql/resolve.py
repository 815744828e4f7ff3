"""Field paths → SQL expressions over the store's tables, with the LEFT JOINs the paths need.

`Account.Owner.Name` on Contact walks reference fields by relationship name (Account → AccountId,
Owner → OwnerId) and joins each target table once per query. Formula fields compile to expressions:
a path formula (`Account.Name`) joins like a selected path, `CONCAT(A, B)` joins the non-null parts with
a space. Compound (address) fields have no single expression; the compiler selects their components.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.soql import errors
from sfemu.soql.nodes import FieldPath, Pos, Query
from sfemu.store.db import quote, table_name

MAX_RELATIONSHIP_DEPTH = 5
# Reference fields that do not get a child relationship (or whose real one is rarely queried).
_NO_CHILD_RELATIONSHIP = {"createdbyid", "lastmodifiedbyid", "ownerid", "reportstoid", "masterrecordid"}


@dataclass
class Context:
    """What one compile_query call shares: the schema, the API flavour, "today", the query text, aliases."""

    schema: Schema
    tooling: bool
    include_deleted: bool
    today: date
    source: str
    aliases: int = 0

    def new_alias(self) -> str:
        alias = f"t{self.aliases}"
        self.aliases += 1
        return alias

    def object(self, name: str) -> ObjectDef | None:
        found = self.schema.get(name, tooling=self.tooling)
        if found is None and self.tooling:  # Tooling queries still reach User and friends
            found = self.schema.get(name)
        return found

    def target(self, reference: FieldDef) -> ObjectDef | None:
        """A reference's parent; a polymorphic one (OwnerId → Group, User) takes the first that exists."""
        for name in reference.reference_to:
            found = self.object(name)
            if found is not None:
                return found
        return None


@dataclass
class Scope:
    """One FROM clause: its root table alias and the joins its paths need (each relationship joined once)."""

    ctx: Context
    obj: ObjectDef
    alias: str
    query_alias: str | None = None
    joins: list[str] = field(default_factory=list)
    _joined: dict[tuple[str, str], tuple[str, ObjectDef]] = field(default_factory=dict)

    def join(self, from_alias: str, reference: FieldDef, pos: Pos) -> tuple[str, ObjectDef]:
        key = (from_alias, reference.name.lower())
        if key not in self._joined:
            target = self.ctx.target(reference)
            if target is None:
                raise errors.unknown_relationship(self.ctx.source, pos, reference.relationship_name or "")
            alias = self.ctx.new_alias()
            self.joins.append(
                f"LEFT JOIN {quote(table_name(target))} AS {alias} "
                f'ON {alias}."Id" = {from_alias}.{quote(reference.name)}'
            )
            self._joined[key] = (alias, target)
        return self._joined[key]


@dataclass(frozen=True)
class Hop:
    """One relationship step of a path: the reference field, the parent object and its table alias."""

    reference: FieldDef
    target: ObjectDef
    alias: str


@dataclass(frozen=True)
class Resolved:
    field: FieldDef
    expr: str | None  # None for compound fields
    hops: tuple[Hop, ...]
    obj: ObjectDef  # the object that owns `field`
    alias: str


def root_object(query: Query, schema: Schema, *, tooling: bool = False) -> ObjectDef:
    """The queried object; INVALID_TYPE when it does not exist (or cannot be queried)."""
    obj = schema.get(query.obj, tooling=tooling)
    if obj is None or not obj.queryable:
        raise errors.invalid_type(query.source, query.obj_pos, query.obj)
    return obj


def resolve(scope: Scope, path: FieldPath) -> Resolved:
    """Resolve a path written in the query; INVALID_FIELD when a relationship or column does not exist."""
    parts = path.parts
    if len(parts) > 1:
        head = parts[0].lower()
        if (scope.query_alias and head == scope.query_alias.lower()) or (
            head == scope.obj.name.lower() and scope.obj.relationship(parts[0]) is None
        ):
            parts = parts[1:]  # `a.Name` with FROM Account a, or `Account.Name` on Account itself
    if len(parts) - 1 > MAX_RELATIONSHIP_DEPTH:
        raise errors.malformed(
            scope.ctx.source, path.pos, "SOQL statements cannot query more than 5 levels of relationships"
        )
    return walk(scope, scope.obj, scope.alias, parts, path.pos)


def walk(
    scope: Scope, obj: ObjectDef, alias: str, parts: tuple[str, ...], pos: Pos, depth: int = 0
) -> Resolved:
    hops: list[Hop] = []
    for name in parts[:-1]:
        reference = obj.relationship(name)
        if reference is None:
            raise errors.unknown_relationship(scope.ctx.source, pos, name)
        alias, obj = scope.join(alias, reference, pos)
        hops.append(Hop(reference, obj, alias))
    definition = obj.field(parts[-1])
    if definition is None:
        raise errors.no_such_column(scope.ctx.source, pos, parts[-1], obj.name)
    return Resolved(
        definition, field_expr(scope, obj, alias, definition, pos, depth), tuple(hops), obj, alias
    )


def is_compound(definition: FieldDef) -> bool:
    return bool(definition.components) or definition.type in {"address", "location"}


def field_expr(
    scope: Scope, obj: ObjectDef, alias: str, definition: FieldDef, pos: Pos, depth: int = 0
) -> str | None:
    if is_compound(definition):
        return None
    if definition.formula is None:
        return f"{alias}.{quote(definition.name)}"
    if depth > MAX_RELATIONSHIP_DEPTH:
        raise errors.invalid_field(scope.ctx.source, pos, f"formula of '{definition.name}' is recursive")
    kind, paths = _formula(definition.formula)
    exprs = []
    for formula_path in paths:
        part = walk(scope, obj, alias, formula_path, pos, depth + 1)
        exprs.append(part.expr or "NULL")
    if kind == "path":
        return exprs[0]
    # CONCAT: the non-null parts joined by one space; NULL when every part is null.
    joined = " || ".join(f"COALESCE(' ' || {expr}, '')" for expr in exprs)
    return f"NULLIF(SUBSTR({joined}, 2), '')"


@lru_cache(maxsize=256)
def _formula(text: str) -> tuple[str, tuple[tuple[str, ...], ...]]:
    match = re.fullmatch(r"\s*CONCAT\s*\((.*)\)\s*", text, re.IGNORECASE | re.DOTALL)
    if match:
        args = [arg.strip() for arg in match.group(1).split(",") if arg.strip()]
        return "concat", tuple(tuple(arg.split(".")) for arg in args)
    return "path", (tuple(text.strip().split(".")),)


def compound_parts(obj: ObjectDef, definition: FieldDef) -> list[tuple[str, FieldDef]]:
    """The JSON keys and component fields of an address/location: BillingPostalCode → postalCode."""
    prefix = definition.name[: -len("Address")] if definition.name.endswith("Address") else ""
    parts = []
    for name in definition.components:
        component = obj.field(name)
        if component is None:
            continue
        key = name[len(prefix) :] if prefix and name.startswith(prefix) else name
        key = key.removesuffix("__s").split("__")[-1]
        parts.append((key[:1].lower() + key[1:], component))
    return parts


def child_relationships(schema: Schema, parent: ObjectDef) -> dict[str, tuple[str, ObjectDef, FieldDef]]:
    """Child relationship name (lower-cased) → (name, child object, reference field) for subqueries.

    Names follow Salesforce's conventions: the child's plural label without spaces for standard lookups
    (Contacts, Opportunities, CampaignMembers), `Child` + plural for self-lookups (ChildAccounts), and
    plural + `__r` for custom lookups (Invoices__r). Audit and owner lookups get none.
    """
    found: dict[str, tuple[str, ObjectDef, FieldDef]] = {}
    for child, reference in schema.child_relationships(parent.name):
        name = child_relationship_name(child, reference, parent)
        if name is not None and name.lower() not in found:
            found[name.lower()] = (name, child, reference)
    return found


def child_relationship_name(child: ObjectDef, reference: FieldDef, parent: ObjectDef) -> str | None:
    if reference.name.lower() in _NO_CHILD_RELATIONSHIP or reference.name.startswith("Converted"):
        return None
    plural = (child.label_plural or child.name + "s").replace(" ", "")
    if reference.custom:
        return plural + "__r"
    if child.name == parent.name:
        return "Child" + plural
    return plural
