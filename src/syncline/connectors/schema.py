"""Polytomic-style JSON Schema for a config model.

Written by hand rather than with pydantic's generator: Polytomic's schemas keep a fixed key order,
use plain `{"type": "integer"}` for optional settings (no `anyOf: [..., null]`), carry UI flags such
as `sensitive` at the top of each property, and express conditional requirements as `allOf` of
`if`/`then`, which is what clients of the API and the Terraform provider parse.
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Le, MinLen
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from syncline.connectors.config import ConnectionConfig, When, unwrap_optional

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "https://syncline.dev/schemas/connections/"

_JSON_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}
# Polytomic's per-property key order; keys without a value are left out.
_FLAG_KEYS = ("sensitive", "readOnly", "hidden", "api_field", "widget", "password")


def config_json_schema(type_id: str, model: type[ConnectionConfig]) -> dict[str, Any]:
    """Build the JSON Schema that `GET /api/connection_types/{id}` returns for `model`.

    Args:
        type_id: The connection type id, used in `$id`.
        model: The type's config model.

    Returns:
        A dict with keys, in order: `$schema`, `$id`, `properties`, `type`, `required` (when any
        setting is unconditionally required) and `allOf` (when the model has `rules`).
    """
    properties = {name: property_schema(info) for name, info in model.model_fields.items()}
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + type_id,
        "properties": properties,
        "type": "object",
    }
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    if required:
        schema["required"] = required
    if model.rules:
        schema["allOf"] = [rule_schema(rule, model) for rule in model.rules]
    return schema


def property_schema(info: FieldInfo) -> dict[str, Any]:
    """The schema of one setting, keys in Polytomic's order."""
    prop: dict[str, Any] = dict(type_schema(unwrap_optional(info.annotation)))
    enum = prop.pop("enum", None)
    if info.title is not None:
        prop["title"] = info.title
    if info.description is not None:
        prop["description"] = info.description
    if info.examples:
        prop["examples"] = list(info.examples)
    if info.default is not PydanticUndefined and info.default is not None:
        prop["default"] = info.default
    if enum is not None:
        prop["enum"] = enum
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    for key in _FLAG_KEYS:
        if key in extra:
            prop[key] = extra[key]
    for constraint in info.metadata:
        if isinstance(constraint, Ge):
            prop["minimum"] = constraint.ge
        elif isinstance(constraint, Le):
            prop["maximum"] = constraint.le
        elif isinstance(constraint, MinLen):
            prop["minLength"] = constraint.min_length
    return prop


def type_schema(annotation: Any) -> dict[str, Any]:
    """`type` (and `enum` or `items`) for a Python annotation used in a config model."""
    if get_origin(annotation) is Literal:
        values = list(get_args(annotation))
        return {"type": _JSON_TYPES[type(values[0])], "enum": values}
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return {"type": "array", "items": type_schema(item)}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    msg = f"config settings must be str, int, float, bool, Literal or list; got {annotation!r}"
    raise TypeError(msg)


def rule_schema(rule: When, model: type[ConnectionConfig]) -> dict[str, Any]:
    """One `{"if": ..., "then": ...}` entry of `allOf` for a `When` rule."""
    values = list(rule.values)
    trigger: dict[str, Any] = {"const": values[0]} if len(values) == 1 else {"enum": values}
    condition: dict[str, Any] = {"properties": {rule.field: trigger}}
    # JSON Schema validators do not apply defaults: an absent trigger only matches if its default does.
    if model.model_fields[rule.field].default not in rule.values:
        condition["required"] = [rule.field]
    then: dict[str, Any] = {}
    if rule.require:
        then["required"] = list(rule.require)
    if rule.minimum:
        then["properties"] = {name: {"minimum": bound} for name, bound in rule.minimum.items()}
    return {"if": condition, "then": then}
