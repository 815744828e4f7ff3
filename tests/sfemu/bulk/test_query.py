"""Bulk 2.0 query over HTTP: job lifecycle, the refusals clients depend on, CSV format, locator paging."""

from __future__ import annotations

import pytest

from tests.sfemu.bulk.helpers import QUERY, BulkOrg, create_query, error_code, ingest, query_rows

COMPOUND = "Selecting compound data not supported in Bulk Query"


def _seed(bulk_org: BulkOrg, count: int = 5) -> None:
    rows = "".join(f"Acme {i},K{i}\n" for i in range(count))
    with bulk_org.client() as client:
        job = ingest(client, "Account", "insert", "Name,External_Id__c\n" + rows)
    assert job["numberRecordsFailed"] == 0


def test_create_answers_json_even_when_csv_is_accepted(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        response = create_query(client, "SELECT Id FROM Account")
    job = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert (job["state"], job["object"], job["operation"], job["apiVersion"]) == (
        "UploadComplete",
        "Account",
        "query",
        62.0,
    )


def test_first_poll_sees_the_job_complete(bulk_org: BulkOrg) -> None:
    _seed(bulk_org, 3)
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        info = client.get(f"{QUERY}/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"], info["jobType"]) == ("JobComplete", 3, "V2Query")


def test_results_are_fully_quoted_with_empty_nulls(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        ingest(
            client,
            "Account",
            "insert",
            'Name,AnnualRevenue,Description\n"Acme ""A""",1234.5,"two\nlines"\nGlobex,,\n',
        )
        job = create_query(
            client,
            "SELECT Name, AnnualRevenue, Description, IsDeleted, CreatedDate, "
            "Owner.Username FROM Account ORDER BY Name",
        ).json()
        client.get(f"{QUERY}/{job['id']}")
        response = client.get(f"{QUERY}/{job['id']}/results")
    header, first, second, third, end = response.text.split("\n")
    assert header == '"Name","AnnualRevenue","Description","IsDeleted","CreatedDate","Owner.Username"'
    assert first.startswith('"Acme ""A""","1234.5","two')
    assert second.startswith('lines","false","20')
    assert second.endswith('Z","admin@sfemu.local"')
    assert third.startswith('"Globex",,,"false","')
    assert end == ""
    assert response.headers["content-type"].startswith("text/csv")


def test_locator_pages_through_results_by_max_records(bulk_org: BulkOrg) -> None:
    _seed(bulk_org, 5)
    with bulk_org.client() as client:
        job = create_query(client, "SELECT External_Id__c FROM Account ORDER BY External_Id__c").json()
        pages, locator = [], None
        while locator != "null":
            params = {"maxRecords": 2} | ({"locator": locator} if locator else {})
            response = client.get(f"{QUERY}/{job['id']}/results", params=params)
            locator = response.headers["Sforce-Locator"]
            pages.append((response.headers["Sforce-NumberOfRecords"], response.text.splitlines()))
    assert [count for count, _ in pages] == ["2", "2", "1"]
    assert all(lines[0] == '"External_Id__c"' for _, lines in pages)
    assert [line for _, lines in pages for line in lines[1:]] == [f'"K{i}"' for i in range(5)]


def test_an_empty_result_is_the_header_with_a_null_locator(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id, Name FROM Account").json()
        response = client.get(f"{QUERY}/{job['id']}/results", params={"maxRecords": 10})
    assert response.text == '"Id","Name"\n'
    assert response.headers["Sforce-Locator"] == "null"
    assert response.headers["Sforce-NumberOfRecords"] == "0"


def test_the_jobs_delimiter_and_line_ending_shape_the_results(bulk_org: BulkOrg) -> None:
    _seed(bulk_org, 1)
    with bulk_org.client() as client:
        job = create_query(
            client, "SELECT Name, External_Id__c FROM Account", columnDelimiter="TAB", lineEnding="CRLF"
        ).json()
        response = client.get(f"{QUERY}/{job['id']}/results")
    assert response.text == '"Name"\t"External_Id__c"\r\n"Acme 0"\t"K0"\r\n'


def test_query_all_includes_deleted_records(bulk_org: BulkOrg) -> None:
    _seed(bulk_org, 2)
    with bulk_org.client() as client:
        first = query_rows(client, "SELECT Id FROM Account ORDER BY Name")[0]["Id"]
        ingest(client, "Account", "delete", f"Id\n{first}\n")
        live = query_rows(client, "SELECT Id FROM Account")
        every = query_rows(client, "SELECT Id, IsDeleted FROM Account ORDER BY Name", operation="queryAll")
    assert len(live) == 1
    assert [r["IsDeleted"] for r in every] == ["true", "false"]


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT BillingAddress FROM Account", "INVALID_FIELD", COMPOUND),
        (
            "SELECT Id FROM CurrencyType",
            "INVALIDENTITY",
            "Entity 'CurrencyType' is not supported by the Bulk",
        ),
        ("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry", "MALFORMED_QUERY", None),
        ("SELECT Id FROM Account OFFSET 5", "MALFORMED_QUERY", None),
        ("SELECT MAX(AnnualRevenue) FROM Account", "MALFORMED_QUERY", None),
        ("SELECT COUNT() FROM Account", "MALFORMED_QUERY", None),
        ("SELECT FIELDS(STANDARD) FROM Account LIMIT 10", "MALFORMED_QUERY", None),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "MALFORMED_QUERY", None),
        ("SELECT Foo__c FROM Account", "INVALID_FIELD", "No such column 'Foo__c' on entity 'Account'"),
    ],
    ids=["compound", "not-bulk", "group-by", "offset", "aggregate", "count", "fields", "subquery", "unknown"],
)
def test_create_refuses_what_bulk_refuses(
    bulk_org: BulkOrg, soql: str, code: str, message: str | None
) -> None:
    with bulk_org.client() as client:
        response = create_query(client, soql)
    assert (response.status_code, error_code(response)) == (400, code)
    if message is not None:
        assert message in response.json()[0]["message"]


def test_compound_field_message_is_exact(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        response = create_query(client, "SELECT Id, ShippingAddress FROM Account")
    assert response.json() == [{"message": COMPOUND, "errorCode": "INVALID_FIELD"}]


def test_delete_answers_204_and_forgets_the_job(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        deleted = client.delete(f"{QUERY}/{job['id']}")
        gone = client.get(f"{QUERY}/{job['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert gone.status_code == 404


def test_a_finished_job_cannot_be_aborted(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        client.get(f"{QUERY}/{job['id']}")
        response = client.patch(f"{QUERY}/{job['id']}", json={"state": "Aborted"})
    assert (response.status_code, error_code(response)) == (400, "INVALIDJOB")
    assert response.json()[0]["message"] == "JobComplete : Job state transition is not allowed"


def test_results_of_another_api_version_conflict(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        response = client.get(f"/services/data/v61.0/jobs/query/{job['id']}/results")
    assert response.status_code == 409


def test_list_shows_query_jobs_only(bulk_org: BulkOrg) -> None:
    with bulk_org.client() as client:
        job = create_query(client, "SELECT Id FROM Account").json()
        ingest(client, "Account", "insert", "Name\nAcme\n")
        listing = client.get(QUERY).json()
    assert [(j["id"], j["jobType"]) for j in listing["records"]] == [(job["id"], "V2Query")]
