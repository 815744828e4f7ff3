"""Compiled SQL run against real tables: which rows a client gets back, in which order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfemu.ids import make_id
from sfemu.schema import Schema, build_schema
from sfemu.soql import compile_query
from sfemu.store.db import Database, create_tables
from tests.sfemu.soql.conftest import NOW, Org


def test_query_hides_deleted_rows_and_query_all_shows_them(org: Org) -> None:
    live = org.insert("Account", Name="Live")
    gone = org.insert("Account", Name="Gone", IsDeleted=1)
    assert org.ids("SELECT Id FROM Account") == [live]
    assert org.ids("SELECT Id FROM Account", query_all=True) == [live, gone]
    assert org.ids("SELECT Id FROM Account WHERE IsDeleted = true", query_all=True) == [gone]


def test_default_order_is_id_so_split_queries_line_up(org: Org) -> None:
    ids = [org.insert("Account", Name=name) for name in ["c", "a", "b"]]
    assert org.ids("SELECT Id,Name FROM Account") == ids
    assert org.ids("SELECT Id,Phone FROM Account ORDER BY Id ASC") == ids


def test_order_by_is_case_insensitive_with_nulls_first_by_default(org: Org) -> None:
    b = org.insert("Account", Name="b", Industry="banking")
    a = org.insert("Account", Name="a", Industry="Agriculture")
    none = org.insert("Account", Name="n")
    assert org.ids("SELECT Id FROM Account ORDER BY Industry") == [none, a, b]
    assert org.ids("SELECT Id FROM Account ORDER BY Industry NULLS LAST") == [a, b, none]
    assert org.ids("SELECT Id FROM Account ORDER BY Industry DESC") == [b, a, none]
    assert org.ids("SELECT Id FROM Account ORDER BY Industry DESC NULLS FIRST") == [none, b, a]


def test_ties_are_broken_by_id(org: Org) -> None:
    ids = [org.insert("Account", Name="same") for _ in range(3)]
    assert org.ids("SELECT Id FROM Account ORDER BY Name DESC") == ids


@pytest.mark.parametrize(
    "order_by",
    [
        "Id",
        "Name",
        "Name DESC",
        "Industry NULLS LAST",
        "Industry DESC NULLS FIRST",
        "NumberOfEmployees DESC",
        "SystemModstamp ASC",
    ],
)
def test_keyset_pages_cover_every_row_once_in_order(org: Org, order_by: str) -> None:
    for i in range(23):
        org.insert(
            "Account",
            Name=("n", "N")[i % 2] + str(i % 5),
            Industry=None if i % 3 else f"I{i % 4}",
            NumberOfEmployees=i % 7,
            SystemModstamp=f"2024-05-0{1 + i % 3}T00:00:00.000Z",
        )
    soql = f"SELECT Id FROM Account ORDER BY {order_by}"
    assert org.ids(soql, page_size=4) == org.ids(soql, page_size=1000)
    assert len(set(org.ids(soql, page_size=4))) == 23


def test_limit_and_offset_cap_total_size_and_pages(org: Org) -> None:
    ids = [org.insert("Account", Name=f"a{i}") for i in range(10)]
    result = org.query("SELECT Id FROM Account LIMIT 5 OFFSET 2", page_size=2)
    assert result["totalSize"] == 5
    assert [r["Id"] for r in result["records"]] == ids[2:7]


def test_count_only_gives_total_size_capped_by_limit(org: Org) -> None:
    for i in range(4):
        org.insert("Account", Name=f"a{i}")
    assert org.query("SELECT COUNT() FROM Account") == {"totalSize": 4, "done": True, "records": []}
    assert org.query("SELECT COUNT() FROM Account LIMIT 3")["totalSize"] == 3


def test_string_equality_and_in_are_case_insensitive(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    org.insert("Account", Name="Other")
    assert org.ids("SELECT Id FROM Account WHERE Name = 'ACME'") == [acme]
    assert org.ids("SELECT Id FROM Account WHERE Name IN ('acme', 'nobody')") == [acme]


def test_like_is_case_insensitive_with_both_wildcards(org: Org) -> None:
    acme = org.insert("Account", Name="Acme Corp")
    globex = org.insert("Account", Name="Globex")
    percent = org.insert("Account", Name="50% off")
    assert org.ids("SELECT Id FROM Account WHERE Name LIKE 'acme%'") == [acme]
    assert org.ids("SELECT Id FROM Account WHERE Name LIKE '_CME c%'") == [acme]
    assert org.ids("SELECT Id FROM Account WHERE Name LIKE '50\\%%'") == [percent]
    assert org.ids("SELECT Id FROM Account WHERE NOT Name LIKE 'acme%'") == [globex, percent]


def test_not_equal_and_not_in_match_nulls_like_salesforce(org: Org) -> None:
    banking = org.insert("Account", Name="a", Industry="Banking")
    blank = org.insert("Account", Name="b")
    assert org.ids("SELECT Id FROM Account WHERE Industry != 'Energy'") == [banking, blank]
    assert org.ids("SELECT Id FROM Account WHERE Industry NOT IN ('Banking')") == [blank]
    assert org.ids("SELECT Id FROM Account WHERE NOT Industry = 'Banking'") == [blank]
    assert org.ids("SELECT Id FROM Account WHERE Industry = null") == [blank]
    assert org.ids("SELECT Id FROM Account WHERE Industry != null") == [banking]


def test_and_or_not_with_parentheses(org: Org) -> None:
    a = org.insert("Account", Name="a", Industry="Banking", Rating="Hot")
    b = org.insert("Account", Name="b", Industry="Energy", Rating="Cold")
    org.insert("Account", Name="c", Industry="Media", Rating="Hot")
    soql = (
        "SELECT Id FROM Account WHERE (Industry = 'Banking' OR Industry = 'Energy') AND NOT (Rating = 'Cold')"
    )
    assert org.ids(soql) == [a]
    assert org.ids("SELECT Id FROM Account WHERE Industry = 'Energy' OR (Rating = 'Hot' AND Name = 'a')") == [
        a,
        b,
    ]


def test_fifteen_character_id_literal_matches_stored_eighteen(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    contact = org.insert("Contact", LastName="Smith", AccountId=acme)
    assert org.ids(f"SELECT Id FROM Account WHERE Id = '{acme[:15]}'") == [acme]
    assert org.ids(f"SELECT Id FROM Contact WHERE AccountId IN ('{acme[:15]}')") == [contact]


def test_datetime_window_with_any_offset_notation(org: Org) -> None:
    inside = org.insert("Account", Name="in", SystemModstamp="2024-01-15T00:00:00.000Z")
    org.insert("Account", Name="edge", SystemModstamp="2024-01-31T00:00:00.000Z")
    org.insert("Account", Name="before", SystemModstamp="2023-12-31T23:59:59.999Z")
    for bounds in [
        ("2024-01-01T00:00:00.000+00:00", "2024-01-31T00:00:00.000+00:00"),
        ("2024-01-01T00:00:00.000Z", "2024-01-31T00:00:00.000Z"),
        ("2024-01-01T00:00:00.000000Z", "2024-01-31T00:00:00.000000Z"),
        ("2024-01-01T01:00:00+01:00", "2024-01-30T16:00:00-0800"),
    ]:
        soql = f"SELECT Id FROM Account WHERE SystemModstamp >= {bounds[0]} AND SystemModstamp < {bounds[1]}"
        assert org.ids(soql) == [inside], bounds


def test_sub_millisecond_literal_falls_between_stored_instants(org: Org) -> None:
    at = org.insert("Account", Name="at", SystemModstamp="2024-01-01T00:00:00.000Z")
    after = org.insert("Account", Name="after", SystemModstamp="2024-01-01T00:00:00.001Z")
    assert org.ids("SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00.000500Z") == [after]
    assert org.ids("SELECT Id FROM Account WHERE SystemModstamp < 2024-01-01T00:00:00.000500Z") == [at]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("CreatedDate = TODAY", ["today"]),
        ("CreatedDate > TODAY", ["tomorrow"]),
        ("CreatedDate < TODAY", ["last week", "yesterday"]),
        ("CreatedDate >= TODAY", ["today", "tomorrow"]),
        ("CreatedDate <= TODAY", ["last week", "yesterday", "today"]),
        ("CreatedDate = YESTERDAY", ["yesterday"]),
        ("CreatedDate = LAST_N_DAYS:1", ["yesterday", "today"]),
        ("CreatedDate < LAST_N_DAYS:7", ["last week"]),
        ("CreatedDate = LAST_WEEK", ["last week"]),
        ("CreatedDate != TODAY", ["last week", "yesterday", "tomorrow"]),
        ("CreatedDate IN (YESTERDAY, TOMORROW)", ["yesterday", "tomorrow"]),
        ("CloseDate = THIS_MONTH", ["last week", "yesterday", "today", "tomorrow"]),
        ("CloseDate > TODAY", ["tomorrow"]),
        ("CloseDate = NEXT_N_DAYS:1", ["tomorrow"]),
        ("CloseDate < LAST_N_DAYS:7", ["last week"]),
        ("CloseDate >= 2024-05-15", ["today", "tomorrow"]),
    ],
)
def test_date_literals_are_ranges(org: Org, condition: str, expected: list[str]) -> None:
    days = {
        "last week": ("2024-05-07T10:00:00.000Z", "2024-05-07"),
        "yesterday": ("2024-05-14T23:59:59.999Z", "2024-05-14"),
        "today": ("2024-05-15T00:00:00.000Z", "2024-05-15"),
        "tomorrow": ("2024-05-16T00:00:00.000Z", "2024-05-16"),
    }
    for name, (created, close) in days.items():
        org.insert("Opportunity", Name=name, StageName="Prospecting", CloseDate=close, CreatedDate=created)
    records = org.query(f"SELECT Name FROM Opportunity WHERE {condition}")["records"]
    assert [record["Name"] for record in records] == expected


def test_relationship_filter_joins_the_parent(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    other = org.insert("Account", Name="Other")
    smith = org.insert("Contact", LastName="Smith", AccountId=acme)
    org.insert("Contact", LastName="Jones", AccountId=other)
    org.insert("Contact", LastName="Orphan")
    assert org.ids("SELECT Id FROM Contact WHERE Account.Name = 'acme'") == [smith]


def test_formula_field_can_be_filtered(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    smith = org.insert("Contact", FirstName="Jo", LastName="Smith", AccountId=acme)
    assert org.ids("SELECT Id FROM Contact WHERE Account_Name__c = 'ACME'") == [smith]
    assert org.ids("SELECT Id FROM Contact WHERE Name = 'jo smith'") == [smith]


def test_semi_join_and_anti_join(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    lonely = org.insert("Account", Name="Lonely")
    org.insert("Contact", LastName="Smith", AccountId=acme)
    org.insert("Contact", LastName="Orphan")
    assert org.ids("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)") == [acme]
    assert org.ids("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)") == [lonely]


def test_includes_and_excludes_on_a_multipicklist(tmp_path: Path) -> None:
    spec = {
        "fields": {
            "Account": [{"name": "Tags__c", "type": "multipicklist", "picklistValues": ["a", "b", "c"]}]
        }
    }
    (tmp_path / "schema.json").write_text(json.dumps(spec))
    custom = build_schema(custom_path=tmp_path / "schema.json")
    db = Database(":memory:")
    create_tables(db.conn, custom)
    org = Org(db, custom)
    ab = org.insert("Account", Name="ab", Tags__c="a;b")
    c = org.insert("Account", Name="c", Tags__c="c")
    none = org.insert("Account", Name="none")
    assert org.ids("SELECT Id FROM Account WHERE Tags__c INCLUDES ('B')") == [ab]
    assert org.ids("SELECT Id FROM Account WHERE Tags__c INCLUDES ('a;b', 'c')") == [ab, c]
    assert org.ids("SELECT Id FROM Account WHERE Tags__c INCLUDES ('a;c')") == []
    assert org.ids("SELECT Id FROM Account WHERE Tags__c EXCLUDES ('a')") == [c, none]


def test_aggregates_group_by_and_having(org: Org) -> None:
    for stage, amount in [("Prospecting", 10.0), ("Prospecting", 5.0), ("Closed Won", 7.5)]:
        org.insert("Opportunity", Name="o", StageName=stage, CloseDate="2024-05-01", Amount=amount)
    result = org.query(
        "SELECT StageName, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName "
        "HAVING COUNT(Id) > 0 ORDER BY StageName"
    )
    assert result["totalSize"] == 2
    assert result["records"] == [
        {"attributes": {"type": "AggregateResult"}, "StageName": "Closed Won", "expr0": 1, "total": 7.5},
        {"attributes": {"type": "AggregateResult"}, "StageName": "Prospecting", "expr0": 2, "total": 15.0},
    ]
    single = org.query("SELECT COUNT(Id), MAX(Amount), MIN(CloseDate) FROM Opportunity")["records"]
    assert single == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 3, "expr1": 10.0, "expr2": "2024-05-01"}
    ]


def test_date_functions_group_by_calendar_parts(org: Org) -> None:
    org.insert("Opportunity", Name="a", StageName="Prospecting", CloseDate="2023-02-01")
    org.insert("Opportunity", Name="b", StageName="Prospecting", CloseDate="2024-05-01")
    org.insert("Opportunity", Name="c", StageName="Prospecting", CloseDate="2024-06-01")
    records = org.query(
        "SELECT CALENDAR_YEAR(CloseDate) y, COUNT(Id) n FROM Opportunity "
        "GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate) DESC"
    )["records"]
    assert [(r["y"], r["n"]) for r in records] == [(2024, 2), (2023, 1)]


def test_tooling_queries_read_tooling_tables(schema: Schema) -> None:
    compiled = compile_query("SELECT Id, Name FROM ApexClass", schema, tooling=True, now=NOW)
    assert '"tooling_ApexClass"' in compiled.sql


def test_compiled_sql_binds_values_instead_of_inlining_them(schema: Schema) -> None:
    compiled = compile_query("SELECT Id FROM Account WHERE Name = 'x\\' OR 1=1 --'", schema, now=NOW)
    assert "OR 1=1" not in compiled.sql
    assert compiled.params == ["x' OR 1=1 --"]


def test_ids_sort_in_creation_order() -> None:
    assert sorted([make_id("001", 62), make_id("001", 9), make_id("001", 61)]) == [
        make_id("001", 9),
        make_id("001", 61),
        make_id("001", 62),
    ]


def test_count_with_group_by_counts_groups(org: Org) -> None:
    for industry in ["Media", "Media", "Energy", None]:
        org.insert("Account", Name="a", Industry=industry)
    assert org.query("SELECT COUNT() FROM Account GROUP BY Industry")["totalSize"] == 3


def test_object_alias_prefixes_resolve(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    records = org.query("SELECT a.Name, Account.Id FROM Account a WHERE a.Name = 'Acme' ORDER BY a.Name")[
        "records"
    ]
    assert records == [{"attributes": records[0]["attributes"], "Name": "Acme", "Id": acme}]


def test_offset_alone_skips_rows(org: Org) -> None:
    ids = [org.insert("Account", Name=f"a{i}") for i in range(5)]
    result = org.query("SELECT Id FROM Account OFFSET 3")
    assert (result["totalSize"], [r["Id"] for r in result["records"]]) == (2, ids[3:])


def test_display_functions_select_the_field_itself(org: Org) -> None:
    org.insert("Account", Name="Acme", Industry="Media")
    record = org.query("SELECT toLabel(Industry), FORMAT(Name) FROM Account")["records"][0]
    assert (record["Industry"], record["Name"]) == ("Media", "Acme")
