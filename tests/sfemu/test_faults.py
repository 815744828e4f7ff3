"""Realism knobs and fault injection, set by flags and at run time through `/__sfemu/`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from sfemu.seed import seed
from tests.sfemu.rest.conftest import API, access_token
from tests.support.sfemu import EmulatorServer

Factory = Callable[..., EmulatorServer]


@contextmanager
def authed(server: EmulatorServer) -> Iterator[httpx.Client]:
    with server.client(timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {access_token(client)}"
        yield client


def test_daily_limit_is_enforced_and_reported(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(daily_api_limit=3)
    with authed(server) as client:
        answers = [client.get(f"{API}/limits") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 403]
    assert answers[2].headers["sforce-limit-info"] == "api-usage=3/3"
    assert answers[3].json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert server.org.stats.snapshot()["api_calls"] == 3  # refused calls are not counted


def test_stats_count_calls_by_kind_and_reset_empties_them(sfemu_server: EmulatorServer) -> None:
    with authed(sfemu_server) as client:
        client.get(f"{API}/query", params={"q": "SELECT Id FROM Account"})
        client.get(f"{API}/sobjects/Account/describe")
        stats = client.get("/__sfemu/stats").json()
        assert stats["api_calls"] == 2
        assert stats["by_kind"]["query"] == 1
        assert stats["by_kind"]["oauth"] == 1  # OAuth calls are seen but not counted against the limit
        assert stats["by_endpoint"]["GET /services/data/vXX.X/sobjects/Account/describe"] == 1
        assert client.post("/__sfemu/reset").status_code == 204
        assert client.get("/__sfemu/stats").json()["api_calls"] == 0


def test_runtime_config_changes_and_rejects_unknown_knobs(sfemu_server: EmulatorServer) -> None:
    with sfemu_server.client() as client:
        changed = client.put("/__sfemu/config", json={"daily_api_limit": 50, "error_rate": 0.5})
        assert changed.json()["daily_api_limit"] == 50
        assert "client_secret" not in changed.json()
        bad = client.put("/__sfemu/config", json={"port": 1})
        assert bad.status_code == 400
        assert "cannot be changed" in bad.json()["error"]
        assert client.put("/__sfemu/config", json={"error_rate": 2}).status_code == 400


def test_error_rate_answers_503_deterministically(sfemu_server_factory: Factory) -> None:
    def statuses() -> list[int]:
        server = sfemu_server_factory(error_rate=0.5, fault_seed=42)
        with authed(server) as client:
            return [client.get(f"{API}/limits").status_code for _ in range(20)]

    first, second = statuses(), statuses()
    assert first == second  # same seed, same faults
    assert set(first) == {200, 503}


def test_server_error_body_is_salesforce_shaped(sfemu_server: EmulatorServer) -> None:
    with authed(sfemu_server) as client:
        client.put("/__sfemu/config", json={"error_rate": 1.0})
        answer = client.get(f"{API}/limits")
        assert answer.status_code == 503
        assert answer.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
        assert client.get("/__sfemu/stats").json()["faults"]["server_error"] == 1


def test_connection_resets_drop_the_answer(sfemu_server: EmulatorServer) -> None:
    with authed(sfemu_server) as client:
        client.put("/__sfemu/config", json={"reset_rate": 1.0})
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{API}/limits")
        client.put("/__sfemu/config", json={"reset_rate": 0.0})
        assert client.get(f"{API}/limits").status_code == 200


def test_latency_is_added_to_api_calls(sfemu_server: EmulatorServer) -> None:
    with authed(sfemu_server) as client:
        client.put("/__sfemu/config", json={"latency_ms": 300})
        started = time.perf_counter()
        client.get(f"{API}/limits")
        assert time.perf_counter() - started >= 0.3


def test_expired_tokens_get_invalid_session(sfemu_server: EmulatorServer) -> None:
    with authed(sfemu_server) as client:
        assert client.get(f"{API}/limits").status_code == 200
        client.post("/__sfemu/tokens/expire")
        expired = client.get(f"{API}/limits")
        assert expired.status_code == 401
        assert expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_short_token_lifetime_from_config(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(token_ttl_seconds=1)
    with authed(server) as client:
        assert client.get(f"{API}/limits").status_code == 200
        time.sleep(1.2)
        assert client.get(f"{API}/limits").status_code == 401


def test_concurrent_long_request_limit(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(max_concurrent_long_requests=1, lock_contention=True, latency_ms=300)
    seed(server.org, "demo")

    async def two_at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            token = (
                await client.post(
                    "/services/oauth2/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "sfemu",
                        "client_secret": "sfemu-secret",
                    },
                )
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            body = {"records": [{"attributes": {"type": "Account"}, "Name": "Concurrent"}]}
            return list(
                await asyncio.gather(
                    *(client.post(f"{API}/composite/sobjects", json=body, headers=headers) for _ in range(2))
                )
            )

    answers = asyncio.run(two_at_once())
    assert sorted(a.status_code for a in answers) == [200, 403]
    refused = next(a for a in answers if a.status_code == 403)
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert "ConcurrentPerOrgLongTxn" in refused.json()[0]["message"]


def test_parallel_collection_writes_to_children_of_one_parent_contend(sfemu_server_factory: Factory) -> None:
    server = sfemu_server_factory(lock_contention=True, fault_seed=1)
    seed(server.org, "demo")

    async def overlapping(parallel: bool) -> list[dict[str, object]]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            token = (
                await client.post(
                    "/services/oauth2/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": "sfemu",
                        "client_secret": "sfemu-secret",
                    },
                )
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            account = (
                await client.get(
                    f"{API}/query", params={"q": "SELECT Id FROM Account LIMIT 1"}, headers=headers
                )
            ).json()["records"][0]["Id"]
            bodies = [
                {
                    "records": [
                        {"attributes": {"type": "Contact"}, "LastName": f"C{n}-{k}", "AccountId": account}
                        for k in range(5)
                    ]
                }
                for n in range(4)
            ]
            if parallel:
                answers = await asyncio.gather(
                    *(client.post(f"{API}/composite/sobjects", json=b, headers=headers) for b in bodies)
                )
            else:
                answers = [
                    await client.post(f"{API}/composite/sobjects", json=b, headers=headers) for b in bodies
                ]
            return [r for answer in answers for r in answer.json()]

    serial = asyncio.run(overlapping(parallel=False))
    assert all(r["success"] for r in serial)
    parallel = asyncio.run(overlapping(parallel=True))
    codes = {e["statusCode"] for r in parallel for e in r.get("errors", [])}  # type: ignore[union-attr]
    assert codes == {"UNABLE_TO_LOCK_ROW"}
