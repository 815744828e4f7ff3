"""Validate a raw configuration against a config model, reporting every problem at once.

Pydantic's messages ("Input should be a valid integer, unable to parse string as an integer") are
rewritten into short ones that say what is allowed and what was given, and the model's `When` rules
are checked even when other settings are wrong, so a user fixes everything in one round trip.
A sensitive setting's value never appears in a message.
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from syncline.connectors.config import ConnectionConfig, When, field_flags, unwrap_optional
from syncline.connectors.errors import ConfigurationInvalid, FieldError

C = TypeVar("C", bound=ConnectionConfig)

_EXPECTED = {
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be an array",
}


def validate_config(model: type[C], raw: dict[str, Any]) -> C:
    """Validate `raw` against `model` and its conditional rules.

    A `null` value for a known setting counts as absent, so its default applies.

    Args:
        model: The config model.
        raw: The configuration as received, e.g. from a JSON request body.

    Returns:
        The validated config.

    Raises:
        ConfigurationInvalid: With one `FieldError` per problem, in declaration order of the
            settings, unknown settings after them.
    """
    if not isinstance(raw, dict):
        raise ConfigurationInvalid([FieldError("", "configuration must be a JSON object")])
    data = {key: value for key, value in raw.items() if not (value is None and key in model.model_fields)}
    sensitive = field_flags(model, "sensitive")
    errors: list[FieldError] = []
    result: C | None = None
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        errors = [_field_error(model, err, sensitive) for err in exc.errors()]
    failed = {error.field for error in errors}
    errors += [
        error
        for rule in model.rules
        for error in _rule_errors(model, rule, data, failed, sensitive)
        if error.field not in failed
    ]
    if errors:
        order = {name: index for index, name in enumerate(model.model_fields)}
        errors.sort(key=lambda error: order.get(error.field, len(order)))
        raise ConfigurationInvalid(errors)
    assert result is not None  # errors is empty only if model_validate succeeded
    return result


def _field_error(model: type[ConnectionConfig], err: ErrorDetails, sensitive: frozenset[str]) -> FieldError:
    name = ".".join(str(part) for part in err["loc"])
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return FieldError(name, "is required")
    if kind == "extra_forbidden":
        return FieldError(name, _unknown_field_message(model, name))
    secret = name in sensitive
    if kind == "literal_error":
        allowed = ", ".join(str(v) for v in _enum_values(model, name))
        return FieldError(name, f"must be one of: {allowed} (got {describe_value(value, secret)})")
    if kind in _EXPECTED:
        return FieldError(name, f"{_EXPECTED[kind]} (got {describe_value(value, secret)})")
    if kind == "greater_than_equal":
        bound = (err.get("ctx") or {}).get("ge")
        return FieldError(name, f"must be at least {bound} (got {describe_value(value, secret)})")
    if kind == "less_than_equal":
        bound = (err.get("ctx") or {}).get("le")
        return FieldError(name, f"must be at most {bound} (got {describe_value(value, secret)})")
    if kind == "string_too_short":
        return FieldError(name, "must not be empty")
    # Custom validators raise PydanticCustomError with a message written for users already.
    return FieldError(name, err["msg"])


def _unknown_field_message(model: type[ConnectionConfig], name: str) -> str:
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown field; {hint}allowed fields: {', '.join(allowed)}"


def _enum_values(model: type[ConnectionConfig], name: str) -> tuple[Any, ...]:
    annotation = unwrap_optional(model.model_fields[name].annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def _rule_errors(
    model: type[ConnectionConfig],
    rule: When,
    data: dict[str, Any],
    failed: set[str],
    sensitive: frozenset[str],
) -> list[FieldError]:
    if rule.field in failed:
        return []  # the trigger's own error is already reported; its mode is unknown
    trigger = _coerced(model, rule.field, data)
    if trigger is _INVALID or trigger not in rule.values:
        return []
    when = f"when {rule.field} is {_json(trigger)}"
    errors = [FieldError(name, f"is required {when}") for name in rule.require if _blank(data.get(name))]
    for name, bound in rule.minimum.items():
        value = _coerced(model, name, data)
        if isinstance(value, int) and value < bound:
            shown = describe_value(value, name in sensitive)
            errors.append(FieldError(name, f"must be at least {bound} {when} (got {shown})"))
    return errors


_INVALID = object()


def _coerced(model: type[ConnectionConfig], name: str, data: dict[str, Any]) -> Any:
    """The setting's value as the model would see it (default if absent), or `_INVALID`."""
    info = model.model_fields[name]
    if name not in data:
        return None if info.is_required() else info.get_default(call_default_factory=True)
    annotation: Any = info.annotation
    try:
        return TypeAdapter(annotation).validate_python(data[name])
    except ValidationError:
        return _INVALID


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def describe_value(value: Any, sensitive: bool = False) -> str:
    """Describe a given value for an error message; for a secret only its kind, never its content."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean" if sensitive else json.dumps(value)
    if isinstance(value, int | float):
        return "a number" if sensitive else json.dumps(value)
    if sensitive:
        return "a string"
    text = str(value)
    return json.dumps(text[:40] + ("…" if len(text) > 40 else ""), ensure_ascii=False)
