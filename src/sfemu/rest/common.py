"""What every REST handler needs: the org, the caller, the API version, the object, the JSON body."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from sfemu.auth.session import Session, authenticate
from sfemu.errors import JsonParserError, NotFound
from sfemu.org import Org
from sfemu.routing import body_of
from sfemu.schema.model import ObjectDef

_VERSION = re.compile(r"^v(\d{2,3}\.\d)$")


def org_of(request: Request) -> Org:
    return request.app.state.org


def version_of(request: Request) -> str:
    """`62.0` from a `/services/data/v62.0/...` path; any vNN.N is served."""
    match = _VERSION.match(request.path_params.get("version", ""))
    if not match:
        raise NotFound()
    return match.group(1)


def caller(request: Request) -> Session:
    return authenticate(request)


def sobject(org: Org, name: str, *, tooling: bool = False) -> ObjectDef:
    obj = org.schema.get(name, tooling=tooling)
    if obj is None:
        raise NotFound()
    return obj


def json_body(request: Request) -> Any:
    raw = body_of(request)
    try:
        return json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonParserError(
            f"Unexpected character at [line:{getattr(exc, 'lineno', 1)}, column:{getattr(exc, 'colno', 1)}]",
        ) from None


def json_object(request: Request) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise JsonParserError(
            "Cannot deserialize instance of object from the given JSON: expected an object",
        )
    return body
