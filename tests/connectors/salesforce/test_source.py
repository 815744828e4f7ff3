"""Salesforce as a ModelSource, beyond the conformance suite: SOQL's own ways."""

from __future__ import annotations

import pyarrow as pa

from syncline.connectors.protocols import Relation
from syncline.connectors.salesforce.soql import select_columns
from tests.connectors.conformance_cases import Case


def test_columns_are_spelled_as_salesforce_spells_them(salesforce_case: Case) -> None:
    query = Relation.of_query("select name, numberofemployees from account")
    batches = list(salesforce_case.source.stream(query))
    assert batches[0].schema.names == ["Name", "NumberOfEmployees"]


def test_count_alone_answers_a_count_column(salesforce_case: Case) -> None:
    batches = list(salesforce_case.source.stream(Relation.of_query("SELECT COUNT() FROM Account")))
    assert pa.Table.from_batches(batches).to_pylist() == [{"count": 5}]


def test_an_object_is_typed_from_its_describe(salesforce_case: Case) -> None:
    described = salesforce_case.source.describe(Relation.of_table("Account"))
    types = {f.name: f.type for f in described.fields}
    assert types["NumberOfEmployees"] == pa.int64()
    assert types["CreatedDate"] == pa.timestamp("ms", tz="UTC")
    assert "BillingAddress" not in types  # compound fields are read as their parts
    table = pa.Table.from_batches(list(salesforce_case.source.stream(Relation.of_table("Account"))))
    assert table.schema.field("CreatedDate").type == pa.timestamp("ms", tz="UTC")
    assert table.num_rows == 5


def test_select_lists_name_their_columns() -> None:
    assert select_columns("SELECT Name, Account.Name FROM Contact ORDER BY Name") == ["Name", "Account.Name"]
    assert select_columns("SELECT Id, (SELECT Id FROM Contacts), COUNT(Id) c, MAX(x) FROM A GROUP BY Id") == [
        "Id",
        "c",
        "expr0",
    ]
    assert select_columns("SELECT Id FORM Account") is None
