"""The API-call budget: every call Salesforce counts asks the budget first.

Salesforce counts every request under `/services/data` and `/services/async` (Bulk job creation, polls,
uploads and result pages included; OAuth calls not) against the org's rolling 24 h allocation. A
`CallBudget` is asked *before* each such request, retries included, so a cap is never exceeded, and it
is told the org-wide usage from every `Sforce-Limit-Info` header. The store layer implements it with one
shared counter per connection; `InMemoryCallBudget` is the single-process version.
"""

from __future__ import annotations

import re

from syncline.connectors.budget import DAY_SECONDS, CallBudget, InMemoryCallBudget, UnlimitedBudget

__all__ = [
    "DAY_SECONDS",
    "CallBudget",
    "InMemoryCallBudget",
    "UnlimitedBudget",
    "conservative_cap",
    "counts_against_limit",
    "parse_limit_info",
]

_LIMIT_INFO = re.compile(r"api-usage=(\d+)/(\d+)")


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """`(used, limit)` from a `Sforce-Limit-Info: api-usage=N/M[; per-app-api-usage=...]` header."""
    if not header:
        return None
    match = _LIMIT_INFO.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def counts_against_limit(path: str) -> bool:
    """Whether Salesforce counts a request to this URL path against the daily API allocation."""
    return path.startswith(("/services/data", "/services/async"))


def conservative_cap(limit: int, remaining: int, *, share: float = 0.8, headroom: float = 0.1) -> int:
    """A default daily cap from `/limits` → `DailyApiRequests` (`Max`, `Remaining`).

    At most `share` of the org's allocation, and never closer than `headroom` of it to running out, so
    other integrations keep room: min(80 % of Max, Remaining - 10 % of Max), at least 0.
    """
    return max(0, min(int(limit * share), remaining - int(limit * headroom)))
