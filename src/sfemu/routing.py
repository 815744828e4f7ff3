"""Routes for the API handlers: each runs on a worker thread, never on the event loop.

Every Salesforce API handler does blocking work: SQLite reads and writes, SOQL compilation, describe,
Bulk job files, waiting for a Bulk job to settle. So a handler is a plain function
`handler(request) -> Response`, and `route()` runs it in Starlette's thread pool. The event loop only
moves bytes, so while a slow query runs, `/__sfemu/info`, token requests and every other call are still
served. (The store is built for it: see `sfemu.store.db.Database`.)

The request body arrives on the event loop's ASGI channel, so a handler reads it with `body_of` or
`stream_of`, which wait for it on the loop from the worker thread. Only handlers that do no blocking
work at all (the admin API's in-memory knobs) may be `async def` and skip `route()`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from functools import wraps

import anyio.from_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Handler = Callable[[Request], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def route(path: str, handler: Handler, *, methods: list[str]) -> Route:
    """A route that runs the synchronous `handler` on a worker thread."""
    return Route(path, off_loop(handler), methods=methods)


def off_loop(handler: Handler) -> Endpoint:
    """The ASGI endpoint for `handler`: awaits it on a worker thread, so the event loop stays free.

    Raises:
        TypeError: for an `async def` handler; its blocking work would run on the loop after all.
    """
    if inspect.iscoroutinefunction(handler):
        raise TypeError(f"{handler.__qualname__} must be a plain function: route() runs it on a thread")

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(handler, request)

    return endpoint


def body_of(request: Request) -> bytes:
    """The whole request body, read from a handler's worker thread."""
    return anyio.from_thread.run(request.body)


def stream_of(request: Request) -> Iterator[bytes]:
    """The request body piece by piece as it arrives, from a handler's worker thread (for large uploads)."""
    pieces = request.stream()

    async def following() -> bytes | None:
        return await anext(pieces, None)

    while (piece := anyio.from_thread.run(following)) is not None:
        yield piece
