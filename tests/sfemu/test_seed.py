"""Seed data: deterministic, written through the write path, and only into an empty org."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfemu.config import EmulatorConfig
from sfemu.org import Org
from sfemu.seed import seed


def seeded(path: Path, spec: str, **config: object) -> Org:
    org = Org(EmulatorConfig(data_dir=path, **config))  # type: ignore[arg-type]
    seed(org, spec)
    return org


def names(org: Org, table: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in org.db.read(f'SELECT Id, Name FROM "{table}" ORDER BY Id')]


def test_demo_org_is_realistic(tmp_path: Path) -> None:
    org = seeded(tmp_path, "demo")
    count = {
        t: org.db.read(f'SELECT COUNT(*) FROM "{t}"')[0][0]
        for t in (
            "Account",
            "Contact",
            "Lead",
            "Opportunity",
            "Campaign",
            "CampaignMember",
            "Task",
            "Invoice__c",
        )
    }
    assert count["Account"] >= 12
    assert count["Contact"] >= 36
    assert count["Invoice__c"] == 6
    converted = org.db.read('SELECT COUNT(*) FROM "Lead" WHERE IsConverted = 1')[0][0]
    assert 0 < converted < count["Lead"]
    currencies = {row[0] for row in org.db.read('SELECT DISTINCT CurrencyIsoCode FROM "Account"')}
    assert currencies == {"USD", "EUR"}
    assert org.db.read('SELECT COUNT(*) FROM "DatedConversionRate"')[0][0] == 2
    orphans = org.db.read(
        'SELECT COUNT(*) FROM "Contact" c LEFT JOIN "Account" a ON a.Id = c.AccountId WHERE a.Id IS NULL'
    )[0][0]
    assert orphans == 0
    org.close()


def test_demo_seed_reports_what_the_org_holds(tmp_path: Path) -> None:
    org = Org(EmulatorConfig(data_dir=tmp_path))
    reported = seed(org, "demo")
    held = {name: org.db.read(f'SELECT COUNT(*) FROM "{name}"')[0][0] for name in reported}
    assert reported == held
    assert (reported["Account"], reported["Contact"]) == (15, 39)  # 12 seeded, 3 from converted leads
    org.close()


def test_demo_is_deterministic(tmp_path: Path) -> None:
    first, second = seeded(tmp_path / "a", "demo"), seeded(tmp_path / "b", "demo")
    assert names(first, "Account") == names(second, "Account")
    assert names(first, "Opportunity") == names(second, "Opportunity")
    first.close()
    second.close()


def test_numbered_seed_has_proportional_children(tmp_path: Path) -> None:
    org = seeded(tmp_path, "50")
    counts = {
        t: org.db.read(f'SELECT COUNT(*) FROM "{t}"')[0][0]
        for t in ("Account", "Contact", "Opportunity", "Lead")
    }
    assert counts == {"Account": 50, "Contact": 100, "Opportunity": 50, "Lead": 5}
    org.close()


def test_seeding_an_org_with_data_does_nothing(tmp_path: Path) -> None:
    org = seeded(tmp_path, "10")
    assert seed(org, "demo") == {}
    assert org.db.read('SELECT COUNT(*) FROM "Account"')[0][0] == 10
    org.close()


@pytest.mark.parametrize("spec", ["lots", "0", "-3"])
def test_bad_seed_spec_is_refused(tmp_path: Path, spec: str) -> None:
    org = Org(EmulatorConfig(data_dir=tmp_path))
    with pytest.raises(ValueError, match="seed"):
        seed(org, spec)
    org.close()


def test_demo_without_multicurrency(tmp_path: Path) -> None:
    org = seeded(tmp_path, "demo", multicurrency=False)
    assert org.schema.get("Account").field("CurrencyIsoCode") is None  # type: ignore[union-attr]
    assert org.db.read('SELECT COUNT(*) FROM "Account"')[0][0] >= 12
    org.close()
