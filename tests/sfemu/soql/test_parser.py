"""The grammar: every construct of the §6.2 subset, and the exact strings the sync clients send."""

from __future__ import annotations

import pytest

from sfemu.errors import SalesforceError
from sfemu.soql import parse
from sfemu.soql.filters import like_pattern
from sfemu.soql.nodes import (
    BoolOp,
    Compare,
    FieldPath,
    In,
    Includes,
    Like,
    Not,
    SelectCall,
    SelectField,
    SelectSubquery,
)


def fields(soql: str) -> list[str]:
    return [item.path.text for item in parse(soql).select if isinstance(item, SelectField)]


@pytest.mark.parametrize(
    "soql",
    [
        pytest.param("SELECT Id,Name FROM Account ORDER BY Id ASC", id="airbyte-full-refresh"),
        pytest.param(
            "SELECT Id,Name FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00.000+00:00 AND "
            "SystemModstamp < 2024-01-31T00:00:00.000+00:00",
            id="airbyte-incremental",
        ),
        pytest.param(
            "SELECT Id, Name FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00.000Z AND "
            "SystemModstamp < 2024-01-31T00:00:00.000Z",
            id="airbyte-bulk-zulu",
        ),
        pytest.param(
            "SELECT Id,Name,SystemModstamp FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00.000000Z  "
            "ORDER BY SystemModstamp ASC",
            id="singer-double-space",
        ),
        pytest.param(
            "SELECT Id FROM Account WHERE SystemModstamp >= 2017-01-01T00:00:00Z AND "
            "SystemModstamp < 2024-02-01T00:00:00.000000Z",
            id="singer-window",
        ),
        pytest.param("SELECT IsSandbox FROM Organization LIMIT 1", id="simple-salesforce-is-sandbox"),
        pytest.param(
            "SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN "
            "('069000000000001','069000000000002')",
            id="airbyte-substream",
        ),
    ],
)
def test_client_queries_parse(soql: str) -> None:
    assert parse(soql).select


def test_keywords_are_case_insensitive_and_whitespace_is_free() -> None:
    query = parse("select   id ,name\nfrom\taccount   where name='x'   order by name desc nulls last limit 5")
    assert [item.path.text for item in query.select] == ["id", "name"]
    assert query.obj == "account"
    assert (query.order_by[0].descending, query.order_by[0].nulls_last) == (True, True)
    assert query.limit == 5


def test_objects_named_like_keywords_parse_where_a_name_is_expected() -> None:
    assert parse("SELECT Id FROM Group").obj == "Group"
    assert parse("SELECT Id FROM Order").obj == "Order"


def test_relationship_paths_keep_their_parts() -> None:
    assert fields("SELECT Account.Owner.Name, Id FROM Contact") == ["Account.Owner.Name", "Id"]


def test_object_alias() -> None:
    query = parse("SELECT a.Name FROM Account a WHERE a.Name != null")
    assert query.alias == "a"


def test_aggregate_calls_with_aliases_and_group_by() -> None:
    query = parse(
        "SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1"
    )
    calls = [item for item in query.select if isinstance(item, SelectCall)]
    assert [(c.call.name, c.alias) for c in calls] == [("COUNT", "n"), ("SUM", None)]
    assert query.group_by == (FieldPath(("StageName",), query.group_by[0].pos),)
    assert isinstance(query.having, Compare)


def test_count_without_argument() -> None:
    item = parse("SELECT COUNT() FROM Account").select[0]
    assert isinstance(item, SelectCall)
    assert (item.call.name, item.call.arg) == ("COUNT", None)


def test_fields_function() -> None:
    item = parse("SELECT FIELDS(ALL) FROM Account LIMIT 200").select[0]
    assert isinstance(item, SelectCall)
    assert item.call.name == "FIELDS"
    assert item.call.arg is not None
    assert item.call.arg.text == "ALL"


def test_child_subquery() -> None:
    item = parse("SELECT Id, (SELECT Id FROM Contacts WHERE LastName != null LIMIT 3) FROM Account").select[1]
    assert isinstance(item, SelectSubquery)
    assert (item.query.obj, item.query.limit) == ("Contacts", 3)


def test_semi_join() -> None:
    where = parse("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name = 'x')").where
    assert isinstance(where, In)
    assert where.subquery is not None
    assert where.subquery.obj == "Account"


