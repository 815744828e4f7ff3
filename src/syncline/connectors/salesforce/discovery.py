"""Salesforce objects as bulk-sync source schemas: describeGlobal, then a describe per object.

- Objects: the queryable ones of describeGlobal, without `*ChangeEvent` objects and those no query API
  serves without a filter (`RESTRICTED_OBJECTS`, after Airbyte's lists).
- With `enable_tooling`, the queryable Tooling API objects too, with ids prefixed `tooling.` (e.g.
  `tooling.ApexClass`) so they never clash with a data object of the same name; they are described and
  queried through the Tooling API.
- Fields: Salesforce types mapped to Polytomic's (`TYPE_MAP`; unknown types become strings), `Id` as
  the primary key, lookups as associations, active picklist values as `values`.

Describes run in parallel. An object whose describe Salesforce refuses (gone, not visible) is left out;
errors that stop every call (budget, authorization, outage) stop the discovery.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from syncline.connectors.base import ConnectorContext
from syncline.connectors.discovery import (
    Association,
    FieldType,
    PickValue,
    Schema,
    SchemaField,
    SchemaNotFound,
    SourceCapabilities,
    SourceDiscovery,
)
from syncline.connectors.salesforce.check import needs_authorization
from syncline.connectors.salesforce.client import SalesforceClient
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import (
    InvalidType,
    NotFound,
    ReauthorizationRequired,
    SalesforceRequestError,
)
from syncline.connectors.salesforce.session import client_for
from syncline.connectors.values import json_safe

__all__ = [
    "DISCOVERY",
    "RESTRICTED_OBJECTS",
    "TOOLING_PREFIX",
    "TYPE_MAP",
    "discover",
    "field_type",
    "sample",
]

TOOLING_PREFIX = "tooling."
DESCRIBE_WORKERS = 8

TYPE_MAP: dict[str, FieldType] = {
    **dict.fromkeys(
        (
            "id",
            "reference",
            "string",
            "picklist",
            "multipicklist",
            "textarea",
            "url",
            "email",
            "phone",
            "combobox",
            "encryptedstring",
            "calculated",
            "anyType",
            "time",
        ),
        "string",
    ),
    **dict.fromkeys(("currency", "double", "percent", "long", "int"), "number"),
    "boolean": "boolean",
    "date": "datetime",
    "datetime": "datetime",
    "address": "object",
    "location": "object",
    "base64": "binary",
}

# Objects that reject a bare SELECT (they need a WHERE on a parent) or that no query API serves.
RESTRICTED_OBJECTS = frozenset(
    {
        # need a filter
        "Announcement",
        "AppTabMember",
        "CollaborationGroupRecord",
        "ColorDefinition",
        "ContentDocumentLink",
        "ContentFolderItem",
        "ContentFolderMember",
        "DataStatistics",
        "DatacloudDandBCompany",
        "EntityParticle",
        "FieldDefinition",
        "FieldHistoryArchive",
        "FlexQueueItem",
        "FlowVariableView",
        "FlowVersionView",
        "IconDefinition",
        "IdeaComment",
        "NetworkUserHistoryRecent",
        "OwnerChangeOptionInfo",
        "PicklistValueInfo",
        "PlatformAction",
        "RelationshipDomain",
        "RelationshipInfo",
        "SearchLayout",
        "SiteDetail",
        "UserEntityAccess",
        "UserFieldAccess",
        "Vote",
        # not queryable in bulk by any API
        "ActivityHistory",
        "AggregateResult",
        "AttachedContentDocument",
        "AttachedContentNote",
        "CombinedAttachment",
        "ContentBody",
        "DataType",
        "DatacloudAddress",
        "EmailStatus",
        "FeedLike",
        "FeedSignal",
        "FeedTrackedChange",
        "FolderedContentDocument",
        "LookedUpFromActivity",
        "Name",
        "NoteAndAttachment",
        "OpenActivity",
        "OwnedContentDocument",
        "ProcessInstanceHistory",
        "QuoteTemplateRichTextData",
        "UserRecordAccess",
        "ActivityMetric",
        "ActivityMetricRollup",
    }
)
_SKIPPED_SUFFIXES = ("ChangeEvent", "EventStream")
# Not read by samples: compound fields repeat their components; base64 bodies are fetched one by one.
_UNSAMPLED_TYPES = frozenset({"address", "location", "base64"})

CAPABILITIES = SourceCapabilities(supports_namespaces=False, supports_tracking_fields=True)


def field_type(salesforce_type: str) -> FieldType:
    """Polytomic's type for a Salesforce field type; types this map does not know are strings."""
    return TYPE_MAP.get(salesforce_type, "string")


