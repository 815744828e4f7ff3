"""Object and field metadata: what describe returns, what writes validate and what SOQL may select.

Every object and field is declared once here (standard objects in `standard.py`, custom ones in a JSON
schema file); describe output, storage columns and validation rules all derive from the declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# Field types whose values are stored in one column, and the SQLite column type used for each.
STORAGE_TYPES = {
    "id": "TEXT",
    "reference": "TEXT",
    "string": "TEXT",
    "textarea": "TEXT",
    "picklist": "TEXT",
    "multipicklist": "TEXT",
    "combobox": "TEXT",
    "email": "TEXT",
    "phone": "TEXT",
    "url": "TEXT",
    "encryptedstring": "TEXT",
    "date": "TEXT",
    "datetime": "TEXT",
    "time": "TEXT",
    "boolean": "INTEGER",
    "int": "INTEGER",
    "long": "INTEGER",
    "double": "REAL",
    "currency": "REAL",
    "percent": "REAL",
    "base64": "TEXT",
    "json": "TEXT",
}
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "long": "xsd:long",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
    "anyType": "xsd:anyType",
}
STRING_TYPES = {
    "string",
    "textarea",
    "picklist",
    "multipicklist",
    "combobox",
    "email",
    "phone",
    "url",
    "encryptedstring",
    "id",
    "reference",
}
NUMBER_TYPES = {"int", "long", "double", "currency", "percent"}


@dataclass(frozen=True)
class FieldDef:
    """One field of an sObject.

    `formula` makes the field calculated, evaluated at read time: either a relationship path such as
    `Account.Name` (so a parent's change shows on the child without a child write, exactly the case
    incremental syncs miss) or `CONCAT(A, B)`, the non-null values of same-record fields joined by a space.
    `components` makes it compound (an address): it is read-only and assembled from its component fields.
    """

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default: Any = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    restricted_picklist: bool = False
    external_id: bool = False
    unique: bool = False
    id_lookup: bool = False
    name_field: bool = False
    custom: bool = False
    compound_field_name: str | None = None
    components: tuple[str, ...] = ()
    formula: str | None = None
    cascade_delete: bool = False

    @property
    def stored(self) -> bool:
        return self.formula is None and not self.components and self.type not in {"address", "location"}

    @property
    def calculated(self) -> bool:
        return self.formula is not None

    @property
    def required_on_create(self) -> bool:
        return (
            not self.nillable and self.createable and not self.defaulted_on_create and self.type != "boolean"
        )

    @property
    def column_type(self) -> str:
        return STORAGE_TYPES.get(self.type, "TEXT")


@dataclass
class ObjectDef:
    name: str
    key_prefix: str
    label: str = ""
    label_plural: str = ""
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    replicateable: bool = True
    bulk_supported: bool = True
    tooling: bool = False
    owned: bool = True
    fields: dict[str, FieldDef] = field(default_factory=dict)  # keyed by lower-case name
    _stored: list[FieldDef] | None = field(default=None, repr=False, compare=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def add(self, *defs: FieldDef) -> ObjectDef:
        for definition in defs:
            self.fields[definition.name.lower()] = definition
        self._stored = None
        self._derived.clear()
        return self

    def derived(self, key: str, build: Callable[[ObjectDef], T]) -> T:
        """`build(self)`, computed once per `key` (a write plan, say) until a field is added."""
        try:
            value: T = self._derived[key]
        except KeyError:
            value = self._derived[key] = build(self)
        return value

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def stored_fields(self) -> list[FieldDef]:
        # Cached: every write walks this list, and the schema only changes while it is being built.
        if self._stored is None:
            self._stored = [f for f in self.fields.values() if f.stored]
        return self._stored

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is `name` (case-insensitive), e.g. Account."""
        lowered = name.lower()
        for definition in self.fields.values():
            if definition.relationship_name and definition.relationship_name.lower() == lowered:
                return definition
        return None

    def external_id_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.external_id or f.name == "Id"]


@dataclass
class Schema:
    """All objects of the org, by lower-case name; Tooling objects live in their own namespace."""

    objects: dict[str, ObjectDef] = field(default_factory=dict)
    tooling: dict[str, ObjectDef] = field(default_factory=dict)
    # key prefix → first object with it, and the object count it was built for (rebuilt when that changes)
    _prefixes: tuple[int, dict[str, ObjectDef]] = field(default=(-1, {}), repr=False, compare=False)

    def add(self, obj: ObjectDef) -> None:
        (self.tooling if obj.tooling else self.objects)[obj.name.lower()] = obj
        self._prefixes = (-1, {})

    def get(self, name: str, *, tooling: bool = False) -> ObjectDef | None:
        return (self.tooling if tooling else self.objects).get(name.lower())

    def by_prefix(self, key_prefix: str) -> ObjectDef | None:
        count, prefixes = self._prefixes
        if count != len(self.objects) + len(self.tooling):
            prefixes = {}
            for obj in [*self.objects.values(), *self.tooling.values()]:
                prefixes.setdefault(obj.key_prefix, obj)
            self._prefixes = (len(self.objects) + len(self.tooling), prefixes)
        cached = prefixes.get(key_prefix)
        if cached is not None and cached.key_prefix == key_prefix:
            return cached
        for obj in [*self.objects.values(), *self.tooling.values()]:  # unknown prefixes: look again
            if obj.key_prefix == key_prefix:
                return obj
        return None

    def child_relationships(self, parent: str) -> list[tuple[ObjectDef, FieldDef]]:
        found = []
        for obj in self.objects.values():
            for definition in obj.fields.values():
                if parent in definition.reference_to and definition.stored:
                    found.append((obj, definition))
        return found
