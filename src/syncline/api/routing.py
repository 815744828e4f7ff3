"""How every API route declares its answers in the OpenAPI document.

Endpoints build their bodies as dicts; each route names a response model (its success body) and the error
body for the statuses it may answer. The model serializes what the endpoint built and nothing more:
`response_model_exclude_unset` keeps fields the endpoint left out out of the answer, instead of adding
them as `null`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from syncline.api.models.common import ApiErrorBody

_WHY = {
    400: "Malformed input (JSON, a header), or the upstream refused the request",
    401: "Missing, malformed or unknown API key",
    403: "The key may not do this (read-only key, user key on a partner action, …)",
    404: "No such resource in the caller's organization",
    409: "Conflicts with the current state (in use, duplicate, idempotent request in flight)",
    413: "Request body over the limit",
    422: "Invalid values; `metadata.errors` names each field",
    429: "Rate or API budget used up; `Retry-After` says when to retry",
    502: "The upstream is unreachable or answered unusably",
    504: "The upstream did not answer in time",
}
# What any authenticated route may answer.
API_ERRORS = (400, 401, 403, 404, 409, 413, 422)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting the error body for each status."""
    return {status: {"model": ApiErrorBody, "description": _WHY[status]} for status in statuses}


def json_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The same for a route whose own answers are not JSON (an HTML page): FastAPI would document a
    `model` under the route's media type, so the JSON error body is named by reference."""
    schema = {"$ref": f"#/components/schemas/{ApiErrorBody.__name__}"}
    return {
        status: {"description": _WHY[status], "content": {"application/json": {"schema": schema}}}
        for status in statuses
    }


class ApiRoute(APIRoute):
    """A route whose response model leaves out what the endpoint left out (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)


def api_router(*, tags: list[str], errors: tuple[int, ...] = API_ERRORS, prefix: str = "/api") -> APIRouter:
    """A router of API routes: typed answers, the error body documented for `errors`."""
    return APIRouter(prefix=prefix, tags=list(tags), route_class=ApiRoute, responses=error_responses(*errors))
