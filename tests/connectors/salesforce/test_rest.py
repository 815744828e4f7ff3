"""RestApi against sfemu: discovery, describe, query paging, limits, sObject Collections."""

from __future__ import annotations

import httpx
import pytest

from syncline.connectors.salesforce.client import RestApi
from syncline.connectors.salesforce.errors import InvalidField, InvalidType, MalformedQuery
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, Org, mock_http


def test_describe_global_lists_queryable_objects(org: Org) -> None:
    with org.client() as sf:
        names = {entry["name"]: entry for entry in sf.rest.describe_global()}
    assert {"Account", "Contact", "Lead", "Opportunity", "Invoice__c"} <= set(names)
    assert names["Account"]["queryable"] is True


def test_describe_returns_fields_and_types(org: Org) -> None:
    with org.client() as sf:
        fields = {field["name"]: field["type"] for field in sf.rest.describe("Account")["fields"]}
    assert fields["Id"] == "id"
    assert fields["BillingAddress"] == "address"
    assert fields["External_Id__c"] == "string"


def test_revalidating_an_unchanged_describe_against_sfemu_reuses_the_cache(org: Org) -> None:
    with org.client() as sf:
        first = sf.rest.describe("Contact")
        second = sf.rest.describe("Contact")  # revalidated: sfemu answers 304, the cached copy is returned
    assert second == first
    assert org.stats()["by_endpoint"]["GET /services/data/vXX.X/sobjects/Contact/describe"] == 2


def test_a_cached_describe_is_revalidated_with_if_modified_since() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "if-modified-since" in request.headers:
            return httpx.Response(304)
        return httpx.Response(200, json={"name": "Account", "fields": []})

    http, _ = mock_http(handle)
    rest = RestApi(http)
    first = rest.describe("Account")
    assert rest.describe("Account") is first  # 304: the cached body
    assert rest.describe("Account", revalidate=False) is first  # no call at all
    assert len(seen) == 2
    assert seen[1].headers["if-modified-since"].endswith("GMT")
    rest.forget("Account")
    rest.describe("Account")
    assert "if-modified-since" not in seen[2].headers


def test_a_query_follows_next_records_url_across_pages(org: Org) -> None:
    org.configure(query_page_size=4)
    with org.client() as sf:
        pages = list(sf.rest.query_pages("SELECT Id, Name FROM Account ORDER BY Name"))
    assert [len(page.records) for page in pages] == [4, 4, 4, 3]
    assert all(page.total_size == DEMO_ACCOUNTS for page in pages)
    assert [page.done for page in pages] == [False, False, False, True]


def test_query_all_includes_deleted_records(org: Org) -> None:
    with org.client() as sf:
        account = sf.rest.create("Account", [{"Name": "Short-lived"}])[0]
        assert sf.rest.delete([account.id or ""])[0].success
        live = {r["Id"] for r in sf.rest.query("SELECT Id FROM Account")}
        every = {r["Id"] for r in sf.rest.query("SELECT Id, IsDeleted FROM Account", include_deleted=True)}
    assert account.id not in live
    assert account.id in every


def test_limits_report_the_daily_allocation(org: Org) -> None:
    with org.client() as sf:
        limits = sf.rest.limits()
    assert limits["DailyApiRequests"]["Max"] == 15000


def test_collections_return_per_record_results_in_order(org: Org) -> None:
    with org.client() as sf:
        created = sf.rest.create("Contact", [{"LastName": "Ng"}, {"FirstName": "No last name"}])
        assert [result.success for result in created] == [True, False]
        assert created[1].errors[0].status_code == "REQUIRED_FIELD_MISSING"
        assert "LastName" in created[1].errors[0].fields

        updated = sf.rest.update("Contact", [{"Id": created[0].id, "Title": "CTO"}])
        assert updated[0].success

        upserted = sf.rest.upsert(
            "Account",
            "External_Id__c",
            [{"External_Id__c": "ACC-0001", "Rating": "Hot"}, {"External_Id__c": "NEW-1", "Name": "Newco"}],
        )
        assert [(result.success, result.created) for result in upserted] == [(True, False), (True, True)]

        assert [r.success for r in sf.rest.delete([created[0].id or "", upserted[1].id or ""])] == [
            True,
            True,
        ]
        title = next(sf.rest.query(f"SELECT Title FROM Contact WHERE Id = '{created[0].id}'"), None)
    assert title is None


def test_all_or_none_rolls_the_batch_back(org: Org) -> None:
    with org.client() as sf:
        results = sf.rest.create("Contact", [{"LastName": "Kept?"}, {"FirstName": "x"}], all_or_none=True)
        assert not any(result.success for result in results)
        assert results[0].errors[0].status_code == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def test_more_than_200_records_per_call_are_refused_before_sending(org: Org) -> None:
    with org.client() as sf, pytest.raises(ValueError, match="at most 200"):
        sf.rest.create("Account", [{"Name": str(n)} for n in range(201)])
    assert org.stats()["api_calls"] == 0


def test_query_errors_carry_salesforce_words(org: Org) -> None:
    with org.client() as sf:
        with pytest.raises(InvalidField) as missing:
            list(sf.rest.query("SELECT Foo__c FROM Account"))
        with pytest.raises(MalformedQuery) as malformed:
            list(sf.rest.query("SELECT Id FORM Account"))
        with pytest.raises(InvalidType) as unknown:
            list(sf.rest.query("SELECT Id FROM Nope__c"))
    assert (missing.value.field, missing.value.sobject) == ("Foo__c", "Account")
    assert "FORM" in malformed.value.message
    assert "Nope__c" in unknown.value.message
