"""`authenticate(request)`: which headers carry a session, and when it stops being valid.

`/services/oauth2/userinfo` authenticates with it, so these tests go through that endpoint.
"""

from __future__ import annotations

import pytest

from sfemu.auth.tokens import tokens_of
from tests.sfemu.auth.helpers import access_token, bearer
from tests.support.sfemu import EmulatorServer

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer {}",
        "Authorization: OAuth {}",
        "authorization: bearer {}",
        "X-SFDC-Session: {}",
        "X-SFDC-Session: Bearer {}",
    ],
    ids=["bearer", "oauth", "lowercase", "bulk1", "bulk1-bearer"],
)
def test_session_headers_are_accepted(sfemu_server: EmulatorServer, header: str) -> None:
    with sfemu_server.client() as client:
        name, value = header.format(access_token(client)).split(": ", 1)
        response = client.get("/services/oauth2/userinfo", headers={name: value})
    assert response.status_code == 200
    assert response.json()["user_id"] == sfemu_server.org.user_id


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer 00Dnot!AQatoken"},
    ],
    ids=["missing", "empty", "other-scheme", "unknown"],
)
def test_missing_or_unknown_session_is_invalid(sfemu_server: EmulatorServer, headers: dict[str, str]) -> None:
    with sfemu_server.client() as client:
        response = client.get("/services/oauth2/userinfo", headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_SESSION


def test_token_expires_after_the_configured_ttl(sfemu_server: EmulatorServer) -> None:
    store = tokens_of(sfemu_server.org)
    with sfemu_server.client() as client:
        value = access_token(client)
        issued = store.now
        store.now = lambda: issued() + sfemu_server.org.config.token_ttl_seconds + 1
        response = client.get("/services/oauth2/userinfo", headers=bearer(value))
    assert response.status_code == 401
    assert response.json() == INVALID_SESSION


def test_lowering_the_ttl_at_run_time_expires_existing_tokens(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        value = access_token(client)
        assert client.get("/services/oauth2/userinfo", headers=bearer(value)).status_code == 200
        assert client.patch("/__sfemu/config", json={"token_ttl_seconds": 0}).status_code == 200
        response = client.get("/services/oauth2/userinfo", headers=bearer(value))
    assert response.status_code == 401
    assert response.json() == INVALID_SESSION


def test_admin_expire_ends_every_session(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        value = access_token(client)
        assert client.post("/__sfemu/tokens/expire").status_code == 204
        response = client.get("/services/oauth2/userinfo", headers=bearer(value))
        fresh = client.get("/services/oauth2/userinfo", headers=bearer(access_token(client)))
    assert response.status_code == 401
    assert response.json() == INVALID_SESSION
    assert fresh.status_code == 200
