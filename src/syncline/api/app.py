"""The FastAPI application: routers, middleware and error handlers, composed in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from syncline import __version__
from syncline.api.connector_errors import upstream_error
from syncline.api.errors import ApiError, error_response, field_errors
from syncline.api.middleware.body_limit import BodyLimitMiddleware
from syncline.api.middleware.idempotency import IdempotencyMiddleware
from syncline.api.middleware.request_log import CatchAllMiddleware, RequestLogMiddleware
from syncline.api.middleware.versioning import VersionMiddleware
from syncline.api.operations import polytomic_operation
from syncline.api.routers import (
    bulk_syncs,
    connection_types,
    connections,
    events,
    health,
    identity,
    jobs,
    oauth,
    organizations,
    proxy,
    queries,
    schemas,
    users,
)
from syncline.api.text_guard import reject_invalid_text
from syncline.api.validation import describe_errors
from syncline.connectors.errors import ConnectorError
from syncline.services.container import Services
from syncline.services.errors import CheckFailed, Conflict, Invalid, ServiceError
from syncline.store.idempotency import IdempotencyRecords

log = logging.getLogger("syncline.api")

_STATUS_KEYS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
}


def create_app(state: Services) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.start_jobs()
        yield
        state.close()  # on SIGTERM too: running jobs end interrupted, not running

    # FastAPIOffline serves /docs and /redoc with Swagger UI and ReDoc assets bundled in the package, not
    # from a CDN: the pages work on a machine without internet access.
    app = FastAPIOffline(
        static_url="/docs/assets",
        swagger_ui_parameters={"persistAuthorization": True},
        lifespan=lifespan,
        title="syncline",
        version=__version__,
        description="Self-hosted data sync that speaks Polytomic's public API (version 2025-09-18).",
        dependencies=[Depends(reject_invalid_text)],  # NUL and lone surrogates: 422 on every route
    )
    app.state.syncline = state
    for router in (
        health.router,
        identity.router,
        organizations.router,
        users.router,
        connection_types.router,
        connections.router,
        bulk_syncs.router,
        events.router,
        jobs.router,
        proxy.router,
        queries.router,
        schemas.router,
        oauth.router,
    ):
        app.include_router(router)

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(ConnectorError, _connector_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)

    # Listed innermost first: the request log wraps everything, the catch-all sits next to the routes.
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(IdempotencyMiddleware, records=IdempotencyRecords(state.store, state.secret_box))
    app.add_middleware(VersionMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=state.settings.max_body_bytes)
    app.add_middleware(RequestLogMiddleware)
    return app


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


_SERVICE_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (Invalid, 422),
    (CheckFailed, 400),
    (Conflict, 409),
)


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    """A broken business rule: 422 invalid, 400 a failed upstream test, 409 a conflicting state."""
    assert isinstance(exc, ServiceError)
    status = next((code for kind, code in _SERVICE_STATUS if isinstance(exc, kind)), 400)
    return error_response(status, exc.key, exc.message, exc.metadata)


async def _connector_error(_request: Request, exc: Exception) -> JSONResponse:
    """A connector's refusal that no router handled: mapped by its category."""
    assert isinstance(exc, ConnectorError)
    return upstream_error(exc).response()


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Unparseable JSON is a 400; well-formed input with invalid values is a 422, as Polytomic answers."""
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    errors = describe_errors(raw)
    message = "; ".join(f"{field}: {text}" for field, text in errors)
    if any(error.get("type") == "json_invalid" for error in raw):
        return error_response(400, "bad_request", f"malformed request: {message}", field_errors(errors))
    return error_response(422, "invalid_request", f"invalid request: {message}", field_errors(errors))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405) and str(exc.detail) in ("Not Found", "Method Not Allowed"):
        operation = polytomic_operation(request.method, request.url.path)
        if operation is not None:  # Polytomic has it, syncline not yet: not a "not found"
            name, template = operation
            return error_response(
                501,
                "not_implemented",
                f"{name} ({request.method} {template}) is part of Polytomic's API but not implemented by "
                "syncline yet",
                {"operation": name},
            )
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    return error_response(
        exc.status_code, _STATUS_KEYS.get(exc.status_code, "error"), message, headers=dict(exc.headers or {})
    )
