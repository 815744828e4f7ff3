"""Bad input gets Salesforce's own error, never a 500: garbage bodies and paths on every API."""

from __future__ import annotations

import httpx
import pytest

from tests.sfemu.rest.conftest import API, access_token
from tests.support.sfemu import EmulatorServer

GARBAGE = [
    b"",
    b"{",
    b"[]",
    b"null",
    b'{"records": 5}',
    b"\xff\xfe",
    b'{"a": {"b": [1, 2, {"c": null}]}}',
    b'Name,Industry\n"unterminated',
    b"<xml>",
]

CALLS = [
    ("POST", f"{API}/sobjects/Account"),
    ("PATCH", f"{API}/sobjects/Account/0015g0000000001AAA"),
    ("PATCH", f"{API}/sobjects/Account/External_Id__c/K1"),
    ("POST", f"{API}/composite/sobjects"),
    ("PATCH", f"{API}/composite/sobjects"),
    ("PATCH", f"{API}/composite/sobjects/Account/External_Id__c"),
    ("POST", f"{API}/composite/sobjects/Account"),
    ("POST", f"{API}/actions/standard/convertLead"),
    ("POST", f"{API}/jobs/ingest"),
    ("POST", f"{API}/jobs/query"),
    ("POST", f"{API}/tooling/sobjects/ApexClass"),
    ("POST", "/services/async/62.0/job"),
    ("POST", "/services/oauth2/token"),
    ("POST", "/services/Soap/u/62.0"),
]


@pytest.fixture
def client(sfemu_server: EmulatorServer) -> httpx.Client:
    client = sfemu_server.client(timeout=30)
    token = access_token(client)
    client.headers["Authorization"] = f"Bearer {token}"
    client.headers["X-SFDC-Session"] = token
    return client


@pytest.mark.parametrize(("method", "path"), CALLS, ids=[f"{m} {p.split('/', 4)[-1]}" for m, p in CALLS])
def test_garbage_bodies_get_client_errors(client: httpx.Client, method: str, path: str) -> None:
    for body in GARBAGE:
        for content_type in ("application/json", "text/csv", "application/xml"):
            response = client.request(method, path, content=body, headers={"Content-Type": content_type})
            assert response.status_code < 500 or path.startswith("/services/Soap"), (
                body,
                content_type,
                response.text,
            )
            if path.startswith("/services/Soap"):  # SOAP faults are 500 by protocol, but must be faults
                assert "Fault" in response.text or response.status_code < 500


BAD_SOQL = [
    "",
    "SELECT",
    "SELECT FROM Account",
    "SELECT Id FROM",
    "SELECT Id FROM Account WHERE",
    "SELECT Id FROM Account WHERE Name = ",
    "SELECT Id FROM Account WHERE CreatedDate = '2024-01-01'",
    "SELECT Id FROM Account LIMIT -1",
    "SELECT Id FROM Account OFFSET 5000",
    "SELECT Id, (SELECT Id FROM Nope) FROM Account",
    "SELECT Id.Name FROM Account",
    "SELECT Id FROM Account WHERE Name IN ()",
    "SELECT COUNT(Name), Id FROM Account",
    "' OR 1=1 --",
    "SELECT Id FROM Account; DROP TABLE Account",
    "SELECT Id FROM Account WHERE Name LIKE 5",
]
QUERY_ERRORS = {
    "MALFORMED_QUERY",
    "INVALID_FIELD",
    "INVALID_TYPE",
    "INVALID_QUERY_FILTER_OPERATOR",
    "NUMBER_OUTSIDE_VALID_RANGE",
}


@pytest.mark.parametrize("soql", BAD_SOQL)
def test_bad_soql_gets_a_salesforce_error(client: httpx.Client, soql: str) -> None:
    for endpoint in ("query", "queryAll", "tooling/query"):
        response = client.get(f"{API}/{endpoint}", params={"q": soql})
        assert response.status_code == 400, (endpoint, soql, response.text)
        assert response.json()[0]["errorCode"] in QUERY_ERRORS
    assert client.get(f"{API}/query", params={"q": "SELECT COUNT() FROM Account"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/sobjects/Nope__c",
        f"{API}/sobjects/Account/not-an-id",
        f"{API}/query/01gdoesnotexist-2000",
        "/services/data/vX/sobjects",
        f"{API}/jobs/ingest/7500000000000000",
        "/services/async/62.0/job/nope",
    ],
)
def test_unknown_things_are_not_found_errors(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert 400 <= response.status_code < 500
