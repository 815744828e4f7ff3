"""Building clients for an emulated org, and reading the emulator's own statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from syncline.connectors.salesforce.client import (
    Authorization,
    ClientOptions,
    InMemoryCredentialStore,
    PollPolicy,
    RetryPolicy,
    SalesforceClient,
    SalesforceHttp,
    TokenManager,
    TokenResponse,
    begin_authorization,
    complete_authorization,
)
from syncline.connectors.salesforce.config import SalesforceConfig
from tests.support.sfemu import EmulatorServer

REDIRECT_URI = "https://syncline.example.com/oauth/callback"
FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.005, max_delay=0.02)
FAST_POLL = PollPolicy(first_delay=0.0, factor=1.5, max_delay=0.05, timeout=30)
# The demo seed: 12 accounts and 36 contacts, plus 3 of each from the converted leads.
DEMO_ACCOUNTS = 15
DEMO_CONTACTS = 39


@dataclass
class Org:
    """An emulated org and the ways to reach it."""

    server: EmulatorServer

    @property
    def domain(self) -> str:
        return self.server.base_url

    def options(self, **overrides: Any) -> ClientOptions:
        """Client options trusting the emulator's CA, with instant retries and polls."""
        settings: dict[str, Any] = {"retry": FAST_RETRY, "poll": FAST_POLL}
        if self.server.ca_path:
            settings["verify"] = self.server.ca_path
        return ClientOptions(**{**settings, **overrides})

    def config(self, connect_mode: str = "clientcredentials", **settings: Any) -> SalesforceConfig:
        defaults = {
            "domain": self.domain,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        }
        return SalesforceConfig(connect_mode=connect_mode, **{**defaults, **settings})

    def client(self, connect_mode: str = "clientcredentials", **kwargs: Any) -> SalesforceClient:
        """A client for the default connected app; `kwargs` go to `from_config` (`options=`, `budget=`...)."""
        settings = kwargs.pop("settings", {})
        kwargs.setdefault("options", self.options())
        return SalesforceClient.from_config(self.config(connect_mode, **settings), **kwargs)

    def authorize(self, connect_mode: str = "browser") -> Authorization:
        """The browser flow without a browser: open the authorize URL, follow it, exchange the code."""
        config = self.config(connect_mode)
        pending = begin_authorization(config, REDIRECT_URI)
        with self.server.client() as browser:
            answer = browser.get(pending.url)
        assert answer.status_code == 302, answer.text
        return complete_authorization(
            config, pending, callback_url=answer.headers["location"], options=self.options()
        )

    def refresh_token(self) -> str:
        token = self.authorize().tokens.refresh_token
        assert token
        return str(token)

    def stats(self) -> dict[str, Any]:
        with self.server.client() as admin:
            body: dict[str, Any] = admin.get("/__sfemu/stats").json()
            return body

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.server.client() as admin:
            response = admin.request(method, f"/__sfemu/{path}", **kwargs)
        response.raise_for_status()
        return response

    def configure(self, **knobs: Any) -> None:
        self.admin("PUT", "config", json=knobs)


# --- offline: SalesforceHttp over httpx.MockTransport ------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class Tokens:
    """Hands out access-1, access-2, ... for https://acme.my.salesforce.com."""

    def __init__(self) -> None:
        self.issued = 0

    def fetch(self, refresh_token: str | None) -> TokenResponse:  # noqa: ARG002
        self.issued += 1
        return TokenResponse(f"access-{self.issued}", "https://acme.my.salesforce.com", issued_at=None)


def mock_http(handler: Handler, **retry: Any) -> tuple[SalesforceHttp, list[float]]:
    waits: list[float] = []
    tokens = TokenManager(Tokens(), InMemoryCredentialStore())
    http = SalesforceHttp(
        tokens,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(**{"base_delay": 0.01, **retry}),
        sleep=waits.append,
    )
    return http, waits


def sequence(*answers: httpx.Response | Exception) -> Handler:
    remaining = list(answers)

    def handle(_request: httpx.Request) -> httpx.Response:
        answer = remaining.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle


def fault(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=[{"errorCode": code, "message": message}], headers=headers)
