"""Checks of answers against the OpenAPI document beyond what JSON Schema validation sees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def undeclared(
    value: Any, schema: dict[str, Any], components: dict[str, Any], where: str = ""
) -> Iterator[str]:
    """Paths of object keys the schema does not name. Response models keep unknown fields (as the SDK's do),
    so validation alone never notices a field the document forgot or misspelt."""
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            yield from undeclared(value, branch, components, where)
            return
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                yield f"{where}.{key}" if where else key
            else:
                yield from undeclared(
                    item, schema["properties"][key], components, f"{where}.{key}".strip(".")
                )
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from undeclared(item, schema["items"], components, f"{where}.{index}")
