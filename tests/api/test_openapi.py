"""The OpenAPI document and the pages that show it: /docs and /redoc work offline (every asset is served by
syncline itself), the document declares the bearer scheme behind /docs' Authorize button, and operations
declare their typed answers (the success body and the error body)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.app import API_KEY, in_process_app

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with in_process_app(tmp_path_factory.mktemp("openapi")) as (client, _services):
        anonymous = TestClient(client.app)  # the pages need no key
        yield anonymous


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_doc_pages_load_every_asset_from_syncline(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assets = ASSET.findall(answer.text)
    assert any(url.endswith(".js") for url in assets)
    assert not [url for url in assets if re.match(r"(?i)^(https?:)?//", url)]  # nothing from a CDN
    assert "fonts.googleapis" not in answer.text
    for url in assets:
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        assert len(fetched.content) > 1000 or url.endswith(".png"), url
    assert "/openapi.json" in answer.text


def test_swagger_ui_is_the_bundled_build(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in script.text


def test_the_bearer_scheme_is_declared_and_required(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "api_key": {"type": "http", "scheme": "bearer", "description": schemes["api_key"]["description"]}
    }
    operations = {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    open_ones = {key for key, operation in operations.items() if not operation.get("security")}
    # the only operations without a key: liveness and the OAuth pages a browser lands on
    assert open_ones == {
        ("GET", "/healthz"),
        ("GET", "/api/oauth/{type_id}/callback"),
        ("GET", "/api/oauth/{type_id}/device"),
    }
    assert operations[("GET", "/api/connections")]["security"] == [{"api_key": []}]


def operations_of(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_operations_declare_their_success_body(document: dict[str, Any]) -> None:
    untyped = []
    for key, operation in operations_of(document).items():
        for status, answer in operation["responses"].items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if status.startswith("2") and schema is not None and "$ref" not in schema:
                untyped.append((key, status))
    # the one bare object: the JSON Schema of a connection type, without an envelope as Polytomic serves it
    assert untyped == [(("GET", "/api/connection_types/{type_id}"), "200")]
    schemas = document["components"]["schemas"]
    connection = schemas["ConnectionResponseSchema"]["properties"]
    assert {"id", "name", "type", "configuration", "status", "created_at"} <= set(connection)
    assert schemas["ConnectionUsageResponse"]["properties"].keys() >= {"connectionId", "callsLast24h"}
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is not what syncline answers


def test_operations_declare_the_error_body(document: dict[str, Any]) -> None:
    error_ref = {"$ref": "#/components/schemas/ApiErrorBody"}
    for (method, path), operation in operations_of(document).items():
        if path == "/healthz":
            continue
        statuses = ("401", "404", "422") if operation.get("security") else ("400", "422")
        for status in statuses:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == error_ref, (method, path, status)
    error = document["components"]["schemas"]["ApiErrorBody"]
    assert set(error["required"]) == {"key", "message", "status", "metadata"}
    proxy = operations_of(document)[("POST", "/api/connections/{connection_id}/proxy")]
    assert {"429", "502", "504"} <= set(proxy["responses"])


def test_declared_fields_are_the_fields_answered(client: TestClient) -> None:
    """Every field a success body carries is one its schema names (models keep unknown fields, so a
    misspelt declaration would otherwise go unnoticed): checked on the answers of a DuckDB connection."""
    auth = {"Authorization": f"Bearer {API_KEY}"}
    created = client.post(
        "/api/connections",
        json={"name": "typed", "type": "duckdb", "configuration": {"path": "typed.duckdb"}},
        headers=auth,
    ).json()["data"]
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for path, envelope in (
        (f"/api/connections/{created['id']}", "ConnectionResponseEnvelope"),
        (f"/api/connections/{created['id']}/usage", "GetConnectionUsageEnvelope"),
        (f"/api/connections/{created['id']}/proxy/settings", "ConnectionProxySettingsEnvelope"),
        ("/api/me", "GetIdentityResponseEnvelope"),
    ):
        data = client.get(path, headers=auth).json()["data"]
        declared = schemas[schemas[envelope]["properties"]["data"]["$ref"].rsplit("/", 1)[1]]["properties"]
        assert set(data) <= set(declared), (path, set(data) - set(declared))
