"""The Connection Proxy end to end: syncline's API (driven by the SDK) against sfemu over HTTP."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from polytomic import ConnectionProxyCall, Polytomic
from polytomic.core.api_error import ApiError
from polytomic.errors import (
    BadGatewayError,
    BadRequestError,
    ForbiddenError,
    GatewayTimeoutError,
    NotFoundError,
    TooManyRequestsError,
)

from sfemu.seed import seed
from syncline.connectors.salesforce import SALESFORCE
from syncline.connectors.salesforce.proxy import LeftInstance, UpstreamAnswer, send_proxied
from syncline.connectors.upstreams import ALLOW_ALL
from syncline.runtime.proxy import answer_out
from tests.support.server import ServerProcess, free_port
from tests.support.sfemu import EmulatorServer, running_emulator

APP = {"client_id": "sfemu", "client_secret": "sfemu-secret"}
QUERY = "/services/data/v62.0/query"
MIB = 1024 * 1024


# --- fixtures and helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with running_emulator(tmp_path_factory.mktemp("sfemu-proxy")) as emulator:
        seed(emulator.org, "demo")
        yield emulator


@pytest.fixture(scope="module")
def tight(server: ServerProcess) -> Iterator[ServerProcess]:
    """A second syncline process on the same metadata store with small proxy limits and a short timeout."""
    proc = ServerProcess(
        data_dir=server.data_dir,
        database_url=server.database_url,
        api_key=server.api_key,
        port=free_port(),
        backend=server.backend,
        extra_env={
            "SYNCLINE_PROXY_RATE_LIMIT_PER_MINUTE": "3",
            "SYNCLINE_PROXY_ORG_RATE_LIMIT_PER_MINUTE": "5",
            "SYNCLINE_PROXY_TIMEOUT_MS": "500",
        },
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_org_sdk(sdk: Polytomic, tight: ServerProcess) -> Polytomic:
    """The SDK on the tight server with a user key of a brand-new organization (its own org-wide limit)."""
    organization = sdk.organization.create(name=f"proxy-{uuid.uuid4().hex[:8]}").data
    user = sdk.users.create(org_id=organization.id, email=f"p-{uuid.uuid4().hex[:6]}@example.com").data
    key = sdk.users.create_api_key(org_id=organization.id, id=user.id).data.value
    return Polytomic(token=key, base_url=tight.base_url, max_retries=0)


class Listener:
    """A loopback HTTP server that only counts what reaches it: no proxied request may."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def stats(org: EmulatorServer) -> dict[str, Any]:
    return httpx.get(f"{org.base_url}/__sfemu/stats").json()


def token_prefix(org: EmulatorServer) -> str:
    """Every access token sfemu issues starts with this (the 15-character org id and `!AQ`)."""
    return httpx.get(f"{org.base_url}/__sfemu/info").json()["org_id"][:15] + "!AQ"


def knobs(org: EmulatorServer, **changes: Any) -> None:
    httpx.put(f"{org.base_url}/__sfemu/config", json=changes).raise_for_status()


def salesforce(sdk: Polytomic, org: EmulatorServer, *, enabled: bool = True, **settings: Any) -> str:
    connection = sdk.connections.create(
        name=unique("sf-proxy"),
        type="salesforce",
        configuration={"domain": org.base_url, "connect_mode": "clientcredentials", **APP, **settings},
    ).data
    if enabled:
        sdk.connections.proxy.update_proxy_settings(id=connection.id, enabled=True)
    return connection.id


def call(sdk: Polytomic, connection_id: str, **request: Any) -> Any:
    return sdk.connections.proxy.execute_proxy(id=connection_id, request=ConnectionProxyCall(**request)).data


def soql(sdk: Polytomic, connection_id: str, query: str) -> Any:
    return call(sdk, connection_id, method="GET", path=QUERY, query={"q": query})


