"""The standard objects sfemu models, with realistic field metadata."""

from __future__ import annotations

from typing import Any, TypedDict

from sfemu.schema.model import FieldDef, ObjectDef

OWNER_TYPES = ("Group", "User")


class _Access(TypedDict):
    createable: bool
    updateable: bool


READ_ONLY: _Access = {"createable": False, "updateable": False}  # `**READ_ONLY`: the org maintains it


def text(name: str, length: int = 255, **kw: Any) -> FieldDef:
    return FieldDef(name, kw.pop("type", "string"), length=length, **kw)


def ref(name: str, to: tuple[str, ...] | str, relationship: str, **kw: Any) -> FieldDef:
    targets = (to,) if isinstance(to, str) else to
    return FieldDef(name, "reference", length=18, reference_to=targets, relationship_name=relationship, **kw)


def pick(name: str, values: tuple[str, ...], **kw: Any) -> FieldDef:
    return FieldDef(name, "picklist", length=255, picklist=values, **kw)


def num(name: str, type: str = "double", precision: int = 18, scale: int = 2, **kw: Any) -> FieldDef:
    return FieldDef(name, type, precision=precision, scale=scale, **kw)


def flag(name: str, default: bool = False, **kw: Any) -> FieldDef:
    return FieldDef(name, "boolean", nillable=False, defaulted_on_create=True, default=default, **kw)


def when(name: str, type: str = "datetime", **kw: Any) -> FieldDef:
    return FieldDef(name, type, **kw)


def system_fields(owned: bool = True) -> list[FieldDef]:
    """Id, audit fields and IsDeleted: maintained by the org, never writable."""
    ro = READ_ONLY
    fields = [
        FieldDef("Id", "id", length=18, nillable=False, id_lookup=True, **ro),
        FieldDef("IsDeleted", "boolean", nillable=False, defaulted_on_create=True, default=False, **ro),
        when("CreatedDate", nillable=False, defaulted_on_create=True, **ro),
        ref("CreatedById", "User", "CreatedBy", nillable=False, defaulted_on_create=True, **ro),
        when("LastModifiedDate", nillable=False, defaulted_on_create=True, **ro),
        ref("LastModifiedById", "User", "LastModifiedBy", nillable=False, defaulted_on_create=True, **ro),
        when("SystemModstamp", nillable=False, defaulted_on_create=True, **ro),
    ]
    if owned:
        fields.append(ref("OwnerId", OWNER_TYPES, "Owner", nillable=False, defaulted_on_create=True))
    return fields


def address(prefix: str, compound: str) -> list[FieldDef]:
    parts = [
        text(f"{prefix}Street", 255, type="textarea"),
        text(f"{prefix}City", 40),
        text(f"{prefix}State", 80),
        text(f"{prefix}PostalCode", 20),
        text(f"{prefix}Country", 80),
        num(f"{prefix}Latitude", precision=18, scale=15),
        num(f"{prefix}Longitude", precision=18, scale=15),
        pick(
            f"{prefix}GeocodeAccuracy",
            (
                "Address",
                "NearAddress",
                "Block",
                "Street",
                "ExtendedZip",
                "Zip",
                "Neighborhood",
                "City",
                "County",
                "State",
                "Unknown",
            ),
        ),
    ]
    parts = [FieldDef(**{**p.__dict__, "compound_field_name": compound}) for p in parts]
    whole = FieldDef(
        compound, "address", createable=False, updateable=False, components=tuple(p.name for p in parts)
    )
    return [*parts, whole]


def person_name(required_last: bool = True) -> list[FieldDef]:
    parts = [
        pick("Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof."), compound_field_name="Name"),
        text("FirstName", 40, compound_field_name="Name"),
        text("LastName", 80, nillable=not required_last, compound_field_name="Name"),
    ]
    # Name is calculated from its parts on Contact and Lead.
    full = FieldDef(
        "Name",
        "string",
        length=121,
        createable=False,
        updateable=False,
        name_field=True,
        formula="CONCAT(FirstName, LastName)",
    )
    return [*parts, full]


LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
INDUSTRIES = (
    "Agriculture",
    "Banking",
    "Biotechnology",
    "Education",
    "Energy",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Other",
)


