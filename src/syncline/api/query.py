"""Query-string forms the Polytomic SDK sends that FastAPI does not parse by itself.

Dict parameters arrive in bracket ("deep object") notation, e.g. `filters[enabled]=true`.
"""

from __future__ import annotations

import re

from starlette.datastructures import QueryParams

from syncline.api.errors import Unprocessable, field_errors

_BRACKET = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\[(?P<key>[^\[\]]+)\]$")


def deep_object(params: QueryParams, name: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """`name[key]=value` pairs as a dict; a key outside `allowed` is a 422 naming it."""
    found: dict[str, str] = {}
    for raw_key, value in params.multi_items():
        match = _BRACKET.match(raw_key)
        if not match or match["name"] != name:
            continue
        key = match["key"]
        if key not in allowed:
            field = f"{name}[{key}]"
            raise Unprocessable(
                f"{field}: unknown filter; allowed: {', '.join(allowed)}",
                key="invalid_request",
                metadata=field_errors([(field, "unknown filter")]),
            )
        found[key] = value
    return found
