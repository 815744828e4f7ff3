"""Schema discovery: what a connection offers as a bulk-sync source, in Polytomic's `Schema` shape.

A connector that can be a bulk-sync source has a `discovery` module declaring one `SourceDiscovery`,
which its `ConnectionType` names as `discovery=`:

    DISCOVERY = SourceDiscovery(capabilities=..., discover=discover, sample=sample)

- `discover(config, ctx, *, include_fields)` lists the schemas (tables, views, objects) and, with
  `include_fields`, their fields;
- `sample(config, ctx, schema_id, limit, *, schema=None)` reads up to `limit` records of one schema;
  `schema`, when given, is its cached description, so the connector need not describe it again.

Field types are Polytomic's `SchemaField.type`
enum; `remote_type` keeps the upstream's own type name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from syncline.connectors.errors import RequestRejected, SchemaNotFound

__all__ = [
    "FIELD_TYPES",
    "SAMPLE_LIMIT",
    "Association",
    "DiscoveryFailed",
    "FieldType",
    "PickValue",
    "Schema",
    "SchemaField",
    "SchemaNotFound",
    "SourceCapabilities",
    "SourceDiscovery",
]

FieldType = Literal["unknown", "string", "number", "boolean", "datetime", "array", "object", "binary"]
FIELD_TYPES: tuple[FieldType, ...] = (
    "unknown",
    "string",
    "number",
    "boolean",
    "datetime",
    "array",
    "object",
    "binary",
)
SAMPLE_LIMIT = 10  # records answered by a schema's sample, unless asked otherwise


class DiscoveryFailed(RequestRejected):
    """The upstream refused to describe its schemas or to give a sample; the message is its own."""


@dataclass(frozen=True)
class Association:
    """A reference to records of other schemas: a Salesforce lookup, a foreign key.

    Attributes:
        id: The relationship's id (Salesforce relationship name, foreign key constraint name).
        name: Its display name.
        reference_to: Ids of the schemas it may point at (several for polymorphic lookups).
        referenced_field: The field it matches on the referenced schema, e.g. `Id`.
    """

    id: str
    name: str
    reference_to: tuple[str, ...]
    referenced_field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "reference_to": list(self.reference_to),
            "referenced_field": self.referenced_field,
        }


@dataclass(frozen=True)
class PickValue:
    """One allowed value of a picklist (or enum) field."""

    label: str
    value: str


@dataclass(frozen=True)
class SchemaField:
    """One field (column) of a schema.

    Attributes:
        id: The field's API name (column name); unique within the schema.
        name: Its display name (Salesforce label, else the column name).
        type: Polytomic's type of the values.
        remote_type: The upstream's type name, e.g. `reference` or `timestamp with time zone`.
        is_primary_key: Whether the field identifies a record (Salesforce `Id`, the table's key).
        association: What it references, for lookups and foreign keys.
        values: The allowed values, for picklists.
    """

    id: str
    name: str
    type: FieldType
    remote_type: str
    is_primary_key: bool = False
    association: Association | None = None
    values: tuple[PickValue, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "remote_type": self.remote_type,
            "is_primary_key": self.is_primary_key,
            "source_primary_key": self.is_primary_key,
            "primary_key_override": False,
            "user_managed": False,
        }
        if self.association is not None:
            out["association"] = self.association.as_dict()
        if self.values:
            out["values"] = [{"label": v.label, "value": v.value} for v in self.values]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> SchemaField:
        association = raw.get("association")
        return cls(
            id=raw["id"],
            name=raw.get("name") or raw["id"],
            type=raw.get("type") or "unknown",
            remote_type=raw.get("remote_type") or "",
            is_primary_key=bool(raw.get("is_primary_key")),
            association=Association(
                id=association["id"],
                name=association.get("name") or association["id"],
                reference_to=tuple(association.get("reference_to") or ()),
                referenced_field=association.get("referenced_field"),
            )
            if association
            else None,
            values=tuple(PickValue(v["label"], v["value"]) for v in raw.get("values") or ()),
        )


@dataclass(frozen=True)
class Schema:
    """A table, view or object a bulk sync can read. `fields` is None when they were not asked for."""

    id: str
    name: str
    fields: tuple[SchemaField, ...] | None = None

    def as_dict(self, *, include_fields: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if include_fields and self.fields is not None:
            out["fields"] = [f.as_dict() for f in self.fields]
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Schema:
        fields = raw.get("fields")
        return cls(
            id=raw["id"],
            name=raw.get("name") or raw["id"],
            fields=None if fields is None else tuple(SchemaField.from_dict(f) for f in fields),
        )


@dataclass(frozen=True)
class SourceCapabilities:
    """Polytomic's `BulkSyncSourceCapabilities`."""

    supports_namespaces: bool = False
    supports_tracking_fields: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {
            "supports_namespaces": self.supports_namespaces,
            "supports_tracking_fields": self.supports_tracking_fields,
        }


Discover = Callable[..., list[Schema]]
Sample = Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True)
class SourceDiscovery:
    """How one connection type lists its schemas and samples their records."""

    capabilities: SourceCapabilities
    discover: Discover
    sample: Sample
    configuration: Mapping[str, Any] = field(default_factory=dict)