def standard_objects() -> list[ObjectDef]:
    ro = READ_ONLY
    account = ObjectDef("Account", "001", "Account", "Accounts").add(
        *system_fields(),
        text("Name", 255, nillable=False, name_field=True),
        pick("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")),
        pick("Industry", INDUSTRIES),
        ref("ParentId", "Account", "Parent"),
        *address("Billing", "BillingAddress"),
        *address("Shipping", "ShippingAddress"),
        text("Phone", 40, type="phone"),
        text("Website", 255, type="url"),
        num("AnnualRevenue", "currency"),
        FieldDef("NumberOfEmployees", "int", precision=8),
        text("Description", 32000, type="textarea"),
        pick("Rating", ("Hot", "Warm", "Cold")),
        text("AccountNumber", 40),
    )
    contact = ObjectDef("Contact", "003", "Contact", "Contacts").add(
        *system_fields(),
        *person_name(),
        ref("AccountId", "Account", "Account", cascade_delete=True),
        ref("ReportsToId", "Contact", "ReportsTo"),
        text("Email", 80, type="email"),
        text("Phone", 40, type="phone"),
        text("Title", 128),
        text("Department", 80),
        pick("LeadSource", ("Web", "Phone Inquiry", "Partner Referral", "Other")),
        FieldDef("Birthdate", "date"),
        *address("Mailing", "MailingAddress"),
        FieldDef("HasOptedOutOfEmail", "boolean", nillable=False, defaulted_on_create=True, default=False),
    )
    lead = ObjectDef("Lead", "00Q", "Lead", "Leads").add(
        *system_fields(),
        *person_name(),
        text("Company", 255, nillable=False),
        text("Email", 80, type="email"),
        text("Title", 128),
        text("Phone", 40, type="phone"),
        pick(
            "Status",
            LEAD_STATUSES,
            nillable=False,
            defaulted_on_create=True,
            default="Open - Not Contacted",
            restricted_picklist=True,
        ),
        pick("LeadSource", ("Web", "Phone Inquiry", "Partner Referral", "Other")),
        pick("Industry", INDUSTRIES),
        pick("Rating", ("Hot", "Warm", "Cold")),
        *address("", "Address"),
        flag("IsConverted", **ro),
        FieldDef("ConvertedDate", "date", **ro),
        ref("ConvertedAccountId", "Account", "ConvertedAccount", **ro),
        ref("ConvertedContactId", "Contact", "ConvertedContact", **ro),
        ref("ConvertedOpportunityId", "Opportunity", "ConvertedOpportunity", **ro),
    )
    opportunity = ObjectDef("Opportunity", "006", "Opportunity", "Opportunities").add(
        *system_fields(),
        text("Name", 120, nillable=False, name_field=True),
        ref("AccountId", "Account", "Account", cascade_delete=True),
        pick("StageName", STAGES, nillable=False, restricted_picklist=True),
        FieldDef("CloseDate", "date", nillable=False),
        num("Amount", "currency"),
        num("Probability", "percent", precision=3, scale=0),
        flag("IsClosed", **ro),
        flag("IsWon", **ro),
        pick("ForecastCategoryName", ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")),
        pick("Type", ("New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement")),
        text("Description", 32000, type="textarea"),
    )
    user = ObjectDef("User", "005", "User", "Users", owned=False, deletable=False).add(
        *system_fields(owned=False),
        text("Username", 80, nillable=False, unique=True),
        text("LastName", 80, nillable=False),
        text("FirstName", 40),
        FieldDef(
            "Name",
            "string",
            length=121,
            createable=False,
            updateable=False,
            name_field=True,
            formula="CONCAT(FirstName, LastName)",
        ),
        text("Email", 128, type="email", nillable=False),
        text("Alias", 8, nillable=False),
        flag("IsActive", default=True),
        text("TimeZoneSidKey", 40, nillable=False, defaulted_on_create=True, default="America/Los_Angeles"),
    )
    task = ObjectDef("Task", "00T", "Task", "Tasks").add(
        *system_fields(),
        text("Subject", 255),
        pick(
            "Status",
            ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"),
            nillable=False,
            defaulted_on_create=True,
            default="Not Started",
        ),
        pick(
            "Priority", ("High", "Normal", "Low"), nillable=False, defaulted_on_create=True, default="Normal"
        ),
        FieldDef("ActivityDate", "date"),
        ref("WhoId", ("Contact", "Lead"), "Who"),
        ref("WhatId", ("Account", "Opportunity"), "What"),
        text("Description", 32000, type="textarea"),
        flag("IsClosed", **ro),
    )
    campaign = ObjectDef("Campaign", "701", "Campaign", "Campaigns").add(
        *system_fields(),
        text("Name", 80, nillable=False, name_field=True),
        pick("Type", ("Conference", "Webinar", "Email", "Advertisement", "Other")),
        pick("Status", ("Planned", "In Progress", "Completed", "Aborted")),
        FieldDef("StartDate", "date"),
        FieldDef("EndDate", "date"),
        flag("IsActive"),
        num("BudgetedCost", "currency"),
    )
    member = ObjectDef("CampaignMember", "00v", "Campaign Member", "Campaign Members", owned=False).add(
        *system_fields(owned=False),
        ref("CampaignId", "Campaign", "Campaign", nillable=False, updateable=False),
        ref("ContactId", "Contact", "Contact", updateable=False),
        ref("LeadId", "Lead", "Lead", updateable=False),
        pick("Status", ("Planned", "Sent", "Responded"), defaulted_on_create=True, default="Sent"),
        flag("HasResponded", **ro),
    )
    currency_type = ObjectDef(
        "CurrencyType", "02C", "Currency", "Currencies", owned=False, bulk_supported=False
    ).add(
        *system_fields(owned=False),
        pick("IsoCode", ("USD", "EUR", "GBP", "JPY", "CAD", "AUD"), nillable=False, updateable=False),
        num("ConversionRate", precision=18, scale=6, nillable=False),
        FieldDef("DecimalPlaces", "int"),
        flag("IsActive", default=True),
        flag("IsCorporate"),
    )
    dated_rate = ObjectDef(
        "DatedConversionRate",
        "04w",
        "Dated Exchange Rate",
        "Dated Exchange Rates",
        owned=False,
        bulk_supported=False,
    ).add(
        *system_fields(owned=False),
        pick("IsoCode", ("USD", "EUR", "GBP", "JPY", "CAD", "AUD"), nillable=False, updateable=False),
        num("ConversionRate", precision=18, scale=6, nillable=False),
        FieldDef("StartDate", "date", nillable=False),
        FieldDef("NextStartDate", "date", **ro),
    )
    organization = ObjectDef(
        "Organization",
        "00D",
        "Organization",
        "Organizations",
        owned=False,
        createable=False,
        updateable=False,
        deletable=False,
    ).add(
        *system_fields(owned=False),
        text("Name", 80, **ro),
        flag("IsSandbox", **ro),
        pick("OrganizationType", ("Developer Edition", "Enterprise Edition"), **ro),
        text("DefaultLocaleSidKey", 40, **ro),
    )
    return [
        account,
        contact,
        lead,
        opportunity,
        user,
        task,
        campaign,
        member,
        currency_type,
        dated_rate,
        organization,
    ]


def tooling_objects() -> list[ObjectDef]:
    def tooling(name: str, prefix: str, *fields: FieldDef) -> ObjectDef:
        return ObjectDef(name, prefix, name, name + "s", tooling=True, owned=False, bulk_supported=False).add(
            *system_fields(owned=False), *fields
        )

    return [
        tooling(
            "ApexClass",
            "01p",
            text("Name", 255, nillable=False, name_field=True),
            text("Body", 1000000, type="textarea"),
            text("ApiVersion", 10),
            pick("Status", ("Active", "Deleted")),
            text("NamespacePrefix", 15),
        ),
        tooling(
            "ApexTrigger",
            "01q",
            text("Name", 255, nillable=False, name_field=True),
            text("TableEnumOrId", 40),
            text("Body", 1000000, type="textarea"),
            pick("Status", ("Active", "Inactive")),
        ),
        tooling(
            "CustomField",
            "00N",
            text("DeveloperName", 40, nillable=False),
            text("TableEnumOrId", 40),
            text("NamespacePrefix", 15),
            text("Description", 1000, type="textarea"),
        ),
        tooling(
            "ValidationRule",
            "03d",
            text("ValidationName", 40, nillable=False),
            text("EntityDefinitionId", 40),
            flag("Active", default=True),
            text("ErrorMessage", 255),
            text("Description", 1000, type="textarea"),
        ),
    ]
