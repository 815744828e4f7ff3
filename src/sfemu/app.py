"""The emulator's ASGI app: every API's routes behind a middleware that counts, limits and injects faults."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sfemu.admin import routes as admin_routes
from sfemu.auth.http import routes as auth_routes
from sfemu.bulk1 import routes as bulk1_routes
from sfemu.bulk2 import routes as bulk2_routes
from sfemu.errors import OAuthError, SalesforceError
from sfemu.middleware import ApiCallMiddleware
from sfemu.org import Org
from sfemu.rest.http import routes as rest_routes
from sfemu.wire import SalesforceHeaders

# Salesforce compresses any body when the client sends `Accept-Encoding: gzip`; empty bodies (204) stay empty.
GZIP_MINIMUM = 1
# The fastest level: a million-row Bulk download must cost the emulator little (level 9 is ~5x slower).
GZIP_LEVEL = 1


def create_app(org: Org, *, date_header: bool = False) -> Starlette:
    """The app; `date_header=True` adds `Date` itself, for a server whose own is turned off."""
    app = Starlette(
        routes=[*auth_routes(), *bulk2_routes(), *bulk1_routes(), *rest_routes(), *admin_routes()],
        exception_handlers={
            SalesforceError: _salesforce_error,
            OAuthError: _oauth_error,
            404: _not_found,
            405: _method_not_allowed,
        },
    )
    app.state.org = org
    # Innermost first. Gzip sits inside the API-call middleware, so a simulated connection reset is
    # sent uncompressed; headers are recased last, after everyone has added theirs.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=GZIP_LEVEL)
    app.add_middleware(ApiCallMiddleware, org=org)
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(SalesforceHeaders, date=date_header)
    return app


class TrailingSlashMiddleware:
    """Clients call `/query/?q=` and `/sobjects/Account/`: route them as if the slash were not there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope["path"]) > 1 and scope["path"].endswith("/"):
            scope = {**scope, "path": scope["path"].rstrip("/") or "/"}
        await self.app(scope, receive, send)


async def _salesforce_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return exc.response()


async def _oauth_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return exc.response()


async def _not_found(_request: Request, _exc: Exception) -> Response:
    return JSONResponse(
        [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], status_code=404
    )


async def _method_not_allowed(request: Request, _exc: Exception) -> Response:
    return JSONResponse(
        [
            {
                "errorCode": "METHOD_NOT_ALLOWED",
                "message": f"HTTP Method '{request.method}' not allowed. Allowed are GET,HEAD,POST,"
                "PATCH,DELETE",
            }
        ],
        status_code=405,
    )
