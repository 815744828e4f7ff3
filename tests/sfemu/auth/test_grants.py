"""`POST /services/oauth2/token`: every grant type, its success body and its error shapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest

from sfemu.auth.grants import JWT_BEARER
from sfemu.auth.users import security_token
from sfemu.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.sfemu.auth.helpers import (
    CLIENT,
    bearer,
    code_grant,
    password_grant,
    redirect_params,
    refresh_token,
    token,
    unsigned_jwt,
)
from tests.support.sfemu import EmulatorServer, running_emulator


def test_password_grant_returns_salesforce_token_response(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = password_grant(client)
    body = response.json()
    org = sfemu_server.org
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert list(body) == ["access_token", "signature", "instance_url", "id", "token_type", "issued_at"]
    assert body["access_token"].startswith(org.org_id[:15] + "!AQ")
    assert body["instance_url"] == sfemu_server.base_url
    assert body["id"] == f"{sfemu_server.base_url}/id/{org.org_id}/{org.user_id}"
    assert body["token_type"] == "Bearer"
    assert len(body["issued_at"]) == 13  # milliseconds, as a string
    assert body["issued_at"].isdigit()
    mac = hmac.new(DEFAULT_CLIENT_SECRET.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256)
    assert body["signature"] == base64.b64encode(mac.digest()).decode()


def test_password_grant_accepts_the_security_token_appended(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = password_grant(client, password=DEFAULT_PASSWORD + security_token(sfemu_server.org.config))
    assert response.status_code == 200


def test_password_grant_matches_the_username_case_insensitively(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        assert password_grant(client, username=DEFAULT_USERNAME.upper()).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status", "error", "description"),
    [
        ({"password": "wrong"}, 400, "invalid_grant", "authentication failure"),
        ({"password": DEFAULT_PASSWORD + "WRONGTOKEN"}, 400, "invalid_grant", "authentication failure"),
        ({"username": "nobody@example.com"}, 400, "invalid_grant", "authentication failure"),
        ({"client_id": "unknown"}, 400, "invalid_client_id", "client identifier invalid"),
        ({"client_secret": "wrong"}, 400, "invalid_client", "invalid client credentials"),
        ({"client_secret": ""}, 400, "invalid_client", "invalid client credentials"),
        ({"username": ""}, 400, "invalid_request", "missing required parameter: username"),
        ({"grant_type": "magic"}, 400, "unsupported_grant_type", "grant type not supported"),
    ],
    ids=[
        "wrong-password",
        "wrong-token",
        "unknown-user",
        "unknown-client",
        "wrong-secret",
        "no-secret",
        "no-username",
        "unknown-grant",
    ],
)
def test_password_grant_errors(
    sfemu_server: EmulatorServer, overrides: dict[str, str], status: int, error: str, description: str
) -> None:
    with sfemu_server.client() as client:
        response = password_grant(client, **overrides)
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}


def test_missing_grant_type_is_unsupported(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = token(client, **CLIENT)
    assert response.json()["error"] == "unsupported_grant_type"


def test_client_credentials_with_http_basic(sfemu_server: EmulatorServer) -> None:
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    with sfemu_server.client() as client:
        response = client.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
    body = response.json()
    assert response.status_code == 200
    assert body["scope"] == "api"
    assert "refresh_token" not in body
    assert body["id"].endswith(f"/{sfemu_server.org.user_id}")


def test_client_credentials_in_the_form(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        assert token(client, grant_type="client_credentials", **CLIENT).status_code == 200


def test_client_credentials_with_wrong_basic_secret_fails(sfemu_server: EmulatorServer) -> None:
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:nope".encode()).decode()
    with sfemu_server.client() as client:
        response = client.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
    assert response.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}


def test_client_credentials_is_refused_on_login_hosts(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client(headers={"Host": "login.salesforce.com"}) as client:
        response = token(client, grant_type="client_credentials", **CLIENT)
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "request not supported on this domain",
    }


def test_authorization_code_grant_returns_refresh_token_and_scope(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(
            client.get(
                "/services/oauth2/authorize",
                params={
                    "response_type": "code",
                    "client_id": DEFAULT_CLIENT_ID,
                    "redirect_uri": "https://app.example.com/oauth/callback",
                    "scope": "api refresh_token",
                },
            )
        )["code"]
        response = code_grant(client, code)
    body = response.json()
    assert response.status_code == 200
    assert list(body) == [
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ]
    assert body["scope"] == "api refresh_token"


def test_authorization_code_without_refresh_scope_has_no_refresh_token(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        code = redirect_params(
            client.get(
                "/services/oauth2/authorize",
                params={
                    "response_type": "code",
                    "client_id": DEFAULT_CLIENT_ID,
                    "redirect_uri": "https://app.example.com/oauth/callback",
                    "scope": "api",
                },
            )
        )["code"]
        body = code_grant(client, code).json()
    assert "refresh_token" not in body
    assert body["scope"] == "api"


def test_refresh_token_grant_without_rotation_keeps_the_refresh_token(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        refresh = refresh_token(client)
        first = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
        second = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
        userinfo = client.get("/services/oauth2/userinfo", headers=bearer(first.json()["access_token"]))
    assert userinfo.status_code == 200
    assert first.status_code == second.status_code == 200
    assert "refresh_token" not in first.json()
    assert first.json()["scope"] == "api refresh_token"


def test_refresh_token_rotation_invalidates_the_old_token(sfemu_server: EmulatorServer) -> None:
    sfemu_server.org.config.update({"rotate_refresh_tokens": True})
    with sfemu_server.client() as client:
        old = refresh_token(client)
        rotated = token(client, grant_type="refresh_token", refresh_token=old, **CLIENT)
        reused = token(client, grant_type="refresh_token", refresh_token=old, **CLIENT)
        new = rotated.json()["refresh_token"]
        again = token(client, grant_type="refresh_token", refresh_token=new, **CLIENT)
    assert rotated.status_code == 200
    assert new != old
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    assert again.status_code == 200


def test_refresh_token_grant_works_without_client_secret(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        refresh = refresh_token(client)
        response = token(
            client, grant_type="refresh_token", refresh_token=refresh, client_id=DEFAULT_CLIENT_ID
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        ({"refresh_token": "5Aepnotatoken", **CLIENT}, "invalid_grant", "expired access/refresh token"),
        ({"refresh_token": "", **CLIENT}, "invalid_request", "missing required parameter: refresh_token"),
        (
            {"refresh_token": "5Aepnotatoken", "client_id": "other"},
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            {"refresh_token": "5Aepnotatoken", "client_id": DEFAULT_CLIENT_ID, "client_secret": "bad"},
            "invalid_client",
            "invalid client credentials",
        ),
    ],
    ids=["unknown-token", "missing-token", "unknown-client", "wrong-secret"],
)
def test_refresh_token_grant_errors(
    sfemu_server: EmulatorServer, form: dict[str, str], error: str, description: str
) -> None:
    with sfemu_server.client() as client:
        response = token(client, grant_type="refresh_token", **form)
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}


def test_revoked_refresh_tokens_fail_with_expired_token(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        refresh = refresh_token(client)
        assert client.post("/__sfemu/tokens/revoke-refresh").status_code == 204
        response = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
    assert response.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def test_refresh_tokens_survive_a_restart(tmp_path: Path) -> None:
    with running_emulator(tmp_path) as first, first.client() as client:
        refresh = refresh_token(client)
    with running_emulator(tmp_path) as second, second.client() as client:
        response = token(client, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
    assert response.status_code == 200


def test_jwt_bearer_grant_accepts_claims_for_the_connected_app(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = token(client, grant_type=JWT_BEARER, assertion=unsigned_jwt())
    body = response.json()
    assert response.status_code == 200
    assert list(body) == ["access_token", "scope", "instance_url", "id", "token_type"]


@pytest.mark.parametrize(
    ("assertion", "error", "description"),
    [
        # Made when the test runs, not when it is collected: a valid `exp` is only 3 minutes ahead.
        (lambda: unsigned_jwt(iss="other-app"), "invalid_client_id", "client identifier invalid"),
        (lambda: unsigned_jwt(sub="nobody@example.com"), "invalid_grant", "invalid assertion"),
        (lambda: unsigned_jwt(aud="https://evil.example.com"), "invalid_grant", "audience is invalid"),
        (lambda: unsigned_jwt(exp=1), "invalid_grant", "expired authorization code"),
        (lambda: unsigned_jwt(exp=None), "invalid_grant", "invalid assertion"),
        (lambda: "not-a-jwt", "invalid_grant", "invalid assertion"),
    ],
    ids=["wrong-issuer", "unknown-subject", "wrong-audience", "expired", "no-expiry", "malformed"],
)
def test_jwt_bearer_grant_errors(
    sfemu_server: EmulatorServer, assertion: Callable[[], str], error: str, description: str
) -> None:
    with sfemu_server.client() as client:
        response = token(client, grant_type=JWT_BEARER, assertion=assertion())
    assert response.status_code == 400
    assert response.json() == {"error": error, "error_description": description}
