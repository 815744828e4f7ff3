"""`X-Polytomic-Version`: checked on every request and echoed on every response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncline.api.errors import error_response

CURRENT_VERSION = "2025-09-18"
SUPPORTED_VERSIONS = (CURRENT_VERSION,)
# Older Polytomic versions have other shapes (e.g. bulk sync schedules); syncline serves the current one only.
RETIRED_VERSIONS = ("2024-02-08", "2023-04-25", "2022-12-12", "2021-05-23")
HEADER = "x-polytomic-version"


class VersionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requested = _header(scope, HEADER)
        version = requested.strip() if requested else CURRENT_VERSION

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER.encode()]
                message["headers"] = [*headers, (HEADER.encode(), version.encode())]
            await send(message)

        if version not in SUPPORTED_VERSIONS:
            why = (
                "is an older API version syncline does not implement"
                if version in RETIRED_VERSIONS
                else "is not a known API version"
            )
            response = error_response(
                400,
                "unsupported_version",
                f"X-Polytomic-Version {version!r} {why}; supported: {', '.join(SUPPORTED_VERSIONS)} "
                "(omit the header to use the current version)",
                {"header": "X-Polytomic-Version", "supported": list(SUPPORTED_VERSIONS)},
            )
            version = CURRENT_VERSION
            await response(scope, receive, send_with_version)
            return
        await self.app(scope, receive, send_with_version)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None