def refusal(sdk: Polytomic, connection_id: str, **request: Any) -> tuple[int, dict[str, Any]]:
    """The status and error body of a proxy call that must fail (typed or not, as the SDK raises it)."""
    with pytest.raises(ApiError) as caught:
        call(sdk, connection_id, **request)
    body = caught.value.body
    return caught.value.status_code or 0, body if isinstance(body, dict) else dict(body)


def fields_of(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["metadata"]["errors"]]


# --- settings -----------------------------------------------------------------------------------------


def test_proxy_is_off_by_default_and_enabled_through_settings(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org, enabled=False)
    settings = sdk.connections.proxy.get_proxy_settings(id=connection_id).data
    assert (settings.enabled, settings.connection_id, settings.supported) == (False, connection_id, True)
    assert sdk.connections.proxy.update_proxy_settings(id=connection_id, enabled=True).data.enabled is True
    assert sdk.connections.proxy.get_proxy_settings(id=connection_id).data.enabled is True
    sdk.connections.proxy.update_proxy_settings(id=connection_id, enabled=False)
    assert sdk.connections.proxy.get_proxy_settings(id=connection_id).data.enabled is False


def test_disabled_proxy_answers_403_and_sends_nothing(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org, enabled=False)
    before = stats(org)["total_requests"]
    with pytest.raises(ForbiddenError) as refused:
        soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
    assert "Connection Proxy is disabled" in refused.value.body.message
    assert "proxy/settings" in refused.value.body.message
    assert stats(org)["total_requests"] == before


def test_settings_validation_names_the_field(sdk: Polytomic, org: EmulatorServer, http: httpx.Client) -> None:
    connection_id = salesforce(sdk, org, enabled=False)
    for body, field in (({"enabled": "yes"}, "enabled"), ({}, "enabled"), ({"enabled": True, "x": 1}, "x")):
        answer = http.put(f"/api/connections/{connection_id}/proxy/settings", json=body)
        assert (answer.status_code, fields_of(answer.json())) == (422, [field]), body
    assert sdk.connections.proxy.get_proxy_settings(id=connection_id).data.enabled is False


def test_an_organization_user_key_manages_its_own_connections_only(
    sdk: Polytomic, other_org_sdk: Polytomic, org: EmulatorServer
) -> None:
    own = salesforce(other_org_sdk, org)
    assert other_org_sdk.connections.proxy.get_proxy_settings(id=own).data.enabled is True
    assert soql(other_org_sdk, own, "SELECT Id FROM Account LIMIT 1").status == 200
    partners = salesforce(sdk, org)
    with pytest.raises(NotFoundError):
        other_org_sdk.connections.proxy.update_proxy_settings(id=partners, enabled=False)
    with pytest.raises(NotFoundError):
        soql(other_org_sdk, partners, "SELECT Id FROM Account LIMIT 1")


def test_only_salesforce_connections_are_supported(sdk: Polytomic) -> None:
    name = unique("duck")
    duck = sdk.connections.create(name=name, type="duckdb", configuration={"path": f"{name}.duckdb"}).data
    settings = sdk.connections.proxy.get_proxy_settings(id=duck.id).data
    assert (settings.enabled, settings.supported) == (False, False)
    for attempt in (
        lambda: sdk.connections.proxy.update_proxy_settings(id=duck.id, enabled=True),
        lambda: sdk.connections.proxy.get_proxy_info(id=duck.id),
        lambda: call(sdk, duck.id, method="GET", path="/services/data"),
    ):
        with pytest.raises(BadRequestError) as refused:
            attempt()
        assert "not supported for this connection type" in refused.value.body.message


# --- calls --------------------------------------------------------------------------------------------


