"""SalesforceHttp: retries, backoff, the 401 renewal, and Salesforce's errors as exception classes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from syncline.connectors.salesforce.errors import (
    ApiDisabled,
    BulkNotSupported,
    DailyLimitExceeded,
    InsufficientAccess,
    InvalidField,
    InvalidType,
    MalformedQuery,
    NotFound,
    ReauthorizationRequired,
    SalesforceError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from tests.connectors.salesforce.helpers import DEMO_CONTACTS, Org, fault, mock_http, sequence


def test_server_errors_and_resets_are_retried_with_growing_waits() -> None:
    http, waits = mock_http(
        sequence(
            fault(503, "SERVER_UNAVAILABLE", "busy"),
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.Response(200, json={"ok": True}),
        )
    )
    assert http.json("GET", http.data_path("limits")) == {"ok": True}
    assert len(waits) == 2
    assert waits[1] > waits[0] / 2  # jittered in [ceiling/2, ceiling], the ceiling doubling
    assert http.sent == 3


def test_retry_after_is_honoured() -> None:
    http, waits = mock_http(
        sequence(
            fault(429, "REQUEST_LIMIT_EXCEEDED", "slow down", **{"Retry-After": "7"}), httpx.Response(200)
        )
    )
    http.send("GET", http.data_path("limits"))
    assert waits == [7.0]


def test_retries_are_bounded() -> None:
    http, _ = mock_http(lambda _request: fault(503, "SERVER_UNAVAILABLE", "busy"), max_attempts=3)
    with pytest.raises(SalesforceUnavailable) as info:
        http.send("GET", http.data_path("limits"))
    assert info.value.attempts == 3
    assert info.value.retriable


def test_a_post_whose_answer_was_lost_is_not_sent_again() -> None:
    http, _ = mock_http(sequence(httpx.ReadError("reset"), httpx.Response(200)))
    with pytest.raises(SalesforceUnavailable) as info:
        http.send("POST", http.data_path("composite/sobjects"), json={})
    assert info.value.attempts == 1


def test_a_post_that_never_connected_is_sent_again() -> None:
    http, _ = mock_http(sequence(httpx.ConnectError("refused"), httpx.Response(201, json={})))
    assert http.send("POST", http.data_path("composite/sobjects"), json={}).status_code == 201


def test_an_invalid_session_renews_the_token_once() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == "Bearer access-1":
            return fault(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return httpx.Response(200, json={})

    http, waits = mock_http(handle)
    http.send("GET", http.data_path("limits"))
    assert seen == ["Bearer access-1", "Bearer access-2"]
    assert waits == []  # a renewal is not a failure: no backoff


def test_an_invalid_session_after_renewal_asks_to_reconnect() -> None:
    http, _ = mock_http(lambda _request: fault(401, "INVALID_SESSION_ID", "Session expired or invalid"))
    with pytest.raises(ReauthorizationRequired):
        http.send("GET", http.data_path("limits"))
    assert http.sent == 2


def test_bulk1_sessions_use_the_session_header() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    http, _ = mock_http(handle)
    http.send("GET", http.async_path("job/750"), session_header=True)
    assert seen[0].headers["x-sfdc-session"] == "access-1"
    assert "authorization" not in seen[0].headers
    assert str(seen[0].url) == "https://acme.my.salesforce.com/services/async/62.0/job/750"


@pytest.mark.parametrize(
    ("answer", "error", "attributes"),
    [
        pytest.param(
            fault(
                400,
                "INVALID_FIELD",
                "\nERROR at Row:1:Column:8\nNo such column 'Foo__c' on entity 'Account'.",
            ),
            InvalidField,
            {"field": "Foo__c", "sobject": "Account", "error_code": "INVALID_FIELD"},
            id="invalid-field",
        ),
        pytest.param(
            fault(400, "MALFORMED_QUERY", "unexpected token: 'FORM'"),
            MalformedQuery,
            {"message": "unexpected token: 'FORM'"},
            id="malformed-query-verbatim",
        ),
        pytest.param(
            fault(400, "INVALID_TYPE", "sObject type 'Foo' is not supported."),
            InvalidType,
            {"message": "sObject type 'Foo' is not supported."},
            id="invalid-type-verbatim",
        ),
        pytest.param(
            fault(
                403,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
                **{"Sforce-Limit-Info": "api-usage=9/9"},
            ),
            DailyLimitExceeded,
            {"used": 9, "limit": 9, "retriable": True},
            id="daily-limit",
        ),
        pytest.param(
            fault(403, "API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner"),
            ApiDisabled,
            {"status": 403},
            id="api-disabled",
        ),
        pytest.param(
            fault(403, "INSUFFICIENT_ACCESS", "insufficient access rights on object id"),
            InsufficientAccess,
            {"error_code": "INSUFFICIENT_ACCESS"},
            id="insufficient-access",
        ),
        pytest.param(
            fault(400, "API_ERROR", "Implementation restriction: Task requires a filter"),
            InsufficientAccess,
            {"error_code": "API_ERROR"},
            id="implementation-restriction",
        ),
        pytest.param(
            fault(404, "NOT_FOUND", "The requested resource does not exist"), NotFound, {}, id="not-found"
        ),
        pytest.param(
            fault(400, "INVALID_FIELD", "Selecting compound data not supported in Bulk Query"),
            BulkNotSupported,
            {},
            id="bulk-compound",
        ),
        pytest.param(
            httpx.Response(
                400, json={"exceptionCode": "InvalidJob", "exceptionMessage": "Invalid job id: 750"}
            ),
            SalesforceRequestError,
            {"error_code": "InvalidJob"},
            id="bulk1-json",
        ),
        pytest.param(
            httpx.Response(
                400,
                content=b'<error xmlns="http://www.force.com/2009/06/asyncapi/dataload">'
                b"<exceptionCode>InvalidBatch</exceptionCode><exceptionMessage>bad</exceptionMessage></error>",
            ),
            SalesforceRequestError,
            {"error_code": "InvalidBatch"},
            id="bulk1-xml",
        ),
    ],
)
def test_salesforce_errors_become_classes_by_what_to_do(
    answer: httpx.Response, error: type[SalesforceError], attributes: dict[str, Any]
) -> None:
    http, _ = mock_http(lambda _request: answer)
    with pytest.raises(error) as info:
        http.send("GET", http.data_path("query"))
    for name, value in attributes.items():
        assert getattr(info.value, name) == value


def test_the_invalid_field_message_says_to_refresh_the_schema() -> None:
    http, _ = mock_http(lambda _request: fault(400, "INVALID_FIELD", "No such column 'X' on entity 'Lead'."))
    with pytest.raises(InvalidField, match="refresh the schema"):
        http.send("GET", http.data_path("query"))


def test_faults_are_absorbed_and_a_paging_query_returns_every_record_once(org: Org) -> None:
    org.configure(query_page_size=3)
    with org.client() as sf:
        expected = [record["Id"] for record in sf.rest.query("SELECT Id FROM Contact ORDER BY Id")]
    org.configure(error_rate=0.3, reset_rate=0.2, fault_seed=42)
    with org.client() as sf:
        got = [record["Id"] for record in sf.rest.query("SELECT Id FROM Contact ORDER BY Id")]
    assert len(expected) == DEMO_CONTACTS
    assert got == expected
    faults = org.stats()["faults"]
    assert faults["server_error"] > 0
    assert faults["connection_reset"] > 0
