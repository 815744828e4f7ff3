"""Secrets are write-only: never in a response, a log line or the metadata store in plaintext."""

from __future__ import annotations

import uuid

import httpx
from polytomic import Polytomic
from sqlalchemy import inspect, text

from syncline.store.db import make_engine
from tests.support.server import ServerProcess


def stored_text(server: ServerProcess) -> str:
    """Everything the metadata store holds, as text: the raw SQLite files, or every PostgreSQL row."""
    if server.backend == "sqlite":
        return "".join(path.read_bytes().decode("latin-1") for path in server.data_dir.glob("syncline.db*"))
    engine = make_engine(server.database_url)
    try:
        chunks = []
        with engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                chunks.extend(repr(row) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
        return "\n".join(chunks)
    finally:
        engine.dispose()


def test_secrets_never_leave_or_rest_in_plaintext(
    sdk: Polytomic, server: ServerProcess, http: httpx.Client
) -> None:
    marker = uuid.uuid4().hex[:10]
    secrets = {
        "sf_client_id": f"3MVG9clientid{marker}",
        "sf_client_secret": f"SfSecret{marker}",
        "sf_refresh": f"RefreshTok{marker}",
        "pg_password": f"PgPass{marker}",
        "oidc": f"OidcSecret{marker}",
    }
    sf = sdk.connections.create(
        name="sf-secret",
        type="salesforce",
        configuration={
            "domain": "acme.my.salesforce.com",
            "connect_mode": "api",
            "client_id": secrets["sf_client_id"],
            "client_secret": secrets["sf_client_secret"],
            "oauth_refresh_token": secrets["sf_refresh"],
        },
    ).data
    pg = sdk.connections.create(
        name="pg-secret",
        type="postgresql",
        validate=True,
        configuration={
            "hostname": "127.0.0.1",
            "username": "postgres",
            "password": secrets["pg_password"],
            "database": "test",
            "ssl": False,
        },
    ).data
    sdk.organization.create(name=f"sso-{marker}", client_secret=secrets["oidc"])
    # A failing check and an update resending the redacted values exercise the other paths.
    sdk.connections.update(id=sf.id, name="sf-secret", configuration=dict(sf.configuration))
    http.post(
        "/api/connections/test",
        json={
            "type": "postgresql",
            "configuration": {
                "hostname": "127.0.0.1",
                "port": 1,
                "username": "postgres",
                "password": secrets["pg_password"],
                "database": "test",
                "ssl": False,
            },
        },
    )

    responses = [
        http.get("/api/connections").text,
        http.get(f"/api/connections/{sf.id}").text,
        http.get(f"/api/connections/{pg.id}").text,
        http.get("/api/organizations").text,
    ]
    stored = stored_text(server)
    log = server.log_text()
    for name, value in secrets.items():
        for body in responses:
            assert value not in body, f"{name} returned by the API"
        assert value not in stored, f"{name} stored in plaintext"
        assert value not in log, f"{name} written to the log"


def test_redacted_secrets_are_kept_on_update(sdk: Polytomic) -> None:
    created = sdk.connections.create(
        name="keep",
        type="salesforce",
        configuration={
            "domain": "acme",
            "connect_mode": "clientcredentials",
            "client_id": "id-123456",
            "client_secret": "secret-123456",
        },
    ).data
    # Resending what was read (redacted values) and omitting a secret both keep the stored ones:
    # the clientcredentials rule would otherwise reject the configuration as missing them.
    resent = sdk.connections.update(
        id=created.id, name="keep", configuration=dict(created.configuration)
    ).data
    assert resent.configuration["client_secret"] == "********"
    omitted = {k: v for k, v in created.configuration.items() if k != "client_secret"}
    assert (
        sdk.connections.update(id=created.id, name="keep", configuration=omitted).data.configuration[
            "client_secret"
        ]
        == "********"
    )


def test_store_keeps_connection_secrets_as_fernet_tokens(sdk: Polytomic, server: ServerProcess) -> None:
    sdk.connections.create(
        name="cipher",
        type="salesforce",
        configuration={
            "domain": "acme",
            "connect_mode": "clientcredentials",
            "client_id": "id-abcdef",
            "client_secret": "secret-abcdef",
        },
    )
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT configuration, secrets FROM connections WHERE name = 'cipher'")
            ).all()
    finally:
        engine.dispose()
    assert rows
    for configuration, secrets in rows:
        assert "client_secret" not in str(configuration)
        assert secrets.startswith("gAAAA")  # a Fernet token


