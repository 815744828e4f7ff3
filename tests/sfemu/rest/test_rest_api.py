"""The REST API over HTTP with httpx: shapes, paging, CRUD, upsert, collections, errors, limits."""

from __future__ import annotations

import httpx
import pytest

from tests.sfemu.rest.conftest import API
from tests.support.sfemu import EmulatorServer


def query(api: httpx.Client, soql: str, *, all_rows: bool = False, **headers: str) -> httpx.Response:
    return api.get(f"{API}/{'queryAll' if all_rows else 'query'}/", params={"q": soql}, headers=headers)


def test_versions_need_no_auth_and_resources_list_the_apis(demo: EmulatorServer) -> None:
    with demo.client() as client:
        versions = client.get("/services/data/").json()
        assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions
        assert client.get(f"{API}/").status_code == 401


def test_missing_or_bad_token_is_invalid_session(demo: EmulatorServer) -> None:
    with demo.client() as client:
        for headers in ({}, {"Authorization": "Bearer nope"}):
            response = client.get(f"{API}/sobjects", headers=headers)
            assert response.status_code == 401
            assert response.json() == [
                {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
            ]


def test_every_api_response_carries_limit_info(api: httpx.Client) -> None:
    first = api.get(f"{API}/limits/")
    second = api.get(f"{API}/limits/")
    used_first = int(first.headers["sforce-limit-info"].split("=")[1].split("/")[0])
    assert second.headers["sforce-limit-info"] == f"api-usage={used_first + 1}/15000"
    assert second.json()["DailyApiRequests"]["Max"] == 15000
    assert {"DailyBulkApiBatches", "DailyBulkV2QueryJobs", "DailyBulkV2QueryFileStorageMB"} <= set(
        second.json()
    )


def test_describe_global_and_describe(api: httpx.Client) -> None:
    names = {o["name"] for o in api.get(f"{API}/sobjects").json()["sobjects"]}
    assert {
        "Account",
        "Contact",
        "Lead",
        "Opportunity",
        "User",
        "Task",
        "Campaign",
        "CampaignMember",
        "CurrencyType",
        "DatedConversionRate",
        "Invoice__c",
    } <= names
    account = api.get(f"{API}/sobjects/Account/describe/").json()
    fields = {f["name"]: f for f in account["fields"]}
    assert account["keyPrefix"] == "001"
    assert fields["BillingAddress"]["type"] == "address"
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert fields["External_Id__c"]["externalId"] is True
    assert fields["CurrencyIsoCode"]["picklistValues"][0]["value"] == "USD"
    contact = {f["name"]: f for f in api.get(f"{API}/sobjects/Contact/describe").json()["fields"]}
    assert contact["Account_Name__c"]["calculated"] is True
    assert contact["AccountId"]["referenceTo"] == ["Account"]
    assert api.get(f"{API}/sobjects/Nope__c/describe").status_code == 404


def test_query_returns_nested_parents_and_formula_values(api: httpx.Client) -> None:
    body = query(
        api, "SELECT Id, Name, Account.Name, Account_Name__c FROM Contact ORDER BY Name LIMIT 2"
    ).json()
    assert body["totalSize"] == 2
    first = body["records"][0]
    assert first["attributes"]["type"] == "Contact"
    assert first["attributes"]["url"].startswith(f"{API}/sobjects/Contact/003")
    assert first["Account"]["attributes"]["type"] == "Account"
    assert first["Account_Name__c"] == first["Account"]["Name"]


def test_formula_follows_the_parent_without_touching_the_child(api: httpx.Client) -> None:
    contact = query(api, "SELECT Id, AccountId, SystemModstamp FROM Contact LIMIT 1").json()["records"][0]
    api.patch(f"{API}/sobjects/Account/{contact['AccountId']}", json={"Name": "Renamed Parent"})
    after = api.get(f"{API}/sobjects/Contact/{contact['Id']}").json()
    assert after["Account_Name__c"] == "Renamed Parent"
    assert after["SystemModstamp"] == contact["SystemModstamp"]


def test_query_pages_with_next_records_url(api: httpx.Client) -> None:
    for n in range(230):
        api.post(f"{API}/sobjects/Task/", json={"Subject": f"t{n}"})
    first = query(api, "SELECT Id, Subject FROM Task", **{"Sforce-Query-Options": "batchSize=200"}).json()
    assert first["done"] is False
    assert len(first["records"]) == 200
    second = api.get(first["nextRecordsUrl"]).json()
    again = api.get(first["nextRecordsUrl"]).json()  # a lost answer can be fetched again
    assert second == again
    ids = [r["Id"] for r in first["records"] + second["records"]]
    assert second["done"] is True
    assert len(ids) == len(set(ids)) == first["totalSize"] == 236
    assert "nextRecordsUrl" not in second


def test_count_query_returns_total_only(api: httpx.Client) -> None:
    # The demo has 12 accounts plus the 3 its lead conversions created.
    assert query(api, "SELECT COUNT() FROM Account").json() == {"totalSize": 15, "done": True, "records": []}


def test_query_all_includes_deleted_rows(api: httpx.Client) -> None:
    created = api.post(f"{API}/sobjects/Account", json={"Name": "Doomed"}).json()["id"]
    assert api.delete(f"{API}/sobjects/Account/{created}").status_code == 204
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{created}'"
    assert query(api, soql).json()["totalSize"] == 0
    assert query(api, soql, all_rows=True).json()["records"][0]["IsDeleted"] is True
    gone = api.get(f"{API}/sobjects/Account/{created}")
    assert gone.status_code == 404
    assert gone.json()[0]["errorCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize(
    ("soql", "code", "words"),
    [
        pytest.param("SELECT Id FORM Account", "MALFORMED_QUERY", "unexpected token: 'FORM'", id="malformed"),
        pytest.param(
            "SELECT Foo__c FROM Account",
            "INVALID_FIELD",
            "No such column 'Foo__c' on entity 'Account'",
            id="unknown-field",
        ),
        pytest.param(
            "SELECT Id FROM Acount",
            "INVALID_TYPE",
            "sObject type 'Acount' is not supported",
            id="unknown-object",
        ),
    ],
)
def test_query_errors_are_salesforce_errors(api: httpx.Client, soql: str, code: str, words: str) -> None:
    response = query(api, soql)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code
    assert words in response.json()[0]["message"]


def test_record_crud(api: httpx.Client) -> None:
    created = api.post(f"{API}/sobjects/Account/", json={"Name": "Crud Co", "Industry": "Energy"})
    assert created.status_code == 201
    record_id = created.json()["id"]
    assert api.patch(f"{API}/sobjects/Account/{record_id}", json={"Industry": "Retail"}).status_code == 204
    fetched = api.get(f"{API}/sobjects/Account/{record_id[:15]}", params={"fields": "Name,Industry"}).json()
    assert (fetched["Name"], fetched["Industry"]) == ("Crud Co", "Retail")
    assert api.delete(f"{API}/sobjects/Account/{record_id}").status_code == 204
    assert api.delete(f"{API}/sobjects/Account/{record_id}").json()[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_write_errors_have_salesforce_bodies(api: httpx.Client) -> None:
    missing = api.post(f"{API}/sobjects/Account", json={"Industry": "Energy"})
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [Name]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Name"],
        }
    ]
    bad_json = api.post(
        f"{API}/sobjects/Account", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert api.get(f"{API}/sobjects/Account/001000000000000").status_code == 404


def test_upsert_by_external_id_creates_then_updates_then_reports_ambiguity(api: httpx.Client) -> None:
    url = f"{API}/sobjects/Account/External_Id__c/UP-1"
    created = api.patch(url, json={"Name": "Upsert Co"})
    assert created.status_code == 201
    assert created.json()["created"] is True
    updated = api.patch(url, json={"Name": "Upsert Co 2"})
    assert (updated.status_code, updated.json()["created"]) == (200, False)
    assert api.get(url).json()["Name"] == "Upsert Co 2"
    in_body = api.patch(url, json={"Name": "x", "External_Id__c": "UP-1"})
    assert in_body.json()[0]["errorCode"] == "INVALID_FIELD"
    api.post(f"{API}/sobjects/Account", json={"Name": "L1", "Legacy_Key__c": "DUP"})
    api.post(f"{API}/sobjects/Account", json={"Name": "L2", "Legacy_Key__c": "DUP"})
    ambiguous = api.patch(f"{API}/sobjects/Account/Legacy_Key__c/DUP", json={"Name": "x"})
    assert ambiguous.status_code == 300
    assert len(ambiguous.json()) == 2


def test_collections_create_update_delete_and_retrieve(api: httpx.Client) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": f"Bulk {n}"} for n in range(3)]
    created = api.post(f"{API}/composite/sobjects", json={"allOrNone": False, "records": records}).json()
    ids = [r["id"] for r in created]
    assert all(r["success"] for r in created)
    updated = api.patch(
        f"{API}/composite/sobjects",
        json={
            "records": [
                {"attributes": {"type": "Account"}, "id": ids[0], "Industry": "Media"},
                {"attributes": {"type": "Account"}, "id": ids[1], "Tier__c": "Diamond"},
            ]
        },
    ).json()
    assert updated[0]["success"] is True
    assert updated[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    fetched = api.get(
        f"{API}/composite/sobjects/Account", params={"ids": ",".join(ids), "fields": "Name,Industry"}
    )
    assert [r["Industry"] for r in fetched.json()] == ["Media", None, None]
    deleted = api.delete(f"{API}/composite/sobjects", params={"ids": ",".join(ids)}).json()
    assert [r["success"] for r in deleted] == [True, True, True]


def test_collections_all_or_none_rolls_everything_back(api: httpx.Client) -> None:
    before = query(api, "SELECT COUNT() FROM Account").json()["totalSize"]
    results = api.post(
        f"{API}/composite/sobjects",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "Name": "Kept?"},
                {"attributes": {"type": "Account"}},
            ],
        },
    ).json()
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert query(api, "SELECT COUNT() FROM Account").json()["totalSize"] == before


