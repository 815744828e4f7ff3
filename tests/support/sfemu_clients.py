"""Point unchanged `requests`-based Salesforce clients (simple-salesforce) at a running emulator.

simple-salesforce hard-codes `https://{domain}.salesforce.com` for login. `emulator_session` returns a
`requests.Session` (pass it as `Salesforce(session=...)`) whose adapter sends every `*.salesforce.com`
request to the emulator instead, as an `/etc/hosts` entry would, and verifies TLS with the emulator's
CA. After login the client calls the emulator's own URL (`serverUrl` / `instance_url`) directly.

The CA is pinned in the adapter rather than as `session.verify`, because requests lets a
`REQUESTS_CA_BUNDLE` environment variable override `session.verify`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from tests.support.sfemu import EmulatorServer


class SalesforceHostsAdapter(HTTPAdapter):
    """Rewrites `https://*.salesforce.com/...` to the emulator's scheme, host and port; the path stays."""

    def __init__(self, base_url: str, ca_path: Path | None = None) -> None:
        super().__init__()
        self.target = urlsplit(base_url)
        self.ca_path = ca_path

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        if (parts.hostname or "").endswith(".salesforce.com"):
            request.url = urlunsplit(parts._replace(scheme=self.target.scheme, netloc=self.target.netloc))
        if self.ca_path is not None:
            kwargs["verify"] = str(self.ca_path)
        return super().send(request, **kwargs)


def emulator_session(server: EmulatorServer) -> requests.Session:
    session = requests.Session()
    session.mount("https://", SalesforceHostsAdapter(server.base_url, server.ca_path))
    return session