@pytest.mark.parametrize("op", ["=", "!=", "<>", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    where = parse(f"SELECT Id FROM Account WHERE NumberOfEmployees {op} 5").where
    assert isinstance(where, Compare)
    assert where.op == ("!=" if op == "<>" else op)


def test_in_not_in_like_not_like_includes_excludes() -> None:
    where = parse(
        "SELECT Id FROM Account WHERE Name IN ('a','b') AND Name NOT IN ('c') AND Name LIKE 'a%' "
        "AND Name NOT LIKE '_b' AND Tags__c INCLUDES ('a;b','c') AND Tags__c EXCLUDES ('d')"
    ).where
    assert isinstance(where, BoolOp)
    kinds = [
        (type(item).__name__, getattr(item, "negated", getattr(item, "excludes", None)))
        for item in where.items
    ]
    assert kinds == [
        ("In", False),
        ("In", True),
        ("Like", False),
        ("Like", True),
        ("Includes", False),
        ("Includes", True),
    ]
    assert isinstance(where.items[4], Includes)


def test_not_and_parentheses() -> None:
    where = parse("SELECT Id FROM Account WHERE NOT (Name = 'a' OR Name = 'b') AND Type = null").where
    assert isinstance(where, BoolOp)
    assert where.op == "AND"
    negated = where.items[0]
    assert isinstance(negated, Not)
    assert isinstance(negated.condition, BoolOp)


@pytest.mark.parametrize(
    ("literal", "kind", "value"),
    [
        ("null", "null", None),
        ("TRUE", "boolean", True),
        ("false", "boolean", False),
        ("42", "number", 42),
        ("-1.5", "number", -1.5),
        ("'it\\'s \\\\ a\\nb'", "string", "it's \\ a\nb"),
        ("2024-01-01", "date", "2024-01-01"),
        ("2024-01-01T10:00:00Z", "datetime", ("2024-01-01T10:00:00.000Z", False)),
        ("2024-01-01T10:00:00.123+02:00", "datetime", ("2024-01-01T08:00:00.123Z", False)),
        ("2024-01-01T10:00:00.123456-0130", "datetime", ("2024-01-01T11:30:00.123Z", True)),
        ("2024-01-01T10:00:00.000000000Z", "datetime", ("2024-01-01T10:00:00.000Z", False)),
        ("TODAY", "range", ("TODAY", None)),
        ("last_n_days:7", "range", ("LAST_N_DAYS", 7)),
        ("N_QUARTERS_AGO:2", "range", ("N_QUARTERS_AGO", 2)),
        ("THIS_FISCAL_YEAR", "range", ("THIS_YEAR", None)),
    ],
)
def test_literals(literal: str, kind: str, value: object) -> None:
    where = parse(f"SELECT Id FROM Account WHERE X = {literal}").where
    assert isinstance(where, Compare)
    assert (where.value.kind, where.value.value) == (kind, value)


def test_order_by_defaults_follow_soql_null_placement() -> None:
    items = parse("SELECT Id FROM Account ORDER BY Name, Type DESC, Phone ASC NULLS LAST").order_by
    assert [(i.descending, i.nulls_last) for i in items] == [(False, False), (True, True), (False, True)]


def test_trailing_clauses_are_accepted_and_ignored() -> None:
    query = parse(
        "SELECT Id FROM Account USING SCOPE everything WHERE Name != null WITH SECURITY_ENFORCED "
        "ORDER BY Id LIMIT 10 OFFSET 20 FOR VIEW"
    )
    assert (query.limit, query.offset) == (10, 20)
    assert parse("SELECT Id FROM Account FOR UPDATE").obj == "Account"


def test_like_pattern_keeps_escaped_wildcards_literal() -> None:
    where = parse("SELECT Id FROM Account WHERE Name LIKE '50\\%\\_off%'").where
    assert isinstance(where, Like)
    assert like_pattern(where.value.raw) == "50\\%\\_off%"


def test_parses_are_cached() -> None:
    soql = "SELECT Id FROM Account WHERE Name = 'cache me'"
    assert parse(soql) is parse(soql)


@pytest.mark.parametrize(
    ("soql", "token", "column"),
    [
        ("SELECT Id FORM Account", "FORM", 11),
        ("SELECT Id FROM", "<EOF>", 15),
        ("SELECT Id FROM Account WHERE a = 1 AND b = 2 OR c = 3", "OR", 46),
        ("SELECT Id FROM Account WHERE Name = foo", "foo", 37),
        ("SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS", "LAST_N_DAYS", 44),
        ("SELECT Id FROM Account WHERE CreatedDate > TODAY:3", "TODAY", 44),
        ("SELECT Id FROM Account ORDER BY Name SIDEWAYS", "SIDEWAYS", 38),
        ("SELECT ,    FROM Account", ",", 8),
    ],
)
def test_syntax_errors_are_malformed_query_with_a_caret(soql: str, token: str, column: int) -> None:
    with pytest.raises(SalesforceError) as caught:
        parse(soql)
    error = caught.value
    assert (error.status, error.code) == (400, "MALFORMED_QUERY")
    first_line = soql.splitlines()[0]
    assert error.message == (
        f"\n{first_line}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\nunexpected token: '{token}'"
    )