def test_collections_upsert_and_size_limit(api: httpx.Client) -> None:
    results = api.patch(
        f"{API}/composite/sobjects/Contact/External_Id__c",
        json={
            "records": [
                {"attributes": {"type": "Contact"}, "External_Id__c": "CON-0001-1", "Title": "Chief"},
                {"attributes": {"type": "Contact"}, "External_Id__c": "NEW-C", "LastName": "Newbie"},
            ]
        },
    ).json()
    assert [(r["success"], r["created"]) for r in results] == [(True, False), (True, True)]
    too_many = api.post(
        f"{API}/composite/sobjects",
        json={"records": [{"attributes": {"type": "Account"}, "Name": str(n)} for n in range(201)]},
    )
    assert too_many.status_code == 400
    assert too_many.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_get_updated_and_get_deleted(api: httpx.Client) -> None:
    from datetime import UTC, datetime, timedelta

    start = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    end = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    doomed = api.post(f"{API}/sobjects/Lead", json={"LastName": "Gone", "Company": "X"}).json()["id"]
    api.delete(f"{API}/sobjects/Lead/{doomed}")
    changed = api.get(f"{API}/sobjects/Lead/updated/", params={"start": start, "end": end}).json()
    removed = api.get(f"{API}/sobjects/Lead/deleted/", params={"start": start, "end": end}).json()
    assert len(changed["ids"]) == 10  # the demo's live leads (converted ones included), not the deleted one
    assert [d["id"] for d in removed["deletedRecords"]] == [doomed]
    too_old = api.get(
        f"{API}/sobjects/Lead/updated/", params={"start": "2001-01-01T00:00:00+00:00", "end": end}
    )
    assert too_old.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_lead_conversion_action(api: httpx.Client) -> None:
    lead = api.post(
        f"{API}/sobjects/Lead", json={"FirstName": "Con", "LastName": "Vert", "Company": "Convert Co"}
    )
    lead_id = lead.json()["id"]
    result = api.post(f"{API}/actions/standard/convertLead", json={"inputs": [{"leadId": lead_id}]}).json()[0]
    assert result["isSuccess"] is True
    converted = api.get(f"{API}/sobjects/Lead/{lead_id}").json()
    assert converted["IsConverted"] is True
    assert converted["ConvertedContactId"] == result["outputValues"]["contactId"]
    refused = api.patch(f"{API}/sobjects/Lead/{lead_id}", json={"Title": "x"})
    assert refused.json()[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_tooling_api(api: httpx.Client) -> None:
    created = api.post(
        f"{API}/tooling/sobjects/ApexClass", json={"Name": "Hello", "Body": "public class Hello {}"}
    )
    assert created.status_code == 201
    names = [
        r["Name"]
        for r in api.get(f"{API}/tooling/query/", params={"q": "SELECT Id, Name FROM ApexClass"}).json()[
            "records"
        ]
    ]
    assert names == ["Hello"]
    record = api.get(f"{API}/tooling/query", params={"q": "SELECT Id FROM ApexClass"}).json()["records"][0]
    assert record["attributes"]["url"].startswith(f"{API}/tooling/sobjects/ApexClass/")
    assert api.get(f"{API}/tooling/sobjects/ApexClass/describe").json()["name"] == "ApexClass"
    # Tooling objects are not data objects: the data API does not know them.
    assert query(api, "SELECT Id FROM ApexClass").json()[0]["errorCode"] == "INVALID_TYPE"


def soap_call(api: httpx.Client, call: str, ids: list[str], session: str) -> httpx.Response:
    id_elements = "".join(f"<urn:ids>{i}</urn:ids>" for i in ids)
    envelope = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader>'
        f"<urn:sessionId>{session}</urn:sessionId></urn:SessionHeader></soapenv:Header>"
        f"<soapenv:Body><urn:{call}>{id_elements}</urn:{call}></soapenv:Body></soapenv:Envelope>"
    )
    return api.post(
        "/services/Soap/u/62.0", content=envelope, headers={"Content-Type": "text/xml", "SOAPAction": '""'}
    )


