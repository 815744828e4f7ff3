"""Salesforce connections end to end: syncline's API (driven by the SDK) against sfemu over HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError
from polytomic.errors import UnprocessableEntityError

from sfemu.seed import seed
from tests.support.server import ServerProcess, free_port
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path_factory.mktemp("sfemu")) as emulator:
        seed(emulator.org, "demo")
        yield emulator


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def stats(org: EmulatorServer) -> dict[str, object]:
    return httpx.get(f"{org.base_url}/__sfemu/stats").json()


def refresh_token(org: EmulatorServer) -> str:
    """A refresh token the way a user gets one: authorize (sfemu approves), then exchange the code."""
    redirect = "https://app.example/callback"
    approved = httpx.get(
        f"{org.base_url}/services/oauth2/authorize",
        params={"response_type": "code", "client_id": APP["client_id"], "redirect_uri": redirect},
    )
    code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
    answer = httpx.post(
        f"{org.base_url}/services/oauth2/token",
        data={"grant_type": "authorization_code", **APP, "code": code, "redirect_uri": redirect},
    )
    return str(answer.json()["refresh_token"])


def wait(sdk: Polytomic, query_id: str):
    for _ in range(300):
        result = sdk.query_runner.get_query(id=query_id)
        if result.data.status in {"done", "failed"}:
            return result
        time.sleep(0.05)
    raise AssertionError("query did not finish")


def test_client_credentials_connection_is_healthy_with_its_username(
    sdk: Polytomic, org: EmulatorServer
) -> None:
    created = sdk.connections.create(
        name=unique("sf-cc"),
        type="salesforce",
        validate=True,
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP},
    ).data
    assert created.status == "healthy"
    assert created.configuration["username"] == "admin@sfemu.local"
    assert created.configuration["client_secret"] == "********"
    sdk.connections.test_connection(type="salesforce", configuration={}, connection_id=created.id)
    assert sdk.connections.get(id=created.id).data.status == "healthy"


def test_api_mode_with_a_refresh_token(sdk: Polytomic, org: EmulatorServer) -> None:
    created = sdk.connections.create(
        name=unique("sf-api"),
        type="salesforce",
        validate=True,
        configuration={
            "domain": org.base_url,
            "connect_mode": "api",
            **APP,
            "oauth_refresh_token": refresh_token(org),
        },
    ).data
    assert (created.status, created.configuration["username"]) == ("healthy", "admin@sfemu.local")
    assert created.configuration["oauth_refresh_token"] == "********"


def test_browser_mode_completes_through_the_callback(sdk: Polytomic, org: EmulatorServer, server) -> None:
    created = sdk.connections.create(
        name=unique("sf-browser"),
        type="salesforce",
        redirect_url="https://app.example/done",
        configuration={"domain": org.base_url, "connect_mode": "browser", **APP},
    ).data
    assert created.status == "awaiting_authorization"
    assert created.auth_url.startswith(f"{org.base_url}/services/oauth2/authorize?")
    assert "code_challenge_method=S256" in created.auth_url
    approved = httpx.get(created.auth_url)  # sfemu approves the default user and redirects back to syncline
    assert approved.status_code == 302
    callback = approved.headers["location"]
    assert callback.startswith(f"{server.base_url}/api/oauth/salesforce/callback?")
    finished = httpx.get(callback)
    assert finished.status_code == 302
    assert finished.headers["location"].startswith("https://app.example/done?")
    assert f"connection_id={created.id}" in finished.headers["location"]
    connection = sdk.connections.get(id=created.id).data
    assert (connection.status, connection.configuration["username"]) == ("healthy", "admin@sfemu.local")
    assert httpx.get(callback).status_code == 404  # the authorization is single use


def test_code_mode_completes_with_the_user_code(sdk: Polytomic, org: EmulatorServer) -> None:
    created = sdk.connections.create(
        name=unique("sf-code"),
        type="salesforce",
        configuration={"domain": org.base_url, "connect_mode": "code", **APP},
    ).data
    assert created.auth_code is not None
    assert len(created.auth_code) == 9
    page = httpx.get(created.auth_url)
    assert "Enter the code" in page.text
    to_salesforce = httpx.get(created.auth_url, params={"user_code": created.auth_code.lower()})
    assert to_salesforce.headers["location"].startswith(f"{org.base_url}/services/oauth2/authorize?")
    back = httpx.get(to_salesforce.headers["location"]).headers["location"]
    assert httpx.get(back).json()["data"]["status"] == "healthy"
    assert sdk.connections.get(id=created.id).data.status == "healthy"


def test_wrong_secret_is_a_clear_error_and_nothing_is_stored(sdk: Polytomic, org: EmulatorServer) -> None:
    before = len(sdk.connections.list().data)
    with pytest.raises(UnprocessableEntityError) as err:
        sdk.connections.create(
            name=unique("sf-bad"),
            type="salesforce",
            validate=True,
            configuration={
                "domain": org.base_url,
                "connect_mode": "clientcredentials",
                "client_id": "sfemu",
                "client_secret": "wrong-secret-123",
            },
        )
    assert "client" in err.value.body.message.lower()
    assert "wrong-secret-123" not in err.value.body.message
    assert len(sdk.connections.list().data) == before


def test_soql_through_the_query_runner(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = sdk.connections.create(
        name=unique("sf-q"),
        type="salesforce",
        validate=True,
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP},
    ).data
    started = sdk.query_runner.run_query(
        connection_id=connection.id, query="SELECT Name, Account.Name FROM Contact ORDER BY Name LIMIT 2"
    )
    done = wait(sdk, started.data.id)
    assert done.data.status == "done"
    assert done.data.fields == ["Name", "Account.Name"]
    assert done.data.count == 2
    bad = wait(
        sdk, sdk.query_runner.run_query(connection_id=connection.id, query="SELECT Id FORM Account").data.id
    )
    assert bad.data.status == "failed"
    assert "unexpected token: 'FORM'" in bad.data.error


def test_enforced_budget_is_never_exceeded(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = sdk.connections.create(
        name=unique("sf-cap"),
        type="salesforce",
        configuration={
            "domain": org.base_url,
            "connect_mode": "clientcredentials",
            **APP,
            "enforce_api_limits": True,
            "daily_api_calls": 3,
        },
    ).data
    before = int(stats(org)["api_calls"])  # type: ignore[arg-type]
    outcomes = []
    for _ in range(5):
        started = sdk.query_runner.run_query(
            connection_id=connection.id, query="SELECT Id FROM Account LIMIT 1"
        )
        outcomes.append(wait(sdk, started.data.id).data)
    assert [o.status for o in outcomes] == ["done", "done", "done", "failed", "failed"]
    assert "budget of 3 calls/24h" in outcomes[3].error
    assert int(stats(org)["api_calls"]) - before == 3  # type: ignore[arg-type]
    usage = sdk.connections.get_usage(id=connection.id).data
    assert usage.calls_last24h == 3
    assert sdk.connections.get(id=connection.id).data.api_calls_last24hours == 3


@pytest.fixture
def second_process(server: ServerProcess) -> Iterator[ServerProcess]:
    """Another syncline process on the same metadata store, as a second worker would be."""
    proc = ServerProcess(
        data_dir=server.data_dir,
        database_url=server.database_url,
        api_key=server.api_key,
        port=free_port(),
        backend=server.backend,
    )
    proc.start()
    yield proc
    proc.stop()


@contextmanager
def rotating_connection(sdk: Polytomic, org: EmulatorServer, name: str) -> Iterator[str]:
    """A validated api-mode connection while the org rotates refresh tokens; rotation off afterwards."""
    token = refresh_token(org)
    httpx.put(f"{org.base_url}/__sfemu/config", json={"rotate_refresh_tokens": True})
    try:
        yield sdk.connections.create(
            name=unique(name),
            type="salesforce",
            validate=True,
            configuration={
                "domain": org.base_url,
                "connect_mode": "api",
                **APP,
                "oauth_refresh_token": token,
            },
        ).data.id
    finally:
        httpx.put(f"{org.base_url}/__sfemu/config", json={"rotate_refresh_tokens": False})


def test_rotated_refresh_tokens_survive_two_processes_refreshing_at_once(
    sdk: Polytomic, org: EmulatorServer, second_process: ServerProcess
) -> None:
    with rotating_connection(sdk, org, "sf-rot") as connection_id:
        other = Polytomic(token=second_process.api_key or "", base_url=second_process.base_url, max_retries=0)
        outcomes = []
        for round_number in range(4):
            # Every access token dies, so each process must refresh — with a token the other may have rotated.
            # A round ends before the next expiry: an expiry in the middle of a call is not what this tests.
            httpx.post(f"{org.base_url}/__sfemu/tokens/expire")
            started = [
                (
                    client,
                    client.query_runner.run_query(
                        connection_id=connection_id, query=f"SELECT Id FROM Account LIMIT {round_number + 1}"
                    ).data.id,
                )
                for client in (sdk, other, sdk, other)
            ]
            outcomes += [wait(client, query_id).data for client, query_id in started]
        assert [o.status for o in outcomes] == ["done"] * len(outcomes), [o.error for o in outcomes]
        assert sdk.connections.get(id=connection_id).data.status == "healthy"


def test_parameter_values_list_the_choices_of_a_setting(sdk: Polytomic) -> None:
    modes = sdk.connections.get_type_parameter_values(type="salesforce", field="connect_mode").data
    assert [v.value for v in modes["connect_mode"].values] == ["browser", "clientcredentials", "code", "api"]
    filtered = sdk.connections.get_type_parameter_values(
        type="salesforce", field="connect_mode", query="code"
    )
    assert [v.value for v in filtered.data["connect_mode"].values] == ["code"]
    with pytest.raises(ApiError) as err:  # the SDK declares no typed 422 here
        sdk.connections.get_type_parameter_values(type="salesforce", field="no_such_setting")
    assert err.value.status_code == 422
    assert "connect_mode" in err.value.body["message"]


def test_rate_limit_reports_an_exhausted_cap(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = sdk.connections.create(
        name=unique("sf-rl"),
        type="salesforce",
        configuration={
            "domain": org.base_url,
            "connect_mode": "clientcredentials",
            **APP,
            "enforce_api_limits": True,
            "daily_api_calls": 1,
        },
    ).data
    assert sdk.connections.get(id=connection.id).data.rate_limit.currently_limited is False
    wait(sdk, sdk.query_runner.run_query(connection_id=connection.id, query="SELECT Id FROM Account").data.id)
    assert sdk.connections.get(id=connection.id).data.rate_limit.currently_limited is True
    values = sdk.connections.get_parameter_values(id=connection.id).data
    assert "connect_mode" in values


def test_count_query_returns_the_count(sdk: Polytomic, org: EmulatorServer) -> None:
    connection = sdk.connections.create(
        name=unique("sf-count"),
        type="salesforce",
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP},
    ).data
    done = wait(
        sdk, sdk.query_runner.run_query(connection_id=connection.id, query="SELECT COUNT() FROM Lead").data.id
    )
    assert done.data.results == [{"count": 10}]


def test_testing_a_saved_connection_keeps_its_rotated_refresh_token(
    sdk: Polytomic, org: EmulatorServer
) -> None:
    """A test of a saved connection refreshes through the connection's own token store: with rotation on,
    the refresh token it is given replaces the stored one, so the connection keeps working afterwards."""
    with rotating_connection(sdk, org, "sf-test-rot") as connection_id:
        httpx.post(f"{org.base_url}/__sfemu/tokens/expire")  # the test must refresh, rotating the token
        sdk.connections.test_connection(type="salesforce", connection_id=connection_id, configuration={})
        httpx.post(f"{org.base_url}/__sfemu/tokens/expire")  # and so must the next use
        query = sdk.query_runner.run_query(
            connection_id=connection_id, query="SELECT Id FROM Account LIMIT 1"
        )
        done = wait(sdk, query.data.id)
        assert done.data.status == "done", done.data.error
        assert sdk.connections.get(id=connection_id).data.status == "healthy"


def test_a_revoked_authorization_marks_the_connection_for_reconnecting(
    sdk: Polytomic, org: EmulatorServer
) -> None:
    token = refresh_token(org)
    connection = sdk.connections.create(
        name=unique("sf-revoked"),
        type="salesforce",
        validate=True,
        configuration={"domain": org.base_url, "connect_mode": "api", **APP, "oauth_refresh_token": token},
    ).data
    assert httpx.post(f"{org.base_url}/services/oauth2/revoke", data={"token": token}).status_code == 200
    httpx.post(f"{org.base_url}/__sfemu/tokens/expire")  # the next call must refresh, and cannot
    failed = wait(
        sdk, sdk.query_runner.run_query(connection_id=connection.id, query="SELECT Id FROM Account").data.id
    )
    assert failed.data.status == "failed"
    shown = sdk.connections.get(id=connection.id).data
    assert shown.status == "needs_reauthorization"
    assert shown.status_error == failed.data.error
