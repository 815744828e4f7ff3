"""Just enough SOQL reading to name a query's result columns before its rows arrive."""

from __future__ import annotations

import re

__all__ = ["select_columns"]

_SELECT = re.compile(r"^\s*select\s+", re.IGNORECASE)
_ALIASED = re.compile(r"^(?P<expr>.+\))\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*)$", re.DOTALL)
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def select_columns(soql: str) -> list[str] | None:
    """The flattened column names of a SOQL query (`Account.Name`, an alias, `expr0`), in order.

    Subqueries (child relationships) and TYPEOF are not columns of the flat result and are left out;
    `COUNT()` alone answers a `count` column. None when the select list is not one this reader knows.
    """
    match = _SELECT.match(soql)
    if match is None:
        return None
    items = _top_level_items(soql[match.end() :])
    if items is None:
        return None
    columns: list[str] = []
    unnamed = 0
    for item in items:
        if item.startswith("(") or item.lower().startswith("typeof"):
            continue
        if item.lower().replace(" ", "") == "count()":
            columns.append("count")
            continue
        aliased = _ALIASED.match(item)
        if aliased:
            columns.append(aliased.group("alias"))
        elif item.endswith(")"):
            columns.append(f"expr{unnamed}")
            unnamed += 1
        elif _PATH.match(item):
            columns.append(item)
        else:
            return None
    return columns


def _top_level_items(rest: str) -> list[str] | None:
    """The comma-separated items before the top-level FROM."""
    depth, start, items = 0, 0, []
    lowered = rest.lower()
    for index, char in enumerate(rest):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(rest[start:index].strip())
            start = index + 1
        elif (
            depth == 0
            and lowered.startswith("from", index)
            and (index == 0 or rest[index - 1].isspace())
            and (index + 4 < len(rest) and rest[index + 4].isspace())
        ):
            items.append(rest[start:index].strip())
            return [item for item in items if item]
    return None
