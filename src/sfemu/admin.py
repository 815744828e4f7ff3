"""The emulator's own JSON admin API under `/__sfemu/`: statistics, run-time knobs, token control.

Not part of Salesforce: clients never see it, tests and users drive faults with it. The handlers that
only touch memory run on the event loop, so they answer even while every worker thread is busy; the
token knobs write to the database and run on a worker thread (`sfemu.routing`).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sfemu import __version__
from sfemu.routing import route


async def stats(request: Request) -> Response:
    return JSONResponse(request.app.state.org.stats.snapshot())


async def reset(request: Request) -> Response:
    request.app.state.org.stats.reset()
    return Response(status_code=204)


async def get_config(request: Request) -> Response:
    return JSONResponse(request.app.state.org.config.public())


async def put_config(request: Request) -> Response:
    org = request.app.state.org
    try:
        changes = json.loads(await request.body() or b"{}")
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object of knob: value")
        org.config.update(changes)
    except (ValueError, json.JSONDecodeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(org.config.public())


def expire_tokens(request: Request) -> Response:
    request.app.state.org.tokens.expire_access_tokens()
    return Response(status_code=204)


def revoke_refresh_tokens(request: Request) -> Response:
    request.app.state.org.tokens.revoke_refresh_tokens()
    return Response(status_code=204)


async def info(request: Request) -> Response:
    org = request.app.state.org
    return JSONResponse(
        {
            "version": __version__,
            "org_id": org.org_id,
            "user_id": org.user_id,
            "base_url": org.config.base_url,
            "username": org.config.username,
            "client_id": org.config.client_id,
        }
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/__sfemu/info", info, methods=["GET"]),
        Route("/__sfemu/stats", stats, methods=["GET"]),
        Route("/__sfemu/reset", reset, methods=["POST"]),
        Route("/__sfemu/config", get_config, methods=["GET"]),
        Route("/__sfemu/config", put_config, methods=["PUT", "PATCH"]),
        route("/__sfemu/tokens/expire", expire_tokens, methods=["POST"]),
        route("/__sfemu/tokens/revoke-refresh", revoke_refresh_tokens, methods=["POST"]),
    ]
