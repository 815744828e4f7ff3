"""Every string a request carries is valid text: no NUL and no lone surrogates, wherever it comes from.

PostgreSQL refuses NUL in `text` and `jsonb`, psycopg cannot encode a lone surrogate, and no upstream wants
either, so a request carrying one would otherwise fail deep inside with a 500 (on PostgreSQL stores) or be
stored as it is (on SQLite). This one check, run before every endpoint, answers 422 naming the field:
path parameters and query parameters (invalid UTF-8 in a percent-escape counts as a lone surrogate) and
every string of a JSON body, object keys included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import Request
from starlette.routing import Match

from syncline.api.errors import Unprocessable, field_errors

# NUL and UTF-16 surrogates: unpaired in a Python str, they cannot be encoded as UTF-8.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
PROBLEM = "must be valid Unicode text without NUL characters (\\u0000) or unpaired surrogates"


def shown(text: str) -> str:
    """A name safe to echo in an error body: NUL and surrogates as `\\uXXXX` escapes."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


async def reject_invalid_text(request: Request) -> None:
    """A FastAPI dependency of the whole app: a 422 naming every field with NUL or a lone surrogate."""
    bad = [*_path_fields(request), *_query_fields(request), *_body_fields(await _json_body(request))]
    if bad:
        names = list(dict.fromkeys(bad))
        raise Unprocessable(
            f"{', '.join(names)}: {PROBLEM}",
            key="invalid_request",
            metadata=field_errors([(name, PROBLEM) for name in names]),
        )


def _path_fields(request: Request) -> Iterator[str]:
    # The server decodes the path with invalid UTF-8 replaced; decode it again keeping the bad bytes as
    # surrogates, and match the route once more to know which parameter they fall in.
    raw = request.scope.get("raw_path")
    params: dict[str, Any] = dict(request.path_params)
    route = request.scope.get("route")
    if isinstance(raw, bytes) and b"%" in raw and route is not None:
        path = unquote(raw.decode("latin-1"), errors="surrogateescape")
        match, found = route.matches({**request.scope, "path": path})
        if match is Match.FULL:
            params = {**params, **found.get("path_params", {})}
    for name, value in params.items():
        if isinstance(value, str) and _UNSAFE.search(value):
            yield name


def _query_fields(request: Request) -> Iterator[str]:
    query = request.scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="surrogateescape"):
        if _UNSAFE.search(name) or _UNSAFE.search(value):
            yield shown(name)


async def _json_body(request: Request) -> Any:
    """The JSON body of a route that takes one; None when there is none or it does not parse (FastAPI has
    answered that already). A body sent to a route without one is never read by the route: not checked."""
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None:
        return None
    body = await request.body()
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _body_fields(body: Any) -> Iterator[str]:
    # Depth-first without recursion: the depth of a JSON body is the sender's choice.
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if _UNSAFE.search(value):
                yield where or "body"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                field = f"{where}.{shown(key)}" if where else shown(key)
                stack.append((field, item))
                if _UNSAFE.search(key):
                    stack.append((field, key))  # named once for the key itself, before its value
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), item) for i, item in reversed(list(enumerate(value)))
            )
