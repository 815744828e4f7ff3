"""Polytomic's wire conventions over raw HTTP: envelope, error body, versioning, auth, query encodings."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from polytomic import Polytomic
from polytomic.core.api_error import ApiError

from tests.support.server import ServerProcess

CURRENT_VERSION = "2025-09-18"
ERROR_KEYS = {"key", "message", "status", "metadata"}
MISSING_ID = "00000000-0000-0000-0000-000000000000"
# Unparseable JSON is a 400; well-formed input with a missing, unknown or mistyped field (body or query)
# is a 422, as the server answers since the working-tree change to api/app.py `_validation_error`.
MALFORMED = 400
INVALID = 422


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def duckdb_body(name: str | None = None, **extra: Any) -> dict[str, Any]:
    name = name or unique("duck")
    return {"name": name, "type": "duckdb", "configuration": {"path": f"{name}.duckdb"}, **extra}


def postgres_config(**overrides: Any) -> dict[str, Any]:
    return {
        "hostname": "127.0.0.1",
        "port": 5432,
        "username": "postgres",
        "password": "x",
        "database": "test",
        "ssl": False,
        **overrides,
    }


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The Polytomic error body of `response`, after checking its status and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["metadata"], dict)
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["metadata"].get("errors", [])]


def connection_names(http: httpx.Client) -> list[str]:
    response = http.get("/api/connections")
    assert response.status_code == 200
    return [c["name"] for c in response.json()["data"]]


# --- envelope ----------------------------------------------------------------------------------


def test_identity_is_wrapped_in_data(http: httpx.Client) -> None:
    response = http.get("/api/me")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["data"]
    assert body["data"]["is_partner"] is True
    assert body["data"]["organization_id"]


def test_connection_list_is_wrapped_in_data(http: httpx.Client) -> None:
    created = http.post("/api/connections", json=duckdb_body())
    assert created.status_code == 200

    body = http.get("/api/connections").json()

    assert list(body) == ["data"]
    assert created.json()["data"]["id"] in [c["id"] for c in body["data"]]


def test_created_connection_is_wrapped_in_data(http: httpx.Client) -> None:
    name = unique("wrapped")

    body = http.post("/api/connections", json=duckdb_body(name)).json()

    assert list(body) == ["data"]
    assert body["data"]["name"] == name
    assert body["data"]["type"]["id"] == "duckdb"


def test_connection_types_are_wrapped_in_data(http: httpx.Client) -> None:
    body = http.get("/api/connection_types").json()

    assert list(body) == ["data"]
    assert {"duckdb", "postgresql"} <= {t["id"] for t in body["data"]}


def test_connection_type_schema_is_bare_json_schema(http: httpx.Client) -> None:
    response = http.get("/api/connection_types/postgresql")

    assert response.status_code == 200
    schema = response.json()
    assert "data" not in schema
    assert "$schema" in schema
    assert {"hostname", "port", "username", "password", "database"} <= set(schema["properties"])


def test_unknown_connection_type_schema_is_404(http: httpx.Client) -> None:
    body = error_of(http.get("/api/connection_types/nosuchtype"), 404)

    assert body["key"] == "not_found"


# --- authentication ----------------------------------------------------------------------------


def test_missing_api_key_is_401(server: ServerProcess) -> None:
    body = error_of(httpx.get(f"{server.base_url}/api/me"), 401)

    assert body["key"] == "unauthorized"
    assert "Authorization" in body["message"]


def test_unknown_api_key_is_401(server: ServerProcess) -> None:
    response = httpx.get(
        f"{server.base_url}/api/me", headers={"Authorization": "Bearer sl_not_a_real_key_42"}
    )

    assert error_of(response, 401)["key"] == "unauthorized"


def test_basic_auth_is_401(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/api/me", auth=("user", server.api_key or ""))

    body = error_of(response, 401)
    assert body["key"] == "unauthorized"
    assert "Bearer" in body["message"]


def test_unauthenticated_request_writes_nothing(server: ServerProcess, http: httpx.Client) -> None:
    body = duckdb_body()

    response = httpx.post(
        f"{server.base_url}/api/connections",
        json=body,
        headers={"Authorization": "Bearer sl_not_a_real_key_42"},
    )

    error_of(response, 401)
    assert body["name"] not in connection_names(http)


def test_healthz_needs_no_api_key(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


# --- routing errors ----------------------------------------------------------------------------


def test_unknown_route_is_404_with_error_body(http: httpx.Client) -> None:
    body = error_of(http.get("/api/no-such-thing"), 404)

    assert body["key"] == "not_found"
    assert "/api/no-such-thing" in body["message"]


def test_unknown_connection_id_is_404_naming_the_id(http: httpx.Client) -> None:
    body = error_of(http.get(f"/api/connections/{MISSING_ID}"), 404)

    assert body["key"] == "not_found"
    assert body["metadata"]["id"] == MISSING_ID


def test_wrong_method_is_405_with_error_body(http: httpx.Client) -> None:
    body = error_of(http.patch("/api/connections", json={}), 405)

    assert body["key"] == "method_not_allowed"


# --- request body validation -------------------------------------------------------------------


def test_malformed_json_is_400_naming_body(http: httpx.Client) -> None:
    before = connection_names(http)

    response = http.post(
        "/api/connections", content=b'{"name": "x", ', headers={"Content-Type": "application/json"}
    )

    body = error_of(response, MALFORMED)
    assert body["key"] == "bad_request"
    assert error_fields(body) == ["body"]
    assert connection_names(http) == before


def test_missing_required_field_is_rejected_naming_it(http: httpx.Client) -> None:
    request = duckdb_body()
    del request["configuration"]

    body = error_of(http.post("/api/connections", json=request), INVALID)

    assert error_fields(body) == ["configuration"]
    assert request["name"] not in connection_names(http)


def test_unknown_top_level_field_is_rejected_naming_it(http: httpx.Client) -> None:
    request = duckdb_body(colour="blue")

    body = error_of(http.post("/api/connections", json=request), INVALID)

    assert error_fields(body) == ["colour"]
    assert "colour" in body["message"]
    assert request["name"] not in connection_names(http)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 42), ("configuration", "path=x.duckdb"), ("validate", "maybe"), ("policies", "p1")],
)
def test_wrong_type_is_rejected_naming_the_field(http: httpx.Client, field: str, value: object) -> None:
    request = duckdb_body()
    request[field] = value
    before = connection_names(http)

    body = error_of(http.post("/api/connections", json=request), INVALID)

    assert error_fields(body) == [field]
    assert connection_names(http) == before


def test_invalid_configuration_is_422_naming_the_setting(http: httpx.Client) -> None:
    before = connection_names(http)
    request = {"name": unique("pg"), "type": "postgresql", "configuration": postgres_config(port=70000)}

    body = error_of(http.post("/api/connections", json=request), 422)

    assert body["key"] == "invalid_configuration"
    assert error_fields(body) == ["configuration.port"]
    assert connection_names(http) == before


def test_missing_configuration_setting_is_422_naming_it(http: httpx.Client) -> None:
    config = postgres_config()
    del config["hostname"]
    request = {"name": unique("pg"), "type": "postgresql", "configuration": config}

    body = error_of(http.post("/api/connections", json=request), 422)

    assert "configuration.hostname" in error_fields(body)
    assert request["name"] not in connection_names(http)


def test_unknown_connection_type_is_422_naming_type(http: httpx.Client) -> None:
    request = {"name": unique("odd"), "type": "nosuchtype", "configuration": {}}

    body = error_of(http.post("/api/connections", json=request), 422)

    assert error_fields(body) == ["type"]
    assert request["name"] not in connection_names(http)


def test_failed_validation_against_upstream_is_422_and_stores_nothing(
    http: httpx.Client, closed_port: int
) -> None:
    request = {
        "name": unique("pg"),
        "type": "postgresql",
        "validate": True,
        "configuration": postgres_config(port=closed_port),
    }

    body = error_of(http.post("/api/connections", json=request), 422)

    assert body["key"] == "connection_test_failed"
    assert str(closed_port) in body["message"]
    assert request["name"] not in connection_names(http)


def test_valid_postgres_connection_with_validate_is_healthy(http: httpx.Client) -> None:
    request = {
        "name": unique("pg"),
        "type": "postgresql",
        "validate": True,
        "configuration": postgres_config(),
    }

    response = http.post("/api/connections", json=request)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "healthy"


# --- versioning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/me", "/healthz", "/api/no-such-thing", f"/api/connections/{MISSING_ID}"]
)
def test_version_header_defaults_to_current(http: httpx.Client, path: str) -> None:
    response = http.get(path)

    assert response.headers["X-Polytomic-Version"] == CURRENT_VERSION


@pytest.mark.parametrize("path", ["/api/me", "/healthz", "/api/no-such-thing"])
def test_version_header_is_echoed(http: httpx.Client, path: str) -> None:
    response = http.get(path, headers={"X-Polytomic-Version": CURRENT_VERSION})

    assert response.headers["X-Polytomic-Version"] == CURRENT_VERSION


def test_version_header_is_echoed_on_errors(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/api/me", headers={"X-Polytomic-Version": CURRENT_VERSION})

    assert response.status_code == 401
    assert response.headers["X-Polytomic-Version"] == CURRENT_VERSION


def test_version_header_appears_once(http: httpx.Client) -> None:
    response = http.get("/api/me", headers={"X-Polytomic-Version": CURRENT_VERSION})

    assert response.headers.get_list("X-Polytomic-Version") == [CURRENT_VERSION]


@pytest.mark.parametrize("version", ["2099-01-01", "2024-02-08", "yesterday"])
def test_unsupported_version_is_400_naming_the_header(http: httpx.Client, version: str) -> None:
    response = http.get("/api/me", headers={"X-Polytomic-Version": version})

    body = error_of(response, 400)
    assert body["key"] == "unsupported_version"
    assert body["metadata"]["header"] == "X-Polytomic-Version"
    assert CURRENT_VERSION in body["metadata"]["supported"]
    assert version in body["message"]
    assert response.headers["X-Polytomic-Version"] == CURRENT_VERSION


def test_unsupported_version_is_rejected_before_auth(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/healthz", headers={"X-Polytomic-Version": "2099-01-01"})

    assert error_of(response, 400)["key"] == "unsupported_version"


def test_unsupported_version_writes_nothing(http: httpx.Client) -> None:
    request = duckdb_body()

    response = http.post("/api/connections", json=request, headers={"X-Polytomic-Version": "2024-02-08"})

    error_of(response, 400)
    assert request["name"] not in connection_names(http)


# --- query encodings (as the SDK sends them) ---------------------------------------------------


def test_repeated_query_keys_are_accepted(http: httpx.Client) -> None:
    response = http.get("/api/events", params=[("type", "sync.running"), ("type", "sync.failed")])

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["data"], list)


def test_unknown_event_type_is_rejected_naming_type(http: httpx.Client) -> None:
    response = http.get("/api/events", params=[("type", "sync.running"), ("type", "sync.exploded")])

    body = error_of(response, INVALID)
    assert error_fields(body) == ["type"]
    assert "sync.exploded" in body["message"]


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_out_of_range_limit_is_rejected_naming_limit(http: httpx.Client, limit: str) -> None:
    body = error_of(http.get("/api/events", params={"limit": limit}), INVALID)

    assert error_fields(body) == ["limit"]


def test_limit_of_100_is_accepted(http: httpx.Client) -> None:
    assert http.get("/api/events", params={"limit": "100"}).status_code == 200


def test_timestamp_without_time_zone_is_rejected(http: httpx.Client) -> None:
    body = error_of(http.get("/api/events", params={"starting_after": "2025-01-31T12:00:00"}), INVALID)

    assert error_fields(body) == ["starting_after"]


def test_timestamp_with_time_zone_is_accepted(http: httpx.Client) -> None:
    response = http.get("/api/events", params={"starting_after": "2025-01-31T12:00:00Z"})

    assert response.status_code == 200, response.text


def test_boolean_query_on_delete_is_accepted(http: httpx.Client) -> None:
    connection_id = http.post("/api/connections", json=duckdb_body()).json()["data"]["id"]

    response = http.delete(f"/api/connections/{connection_id}", params={"force": "true"})

    assert response.status_code == 204
    assert http.get(f"/api/connections/{connection_id}").status_code == 404


def test_non_boolean_query_is_rejected_naming_it(http: httpx.Client) -> None:
    connection_id = http.post("/api/connections", json=duckdb_body()).json()["data"]["id"]

    body = error_of(http.delete(f"/api/connections/{connection_id}", params={"force": "maybe"}), INVALID)

    assert error_fields(body) == ["force"]
    assert http.get(f"/api/connections/{connection_id}").status_code == 200


# --- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_document_lists_api_paths(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/connections", "/api/connections/{connection_id}", "/api/events", "/api/me"} <= set(paths)
    assert response.headers["X-Polytomic-Version"] == CURRENT_VERSION


def test_docs_page_is_html(server: ServerProcess) -> None:
    response = httpx.get(f"{server.base_url}/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/relative/path", "ftp://files.example/x", "data:,x"])
def test_redirect_url_must_be_http_or_https(http: httpx.Client, url: str) -> None:
    """Issue 8, item 12: the OAuth `redirect_url` sends a person somewhere; only web URLs are allowed."""
    request = {
        "name": unique("redir"),
        "type": "duckdb",
        "configuration": {"path": "r.duckdb"},
        "redirect_url": url,
    }
    body = error_of(http.post("/api/connections", json=request), 422)
    assert error_fields(body) == ["redirect_url"]
    assert request["name"] not in connection_names(http)


def test_polytomic_operations_not_implemented_yet_answer_501_with_their_name(sdk: Polytomic) -> None:
    """Issue 8, item 13: a 404 here made the SDK report a missing resource instead of a missing feature."""
    with pytest.raises(ApiError) as err:
        sdk.models.list()
    assert err.value.status_code == 501
    assert err.value.body["key"] == "not_implemented"
    assert err.value.body["metadata"] == {"operation": "models.list"}


def test_paths_polytomic_does_not_have_are_still_404(http: httpx.Client) -> None:
    assert http.get("/api/no_such_thing").status_code == 404
