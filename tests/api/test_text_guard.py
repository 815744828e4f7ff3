"""NUL and lone surrogates in any path parameter, query parameter or JSON string are a 422 naming the field,
on SQLite and PostgreSQL stores alike (PostgreSQL refuses NUL in text and psycopg cannot encode a lone
surrogate: without the check these were 500s there, and stored as sent on SQLite)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.api.test_conventions import error_fields, error_of

BAD_TEXT = "must be valid Unicode text without NUL characters"


def raw_json(http: httpx.Client, method: str, url: str, body: str) -> httpx.Response:
    """Send a JSON text as written: `\\ud800` escapes survive (an encoder would refuse them)."""
    return http.request(method, url, content=body.encode(), headers={"Content-Type": "application/json"})


def refused(response: httpx.Response) -> list[str]:
    body = error_of(response, 422)
    assert BAD_TEXT in body["message"]
    assert body["key"] == "invalid_request"
    return error_fields(body)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/connections/%00", "connection_id"),
        ("/api/connections/%ED%A0%80", "connection_id"),  # UTF-8 of a lone surrogate
        ("/api/connections/ab%FFcd/usage", "connection_id"),  # not UTF-8 at all
        ("/api/organizations/%00/users", "org_id"),
        ("/api/organizations/x/users/%ED%B0%80", "user_id"),
        ("/api/jobs/query/%00", "job_id"),
        ("/api/queries/a%00b", "query_id"),
        ("/api/connection_types/%00", "type_id"),
    ],
)
def test_path_parameters(http: httpx.Client, path: str, field: str) -> None:
    assert refused(http.get(path)) == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=%00", "type"),
        ("type=sync.running&organization_id=%ED%A0%80", "organization_id"),
        ("limit=1%00", "limit"),
        ("starting_after=2025-01-01T00:00:00Z%00", "starting_after"),
    ],
)
def test_query_parameters(http: httpx.Client, query: str, field: str) -> None:
    assert refused(http.get(f"/api/events?{query}")) == [field]


def test_deep_object_query_parameters(http: httpx.Client) -> None:
    assert refused(http.get("/api/connections?filters[type]=duck%00db")) == ["filters[type]"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "a\\u0000b"}', "name"),
        ('{"name": "a\\ud800b"}', "name"),
        ('{"name": "ok", "sso_domain": "\\udfff"}', "sso_domain"),
    ],
)
def test_json_fields_of_organizations(http: httpx.Client, body: str, field: str) -> None:
    assert refused(raw_json(http, "POST", "/api/organizations", body)) == [field]


def test_json_fields_of_connections_nothing_is_stored(http: httpx.Client) -> None:
    name = f"nul-{uuid.uuid4().hex[:8]}"
    cases = [
        ({"name": f"{name}\u0000"}, ["name"]),
        ({"type": "duck\u0000db"}, ["type"]),
        ({"configuration": {"path": f"{name}\ud800.duckdb"}}, ["configuration.path"]),
        ({"configuration": {"path": f"{name}.duckdb", "pa\u0000th": "x"}}, ["configuration.pa\\u0000th"]),
        ({"policies": ["ok", "\udc80"]}, ["policies.1"]),
    ]
    for change, fields in cases:
        body = {"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}, **change}
        text = json.dumps(body)  # ASCII with \u escapes, lone surrogates included
        assert refused(raw_json(http, "POST", "/api/connections", text)) == fields, change
    listed = http.get("/api/connections").json()["data"]
    assert [c for c in listed if c["name"].startswith(name)] == []


def test_updates_and_tests_of_connections(http: httpx.Client) -> None:
    name = f"nul-{uuid.uuid4().hex[:8]}"
    created = http.post(
        "/api/connections", json={"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}}
    )
    connection_id = created.json()["data"]["id"]
    update = json.dumps({"name": "renamed\u0000", "configuration": {"path": f"{name}.duckdb"}})
    assert refused(raw_json(http, "PUT", f"/api/connections/{connection_id}", update)) == ["name"]
    assert http.get(f"/api/connections/{connection_id}").json()["data"]["name"] == name
    test = json.dumps({"type": "duckdb", "configuration": {"path": "\ud800"}, "connection_id": connection_id})
    assert refused(raw_json(http, "POST", "/api/connections/test", test)) == ["configuration.path"]


def test_query_runner_text(http: httpx.Client) -> None:
    name = f"nul-{uuid.uuid4().hex[:8]}"
    created = http.post(
        "/api/connections", json={"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}}
    )
    connection_id = created.json()["data"]["id"]
    assert refused(http.post(f"/api/connections/{connection_id}/query?query=SELECT%201%00")) == ["query"]
    body = json.dumps({"query": "SELECT '\ud800'"})
    assert refused(raw_json(http, "POST", f"/api/connections/{connection_id}/query", body)) == ["query"]


def test_every_offending_field_is_named_once(http: httpx.Client) -> None:
    body = json.dumps({"name": "\u0000", "sso_domain": "\u0000\u0000", "issuer": "\ud800"})
    assert refused(raw_json(http, "POST", "/api/organizations", body)) == ["name", "sso_domain", "issuer"]


def test_ordinary_unicode_is_accepted(http: httpx.Client) -> None:
    name = f"Zürich 東京 🚀 {uuid.uuid4().hex[:6]}"
    created = http.post("/api/organizations", json={"name": name})
    assert created.status_code == 200, created.text
    assert created.json()["data"]["name"] == name
    assert http.get("/api/connections?filters[type]=%C3%A9").status_code == 200


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_bodies_are_not_a_server_error(http: httpx.Client, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    ignored = raw_json(http, "DELETE", "/api/connections/no-such-id", nested)  # a route that takes no body
    assert ignored.status_code == 404
    refused_body = raw_json(http, "POST", "/api/organizations", f'{{"name": {nested}}}')
    assert refused_body.status_code in (400, 422)
    assert refused_body.json()["status"] == refused_body.status_code


def test_a_field_deep_inside_is_named(http: httpx.Client) -> None:
    body = json.dumps({"type": "duckdb", "configuration": {"a": [{"b": [0, {"c": "\u0000"}]}]}})
    assert refused(raw_json(http, "POST", "/api/connections/test", body)) == ["configuration.a.0.b.1.c"]
