"""Query errors: Salesforce's codes and wording, always a 400 SalesforceError, never a Python exception."""

from __future__ import annotations

import re

import pytest

from sfemu.errors import SalesforceError
from sfemu.schema import Schema
from sfemu.soql import compile_query
from tests.sfemu.soql.conftest import NOW

AIRBYTE_FIELD = re.compile(r"No such column '(?P<field>[^']+)' on entity")


def error_of(soql: str, schema: Schema) -> SalesforceError:
    with pytest.raises(SalesforceError) as caught:
        compile_query(soql, schema, now=NOW)
    assert caught.value.status == 400
    return caught.value


def test_unknown_field_message_is_what_airbyte_parses(schema: Schema) -> None:
    error = error_of("SELECT Id, Foo__c FROM Account", schema)
    assert error.code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Id, Foo__c FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Foo__c' on entity 'Account'. If you are attempting to use a custom field, be sure "
        "to append the '__c' after the custom field name. Please reference your WSDL or the describe call "
        "for the appropriate names."
    )
    match = AIRBYTE_FIELD.search(error.message)
    assert match is not None
    assert match.group("field") == "Foo__c"


def test_unknown_field_behind_a_relationship_names_the_parent(schema: Schema) -> None:
    error = error_of("SELECT Account.Nope FROM Contact", schema)
    assert "No such column 'Nope' on entity 'Account'" in error.message


def test_unknown_relationship(schema: Schema) -> None:
    error = error_of("SELECT Acount.Name FROM Contact", schema)
    assert error.code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Acount' in field path" in error.message


def test_unknown_object_is_invalid_type(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Accountz LIMIT 2", schema)
    assert error.code == "INVALID_TYPE"
    assert error.message == (
        "\nSELECT Id FROM Accountz LIMIT 2\n               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Accountz' is not supported. If you are attempting to use a custom object, be sure to "
        "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
        "appropriate names."
    )


def test_unknown_child_relationship_is_invalid_type(schema: Schema) -> None:
    error = error_of("SELECT Id, (SELECT Id FROM Contactz) FROM Account", schema)
    assert error.code == "INVALID_TYPE"
    assert "Didn't understand relationship 'Contactz' in FROM part of query call" in error.message


@pytest.mark.parametrize(
    ("condition", "expected_type"),
    [
        ("CreatedDate > '2024-01-01T00:00:00Z'", "dateTime"),
        ("CreatedDate > 2024-01-01", "dateTime"),
        ("CloseDate = 2024-01-01T00:00:00Z", "date"),
        ("CloseDate = '2024-01-01'", "date"),
        ("IsDeleted = 'true'", "boolean"),
        ("Amount > '5'", "currency"),
    ],
)
def test_wrongly_typed_or_quoted_values_are_invalid_field(
    schema: Schema, condition: str, expected_type: str
) -> None:
    field = condition.split()[0]
    error = error_of(f"SELECT Id FROM Opportunity WHERE {condition}", schema)
    assert error.code == "INVALID_FIELD"
    assert error.message.endswith(
        f"value of filter criterion for field '{field}' must be of type {expected_type} and should not be "
        "enclosed in quotes"
    )


def test_unquoted_value_for_a_string_field(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Account WHERE Name = 5", schema)
    assert error.message.endswith("must be of type string and should be enclosed in quotes")


def test_malformed_id_literal_is_an_invalid_filter_operator(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Account WHERE Id = '001xyz'", schema)
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"
    assert error.message.endswith("invalid ID field: 001xyz")


def test_includes_on_a_plain_picklist_is_an_invalid_filter_operator(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Account WHERE Industry INCLUDES ('Media')", schema)
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"


def test_offset_above_2000(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Account LIMIT 10 OFFSET 2001", schema)
    assert error.code == "NUMBER_OUTSIDE_VALID_RANGE"
    compile_query("SELECT Id FROM Account LIMIT 10 OFFSET 2000", schema, now=NOW)


@pytest.mark.parametrize(
    "soql", ["SELECT FIELDS(ALL) FROM Account", "SELECT FIELDS(CUSTOM) FROM Account LIMIT 201"]
)
def test_fields_all_and_custom_need_a_limit_of_200(schema: Schema, soql: str) -> None:
    error = error_of(soql, schema)
    assert error.code == "MALFORMED_QUERY"
    assert error.message.endswith("The SOQL FIELDS function must have a LIMIT of at most 200")
    compile_query("SELECT FIELDS(STANDARD) FROM Account", schema, now=NOW)


def test_long_text_cannot_be_filtered(schema: Schema) -> None:
    error = error_of("SELECT Id FROM Account WHERE Description = 'x'", schema)
    assert error.message.endswith("field 'Description' can not be filtered in a query call")


def test_ungrouped_field_in_an_aggregate_query(schema: Schema) -> None:
    error = error_of("SELECT Name, COUNT(Id) FROM Account", schema)
    assert error.code == "MALFORMED_QUERY"
    assert error.message.endswith("Field must be grouped or aggregated: Name")


def test_caret_points_into_the_right_line_of_a_multiline_query(schema: Schema) -> None:
    error = error_of("SELECT Id,\n  Nope__c\nFROM Account", schema)
    assert error.message.startswith("\n  Nope__c\n  ^\nERROR at Row:2:Column:3\nNo such column 'Nope__c'")


def test_long_select_lists_are_echoed_as_a_window(schema: Schema) -> None:
    soql = "SELECT " + ", ".join(["Id"] * 60) + ", Nope__c FROM Account"
    error = error_of(soql, schema)
    line, caret = error.message.split("\n")[1:3]
    assert len(line) <= 120
    assert line[caret.index("^") :].startswith("Nope__c")


@pytest.mark.parametrize(
    "soql",
    [
        "",
        "   ",
        "SELECT",
        "SELECT Id FROM Account WHERE",
        "SELECT Id FROM Account WHERE Name = 'unterminated",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-13-45",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-02-30T00:00:00Z",
        "SELECT Id FROM Account ORDER BY BillingAddress",
        "SELECT Id FROM Account WHERE BillingAddress = null",
        "SELECT COUNT(), Name FROM Account",
        "SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account",
        "SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Contact)",
        "SELECT SUM(Name) FROM Account",
        "SELECT Id FROM Account WHERE IsDeleted > true",
        "SELECT Id FROM Account WHERE NumberOfEmployees LIKE '1%'",
        "SELECT Id FROM Account WHERE CALENDAR_YEAR(Name) = 2024",
        "SELECT FIELDS(SOME) FROM Account LIMIT 1",
        "SELECT a.b.c.d.e.f.g FROM Account",
        "SELECT Id FROM Account WITH MAGIC",
    ],
)
def test_bad_queries_raise_salesforce_errors_only(schema: Schema, soql: str) -> None:
    error = error_of(soql, schema)
    assert error.code in {"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR"}
