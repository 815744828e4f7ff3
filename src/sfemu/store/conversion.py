"""Lead conversion: a Lead becomes an Account, a Contact and (optionally) an Opportunity.

The converted Lead keeps its row with IsConverted, ConvertedDate and the ids it became; it can no longer
be updated (CANNOT_UPDATE_CONVERTED_LEAD), and queries still return it, as in Salesforce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sfemu.errors import SalesforceError
from sfemu.schema.model import Schema
from sfemu.store.records import RecordStore

CONVERTED_STATUS = "Closed - Converted"


@dataclass(frozen=True)
class Conversion:
    lead_id: str
    account_id: str
    contact_id: str
    opportunity_id: str | None


def convert_lead(
    records: RecordStore,
    schema: Schema,
    lead_id: str,
    *,
    user_id: str,
    converted_status: str = CONVERTED_STATUS,
    account_id: str | None = None,
    contact_id: str | None = None,
    create_opportunity: bool = True,
    opportunity_name: str | None = None,
) -> Conversion:
    lead_obj, account_obj = schema.get("Lead"), schema.get("Account")
    contact_obj, opportunity_obj = schema.get("Contact"), schema.get("Opportunity")
    assert lead_obj
    assert account_obj
    assert contact_obj
    assert opportunity_obj
    with records.db.transaction() as conn:
        lead = records._existing(conn, lead_obj, lead_id)
        if lead["IsConverted"]:
            raise SalesforceError(400, "CANNOT_UPDATE_CONVERTED_LEAD", "This lead was already converted.", [])
        status = lead_obj.field("Status")
        if converted_status not in (status.picklist if status is not None else ()):
            raise SalesforceError(400, "INVALID_STATUS", f"invalid convertedStatus: {converted_status}", [])
        currency = {"CurrencyIsoCode": lead["CurrencyIsoCode"]} if lead.get("CurrencyIsoCode") else {}
        if account_id is None:
            account_id = records.create(account_obj, {"Name": lead["Company"], **currency}, user_id=user_id)
        if contact_id is None:
            contact_id = records.create(
                contact_obj,
                {
                    "FirstName": lead.get("FirstName"),
                    "LastName": lead["LastName"],
                    "Email": lead.get("Email"),
                    "Title": lead.get("Title"),
                    "Phone": lead.get("Phone"),
                    "AccountId": account_id,
                    **currency,
                },
                user_id=user_id,
            )
        opportunity_id = None
        if create_opportunity:
            opportunity_id = records.create(
                opportunity_obj,
                {
                    "Name": opportunity_name or f"{lead['Company']}-",
                    "AccountId": account_id,
                    "StageName": "Prospecting",
                    "CloseDate": datetime.now(UTC).date().isoformat(),
                    **currency,
                },
                user_id=user_id,
            )
        stamp = records.clock.stamp()
        conn.execute(
            'UPDATE "Lead" SET IsConverted = 1, ConvertedDate = ?, ConvertedAccountId = ?, '
            "ConvertedContactId = ?, ConvertedOpportunityId = ?, Status = ?, SystemModstamp = ?, "
            "LastModifiedDate = ?, LastModifiedById = ? WHERE Id = ?",
            (
                stamp[:10],
                account_id,
                contact_id,
                opportunity_id,
                converted_status,
                stamp,
                stamp,
                user_id,
                lead["Id"],
            ),
        )
    return Conversion(lead["Id"], account_id, contact_id, opportunity_id)
