"""The daily API usage is the org's: it survives a restart, as the data does."""

from __future__ import annotations

from pathlib import Path

import httpx

from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.support.sfemu import EmulatorServer, running_emulator

V = "/services/data/v62.0"


def _calls(server: EmulatorServer, count: int) -> httpx.Response:
    """`count` counted API calls; the last answer."""
    with server.client() as client:
        token = client.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        for _ in range(count - 1):
            client.get(f"{V}/limits")
        return client.get(f"{V}/limits")


def test_api_usage_survives_a_restart(tmp_path: Path) -> None:
    with running_emulator(tmp_path, daily_api_limit=7) as server:
        before = _calls(server, 5)
    with running_emulator(tmp_path, daily_api_limit=7) as server:
        after = _calls(server, 1)
        refused = _calls(server, 2)
    assert before.headers["Sforce-Limit-Info"] == "api-usage=5/7"
    assert after.headers["Sforce-Limit-Info"] == "api-usage=6/7"
    assert after.json()["DailyApiRequests"]["Remaining"] == 1
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_resetting_the_statistics_resets_the_saved_usage(tmp_path: Path) -> None:
    with running_emulator(tmp_path) as server:
        _calls(server, 3)
        with server.client() as admin:
            assert admin.post("/__sfemu/reset").status_code in (200, 204)
    with running_emulator(tmp_path) as server:
        assert _calls(server, 1).headers["Sforce-Limit-Info"] == "api-usage=1/15000"
