"""Every API call passes here: counted, limited, given `Sforce-Limit-Info`, and maybe faulted.

Faults are drawn from a random generator seeded by `fault_seed`, so a test run is repeatable.
"""

from __future__ import annotations

import asyncio
import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sfemu.errors import RequestLimitExceeded, ServerUnavailable
from sfemu.org import Org
from sfemu.stats import counts_against_limit

# Endpoints that hold a request open for a while count against the concurrent long-request limit.
_LONG = ("/jobs/", "/services/async/", "/composite/")


class ConnectionDropped(Exception):
    """Raised after a half-sent response so the server drops the connection (a simulated reset)."""


async def _drop_connection(send: Send, path: str) -> None:
    # Promise a body and never deliver it: the client sees the peer close the connection mid-response,
    # as it does when a load balancer resets it.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1048576")]})
    await send({"type": "http.response.body", "body": b"[", "more_body": True})
    raise ConnectionDropped(path)


class ApiCallMiddleware:
    def __init__(self, app: ASGIApp, org: Org) -> None:
        self.app = app
        self.org = org
        self._random = random.Random(org.config.fault_seed)
        self._seed = org.config.fault_seed
        self._long_requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__sfemu"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        config = self.org.config
        counted = counts_against_limit(path)
        if counted and self.org.stats.api_usage >= config.daily_api_limit:
            self.org.stats.fault("request_limit_exceeded")
            await RequestLimitExceeded("TotalRequests Limit exceeded.").response()(scope, receive, send)
            return
        self.org.stats.record(scope["method"], path, counted=counted)
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        if counted and self._fault_roll(config.reset_rate):
            self.org.stats.fault("connection_reset")
            await _drop_connection(send, path)
        if counted and self._fault_roll(config.error_rate):
            self.org.stats.fault("server_error")
            await ServerUnavailable("Server is temporarily unavailable. Please retry.").response()(
                scope, receive, self._with_limit_info(send, counted)
            )
            return
        long_request = counted and any(marker in path for marker in _LONG)
        if long_request and self._long_requests >= config.max_concurrent_long_requests:
            self.org.stats.fault("concurrent_long_requests")
            await RequestLimitExceeded("ConcurrentPerOrgLongTxn Limit exceeded.").response()(
                scope, receive, self._with_limit_info(send, counted)
            )
            return
        self._long_requests += long_request
        try:
            await self.app(scope, receive, self._with_limit_info(send, counted))
        finally:
            self._long_requests -= long_request

    def _fault_roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        if self._seed != self.org.config.fault_seed:  # reseeded at run time through the admin API
            self._seed = self.org.config.fault_seed
            self._random = random.Random(self._seed)
        return self._random.random() < rate

    def _with_limit_info(self, send: Send, counted: bool) -> Send:
        if not counted:
            return send
        limit_info = f"api-usage={self.org.stats.api_usage}/{self.org.config.daily_api_limit}".encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"sforce-limit-info", limit_info)]
            await send(message)

        return sending
