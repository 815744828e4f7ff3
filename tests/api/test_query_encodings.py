"""Bracket (deep-object) query parameters, as the SDK encodes dict parameters."""

from __future__ import annotations

import uuid

import httpx


def test_filters_in_bracket_notation_narrow_the_connection_list(http: httpx.Client) -> None:
    name = f"filtered-{uuid.uuid4().hex[:8]}"
    created = http.post(
        "/api/connections", json={"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}}
    ).json()["data"]
    duckdb_only = http.get("/api/connections", params={"filters[type]": "duckdb"}).json()["data"]
    assert created["id"] in [c["id"] for c in duckdb_only]
    assert {c["type"]["id"] for c in duckdb_only} == {"duckdb"}
    none = http.get("/api/connections", params={"filters[type]": "postgresql", "filters[status]": "unknown"})
    assert created["id"] not in [c["id"] for c in none.json()["data"]]


def test_unknown_bracket_filter_is_rejected_naming_it(http: httpx.Client) -> None:
    response = http.get("/api/connections", params={"filters[colour]": "blue"})
    assert response.status_code == 422
    body = response.json()
    assert body["metadata"]["errors"][0]["field"] == "filters[colour]"
    assert "type, status" in body["message"]
