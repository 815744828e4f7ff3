"""Salesforce record ids: 15-character case-sensitive base-62 plus the 3-character checksum suffix.

Layout: 3-character key prefix, 2-character pod ("5g"), 10-character base-62 counter. Counters are
zero-padded and the alphabet is in ASCII order, so ids of one object sort in creation order.
"""

from __future__ import annotations

import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
POD = "5g"
_ID = re.compile(r"^[0-9A-Za-z]{15}(?:[A-Z0-5]{3})?$")


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character id safe for case-insensitive systems."""
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for offset, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << offset
        suffix.append(_SUFFIX[bits])
    return "".join(suffix)


def to18(value: str) -> str:
    """The 18-character form of a 15- or 18-character id (the suffix is recomputed, never trusted)."""
    return value[:15] + checksum(value[:15])


def is_id(value: object) -> bool:
    """True for a well-formed 15- or 18-character id whose suffix (if any) matches."""
    if not isinstance(value, str) or not _ID.match(value):
        return False
    return len(value) == 15 or value[15:].upper() == checksum(value[:15])


def normalize(value: str) -> str | None:
    """The canonical 18-character id, or None when `value` is not an id."""
    if not is_id(value):
        return None
    return to18(value)


def encode_counter(number: int, width: int = 10) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    encoded = "".join(reversed(digits)) or "0"
    if len(encoded) > width:
        raise OverflowError(f"counter {number} does not fit in {width} base-62 digits")
    return encoded.rjust(width, "0")


def make_id(key_prefix: str, counter: int) -> str:
    return to18(f"{key_prefix}{POD}{encode_counter(counter)}")
