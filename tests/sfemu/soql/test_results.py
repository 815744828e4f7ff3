"""REST query records exactly as a client sees them (salesforce-wire.md §2.5, §7.2)."""

from __future__ import annotations

from sfemu.soql import compile_query, rest_records
from tests.sfemu.soql.conftest import NOW, Org

URL = "/services/data/v62.0/sobjects"


def test_record_has_attributes_and_describe_casing(org: Org) -> None:
    acme = org.insert(
        "Account",
        Name="Acme",
        NumberOfEmployees=42,
        AnnualRevenue=1234.5,
        SystemModstamp="2024-01-15T10:30:00.000Z",
    )
    records = org.query(
        "select id, NAME, numberofemployees, annualrevenue, isdeleted, systemmodstamp from account"
    )
    assert records["records"] == [
        {
            "attributes": {"type": "Account", "url": f"{URL}/Account/{acme}"},
            "Id": acme,
            "Name": "Acme",
            "NumberOfEmployees": 42,
            "AnnualRevenue": 1234.5,
            "IsDeleted": False,
            "SystemModstamp": "2024-01-15T10:30:00.000+0000",
        }
    ]


def test_every_selected_field_is_present_even_when_null(org: Org) -> None:
    org.insert("Account", Name="Acme")
    record = org.query("SELECT Phone, Industry FROM Account")["records"][0]
    assert (record["Phone"], record["Industry"]) == (None, None)


def test_parent_relationship_is_a_nested_record_or_null(org: Org) -> None:
    user = org.insert("User", Username="u@x", LastName="Owner", FirstName="Olga", Email="u@x", Alias="u")
    acme = org.insert("Account", Name="Acme", OwnerId=user)
    smith = org.insert("Contact", LastName="Smith", AccountId=acme)
    orphan = org.insert("Contact", LastName="Orphan")
    records = org.query("SELECT Id, LastName, Account.Name, Account.Owner.Name FROM Contact")["records"]
    assert records[0] == {
        "attributes": {"type": "Contact", "url": f"{URL}/Contact/{smith}"},
        "Id": smith,
        "LastName": "Smith",
        "Account": {
            "attributes": {"type": "Account", "url": f"{URL}/Account/{acme}"},
            "Name": "Acme",
            "Owner": {"attributes": {"type": "User", "url": f"{URL}/User/{user}"}, "Name": "Olga Owner"},
        },
    }
    assert records[1] == {
        "attributes": {"type": "Contact", "url": f"{URL}/Contact/{orphan}"},
        "Id": orphan,
        "LastName": "Orphan",
        "Account": None,
    }


def test_relationship_keys_merge_in_first_seen_order(org: Org) -> None:
    acme = org.insert("Account", Name="Acme", Industry="Media")
    org.insert("Contact", LastName="Smith", AccountId=acme)
    record = org.query("SELECT account.name, Id, ACCOUNT.Industry FROM Contact")["records"][0]
    assert list(record) == ["attributes", "Account", "Id"]
    assert list(record["Account"]) == ["attributes", "Name", "Industry"]


def test_formula_follows_the_parent_without_a_child_write(org: Org) -> None:
    acme = org.insert("Account", Name="Acme", Tier__c="Gold")
    org.insert("Contact", FirstName="Jo", LastName="Smith", AccountId=acme)
    soql = "SELECT Name, Account_Name__c, Account_Tier__c FROM Contact"
    assert org.query(soql)["records"][0]["Account_Name__c"] == "Acme"
    org.db.conn.execute(
        'UPDATE "Account" SET "Name" = ?, "Tier__c" = ? WHERE "Id" = ?', ["Acme 2", "Silver", acme]
    )
    record = org.query(soql)["records"][0]
    assert (record["Name"], record["Account_Name__c"], record["Account_Tier__c"]) == (
        "Jo Smith",
        "Acme 2",
        "Silver",
    )


def test_concat_formula_skips_null_parts(org: Org) -> None:
    org.insert("Contact", LastName="Smith")
    assert org.query("SELECT Name FROM Contact")["records"][0]["Name"] == "Smith"


def test_address_compound_is_an_object_of_its_components(org: Org) -> None:
    org.insert(
        "Contact",
        LastName="Smith",
        MailingStreet="1 Main",
        MailingCity="SF",
        MailingState="CA",
        MailingPostalCode="94105",
        MailingCountry="US",
    )
    org.insert("Contact", LastName="Homeless")
    records = org.query("SELECT MailingAddress FROM Contact")["records"]
    assert records[0]["MailingAddress"] == {
        "street": "1 Main",
        "city": "SF",
        "state": "CA",
        "postalCode": "94105",
        "country": "US",
        "latitude": None,
        "longitude": None,
        "geocodeAccuracy": None,
    }
    assert records[1]["MailingAddress"] is None


def test_child_subquery_is_a_nested_query_result_or_null(org: Org) -> None:
    acme = org.insert("Account", Name="Acme")
    empty = org.insert("Account", Name="Empty")
    smith = org.insert("Contact", LastName="Smith", AccountId=acme)
    adams = org.insert("Contact", LastName="Adams", AccountId=acme)
    org.insert("Contact", LastName="Deleted", AccountId=acme, IsDeleted=1)
    records = org.query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account")[
        "records"
    ]
    assert records[0]["Contacts"] == {
        "totalSize": 2,
        "done": True,
        "records": [
            {"attributes": {"type": "Contact", "url": f"{URL}/Contact/{adams}"}, "LastName": "Adams"},
            {"attributes": {"type": "Contact", "url": f"{URL}/Contact/{smith}"}, "LastName": "Smith"},
        ],
    }
    assert records[1] == {
        "attributes": {"type": "Account", "url": f"{URL}/Account/{empty}"},
        "Name": "Empty",
        "Contacts": None,
    }


def test_child_subquery_limit_applies_per_parent(org: Org) -> None:
    for name in ["A", "B"]:
        account = org.insert("Account", Name=name)
        for i in range(3):
            org.insert("Invoice__c", Name=f"{name}{i}", Account__c=account)
    records = org.query("SELECT Id, (SELECT Name FROM Invoices__r LIMIT 2) FROM Account")["records"]
    assert [[r["Name"] for r in rec["Invoices__r"]["records"]] for rec in records] == [
        ["A0", "A1"],
        ["B0", "B1"],
    ]


def test_fields_all_selects_every_field_in_describe_order(org: Org) -> None:
    org.insert("Account", Name="Acme")
    record = org.query("SELECT FIELDS(ALL) FROM Account LIMIT 200")["records"][0]
    account = org.schema.get("Account")
    assert account is not None
    assert list(record)[1:] == [f.name for f in account.fields.values()]


def test_tooling_records_point_at_tooling_urls(org: Org) -> None:
    org.db.conn.execute(
        'INSERT INTO "tooling_ApexClass" ("Id", "IsDeleted", "Name") VALUES (?, 0, ?)',
        ["01p5g00000000001AAA", "Hello"],
    )
    compiled = compile_query("SELECT Id, Name FROM ApexClass", org.schema, tooling=True, now=NOW)
    rows = org.db.conn.execute(compiled.sql, compiled.params).fetchall()
    records = rest_records(org.db.conn, compiled, rows, api_version="v59.0")
    assert (
        records[0]["attributes"]["url"]
        == "/services/data/v59.0/tooling/sobjects/ApexClass/01p5g00000000001AAA"
    )
    assert records[0]["Name"] == "Hello"
