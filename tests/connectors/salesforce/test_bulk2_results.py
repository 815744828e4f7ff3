"""Bulk API 2.0 query results streamed page by page from sfemu over HTTP: exact rows, faults, budget."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from threading import Event
from typing import Any

import httpx
import pyarrow as pa
import pytest

from syncline.connectors.budget import InMemoryCallBudget
from tests.connectors.salesforce.helpers import DEMO_ACCOUNTS, DEMO_CONTACTS, Org

RESULTS = "GET /services/data/vXX.X/jobs/query/{id}/results"
ACCOUNT_FIELDS = ["Id", "Name", "Industry", "BillingCity", "AnnualRevenue", "NumberOfEmployees"]
ACCOUNTS = f"SELECT {', '.join(ACCOUNT_FIELDS)} FROM Account"
TYPES = pa.schema([("AnnualRevenue", pa.float64()), ("NumberOfEmployees", pa.int64())])


def by_id(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: row["Id"])


def rest_rows(org: Org, soql: str, fields: list[str]) -> list[dict[str, Any]]:
    with org.client() as sf:
        return by_id([{name: record[name] for name in fields} for record in sf.rest.query(soql)])


def test_streamed_pages_hold_exactly_the_rows_a_rest_query_returns(org: Org) -> None:
    with org.client() as sf:
        batches = list(sf.bulk2.query(ACCOUNTS, max_records=4, schema=TYPES))
    assert org.stats()["by_endpoint"][RESULTS] == 4  # 15 rows, 4 a page
    assert {batch.schema for batch in batches} == {batches[0].schema}  # no type flips between pages
    assert batches[0].schema.field("NumberOfEmployees").type == pa.int64()
    got = by_id(pa.Table.from_batches(batches).to_pylist())
    assert len(got) == DEMO_ACCOUNTS
    assert got == rest_rows(org, ACCOUNTS, ACCOUNT_FIELDS)


def test_commas_newlines_quotes_unicode_and_nulls_survive(org: Org) -> None:
    names = ["Comma, Inc.", "Two\nLines", 'Say "hi"', "Ünïcødé 日本 🚀", "null", "NA"]
    with org.client() as sf:
        created = sf.rest.create("Account", [{"Name": name, "Description": "x"} for name in names])
        ids = [result.id for result in created]
        quoted = ", ".join(f"'{record_id}'" for record_id in ids)
        soql = f"SELECT Id, Name, Industry, Description FROM Account WHERE Id IN ({quoted})"
        table = pa.Table.from_batches(list(sf.bulk2.query(soql, block_size=64)))
    fields = ["Id", "Name", "Industry", "Description"]
    assert by_id(table.to_pylist()) == rest_rows(org, soql, fields)
    assert sorted(table.column("Name").to_pylist()) == sorted(names)  # "null" and "NA" stay text
    assert table.column("Industry").to_pylist() == [None] * len(names)  # an empty field is null


def test_an_empty_result_yields_no_batch_and_deletes_its_job(org: Org) -> None:
    with org.client() as sf:
        batches = list(sf.bulk2.query("SELECT Id, Name FROM Account WHERE Name = 'nobody at all'"))
    assert batches == []
    assert org.stats()["by_endpoint"][RESULTS] == 1
    assert org.stats()["by_endpoint"]["DELETE /services/data/vXX.X/jobs/query/{id}"] == 1


def test_every_page_request_is_spent_from_the_budget(org: Org) -> None:
    budget = InMemoryCallBudget(1_000)
    with org.client(budget=budget) as sf:
        rows = sum(batch.num_rows for batch in sf.bulk2.query("SELECT Id FROM Contact", max_records=10))
        sent = sf.http.sent
    stats = org.stats()
    assert rows == DEMO_CONTACTS
    assert stats["by_endpoint"][RESULTS] == 4  # 39 rows, 10 a page
    assert budget.used == sent == stats["api_calls"]  # create, polls, 4 pages, delete: each counted once


def test_pages_dropped_by_the_org_are_read_again_without_duplicates(org: Org) -> None:
    budget = InMemoryCallBudget(1_000)
    with org.client(budget=budget) as sf:
        job = sf.bulk2.create_query_job(ACCOUNTS)
        sf.bulk2.wait_query_job(job["id"])
        org.configure(reset_rate=0.5, fault_seed=3)  # only the page downloads meet the faults
        batches = list(sf.bulk2.query_results(job["id"], max_records=4, schema=TYPES))
        org.configure(reset_rate=0.0)
        sf.bulk2.delete_query_job(job["id"])
        sent = sf.http.sent
    stats = org.stats()
    resets = stats["faults"]["connection_reset"]
    assert resets > 0
    assert stats["by_endpoint"][RESULTS] == 4 + resets  # each failed download was one more request
    assert budget.used == sent == stats["api_calls"]  # ... and spent from the budget
    assert by_id(pa.Table.from_batches(batches).to_pylist()) == rest_rows(org, ACCOUNTS, ACCOUNT_FIELDS)


class _CutBody(httpx.SyncByteStream):
    """A response body that breaks off after `keep` bytes, as when a load balancer resets the connection."""

    def __init__(
        self, body: httpx.SyncByteStream, keep: int, events: list[str], delivered: Event, *, clean: bool
    ) -> None:
        self._body, self._keep, self._events, self._delivered = body, keep, events, delivered
        self._clean = clean

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        for chunk in self._body:
            if sent + len(chunk) >= self._keep:
                head = chunk[: self._keep - sent]
                # A clean end stops after a whole row: only Sforce-NumberOfRecords tells it was short.
                yield head[: head.rfind(b"\n") + 1] if self._clean else head
                # pyarrow reads ahead on its own thread: hold the cut until the caller has a batch.
                self._delivered.wait(timeout=30)
                self._events.append("cut")
                if self._clean:
                    return
                raise httpx.ReadError("Connection reset by peer")
            sent += len(chunk)
            yield chunk

    def close(self) -> None:
        self._body.close()


class CutFirstPage(httpx.BaseTransport):
    """Real HTTP to sfemu, but the first result page's body breaks off part way.

    sfemu's own `reset_rate` drops a connection before any row is sent; this one drops it after rows
    were parsed and handed to the caller, which is what a page retry must not duplicate.
    """

    def __init__(self, keep: int, events: list[str], *, clean: bool = False) -> None:
        self._inner = httpx.HTTPTransport()
        self._keep, self._events, self._clean = keep, events, clean
        self.delivered = Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/results"):
            # Uncompressed, so that `keep` counts CSV bytes: the cut must fall after whole rows arrived.
            request.headers["Accept-Encoding"] = "identity"
        response = self._inner.handle_request(request)
        if not request.url.path.endswith("/results"):
            return response
        self._events.append("page")
        if "cut" in self._events:
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CutBody(response.stream, self._keep, self._events, self.delivered, clean=self._clean),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


@pytest.mark.parametrize(
    ("clean", "why"), [(False, "ReadError after"), (True, "rows arrived")], ids=["reset", "short-body"]
)
def test_a_page_cut_after_rows_were_yielded_resumes_without_duplicates(
    org: Org, caplog: pytest.LogCaptureFixture, clean: bool, why: str
) -> None:
    soql = "SELECT Id, FirstName, LastName, Email, AccountId FROM Contact"
    fields = ["Id", "FirstName", "LastName", "Email", "AccountId"]
    events: list[str] = []
    transport = CutFirstPage(keep=1_500, events=events, clean=clean)
    options = org.options(transport=transport)
    batches: list[pa.RecordBatch] = []
    with caplog.at_level(logging.INFO), org.client(options=options) as sf:
        for batch in sf.bulk2.query(soql, max_records=30, block_size=256):
            events.append("batch")
            batches.append(batch)
            transport.delivered.set()
    # The first page broke off after some of its rows reached the caller; it was requested again once.
    assert events.index("cut") < events.index("page", 1)
    assert "batch" in events[: events.index("page", 1)]
    assert events.count("page") == 3  # page 1, page 1 again, page 2
    assert "result page 1 broke off" in caplog.text
    assert why in caplog.text  # a reset, or fewer rows than Sforce-NumberOfRecords promised
    got = by_id(pa.Table.from_batches(batches).to_pylist())
    assert len(got) == DEMO_CONTACTS
    assert got == rest_rows(org, soql, fields)


def test_a_caller_may_stop_mid_page_and_keep_using_the_client(org: Org) -> None:
    with org.client() as sf:
        results = sf.bulk2.query("SELECT Id, Name FROM Contact", block_size=128)
        first = next(results)
        results.close()  # the page's connection and parser are released, not left reading
        rows = sum(batch.num_rows for batch in sf.bulk2.query("SELECT Id FROM Contact", max_records=20))
    assert 0 < first.num_rows < DEMO_CONTACTS
    assert rows == DEMO_CONTACTS


def test_a_session_expiring_between_pages_is_renewed_and_the_page_sent_again(org: Org) -> None:
    batches: list[pa.RecordBatch] = []
    with org.client() as sf:
        for batch in sf.bulk2.query("SELECT Id FROM Contact", max_records=10):
            if not batches:
                org.admin("POST", "tokens/expire")
            batches.append(batch)
        renewals = sf.tokens.renewals
    ids = pa.Table.from_batches(batches).column("Id").to_pylist()
    assert len(ids) == len(set(ids)) == DEMO_CONTACTS
    assert renewals == 2  # the first token, then one renewal after the 401
    assert org.stats()["by_endpoint"][RESULTS] == 4 + 1  # the refused page was sent again once