def _pg(password: str, **changes: object) -> dict[str, object]:
    return {
        "hostname": "127.0.0.1",
        "username": "postgres",
        "password": password,
        "database": "test",
        "ssl": False,
        **changes,
    }


def test_a_test_pointed_elsewhere_does_not_reuse_stored_secrets(http: httpx.Client, closed_port: int) -> None:
    """Issue 8, item 5: before, any key of the organization sent `connection_id` with a host of its own
    and the server sent the stored password there."""
    created = http.post(
        "/api/connections",
        json={"name": f"pg-{uuid.uuid4().hex[:6]}", "type": "postgresql", "configuration": _pg("stored-pw")},
    ).json()["data"]
    for elsewhere in ({"hostname": "attacker.example"}, {"port": closed_port}, {"database": "other"}):
        answer = http.post(
            "/api/connections/test",
            json={"type": "postgresql", "connection_id": created["id"], "configuration": elsewhere},
        )
        assert answer.status_code == 422, answer.text
        errors = answer.json()["metadata"]["errors"]
        assert [e["field"] for e in errors] == ["configuration.password"]
        assert "send it again" in errors[0]["message"]


def test_an_update_pointed_elsewhere_needs_the_secrets_again(http: httpx.Client) -> None:
    created = http.post(
        "/api/connections",
        json={"name": f"pg-{uuid.uuid4().hex[:6]}", "type": "postgresql", "configuration": _pg("stored-pw")},
    ).json()["data"]
    moved = _pg("********", hostname="localhost")  # the redacted value as GET shows it
    answer = http.put(
        f"/api/connections/{created['id']}", json={"name": created["name"], "configuration": moved}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["metadata"]["errors"]] == ["configuration.password"]
    again = http.put(
        f"/api/connections/{created['id']}",
        json={"name": created["name"], "configuration": _pg("new-pw", hostname="localhost")},
    )
    assert again.status_code == 200
    renamed = http.put(  # pointing at the same place keeps the stored secret
        f"/api/connections/{created['id']}",
        json={"name": "renamed", "configuration": _pg("********", hostname="localhost")},
    )
    assert renamed.status_code == 200


def test_a_salesforce_domain_change_needs_the_client_secret_again(http: httpx.Client) -> None:
    configuration = {
        "domain": "acme.my.salesforce.com",
        "connect_mode": "clientcredentials",
        "client_id": "3MVG9-client",
        "client_secret": "stored-secret",
    }
    created = http.post(
        "/api/connections", json={"name": "sf-moved", "type": "salesforce", "configuration": configuration}
    ).json()["data"]
    answer = http.post(
        "/api/connections/test",
        json={
            "type": "salesforce",
            "connection_id": created["id"],
            "configuration": {"domain": "evil.example"},
        },
    )
    assert answer.status_code == 422
    fields = [e["field"] for e in answer.json()["metadata"]["errors"]]
    assert "configuration.client_secret" in fields


def test_a_key_minted_under_an_idempotency_key_is_not_stored_in_plaintext(
    http: httpx.Client, server: ServerProcess
) -> None:
    """Issue 8, item 9: the stored answer replays the key, encrypted at rest."""
    org = http.post("/api/organizations", json={"name": f"mint-{uuid.uuid4().hex[:8]}"}).json()["data"]["id"]
    user = http.post(f"/api/organizations/{org}/users", json={"email": "mint@example.com"}).json()["data"][
        "id"
    ]
    headers = {"Idempotency-Key": f"mint-{uuid.uuid4().hex}"}
    minted = http.post(f"/api/organizations/{org}/users/{user}/keys", headers=headers).json()["data"]["value"]
    replayed = http.post(f"/api/organizations/{org}/users/{user}/keys", headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["data"]["value"] == minted
    assert minted not in stored_text(server)