def discover(config: SalesforceConfig, ctx: ConnectorContext, *, include_fields: bool) -> list[Schema]:
    """The org's queryable objects (and Tooling objects with `enable_tooling`), sorted by id.

    Raises:
        SalesforceError: The org could not be read (authorization, budget, outage); its message says why.
    """
    _require_authorization(config, ctx)
    with client_for(config, ctx) as client:
        objects = [(entry, False) for entry in client.rest.describe_global() if _listed(entry)]
        if config.enable_tooling:
            objects += [(entry, True) for entry in client.tooling.sobjects() if _listed(entry)]
        if not include_fields:
            schemas = [_schema(entry, tooling, None) for entry, tooling in objects]
        else:
            with ThreadPoolExecutor(max_workers=DESCRIBE_WORKERS, thread_name_prefix="sf-describe") as pool:
                futures = [pool.submit(_described, client, entry, tooling) for entry, tooling in objects]
                try:
                    described = [future.result() for future in futures]
                except BaseException:
                    for future in futures:  # one failure (budget, authorization) ends the discovery
                        future.cancel()
                    raise
            schemas = [schema for schema in described if schema is not None]
    return sorted(schemas, key=lambda schema: schema.id)


def sample(
    config: SalesforceConfig,
    ctx: ConnectorContext,
    schema_id: str,
    limit: int,
    *,
    schema: Schema | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` records of one object over REST (Tooling objects over the Tooling API).

    `schema`, the object's cached description, saves a describe call; without it the object is described.

    Raises:
        SchemaNotFound: Salesforce does not know the object.
        SalesforceError: Salesforce refused the query; its message says why.
    """
    _require_authorization(config, ctx)
    tooling = schema_id.startswith(TOOLING_PREFIX)
    name = schema_id.removeprefix(TOOLING_PREFIX)
    with client_for(config, ctx) as client:
        if schema is None or schema.fields is None:
            try:
                described = client.tooling.describe(name) if tooling else client.rest.describe(name)
            except (InvalidType, NotFound):
                raise SchemaNotFound(schema_id) from None
            schema = _schema(described, tooling, list(_fields(described)))
        fields = [f.id for f in schema.fields or () if f.remote_type not in _UNSAMPLED_TYPES] or ["Id"]
        soql = f"SELECT {', '.join(fields)} FROM {name} LIMIT {int(limit)}"
        api = client.tooling if tooling else client.rest
        records = []
        for record in api.query(soql):
            records.append({key: json_safe(value) for key, value in record.items() if key != "attributes"})
            if len(records) >= limit:
                break
    return records


def _require_authorization(config: SalesforceConfig, ctx: ConnectorContext) -> None:
    if needs_authorization(config) and ctx.credentials is None:
        raise ReauthorizationRequired(
            "not_authorized",
            "the connection is not authorized yet",
            "Open the connection's auth_url and approve access in Salesforce.",
        )


def _listed(entry: dict[str, Any]) -> bool:
    name = str(entry.get("name") or "")
    return (
        bool(name)
        and bool(entry.get("queryable"))
        and name not in RESTRICTED_OBJECTS
        and not name.endswith(_SKIPPED_SUFFIXES)
    )


def _described(client: SalesforceClient, entry: dict[str, Any], tooling: bool) -> Schema | None:
    name = entry["name"]
    try:
        described = client.tooling.describe(name) if tooling else client.rest.describe(name)
    except SalesforceRequestError:
        return None  # gone or hidden since describeGlobal: leave the object out, keep the others
    return _schema(entry, tooling, list(_fields(described)))


def _schema(entry: dict[str, Any], tooling: bool, fields: list[SchemaField] | None) -> Schema:
    name = str(entry["name"])
    label = str(entry.get("label") or name)
    if tooling:
        return Schema(id=TOOLING_PREFIX + name, name=f"{label} (Tooling API)", fields=_tuple(fields))
    return Schema(id=name, name=label, fields=_tuple(fields))


def _tuple(fields: list[SchemaField] | None) -> tuple[SchemaField, ...] | None:
    return None if fields is None else tuple(fields)


def _fields(described: dict[str, Any]) -> Iterator[SchemaField]:
    for raw in described.get("fields") or ():
        remote = str(raw.get("type") or "")
        yield SchemaField(
            id=raw["name"],
            name=str(raw.get("label") or raw["name"]),
            type=field_type(remote),
            remote_type=remote,
            is_primary_key=raw["name"] == "Id",
            association=_association(raw),
            values=tuple(
                PickValue(label=str(v.get("label") or v["value"]), value=str(v["value"]))
                for v in raw.get("picklistValues") or ()
                if v.get("active", True)
            ),
        )


def _association(raw: dict[str, Any]) -> Association | None:
    targets = tuple(raw.get("referenceTo") or ())
    if raw.get("type") != "reference" or not targets:
        return None
    relationship = str(raw.get("relationshipName") or raw["name"])
    return Association(
        id=relationship,
        name=relationship,
        reference_to=targets,
        referenced_field=raw.get("referenceTargetField") or "Id",
    )


DISCOVERY = SourceDiscovery(capabilities=CAPABILITIES, discover=discover, sample=sample)
