"""The web-server flow (`/services/oauth2/authorize`, PKCE) and `/services/oauth2/revoke`."""

from __future__ import annotations

import pytest

from sfemu.auth.tokens import tokens_of
from sfemu.config import DEFAULT_CLIENT_ID
from tests.sfemu.auth.helpers import (
    CLIENT,
    REDIRECT_URI,
    access_token,
    authorize,
    bearer,
    code_grant,
    redirect_params,
    refresh_token,
    s256,
    token,
)
from tests.support.sfemu import EmulatorServer

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def test_authorize_redirects_with_code_and_state(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = authorize(client, state="xyz 1")
    params = redirect_params(response)
    assert response.headers["location"].startswith(REDIRECT_URI + "?code=")
    assert params["state"] == "xyz 1"
    assert params["code"].startswith("aPrx")


def test_authorize_keeps_the_redirect_uris_own_query(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = authorize(client, redirect_uri="https://app.example.com/cb?tenant=7")
    assert response.headers["location"].startswith("https://app.example.com/cb?tenant=7&code=")


def test_pkce_s256_code_exchanges_without_client_secret(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client, code_challenge=s256(VERIFIER), code_challenge_method="S256"))
        response = code_grant(client, code["code"], client_secret=None, code_verifier=VERIFIER)
    assert response.status_code == 200
    assert "refresh_token" in response.json()


def test_pkce_plain_code_exchanges(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client, code_challenge=VERIFIER, code_challenge_method="plain"))
        assert code_grant(client, code["code"], code_verifier=VERIFIER).status_code == 200


def test_pkce_challenge_without_method_means_plain(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client, code_challenge=VERIFIER))["code"]
        assert code_grant(client, code, code_verifier=VERIFIER).status_code == 200


@pytest.mark.parametrize(
    "verifier", ["wrong-verifier-wrong-verifier-wrong-verifier", None], ids=["wrong", "missing"]
)
def test_pkce_wrong_or_missing_verifier_fails(sfemu_server: EmulatorServer, verifier: str | None) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client, code_challenge=s256(VERIFIER), code_challenge_method="S256"))
        response = code_grant(client, code["code"], code_verifier=verifier)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_authorization_code_is_single_use(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client))["code"]
        first = code_grant(client, code)
        second = code_grant(client, code)
    assert first.status_code == 200
    assert second.json() == {"error": "invalid_grant", "error_description": "invalid authorization code"}


def test_code_exchange_needs_the_same_redirect_uri(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client))["code"]
        response = code_grant(client, code, redirect_uri="https://elsewhere.example.com/cb")
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "redirect uri does not match configuration",
    }


def test_code_without_pkce_needs_the_client_secret(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client))["code"]
        response = code_grant(client, code, client_secret=None)
    assert response.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}


def test_expired_code_is_refused(sfemu_server: EmulatorServer) -> None:
    store = tokens_of(sfemu_server.org)
    with sfemu_server.client() as client:
        code = redirect_params(authorize(client))["code"]
        issued = store.now
        store.now = lambda: issued() + 16 * 60
        try:
            response = code_grant(client, code)
        finally:
            store.now = issued
    assert response.json() == {"error": "invalid_grant", "error_description": "expired authorization code"}


def test_authorize_with_unknown_client_redirects_to_the_error_page(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = authorize(client, client_id="nope")
        page = client.get(response.headers["location"])
    location = response.headers["location"]
    assert location.startswith(f"{sfemu_server.base_url}/setup/secur/RemoteAccessErrorPage.apexp?")
    assert redirect_params(response) == {
        "error": "invalid_client_id",
        "error_description": "client identifier invalid",
    }
    assert "invalid_client_id" in page.text


def test_authorize_without_redirect_uri_goes_to_the_error_page(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = client.get(
            "/services/oauth2/authorize", params={"response_type": "code", "client_id": DEFAULT_CLIENT_ID}
        )
    assert redirect_params(response)["error"] == "redirect_uri_mismatch"


def test_authorize_with_other_response_type_redirects_an_error(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = authorize(client, response_type="token", state="s")
    assert redirect_params(response) == {
        "error": "unsupported_response_type",
        "error_description": "response type not supported",
        "state": "s",
    }


def test_authorize_can_be_told_to_deny(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = authorize(client, emulator_deny="1", state="s")
    assert redirect_params(response) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "s",
    }


def test_revoking_an_access_token_ends_its_session(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        value = access_token(client)
        revoked = client.post("/services/oauth2/revoke", data={"token": value})
        userinfo = client.get("/services/oauth2/userinfo", headers=bearer(value))
    assert revoked.status_code == 200
    assert userinfo.status_code == 401


def test_revoking_a_refresh_token_revokes_its_access_tokens(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        refresh = refresh_token(client)
        refreshed = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
        access = refreshed.json()["access_token"]
        assert client.get("/services/oauth2/revoke", params={"token": refresh}).status_code == 200
        userinfo = client.get("/services/oauth2/userinfo", headers=bearer(access))
        again = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
    assert userinfo.status_code == 401
    assert again.json()["error_description"] == "expired access/refresh token"


def test_revoking_an_unknown_token_is_an_invalid_token(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = client.post("/services/oauth2/revoke", data={"token": "nope"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"