def test_recycle_bin_undelete_and_empty_through_soap(api: httpx.Client) -> None:
    session = api.headers["Authorization"].removeprefix("Bearer ")
    record_id = api.post(f"{API}/sobjects/Account", json={"Name": "Binned"}).json()["id"]
    api.delete(f"{API}/sobjects/Account/{record_id}")
    undone = soap_call(api, "undelete", [record_id], session)
    assert "<success>true</success>" in undone.text
    assert api.get(f"{API}/sobjects/Account/{record_id}").json()["Name"] == "Binned"
    api.delete(f"{API}/sobjects/Account/{record_id}")
    emptied = soap_call(api, "emptyRecycleBin", [record_id], session)
    assert "<success>true</success>" in emptied.text
    gone = query(api, f"SELECT Id FROM Account WHERE Id = '{record_id}'", all_rows=True).json()
    assert gone["totalSize"] == 0  # hard-deleted: not even queryAll sees it
    refused = soap_call(api, "undelete", [record_id], "not-a-session")
    assert refused.status_code == 500
    assert "INVALID_SESSION_ID" in refused.text


def test_describe_answers_304_when_unchanged_since(api: httpx.Client) -> None:
    first = api.get(f"{API}/sobjects/Account/describe")
    last_modified = first.headers["last-modified"]
    assert (
        api.get(f"{API}/sobjects/Account/describe", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert api.get(f"{API}/sobjects/Account/describe", headers={"If-Modified-Since": old}).status_code == 200
