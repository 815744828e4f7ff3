"""Coerce incoming field values (REST JSON or Bulk CSV text) into their storage encoding.

Errors are raised as `SalesforceError` with Salesforce's own codes and message shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sfemu import ids
from sfemu.clock import format_storage
from sfemu.errors import MalformedId, SalesforceError
from sfemu.schema.model import FieldDef

_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,9}))?Z?$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def parse_datetime(text: str) -> datetime | None:
    match = _DATETIME.match(text.strip())
    if not match:
        return None
    day, clock, fraction, zone = match.groups()
    if clock.count(":") == 1:
        clock += ":00"
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if fraction:
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment.replace(tzinfo=timezone(sign * offset))
    else:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _bad_type(f: FieldDef, value: Any, expected: str) -> SalesforceError:  # noqa: ARG001
    return SalesforceError(
        400,
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{f.label or f.name}: value not of required type: {value}",
        [f.name],
    )


def _id(f: FieldDef, value: Any) -> Any:
    normalized = ids.normalize(value) if isinstance(value, str) else None
    if normalized is None:
        raise MalformedId(f"{f.label or f.name}: id value of incorrect type: {value}", [f.name])
    return normalized


def _boolean(f: FieldDef, value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    # REST accepts "true"/"false" strings too, as Salesforce does; CSV sends only text.
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return int(value.strip().lower() in _TRUE)
    raise _bad_type(f, value, "boolean")


def _integer(f: FieldDef, value: Any) -> Any:
    if isinstance(value, bool):
        raise _bad_type(f, value, "integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _bad_type(f, value, "integer")


def _number(f: FieldDef, value: Any) -> Any:
    if isinstance(value, bool):
        raise _bad_type(f, value, "number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _bad_type(f, value, "number")


def _date(f: FieldDef, value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) >= 10:  # a datetime given for a date keeps its day, as Salesforce does
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    raise _bad_type(f, value, "date")


def _datetime(f: FieldDef, value: Any) -> Any:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise _bad_type(f, value, "dateTime")
    return format_storage(moment)


def _time(f: FieldDef, value: Any) -> Any:
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise _bad_type(f, value, "time")
    hours, minutes, seconds, fraction = match.groups()
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return f"{hours}:{minutes}:{seconds or '00'}.{millis:03d}Z"


def _text(f: FieldDef, value: Any) -> Any:
    if type(value) is not str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise _bad_type(f, value, "string")
    if f.type == "multipicklist":
        return ";".join(part.strip() for part in value.split(";") if part.strip())
    return value


_COERCE: dict[str, Callable[[FieldDef, Any], Any]] = {
    "id": _id,
    "reference": _id,
    "boolean": _boolean,
    "int": _integer,
    "long": _integer,
    "double": _number,
    "currency": _number,
    "percent": _number,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
}


def coercer(f: FieldDef) -> Callable[[FieldDef, Any], Any]:
    """The function `coerce` applies to a non-null value of `f` (for callers that cache it per field)."""
    return _COERCE.get(f.type, _text)


def coerce(f: FieldDef, value: Any) -> Any:
    """The storage value of `value` (JSON or CSV text) for field `f`; None stays None."""
    if value is None:
        return None
    return _COERCE.get(f.type, _text)(f, value)
