"""Request validation errors turned into messages that name the field and what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "bool_type": "must be a boolean (true or false)",
    "bool_parsing": "must be a boolean (true or false)",
    "dict_type": "must be an object",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_parsing": "must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z",
    "datetime_from_date_parsing": "must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z",
    "datetime_type": "must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z",
}


_BOUNDS = {
    "less_than_equal": "must be at most {le}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "greater_than": "must be greater than {gt}",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
}


def describe_errors(errors: Sequence[Any]) -> list[tuple[str, str]]:
    """(field, message) for each pydantic/FastAPI error; the field omits the `body`/`query` prefix."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else ""
        field = ".".join(loc[1:]) if where in {"body", "query", "path", "header"} else ".".join(loc)
        kind = error.get("type", "")
        if kind == "json_invalid":
            described.append(
                ("body", f"is not valid JSON: {error.get('ctx', {}).get('error', 'parse error')}")
            )
            continue
        message = _MESSAGES.get(kind)
        if kind == "literal_error":
            message = f"must be one of: {error.get('ctx', {}).get('expected', '')}"
        elif kind in {
            "less_than_equal",
            "greater_than_equal",
            "greater_than",
            "less_than",
            "string_too_short",
            "string_too_long",
            "too_short",
            "too_long",
            "value_error",
        }:
            message = error.get("msg", "is invalid").replace("Value error, ", "")
        described.append((field or where or "body", message or error.get("msg", "is invalid")))
    return described
