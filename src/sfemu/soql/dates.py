"""SOQL date and datetime values: unquoted literals, and relative date literals as day ranges.

A relative literal (TODAY, LAST_N_DAYS:7, THIS_QUARTER, ...) denotes an inclusive range of whole days in
UTC (the emulated user's time zone). Weeks start on Sunday (en_US), the fiscal year is the calendar year.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$",
    re.IGNORECASE,
)

FIXED = {
    "YESTERDAY",
    "TODAY",
    "TOMORROW",
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_MONTH",
    "THIS_MONTH",
    "NEXT_MONTH",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
    "THIS_QUARTER",
    "LAST_QUARTER",
    "NEXT_QUARTER",
    "THIS_YEAR",
    "LAST_YEAR",
    "NEXT_YEAR",
}
_UNITS = ("DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS")
WITH_N = {f"{form}_{unit}" for unit in _UNITS for form in ("LAST_N", "NEXT_N")} | {
    f"N_{u}_AGO" for u in _UNITS
}


def canonical(name: str) -> str:
    """Upper-cased, with fiscal periods mapped onto calendar ones (THIS_FISCAL_YEAR → THIS_YEAR)."""
    return name.upper().replace("_FISCAL_", "_").replace("FISCAL_", "")


def is_date_literal(name: str) -> bool:
    key = canonical(name)
    return key in FIXED or key in WITH_N


def needs_n(name: str) -> bool:
    return canonical(name) in WITH_N


def parse_datetime(text: str) -> tuple[str, bool]:
    """The UTC storage form `YYYY-MM-DDTHH:MM:SS.fffZ` of a literal and whether it has sub-millisecond digits.

    Storage keeps milliseconds, so the compiler needs to know when the literal lies strictly between two
    storable instants (singer sends 6 fractional digits, some clients 9).
    """
    match = _DATETIME.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    fraction = fraction or ""
    millis = int((fraction[:3]).ljust(3, "0"))
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), millis * 1000, UTC
    )
    if not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        moment = moment - offset if sign == "+" else moment + offset
    return format_datetime(moment), any(digit != "0" for digit in fraction[3:])


def format_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_date(text: str) -> str:
    return date.fromisoformat(text).isoformat()  # validates the calendar date


def _shift_months(start: date, months: int) -> date:
    index = start.year * 12 + (start.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _period_start(unit: str, offset: int, today: date) -> date:
    """First day of the period `offset` units after the current one (negative: before)."""
    if unit == "DAYS":
        return today + timedelta(days=offset)
    if unit == "WEEKS":
        sunday = today - timedelta(days=(today.weekday() + 1) % 7)
        return sunday + timedelta(days=7 * offset)
    months = {"MONTHS": 1, "QUARTERS": 3, "YEARS": 12}[unit]
    current = date(today.year, (today.month - 1) // months * months + 1, 1)
    return _shift_months(current, months * offset)


def _periods(key: str, n: int | None) -> tuple[str, int, int]:
    """A literal as (unit, first, last): an inclusive run of periods relative to the current one."""
    count = n or 0
    special = {
        "TODAY": ("DAYS", 0, 0),
        "YESTERDAY": ("DAYS", -1, -1),
        "TOMORROW": ("DAYS", 1, 1),
        "LAST_90_DAYS": ("DAYS", -90, 0),
        "NEXT_90_DAYS": ("DAYS", 1, 90),
        "LAST_N_DAYS": ("DAYS", -count, 0),
    }  # LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow
    if key in special:
        return special[key]
    head, _, unit = key.rpartition("_")
    if head in {"THIS", "LAST", "NEXT"}:
        offset = {"THIS": 0, "LAST": -1, "NEXT": 1}[head]
        return unit + "S", offset, offset
    if key.startswith("LAST_N_"):
        return key[7:], -count, -1
    if key.startswith("NEXT_N_"):
        return key[7:], 1, count
    if key.startswith("N_") and key.endswith("_AGO"):
        return key[2:-4], -count, -count
    raise ValueError(key)


def literal_range(name: str, n: int | None, today: date) -> tuple[date, date]:
    """The inclusive first and last day that a relative date literal denotes."""
    unit, first, last = _periods(canonical(name), n)
    return _period_start(unit, first, today), _period_start(unit, last + 1, today) - timedelta(days=1)


def range_bounds(name: str, n: int | None, today: date, *, datetime_field: bool) -> tuple[str, str]:
    """Half-open storage bounds [start, end) of a date literal, for a date or a datetime column."""
    first, last = literal_range(name, n, today)
    end = last + timedelta(days=1)
    if datetime_field:
        return f"{first.isoformat()}T00:00:00.000Z", f"{end.isoformat()}T00:00:00.000Z"
    return first.isoformat(), end.isoformat()
