"""simple-salesforce (from PyPI, unchanged) over the emulator's TLS mode: query, CRUD, upsert, describe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfemu.config import DEFAULT_PASSWORD, DEFAULT_USERNAME
from sfemu.seed import seed
from tests.support.sfemu import EmulatorServer

simple_salesforce = pytest.importorskip("simple_salesforce")
requests = pytest.importorskip("requests")

from tests.support.sfemu_clients import emulator_session  # noqa: E402 - needs requests, as simple-salesforce


@pytest.fixture
def sf(sfemu_tls_server: EmulatorServer) -> Iterator[object]:
    seed(sfemu_tls_server.org, "demo")
    with emulator_session(sfemu_tls_server) as session:
        yield simple_salesforce.Salesforce(
            username=DEFAULT_USERNAME,
            password=DEFAULT_PASSWORD,
            security_token="",
            domain="login",
            session=session,
        )


def test_query_and_query_all(sf: object) -> None:
    result = sf.query(
        "SELECT Id, Name, Account.Name FROM Contact WHERE Account.Name LIKE 'acme%' ORDER BY Name"
    )
    assert result["totalSize"] == 3
    assert {r["Account"]["Name"] for r in result["records"]} == {"Acme Corp"}
    assert sf.query_all("SELECT Id FROM Account")["totalSize"] == 15
    assert sf.query("SELECT IsSandbox FROM Organization LIMIT 1")["records"][0]["IsSandbox"] is False


def test_query_all_iter_follows_next_records_url(sf: object) -> None:
    records = list(sf.query_all_iter("SELECT Id FROM Contact"))
    assert len(records) == 39


def test_crud_and_upsert_through_sobject_api(sf: object) -> None:
    created = sf.Account.create({"Name": "Simple Co", "External_Id__c": "SS-1"})
    assert created["success"] is True
    record_id = created["id"]
    assert sf.Account.update(record_id, {"Industry": "Energy"}) == 204
    assert sf.Account.get(record_id)["Industry"] == "Energy"
    assert sf.Account.get_by_custom_id("External_Id__c", "SS-1")["Id"] == record_id
    assert sf.Contact.upsert("External_Id__c/SS-C1", {"LastName": "Simple", "AccountId": record_id}) == 201
    assert sf.Contact.upsert("External_Id__c/SS-C1", {"Title": "Boss"}) == 200
    assert sf.Account.delete(record_id) == 204
    with pytest.raises(simple_salesforce.exceptions.SalesforceResourceNotFound):
        sf.Account.get(record_id)


def test_describe_and_limits(sf: object) -> None:
    assert sf.Account.describe()["name"] == "Account"
    assert any(o["name"] == "Invoice__c" for o in sf.describe()["sobjects"])
    assert sf.limits()["DailyApiRequests"]["Max"] == 15000
    assert sf.api_usage["api-usage"].total == 15000


def test_malformed_query_raises_the_client_error(sf: object) -> None:
    with pytest.raises(simple_salesforce.exceptions.SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id FORM Account")
    assert raised.value.content[0]["errorCode"] == "MALFORMED_QUERY"
