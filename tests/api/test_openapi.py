"""The OpenAPI document and the pages that show it: /docs and /redoc work offline (every asset is served by
syncline itself), the document declares the bearer scheme behind /docs' Authorize button, and operations
declare their typed answers (the success body and the error body)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.app import in_process_app

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
