"""Build the org's schema: standard objects, the custom schema file, and the multicurrency toggle."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from sfemu.schema.model import FieldDef, ObjectDef, Schema
from sfemu.schema.standard import standard_objects, system_fields, tooling_objects

__all__ = ["FieldDef", "ObjectDef", "Schema", "build_schema"]

# Objects whose records carry an amount and therefore a currency in a multicurrency org.
CURRENCY_OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "Campaign", "Invoice__c")
CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD")


class SchemaFileError(ValueError):
    """The custom schema file is malformed; the message names the entry."""


def build_schema(*, multicurrency: bool = True, custom_path: Path | None = None) -> Schema:
    schema = Schema()
    for obj in [*standard_objects(), *tooling_objects()]:
        schema.add(obj)
    text = (
        custom_path.read_text()
        if custom_path
        else (resources.files("sfemu.schema") / "custom.json").read_text()
    )
    _apply_custom(schema, json.loads(text))
    if multicurrency:
        for name in CURRENCY_OBJECTS:
            priced = schema.get(name)
            if priced is not None:
                priced.add(
                    FieldDef(
                        "CurrencyIsoCode",
                        "picklist",
                        length=3,
                        picklist=CURRENCY_CODES,
                        restricted_picklist=True,
                        nillable=False,
                        defaulted_on_create=True,
                        default="USD",
                        label="Currency ISO Code",
                    )
                )
    return schema


def _apply_custom(schema: Schema, spec: dict[str, Any]) -> None:
    for obj_spec in spec.get("objects", []):
        name = obj_spec["name"]
        if not name.endswith("__c"):
            raise SchemaFileError(f"custom object {name!r} must end in __c")
        obj = ObjectDef(
            name,
            obj_spec["keyPrefix"],
            obj_spec.get("label", name),
            obj_spec.get("labelPlural", name),
            custom=True,
        )
        obj.add(*system_fields())
        for field_spec in obj_spec.get("fields", []):
            obj.add(_field(name, field_spec, custom=field_spec["name"] != "Name"))
        schema.add(obj)
    for obj_name, fields in spec.get("fields", {}).items():
        extended = schema.get(obj_name)
        if extended is None:
            raise SchemaFileError(f"custom fields declared on unknown object {obj_name!r}")
        for field_spec in fields:
            extended.add(_field(obj_name, field_spec, custom=True))


def _field(obj_name: str, spec: dict[str, Any], *, custom: bool) -> FieldDef:
    name = spec.get("name")
    if not name or (custom and not name.endswith("__c")):
        raise SchemaFileError(f"{obj_name}: custom field {name!r} must have a name ending in __c")
    kind = spec.get("type", "string")
    return FieldDef(
        name,
        kind,
        label=spec.get("label", name),
        length=spec.get("length", 255 if kind == "string" else 0),
        precision=spec.get("precision", 18 if kind in {"double", "currency", "percent"} else 0),
        scale=spec.get("scale", 2 if kind in {"double", "currency", "percent"} else 0),
        nillable=spec.get("nillable", True) if kind != "boolean" else False,
        defaulted_on_create=kind == "boolean",
        default=False if kind == "boolean" else spec.get("default"),
        createable=not spec.get("formula"),
        updateable=not spec.get("formula"),
        reference_to=tuple(spec.get("referenceTo", ())),
        relationship_name=spec.get("relationshipName"),
        picklist=tuple(spec.get("picklistValues", ())),
        restricted_picklist=spec.get("restrictedPicklist", False),
        external_id=spec.get("externalId", False),
        unique=spec.get("unique", False),
        id_lookup=spec.get("externalId", False) or spec.get("nameField", False),
        name_field=spec.get("nameField", False),
        custom=custom,
        formula=spec.get("formula"),
    )
