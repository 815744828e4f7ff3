"""Roles are enforced (issue 8, item 6): read-only keys only read, user keys manage connections but not
users or keys, admin keys everything in their organization; nobody changes their own role; the last admin
stays; a partner acting in an organization it manages can use what it created there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from polytomic import Polytomic

from tests.support.server import ServerProcess

DUCKDB = {"type": "duckdb", "configuration": {"path": "roles.duckdb"}}


@pytest.fixture
def org(http: httpx.Client) -> str:
    return str(
        http.post("/api/organizations", json={"name": f"roles-{uuid.uuid4().hex[:8]}"}).json()["data"]["id"]
    )


def member(http: httpx.Client, org: str, role: str) -> tuple[str, str]:
    """A user of `org` with `role` and that user's key."""
    user = http.post(
        f"/api/organizations/{org}/users", json={"email": f"{role}-{uuid.uuid4().hex[:6]}@x.io", "role": role}
    ).json()["data"]["id"]
    return user, http.post(f"/api/organizations/{org}/users/{user}/keys").json()["data"]["value"]


@contextmanager
def as_key(server: ServerProcess, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        yield c


def test_read_only_keys_only_read(server: ServerProcess, http: httpx.Client, org: str) -> None:
    member(http, org, "admin")
    target, _ = member(http, org, "user")
    me, key = member(http, org, "readonly")
    with as_key(server, key) as readonly:
        assert readonly.get("/api/connections").status_code == 200
        assert readonly.get("/api/organization/users").status_code == 200
        refused = [
            readonly.post("/api/connections", json={"name": "ro", **DUCKDB}),
            readonly.put(f"/api/organization/users/{me}", json={"role": "admin"}),
            readonly.delete(f"/api/organization/users/{target}"),
            readonly.post("/api/connections/test", json=DUCKDB),
        ]
    for answer in refused:
        assert answer.status_code == 403, answer.text
        assert answer.json()["key"] == "read_only_key"


def test_user_keys_manage_connections_but_not_users(
    server: ServerProcess, http: httpx.Client, org: str
) -> None:
    member(http, org, "admin")
    other, _ = member(http, org, "readonly")
    _, key = member(http, org, "user")
    with as_key(server, key) as user:
        created = user.post("/api/connections", json={"name": "mine", **DUCKDB})
        assert created.status_code == 200
        assert user.delete(f"/api/connections/{created.json()['data']['id']}").status_code == 204
        for answer in (
            user.post("/api/organization/users", json={"email": "new@x.io", "role": "admin"}),
            user.put(f"/api/organization/users/{other}", json={"role": "admin"}),
            user.delete(f"/api/organization/users/{other}"),
        ):
            assert answer.status_code == 403
            assert answer.json()["key"] == "admin_only"


def test_admins_manage_users_but_not_their_own_role_and_the_last_admin_stays(
    server: ServerProcess, http: httpx.Client, org: str
) -> None:
    me, key = member(http, org, "admin")
    other, _ = member(http, org, "readonly")
    with as_key(server, key) as admin:
        sdk = Polytomic(token=key, base_url=server.base_url, max_retries=0)
        promoted = sdk.users.update_current_org_user(
            id=other, role="user"
        ).data  # the SDK sends the role alone
        assert promoted.role == "user"
        own = admin.put(f"/api/organization/users/{me}", json={"role": "readonly"})
        assert own.status_code == 403
        assert own.json()["key"] == "own_role"
        assert admin.delete(f"/api/organization/users/{me}").status_code == 403
    last = http.put(f"/api/organizations/{org}/users/{me}", json={"role": "user"})  # even the partner
    assert last.status_code == 409
    assert last.json()["key"] == "last_admin"
    assert http.delete(f"/api/organizations/{org}/users/{me}").status_code == 409
    assert http.get(f"/api/organizations/{org}/users/{me}").json()["data"]["role"] == "admin"


def test_a_partner_uses_what_it_created_in_a_managed_organization(http: httpx.Client, org: str) -> None:
    created = http.post("/api/connections", json={"name": "managed", "organization_id": org, **DUCKDB})
    assert created.status_code == 200
    connection = created.json()["data"]
    assert connection["organization_id"] == org
    assert http.get(f"/api/connections/{connection['id']}").status_code == 200
    renamed = http.put(
        f"/api/connections/{connection['id']}",
        json={"name": "renamed", "configuration": DUCKDB["configuration"]},
    )
    assert renamed.status_code == 200
    assert http.delete(f"/api/connections/{connection['id']}").status_code == 204


def test_another_organizations_key_still_sees_nothing(
    server: ServerProcess, http: httpx.Client, org: str
) -> None:
    created = http.post("/api/connections", json={"name": "managed", "organization_id": org, **DUCKDB}).json()
    stranger_org = http.post("/api/organizations", json={"name": f"s-{uuid.uuid4().hex[:8]}"}).json()["data"][
        "id"
    ]
    _, key = member(http, stranger_org, "admin")
    with as_key(server, key) as stranger:
        assert stranger.get(f"/api/connections/{created['data']['id']}").status_code == 404
