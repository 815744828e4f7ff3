"""The shared write path: validation codes, system fields, recycle bin, upsert, lead conversion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfemu import ids
from sfemu.clock import format_storage
from sfemu.config import EmulatorConfig
from sfemu.errors import SalesforceError
from sfemu.org import Org
from sfemu.store.conversion import convert_lead
from sfemu.store.records import MultipleMatches


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = Org(EmulatorConfig(data_dir=tmp_path))
    yield org
    org.close()


def create(org: Org, name: str, **values: object) -> str:
    obj = org.schema.get(name)
    assert obj is not None
    return org.records.create(obj, values, user_id=org.user_id)


def row(org: Org, name: str, record_id: str) -> dict[str, object]:
    obj = org.schema.get(name)
    assert obj is not None
    found = org.records.get(obj, record_id)
    assert found is not None
    return found


def error_of(call: object) -> SalesforceError:
    with pytest.raises(SalesforceError) as raised:
        call()  # type: ignore[operator]
    return raised.value


@pytest.mark.parametrize(
    ("id15", "suffix"),
    [
        ("001D000000IRFma", "IAH"),
        ("001D000000Iomaz", "IAB"),
        ("0014W000027f6V3", "QAI"),
        ("005R0000000Giwj", "IAC"),
    ],
)
def test_id_checksums_match_salesforce(id15: str, suffix: str) -> None:
    assert ids.checksum(id15) == suffix
    assert ids.normalize(id15) == id15 + suffix
    assert ids.is_id(id15 + suffix)
    assert not ids.is_id(id15 + "AAA")


def test_create_fills_system_fields_and_owner(org: Org) -> None:
    account = create(org, "Account", Name="Acme")
    stored = row(org, "Account", account)
    assert account.startswith("001")
    assert len(account) == 18
    assert stored["CreatedById"] == stored["LastModifiedById"] == stored["OwnerId"] == org.user_id
    assert stored["CreatedDate"] == stored["SystemModstamp"]
    assert stored["IsDeleted"] == 0


def test_system_modstamp_never_goes_back_nor_ahead_of_the_wall_clock(org: Org) -> None:
    account = create(org, "Account", Name="Acme")
    obj = org.schema.get("Account")
    assert obj is not None
    stamps = [row(org, "Account", account)["SystemModstamp"]]
    for n in range(20):
        org.records.update(obj, account, {"Name": f"Acme {n}"}, user_id=org.user_id)
        stamps.append(row(org, "Account", account)["SystemModstamp"])
        assert str(stamps[-1]) <= format_storage(datetime.now(UTC))
    assert stamps == sorted(stamps)


def test_fifteen_character_ids_are_accepted_everywhere(org: Org) -> None:
    account = create(org, "Account", Name="Acme")
    contact = create(org, "Contact", LastName="Smith", AccountId=account[:15])
    assert row(org, "Contact", contact[:15])["AccountId"] == account


@pytest.mark.parametrize(
    ("name", "values", "code", "field"),
    [
        pytest.param("Account", {"Nmae": "x"}, "INVALID_FIELD", "Nmae", id="unknown-field"),
        pytest.param(
            "Account", {"Industry": "Tech"}, "REQUIRED_FIELD_MISSING", "Name", id="required-missing"
        ),
        pytest.param("Account", {"Name": "x" * 256}, "STRING_TOO_LONG", "Name", id="too-long"),
        pytest.param(
            "Account",
            {"Name": "A", "Tier__c": "Platinum"},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Tier__c",
            id="restricted-picklist",
        ),
        pytest.param(
            "Account",
            {"Name": "A", "CreatedDate": "2024-01-01T00:00:00Z"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "CreatedDate",
            id="not-createable",
        ),
        pytest.param(
            "Contact",
            {"LastName": "A", "Account_Name__c": "x"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Account_Name__c",
            id="formula-not-writable",
        ),
        pytest.param(
            "Contact",
            {"LastName": "A", "AccountId": "001000000000000AAA"},
            "INVALID_CROSS_REFERENCE_KEY",
            "AccountId",
            id="reference-not-found",
        ),
        pytest.param(
            "Contact",
            {"LastName": "A", "AccountId": "nope"},
            "MALFORMED_ID",
            "AccountId",
            id="malformed-reference",
        ),
        pytest.param(
            "Contact",
            {"LastName": "A", "Account": {"External_Id__c": "missing"}},
            "INVALID_FIELD",
            "AccountId",
            id="foreign-external-id-not-found",
        ),
        pytest.param(
            "Account",
            {"Name": "A", "NumberOfEmployees": "many"},
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            "NumberOfEmployees",
            id="wrong-type",
        ),
    ],
)
def test_validation_errors_use_salesforce_codes(
    org: Org, name: str, values: dict[str, object], code: str, field: str
) -> None:
    error = error_of(lambda: create(org, name, **values))
    assert error.code == code
    assert error.fields == [field]
    obj = org.schema.get(name)
    assert obj is not None
    assert org.db.read(f'SELECT COUNT(*) FROM "{obj.name}"')[0][0] == 0  # nothing half-written


def test_foreign_key_by_external_id_resolves_the_parent(org: Org) -> None:
    account = create(org, "Account", Name="Acme", External_Id__c="K1")
    contact = create(org, "Contact", LastName="Smith", Account={"External_Id__c": "k1"})
    assert row(org, "Contact", contact)["AccountId"] == account


def test_unique_external_id_rejects_duplicates(org: Org) -> None:
    create(org, "Account", Name="A", External_Id__c="K1")
    assert error_of(lambda: create(org, "Account", Name="B", External_Id__c="K1")).code == "DUPLICATE_VALUE"


def test_upsert_creates_updates_and_reports_several_matches(org: Org) -> None:
    obj = org.schema.get("Contact")
    assert obj is not None
    first = org.records.upsert(obj, "External_Id__c", "C1", {"LastName": "One"}, user_id=org.user_id)
    again = org.records.upsert(obj, "External_Id__c", "C1", {"LastName": "Uno"}, user_id=org.user_id)
    assert (first.created, again.created, again.id) == (True, False, first.id)
    assert row(org, "Contact", first.id)["LastName"] == "Uno"
    # Legacy_Key__c is an external id that is not unique: two matches make the upsert ambiguous (300).
    first_account = create(org, "Account", Name="A", Legacy_Key__c="L1")
    second_account = create(org, "Account", Name="B", Legacy_Key__c="L1")
    account = org.schema.get("Account")
    assert account is not None
    with pytest.raises(MultipleMatches) as many:
        org.records.upsert(account, "Legacy_Key__c", "L1", {"Name": "C"}, user_id=org.user_id)
    assert many.value.status == 300
    assert many.value.matches == [first_account, second_account]


def test_delete_goes_to_recycle_bin_and_cascades_to_contacts(org: Org) -> None:
    account = create(org, "Account", Name="Acme")
    contact = create(org, "Contact", LastName="Smith", AccountId=account)
    obj = org.schema.get("Account")
    assert obj is not None
    before = row(org, "Account", account)["SystemModstamp"]
    org.records.delete(obj, account, user_id=org.user_id)
    assert row(org, "Account", account)["IsDeleted"] == 1
    assert row(org, "Account", account)["SystemModstamp"] > before
    assert row(org, "Contact", contact)["IsDeleted"] == 1
    assert (
        error_of(lambda: org.records.update(obj, account, {"Name": "x"}, user_id=org.user_id)).code
        == "ENTITY_IS_DELETED"
    )
    org.records.undelete(obj, account, user_id=org.user_id)
    assert row(org, "Account", account)["IsDeleted"] == 0
    org.records.delete(obj, account, user_id=org.user_id)
    org.records.empty_recycle_bin(obj, [account])
    assert org.records.get(obj, account) is None
    assert org.db.read("SELECT COUNT(*) FROM _deleted_log WHERE id = ?", (account,))[0][0] == 1


def test_converted_lead_cannot_be_updated(org: Org) -> None:
    lead = create(org, "Lead", FirstName="Ada", LastName="Lovelace", Company="Analytical", Email="ada@x.io")
    done = convert_lead(org.records, org.schema, lead, user_id=org.user_id)
    converted = row(org, "Lead", lead)
    assert converted["IsConverted"] == 1
    assert converted["ConvertedAccountId"] == done.account_id
    assert converted["ConvertedContactId"] == done.contact_id
    assert converted["ConvertedDate"] is not None
    assert row(org, "Contact", done.contact_id)["AccountId"] == done.account_id
    obj = org.schema.get("Lead")
    assert obj is not None
    assert (
        error_of(lambda: org.records.update(obj, lead, {"Title": "x"}, user_id=org.user_id)).code
        == "CANNOT_UPDATE_CONVERTED_LEAD"
    )


def test_duplicate_rule_on_email_when_enabled(org: Org) -> None:
    create(org, "Contact", LastName="A", Email="same@example.com")
    create(org, "Contact", LastName="B", Email="same@example.com")  # rule off by default
    org.config.duplicate_rule_email = True
    assert (
        error_of(lambda: create(org, "Contact", LastName="C", Email="SAME@example.com")).code
        == "DUPLICATES_DETECTED"
    )


def test_opportunity_closed_flags_follow_the_stage(org: Org) -> None:
    opportunity = create(org, "Opportunity", Name="Deal", StageName="Closed Won", CloseDate="2026-01-01")
    stored = row(org, "Opportunity", opportunity)
    assert (stored["IsClosed"], stored["IsWon"]) == (1, 1)


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first = Org(EmulatorConfig(data_dir=tmp_path))
    account = create(first, "Account", Name="Persistent")
    first.close()
    second = Org(EmulatorConfig(data_dir=tmp_path))
    assert row(second, "Account", account)["Name"] == "Persistent"
    assert create(second, "Account", Name="Next") > account
    second.close()


@pytest.mark.parametrize(
    ("stage", "probability", "category"),
    [
        ("Prospecting", 10, "Pipeline"),
        ("Negotiation/Review", 90, "Pipeline"),
        ("Closed Won", 100, "Closed"),
        ("Closed Lost", 0, "Omitted"),
    ],
)
def test_opportunity_probability_and_forecast_category_default_from_the_stage(
    org: Org, stage: str, probability: int, category: str
) -> None:
    account = create(org, "Account", Name="Acme")
    opportunity = create(
        org, "Opportunity", Name="Deal", AccountId=account, StageName=stage, CloseDate="2026-06-30"
    )
    stored = row(org, "Opportunity", opportunity)
    assert (stored["Probability"], stored["ForecastCategoryName"]) == (probability, category)


def test_a_stage_change_brings_its_defaults_unless_the_save_sets_them(org: Org) -> None:
    obj = org.schema.get("Opportunity")
    assert obj is not None
    deal = create(
        org, "Opportunity", Name="Deal", StageName="Prospecting", CloseDate="2026-06-30", Probability=35
    )
    assert row(org, "Opportunity", deal)["Probability"] == 35  # given on create: kept
    org.records.update(obj, deal, {"Name": "Deal 2"}, user_id=org.user_id)
    assert row(org, "Opportunity", deal)["Probability"] == 35  # the stage did not change
    org.records.update(obj, deal, {"StageName": "Closed Won"}, user_id=org.user_id)
    stored = row(org, "Opportunity", deal)
    assert (stored["Probability"], stored["ForecastCategoryName"], stored["IsWon"]) == (100, "Closed", 1)
    org.records.update(
        obj, deal, {"StageName": "Qualification", "ForecastCategoryName": "Best Case"}, user_id=org.user_id
    )
    stored = row(org, "Opportunity", deal)
    assert (stored["Probability"], stored["ForecastCategoryName"]) == (10, "Best Case")
