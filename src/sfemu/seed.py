"""Seed data, written through the emulator's own write path so it obeys every validation rule.

`demo`: a small, realistic org (accounts with contacts and opportunities, leads some converted, a
campaign, tasks, invoices, two currencies). `N`: N accounts with proportional children, for benchmarks.
Both are deterministic: the same seed gives the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from sfemu.org import Org
from sfemu.store.conversion import convert_lead

COMPANIES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Aperture",
    "Vandelay",
    "Pied Piper",
    "Dunder Mifflin",
    "Monarch",
    "Gringotts",
    "Oscorp",
)
FIRST = (
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Linus",
    "Ken",
    "Radia",
    "Tim",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Hedy",
)
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Torvalds",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Allen",
    "Backus",
    "Johnson",
    "Ritchie",
    "Lamarr",
)
CITIES = (
    ("San Francisco", "CA", "US"),
    ("Berlin", "BE", "DE"),
    ("London", "LDN", "GB"),
    ("Austin", "TX", "US"),
    ("Paris", "IDF", "FR"),
)
# About how many stamps the demo seed takes (records created and updated): the back-dated load's length.
DEMO_WRITES = 150
INDUSTRIES = ("Technology", "Finance", "Healthcare", "Manufacturing", "Retail", "Energy")


def seed(org: Org, spec: str) -> dict[str, int]:
    """Seed `demo` or a number of accounts; does nothing (returns {}) if the org already has accounts."""
    if org.db.read('SELECT 1 FROM "Account" LIMIT 1'):
        return {}
    # Stamped as a load that finished before now: an org seeded at start never has rows from the future.
    if spec == "demo":
        with org.clock.backdated(DEMO_WRITES):
            return _demo(org)
    try:
        count = int(spec)
    except ValueError:
        raise ValueError(f"--seed must be 'demo' or a number of accounts, not {spec!r}") from None
    if count < 1:
        raise ValueError("--seed needs at least 1 account")
    with org.clock.backdated(4 * count + count // 10 + 1):
        return _bulk(org, count)


def _obj(org: Org, name: str):
    obj = org.schema.get(name)
    assert obj is not None, name
    return obj


def _currency(org: Org, code: str) -> dict[str, str]:
    return {"CurrencyIsoCode": code} if org.config.multicurrency else {}


def _demo(org: Org) -> dict[str, int]:
    rng = random.Random(7)
    user = org.user_id
    records = org.records
    counts: dict[str, int] = {}
    if org.config.multicurrency:
        records.create(
            _obj(org, "CurrencyType"),
            {"IsoCode": "EUR", "ConversionRate": 0.92, "DecimalPlaces": 2},
            user_id=user,
        )
        dated = _obj(org, "DatedConversionRate")
        for start, rate in (("2024-01-01", 0.91), ("2025-01-01", 0.93)):
            records.create(
                dated, {"IsoCode": "EUR", "ConversionRate": rate, "StartDate": start}, user_id=user
            )
    accounts = []
    for index, company in enumerate(COMPANIES[:12]):
        city, state, country = CITIES[index % len(CITIES)]
        currency = "EUR" if country in {"DE", "FR"} else "USD"
        accounts.append(
            records.create(
                _obj(org, "Account"),
                {
                    "Name": f"{company} Corp",
                    "External_Id__c": f"ACC-{index + 1:04d}",
                    "Industry": INDUSTRIES[index % 6],
                    "Type": "Customer - Direct" if index % 3 else "Prospect",
                    "Tier__c": ("Gold", "Silver", "Bronze")[index % 3],
                    "BillingCity": city,
                    "BillingState": state,
                    "BillingCountry": country,
                    "BillingStreet": f"{100 + index} Market Street",
                    "BillingPostalCode": f"{94100 + index}",
                    "AnnualRevenue": float(1_000_000 * (index + 1)),
                    "NumberOfEmployees": 50 * (index + 1),
                    "Website": f"https://{company.lower().replace(' ', '')}.example",
                    **_currency(org, currency),
                },
                user_id=user,
            )
        )
    counts["Account"] = len(accounts)
    contacts = 0
    for index, account_id in enumerate(accounts):
        for offset in range(3):
            first, last = FIRST[(index + offset) % len(FIRST)], LAST[(index * 3 + offset) % len(LAST)]
            records.create(
                _obj(org, "Contact"),
                {
                    "FirstName": first,
                    "LastName": last,
                    "AccountId": account_id,
                    "Email": f"{first}.{last}{index}@example.com".lower(),
                    "Title": ("CEO", "CTO", "VP Sales")[offset],
                    "External_Id__c": f"CON-{index + 1:04d}-{offset + 1}",
                },
                user_id=user,
            )
            contacts += 1
    counts["Contact"] = contacts
    today = date(2026, 1, 15)
    stages = ("Prospecting", "Qualification", "Proposal/Price Quote", "Closed Won", "Closed Lost")
    for index, account_id in enumerate(accounts):
        records.create(
            _obj(org, "Opportunity"),
            {
                "Name": f"{COMPANIES[index]} expansion",
                "AccountId": account_id,
                "StageName": stages[index % 5],
                "CloseDate": (today + timedelta(days=15 * index)).isoformat(),
                "Amount": 25_000.0 + 5_000 * index,
                "Probability": (10, 25, 60, 100, 0)[index % 5],
            },
            user_id=user,
        )
    counts["Opportunity"] = len(accounts)
    leads = []
    for index in range(10):
        first, last = FIRST[(index + 5) % len(FIRST)], LAST[(index + 2) % len(LAST)]
        leads.append(
            records.create(
                _obj(org, "Lead"),
                {
                    "FirstName": first,
                    "LastName": last,
                    "Company": f"{COMPANIES[(index + 12) % len(COMPANIES)]} Ltd",
                    "Email": f"{first}.{last}.lead{index}@example.com".lower(),
                    "LeadSource": "Web",
                    "Status": "Working - Contacted" if index % 2 else "Open - Not Contacted",
                    "External_Id__c": f"LEAD-{index + 1:04d}",
                    "Rating": ("Hot", "Warm", "Cold")[index % 3],
                },
                user_id=user,
            )
        )
    for lead_id in leads[:3]:
        convert_lead(records, org.schema, lead_id, user_id=user, create_opportunity=bool(rng.random() < 0.7))
    counts["Lead"] = len(leads)
    campaign = records.create(
        _obj(org, "Campaign"),
        {"Name": "Spring Webinar", "Type": "Webinar", "Status": "In Progress", "IsActive": True},
        user_id=user,
    )
    for lead_id in leads[3:7]:
        records.create(_obj(org, "CampaignMember"), {"CampaignId": campaign, "LeadId": lead_id}, user_id=user)
    for index, account_id in enumerate(accounts[:6]):
        records.create(
            _obj(org, "Task"),
            {
                "Subject": f"Follow up with {COMPANIES[index]}",
                "WhatId": account_id,
                "ActivityDate": (today + timedelta(days=index)).isoformat(),
            },
            user_id=user,
        )
        records.create(
            _obj(org, "Invoice__c"),
            {
                "Name": f"INV-{index + 1:05d}",
                "Account__c": account_id,
                "Amount__c": 1200.0 * (index + 1),
                "Status__c": ("Draft", "Sent", "Paid")[index % 3],
                "Invoice_Key__c": f"INV-{index + 1:05d}",
                "Due_Date__c": (today + timedelta(days=30)).isoformat(),
            },
            user_id=user,
        )
    counts.update(Campaign=1, CampaignMember=4, Task=6, Invoice__c=6)
    # Converting a lead adds an account, a contact and an opportunity: report what the org holds.
    for name in ("Account", "Contact", "Opportunity"):
        counts[name] = org.db.read(f'SELECT COUNT(*) FROM "{name}"')[0][0]
    return counts


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def _bulk(org: Org, count: int) -> dict[str, int]:
    """N accounts, 2 contacts and 1 opportunity each, N/10 leads; in chunks so memory stays flat."""
    user = org.user_id
    account_obj, contact_obj = _obj(org, "Account"), _obj(org, "Contact")
    opportunity_obj, lead_obj = _obj(org, "Opportunity"), _obj(org, "Lead")
    for chunk in _chunks(count, 20_000):
        accounts = org.records.create_many(
            account_obj,
            [
                {
                    "Name": f"{COMPANIES[i % len(COMPANIES)]} {i}",
                    "External_Id__c": f"ACC-{i:08d}",
                    "Industry": INDUSTRIES[i % 6],
                    "BillingCity": CITIES[i % 5][0],
                    "BillingCountry": CITIES[i % 5][2],
                    "AnnualRevenue": float(10_000 * (i % 997)),
                    "NumberOfEmployees": i % 5000,
                }
                for i in chunk
            ],
            user_id=user,
        )
        org.records.create_many(
            contact_obj,
            [
                {
                    "FirstName": FIRST[(i + k) % len(FIRST)],
                    "LastName": LAST[(i * 2 + k) % len(LAST)],
                    "AccountId": account_id,
                    "Email": f"c{i}.{k}@example.com",
                    "External_Id__c": f"CON-{i:08d}-{k}",
                }
                for i, account_id in zip(chunk, accounts, strict=True)
                for k in range(2)
            ],
            user_id=user,
        )
        org.records.create_many(
            opportunity_obj,
            [
                {
                    "Name": f"Deal {i}",
                    "AccountId": account_id,
                    "StageName": "Prospecting",
                    "CloseDate": "2026-06-30",
                    "Amount": float(1000 + i % 50_000),
                }
                for i, account_id in zip(chunk, accounts, strict=True)
            ],
            user_id=user,
        )
        org.records.create_many(
            lead_obj,
            [
                {"LastName": LAST[i % len(LAST)], "Company": f"Lead Co {i}", "Email": f"lead{i}@example.com"}
                for i in chunk
                if i % 10 == 0
            ],
            user_id=user,
        )
    return {"Account": count, "Contact": 2 * count, "Opportunity": count, "Lead": (count + 9) // 10}
