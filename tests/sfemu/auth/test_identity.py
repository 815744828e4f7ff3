"""`GET /services/oauth2/userinfo` and the identity URL `GET /id/{orgId}/{userId}`."""

from __future__ import annotations

from sfemu.config import DEFAULT_USERNAME
from tests.sfemu.auth.helpers import access_token, bearer, password_grant
from tests.support.sfemu import EmulatorServer


def test_userinfo_describes_the_token_user(sfemu_server: EmulatorServer) -> None:
    org, base = sfemu_server.org, sfemu_server.base_url
    with sfemu_server.client() as client:
        response = client.get("/services/oauth2/userinfo", headers=bearer(access_token(client)))
    body = response.json()
    assert response.status_code == 200
    assert body["sub"] == f"{base}/id/{org.org_id}/{org.user_id}"
    assert body["user_id"] == org.user_id
    assert body["organization_id"] == org.org_id
    assert body["preferred_username"] == DEFAULT_USERNAME
    assert body["name"] == "Sfemu Admin"
    assert (body["given_name"], body["family_name"]) == ("Sfemu", "Admin")
    assert body["email"] == DEFAULT_USERNAME
    assert body["zoneinfo"] == "America/Los_Angeles"
    assert body["utcOffset"] in (-28800000, -25200000)
    assert body["active"] is True
    assert body["urls"]["rest"] == f"{base}/services/data/v{{version}}/"
    assert body["updated_at"].endswith("Z")


def test_userinfo_accepts_post(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = client.post("/services/oauth2/userinfo", headers=bearer(access_token(client)))
    assert response.status_code == 200


def test_userinfo_without_token_is_invalid_session(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        response = client.get("/services/oauth2/userinfo")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_identity_url_from_the_token_response_answers(sfemu_server: EmulatorServer) -> None:
    org, base = sfemu_server.org, sfemu_server.base_url
    with sfemu_server.client() as client:
        login = password_grant(client).json()
        response = client.get(login["id"], headers=bearer(login["access_token"]))
    body = response.json()
    assert response.status_code == 200
    assert body["id"] == login["id"]
    assert body["username"] == DEFAULT_USERNAME
    assert body["user_id"] == org.user_id
    assert body["organization_id"] == org.org_id
    assert body["display_name"] == "Sfemu Admin"
    assert body["asserted_user"] is True
    assert body["user_type"] == "STANDARD"
    assert body["urls"]["partner"] == f"{base}/services/Soap/u/{{version}}/{org.org_id[:15]}"
    assert body["urls"]["sobjects"] == f"{base}/services/data/v{{version}}/sobjects/"
    assert body["last_modified_date"].endswith("+0000")


def test_identity_url_fills_the_version_when_asked(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        login = password_grant(client).json()
        response = client.get(login["id"], params={"version": "59.0"}, headers=bearer(login["access_token"]))
    body = response.json()
    assert body["urls"]["rest"] == f"{sfemu_server.base_url}/services/data/v59.0/"


def test_identity_url_accepts_oauth_token_parameter_and_15_char_ids(sfemu_server: EmulatorServer) -> None:
    org = sfemu_server.org
    with sfemu_server.client() as client:
        value = access_token(client)
        response = client.get(f"/id/{org.org_id[:15]}/{org.user_id[:15]}", params={"oauth_token": value})
    assert response.status_code == 200
    assert response.json()["user_id"] == org.user_id


def test_identity_url_of_an_unknown_user_is_not_found(sfemu_server: EmulatorServer) -> None:
    org = sfemu_server.org
    with sfemu_server.client() as client:
        response = client.get(f"/id/{org.org_id}/005000000000000AAA", headers=bearer(access_token(client)))
    assert response.status_code == 404


def test_identity_url_needs_a_session(sfemu_server: EmulatorServer) -> None:
    org = sfemu_server.org
    with sfemu_server.client() as client:
        response = client.get(f"/id/{org.org_id}/{org.user_id}")
    assert response.status_code == 401