def test_soql_through_the_proxy(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    answer = soql(sdk, connection_id, "SELECT Name FROM Account ORDER BY Name LIMIT 3")
    assert answer.status == 200
    assert answer.content_type.startswith("application/json")
    assert answer.truncated is False
    assert answer.latency_ms >= 0
    assert answer.proxy_call_id
    result = json.loads(answer.body)
    assert (result["totalSize"], len(result["records"])) == (3, 3)
    assert [r["Name"] for r in result["records"]] == sorted(r["Name"] for r in result["records"])
    headers = {name.lower(): value for name, value in answer.headers.items()}  # as Salesforce spells them
    assert headers["sforce-limit-info"].startswith("api-usage=")
    assert not {"authorization", "set-cookie", "content-length"} & {h.lower() for h in answer.headers}
    assert token_prefix(org) not in json.dumps(answer.dict(), default=str)


def test_raw_query_is_sent_as_is(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    answer = call(sdk, connection_id, method="GET", path=QUERY, raw_query="q=SELECT+Id+FROM+Account+LIMIT+2")
    assert (answer.status, json.loads(answer.body)["totalSize"]) == (200, 2)


def test_upstream_errors_come_back_as_salesforce_sent_them(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    malformed = soql(sdk, connection_id, "SELECT Id FORM Account")
    assert malformed.status == 400
    assert json.loads(malformed.body)[0]["errorCode"] == "MALFORMED_QUERY"
    missing = call(sdk, connection_id, method="GET", path="/services/data/v62.0/sobjects/NoSuchThing__c")
    assert missing.status == 404


def test_json_bodies_are_sent_upstream(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    name = unique("Proxy Co")
    created = call(
        sdk, connection_id, method="POST", path="/services/data/v62.0/sobjects/Account", body={"Name": name}
    )
    assert created.status == 201
    record_id = json.loads(created.body)["id"]
    patched = call(
        sdk,
        connection_id,
        method="PATCH",
        path=f"/services/data/v62.0/sobjects/Account/{record_id}",
        body={"Industry": "Energy"},
    )
    assert patched.status == 204
    fetched = call(
        sdk,
        connection_id,
        method="GET",
        path=f"/services/data/v62.0/sobjects/Account/{record_id}",
        query={"fields": "Name,Industry"},
    )
    assert {k: json.loads(fetched.body)[k] for k in ("Name", "Industry")} == {
        "Name": name,
        "Industry": "Energy",
    }


def test_info_is_the_contract_without_the_token(
    sdk: Polytomic, org: EmulatorServer, http: httpx.Client
) -> None:
    connection_id = salesforce(sdk, org)
    soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
    soql(sdk, connection_id, "SELECT Id FORM Account")
    info = sdk.connections.proxy.get_proxy_info(id=connection_id).data
    assert (info.backend_type, info.connection_id, info.apis) == ("salesforce", connection_id, [])
    assert info.inherited_base.base_url == org.base_url
    assert [h.dict() for h in info.inherited_base.locked_headers] == [
        {"name": "Authorization", "value": "<redacted>", "redacted": True}
    ]
    contract = info.request_contract
    assert contract.allowed_methods == ["GET", "POST", "PUT", "PATCH", "DELETE"]
    assert {"Authorization", "Cookie", "Host"} <= set(contract.blocked_request_headers)
    assert {"Authorization", "Set-Cookie"} <= set(contract.blocked_response_headers)
    assert (contract.max_request_body_bytes, contract.max_response_body_bytes) == (262144, 1048576)
    assert (contract.timeout_ms, contract.rate_limit_per_minute) == (30000, 60)
    assert contract.query_modes == ["query", "rawQuery"]
    assert all((contract.path_rule, contract.raw_query_rule, contract.body_types, contract.query_value_types))
    assert all((info.merge_rules.headers, info.merge_rules.query))
    counts = info.stats
    assert (counts.proxy_calls_last24h, counts.proxy2xx_last24h, counts.proxy4xx_last24h) == (2, 1, 1)
    assert (counts.proxy5xx_last24h, counts.calls_last24h) == (0, 2)
    assert counts.last_proxy_call_at is not None
    raw = http.get(f"/api/connections/{connection_id}/proxy/info").text
    assert token_prefix(org) not in raw
    assert APP["client_secret"] not in raw


def test_response_headers_never_carry_credentials() -> None:
    token = "00Dxx0000000001!AQsecret-token"
    answer = UpstreamAnswer(
        status=200,
        headers=[
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "sid=abc"),
            ("Authorization", f"Bearer {token}"),
            ("X-Echo", f"token {token}"),
            ("Content-Length", "99"),
            ("Vary", "Accept"),
            ("vary", "Origin"),
        ],
        body=f"your session is {token}".encode(),
        truncated=False,
        latency_ms=5,
        access_token=token,
    )
    out = answer_out(answer, "call-1")
    assert out["headers"] == {"Content-Type": "text/plain", "Vary": "Accept", "vary": "Origin"}
    assert out["body"] == "your session is <redacted>"
    assert token not in json.dumps(out)


# --- request rules ------------------------------------------------------------------------------------


def test_query_and_raw_query_are_mutually_exclusive(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    status, body = refusal(
        sdk, connection_id, method="GET", path=QUERY, query={"q": "SELECT Id FROM Account"}, raw_query="q=x"
    )
    assert (status, fields_of(body)) == (422, ["request.rawQuery"])


def test_invalid_requests_are_422_naming_the_field(
    sdk: Polytomic, org: EmulatorServer, http: httpx.Client
) -> None:
    connection_id = salesforce(sdk, org)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"method": "TRACE", "path": QUERY}, "request.method"),
        ({"method": "GET", "path": QUERY, "api": "bulk"}, "request.api"),
        ({"method": "GET", "path": QUERY, "body": {"a": 1}}, "request.body"),
        ({"method": "GET", "path": QUERY, "query": {"q": {"nested": 1}}}, "request.query.q"),
        ({"method": "GET", "path": QUERY, "raw_query": "?q=1"}, "request.rawQuery"),
        ({"method": "GET", "path": QUERY, "raw_query": "q=a b"}, "request.rawQuery"),
        ({"method": "GET", "path": QUERY, "raw_query": "q=1#frag"}, "request.rawQuery"),
        ({"method": "GET", "path": QUERY, "headers": {"Bad Name": "x"}}, "request.headers.Bad Name"),
    ]
    for request, field in cases:
        status, body = refusal(sdk, connection_id, **request)
        assert (status, fields_of(body)) == (422, [field]), request
    answer = http.post(
        f"/api/connections/{connection_id}/proxy",
        json={"request": {"method": "GET", "path": QUERY}, "async": True},
    )
    assert (answer.status_code, fields_of(answer.json())) == (422, ["async"])


def test_blocked_request_headers_are_refused(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    before = stats(org)["total_requests"]
    for name in (
        "Authorization",
        "cookie",
        "Host",
        "X-SFDC-Session",
        "Proxy-Authorization",
        "X-Forwarded-Host",
    ):
        status, body = refusal(sdk, connection_id, method="GET", path=QUERY, headers={name: "x"})
        assert (status, fields_of(body)) == (422, [f"request.headers.{name}"])
        assert "blocked" in body["message"]
    assert stats(org)["total_requests"] == before


def test_header_values_must_be_printable_ascii(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    before = stats(org)["total_requests"]
    for value in ("snow \u2603", "\U0001f680", "caf\u00e9", "tab\x01", "x\x7f"):
        status, body = refusal(sdk, connection_id, method="GET", path=QUERY, headers={"X-Note": value})
        assert (status, fields_of(body)) == (422, ["request.headers.X-Note"]), value
        assert "printable ASCII" in body["message"]
    assert stats(org)["total_requests"] == before
    fine = call(sdk, connection_id, method="GET", path="/services/data", headers={"X-Note": "a b\tc ~!"})
    assert fine.status == 200


def test_request_bodies_over_256_kib_are_refused(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    path = "/services/data/v62.0/sobjects/Account"
    status, body = refusal(sdk, connection_id, method="POST", path=path, body="x" * (256 * 1024 + 1))
    assert status == 413
    assert "262144" in body["message"]
    assert fields_of(body) == ["request.body"]


def test_paths_off_the_instance_are_refused_and_nothing_leaves(
    sdk: Polytomic, org: EmulatorServer, elsewhere: Listener
) -> None:
    connection_id = salesforce(sdk, org)
    evil = elsewhere.host
    attacks = [
        f"http://{evil}/services/data",
        f"https://{evil}/services/data",
        f"//{evil}/services/data",
        f"///{evil}/services/data",
        f"/\\{evil}/services/data",
        f"\\\\{evil}\\services\\data",
        f"@{evil}/services/data",
        f"{evil}/services/data",
        f"/services/data/../../..//{evil}/",
        "/services/../setup/secur/frontdoor.jsp",
        "/services/data/..",
        "/services/./data",
        "/services/data/%2e%2e/%2e%2e/setup",
        "/services/data/%2E%2E%2F%2E%2E%2Fsetup",
        "/services/data%2f..%2f..%2fsetup",
        "/services/data/%252e%252e/setup",
        "/services/data/%5c..%5csetup",
        "/services/data/%c0%ae%c0%ae/setup",
        "/services/data/%0d%0aHost:%20evil",
        "/services/data/%zz",
        f"/services/data/v62.0/query?q=1&next=http://{evil}/",
        "/services/data#fragment",
        "/services/data/\x00",
        "/services/data/\r\nHost: evil",
        "/services/data/ü",
        " /services/data",
        "/setup/secur/frontdoor.jsp",
        "/services",
    ]
    for path in attacks:
        status, body = refusal(sdk, connection_id, method="GET", path=path)
        assert (status, fields_of(body)) == (422, ["request.path"]), path
    # Odd but harmless: these stay on the instance, whatever they contain.
    harmless = [
        ({"path": f"/services/data:@{evil}/"}, 404),
        ({"path": "/services/data/v62.0/sobjects/%E2%82%AC"}, 404),
        ({"path": "/services/data/v62.0/limits", "raw_query": f"next=http://{evil}/&x=//{evil}"}, 200),
        ({"path": "/services/data/v62.0/limits", "query": {"next": f"http://{evil}/"}}, 200),
    ]
    for request, expected in harmless:
        assert call(sdk, connection_id, method="GET", **request).status == expected, request
    status, body = refusal(sdk, connection_id, method="GET", path=QUERY, headers={"Host": evil})
    assert status == 422
    assert elsewhere.hits == []


def test_the_transport_refuses_any_url_off_the_instance(org: EmulatorServer, elsewhere: Listener) -> None:
    """Defence in depth: even a URL that escaped validation is never sent (the login still happens)."""
    config = SALESFORCE.validate_config({"domain": org.base_url, "connect_mode": "clientcredentials", **APP})
    with pytest.raises(LeftInstance):
        send_proxied(
            config,
            credentials=None,
            budget=None,
            app=None,
            method="GET",
            url_for=lambda _base: f"http://{elsewhere.host}/services/data",  # same host, another port
            params=None,
            headers={},
            content=None,
            timeout=5,
            max_response_bytes=MIB,
            upstreams=ALLOW_ALL,
        )
    assert elsewhere.hits == []


def test_responses_over_1_mib_are_cut_and_marked_truncated(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    marker = unique("Big")
    for batch in range(5):
        records = [
            {"attributes": {"type": "Account"}, "Name": f"{marker} {batch}-{i}", "Description": "d" * 30_000}
            for i in range(8)
        ]
        created = call(
            sdk,
            connection_id,
            method="POST",
            path="/services/data/v62.0/composite/sobjects",
            body={"allOrNone": True, "records": records},
        )
        assert created.status == 200
        assert all(result["success"] for result in json.loads(created.body))
    answer = soql(sdk, connection_id, f"SELECT Name, Description FROM Account WHERE Name LIKE '{marker}%'")
    assert (answer.status, answer.truncated) == (200, True)
    assert len(answer.body.encode()) == MIB
    assert answer.body.startswith('{"totalSize":40')
    small = soql(sdk, connection_id, f"SELECT Name FROM Account WHERE Name LIKE '{marker}%'")
    assert (small.truncated, json.loads(small.body)["totalSize"]) == (False, 40)


def test_unreachable_upstream_is_502(sdk: Polytomic, tmp_path: Path) -> None:
    with running_emulator(tmp_path) as gone:
        connection_id = salesforce(sdk, gone)
        assert soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1").status == 200
    with pytest.raises(BadGatewayError) as failed:
        soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
    assert "no answer from Salesforce" in failed.value.body.message
    assert sdk.connections.proxy.get_proxy_info(id=connection_id).data.stats.proxy5xx_last24h == 1


def test_a_dropped_connection_is_502(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org)
    soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")  # the token grant happens before the fault
    knobs(org, reset_rate=1.0)
    try:
        with pytest.raises(BadGatewayError):
            soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
    finally:
        knobs(org, reset_rate=0.0)


# --- limits -------------------------------------------------------------------------------------------


def test_upstream_timeout_is_504(fresh_org_sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(fresh_org_sdk, org)
    assert soql(fresh_org_sdk, connection_id, "SELECT Id FROM Account LIMIT 1").status == 200
    assert (
        fresh_org_sdk.connections.proxy.get_proxy_info(id=connection_id).data.request_contract.timeout_ms
        == 500
    )
    knobs(org, latency_ms=1500)
    try:
        started = time.monotonic()
        with pytest.raises(GatewayTimeoutError) as timed_out:
            soql(fresh_org_sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
        assert time.monotonic() - started < 1.4
    finally:
        knobs(org, latency_ms=0)
    assert "500 ms" in timed_out.value.body.message


def test_rate_limits_answer_429_with_retry_after(fresh_org_sdk: Polytomic, org: EmulatorServer) -> None:
    first, second = salesforce(fresh_org_sdk, org), salesforce(fresh_org_sdk, org)
    for _ in range(3):
        assert soql(fresh_org_sdk, first, "SELECT Id FROM Account LIMIT 1").status == 200
    with pytest.raises(TooManyRequestsError) as limited:
        soql(fresh_org_sdk, first, "SELECT Id FROM Account LIMIT 1")
    assert 1 <= int(limited.value.headers["retry-after"]) <= 60
    assert "3 calls per minute per connection" in limited.value.body.message
    for _ in range(2):  # the organization's limit (5) is now reached
        assert soql(fresh_org_sdk, second, "SELECT Id FROM Account LIMIT 1").status == 200
    with pytest.raises(TooManyRequestsError) as org_limited:
        soql(fresh_org_sdk, second, "SELECT Id FROM Account LIMIT 1")
    assert "5 calls per minute per organization" in org_limited.value.body.message
    assert "retry-after" in org_limited.value.headers


def test_every_call_counts_against_the_api_budget(sdk: Polytomic, org: EmulatorServer) -> None:
    connection_id = salesforce(sdk, org, enforce_api_limits=True, daily_api_calls=2)
    before = stats(org)["api_calls"]
    assert soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1").status == 200
    assert call(sdk, connection_id, method="GET", path="/services/data/v62.0/limits").status == 200
    with pytest.raises(TooManyRequestsError) as exhausted:
        soql(sdk, connection_id, "SELECT Id FROM Account LIMIT 1")
    assert "budget of 2 calls/24h" in exhausted.value.body.message
    assert "retry-after" in exhausted.value.headers
    assert stats(org)["api_calls"] - before == 2
    assert sdk.connections.get(id=connection_id).data.api_calls_last24hours == 2
    counts = sdk.connections.proxy.get_proxy_info(id=connection_id).data.stats
    assert (counts.calls_last24h, counts.proxy_calls_last24h) == (2, 3)
    assert (counts.proxy2xx_last24h, counts.proxy4xx_last24h) == (2, 1)
