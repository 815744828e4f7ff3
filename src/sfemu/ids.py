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
# Every ASCII character → "1" if it is an upper-case letter, else "0": one translate gives the
# checksum's flags, and each group of five flags (first flag = lowest bit) names one suffix character.
_UPPER_BITS = str.maketrans({chr(c): "1" if "A" <= chr(c) <= "Z" else "0" for c in range(128)})
_GROUP = {format(bits, "05b")[::-1]: _SUFFIX[bits] for bits in range(32)}
_PAIRS = [high + low for high in BASE62 for low in BASE62]  # base-62 digit pairs, 0..3843
_MAX_COUNTER = 62**10


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character id safe for case-insensitive systems."""
    if len(id15) == 15 and id15.isascii():
        flags = id15.translate(_UPPER_BITS)
        return _GROUP[flags[:5]] + _GROUP[flags[5:10]] + _GROUP[flags[10:]]
    suffix = []
    for start in (0, 5, 10):
        value = 0
        for offset, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                value |= 1 << offset
        suffix.append(_SUFFIX[value])
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
    if not isinstance(value, str) or not _ID.match(value):
        return None
    head = value[:15]
    suffix = checksum(head)  # `is_id` then `to18`, computing the checksum once
    if len(value) != 15 and value[15:].upper() != suffix:
        return None
    return head + suffix


def encode_counter(number: int, width: int = 10) -> str:
    if width == 10 and 0 <= number < _MAX_COUNTER:  # the common case: five divisions by 62²
        rest, e = divmod(number, 3844)
        rest, d = divmod(rest, 3844)
        rest, c = divmod(rest, 3844)
        a, b = divmod(rest, 3844)
        return _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d] + _PAIRS[e]
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
