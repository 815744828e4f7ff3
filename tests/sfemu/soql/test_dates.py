"""Relative date literals denote ranges of whole days around a fixed "today" (Wednesday 2024-05-15)."""

from __future__ import annotations

from datetime import date

import pytest

from sfemu.soql.dates import literal_range, parse_datetime

TODAY = date(2024, 5, 15)


@pytest.mark.parametrize(
    ("name", "n", "first", "last"),
    [
        ("TODAY", None, "2024-05-15", "2024-05-15"),
        ("YESTERDAY", None, "2024-05-14", "2024-05-14"),
        ("TOMORROW", None, "2024-05-16", "2024-05-16"),
        ("THIS_WEEK", None, "2024-05-12", "2024-05-18"),
        ("LAST_WEEK", None, "2024-05-05", "2024-05-11"),
        ("NEXT_WEEK", None, "2024-05-19", "2024-05-25"),
        ("THIS_MONTH", None, "2024-05-01", "2024-05-31"),
        ("LAST_MONTH", None, "2024-04-01", "2024-04-30"),
        ("NEXT_MONTH", None, "2024-06-01", "2024-06-30"),
        ("THIS_QUARTER", None, "2024-04-01", "2024-06-30"),
        ("LAST_QUARTER", None, "2024-01-01", "2024-03-31"),
        ("NEXT_QUARTER", None, "2024-07-01", "2024-09-30"),
        ("THIS_YEAR", None, "2024-01-01", "2024-12-31"),
        ("LAST_YEAR", None, "2023-01-01", "2023-12-31"),
        ("NEXT_YEAR", None, "2025-01-01", "2025-12-31"),
        ("LAST_90_DAYS", None, "2024-02-15", "2024-05-15"),
        ("NEXT_90_DAYS", None, "2024-05-16", "2024-08-13"),
        ("LAST_N_DAYS", 7, "2024-05-08", "2024-05-15"),
        ("NEXT_N_DAYS", 3, "2024-05-16", "2024-05-18"),
        ("N_DAYS_AGO", 2, "2024-05-13", "2024-05-13"),
        ("LAST_N_WEEKS", 2, "2024-04-28", "2024-05-11"),
        ("NEXT_N_WEEKS", 2, "2024-05-19", "2024-06-01"),
        ("N_WEEKS_AGO", 1, "2024-05-05", "2024-05-11"),
        ("LAST_N_MONTHS", 3, "2024-02-01", "2024-04-30"),
        ("NEXT_N_MONTHS", 2, "2024-06-01", "2024-07-31"),
        ("N_MONTHS_AGO", 5, "2023-12-01", "2023-12-31"),
        ("LAST_N_QUARTERS", 2, "2023-10-01", "2024-03-31"),
        ("NEXT_N_QUARTERS", 1, "2024-07-01", "2024-09-30"),
        ("N_QUARTERS_AGO", 2, "2023-10-01", "2023-12-31"),
        ("LAST_N_YEARS", 2, "2022-01-01", "2023-12-31"),
        ("NEXT_N_YEARS", 1, "2025-01-01", "2025-12-31"),
        ("N_YEARS_AGO", 3, "2021-01-01", "2021-12-31"),
        ("THIS_FISCAL_QUARTER", None, "2024-04-01", "2024-06-30"),
    ],
)
def test_literal_ranges(name: str, n: int | None, first: str, last: str) -> None:
    assert literal_range(name, n, TODAY) == (date.fromisoformat(first), date.fromisoformat(last))


def test_datetime_literals_normalise_to_utc_milliseconds() -> None:
    assert parse_datetime("2024-01-01T00:00:00.000+00:00") == ("2024-01-01T00:00:00.000Z", False)
    assert parse_datetime("2024-01-01T01:00:00+0100") == ("2024-01-01T00:00:00.000Z", False)
    assert parse_datetime("2023-12-31T16:00:00-08:00") == ("2024-01-01T00:00:00.000Z", False)


def test_sub_millisecond_digits_are_reported() -> None:
    assert parse_datetime("2024-01-01T00:00:00.000500Z") == ("2024-01-01T00:00:00.000Z", True)
    assert parse_datetime("2024-01-01T00:00:00.123000000Z") == ("2024-01-01T00:00:00.123Z", False)
