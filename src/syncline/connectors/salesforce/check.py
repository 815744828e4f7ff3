"""Upstream check of a Salesforce connection: get a token, read the user, read `/limits`."""

from __future__ import annotations

from syncline.connectors.base import ConnectorContext
from syncline.connectors.errors import ConnectionCheckFailed
from syncline.connectors.query import QueryFailed, QueryResult, json_safe
from syncline.connectors.salesforce.client import (
    Authorization,
    ClientOptions,
    InMemoryCredentialStore,
    RetryPolicy,
    SalesforceClient,
    StoredTokens,
)
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import SalesforceError

INTERACTIVE_MODES = ("browser", "code")
# A check answers a person waiting on a button: fail in seconds, not after two minutes of retries.
CHECK_OPTIONS = ClientOptions(retry=RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=1, deadline=10))


def needs_authorization(config: SalesforceConfig) -> bool:
    """Interactive modes have nothing to log in with until the user has authorized syncline."""
    return config.connect_mode in INTERACTIVE_MODES and not config.oauth_refresh_token


def connect_directly(config: SalesforceConfig, options: ClientOptions | None = None) -> Authorization:
    """Log in without a person (api and clientcredentials modes, or a stored refresh token) and read the user.

    Raises:
        SalesforceError: with Salesforce's reason and the fix (see `errors.py`).
    """
    store = InMemoryCredentialStore(StoredTokens(refresh_token=config.oauth_refresh_token))
    with SalesforceClient.from_config(config, credentials=store, options=options) as client:
        username = client.username()
        client.rest.limits()
    return Authorization(tokens=store.load(), username=username)


def check_salesforce(config: SalesforceConfig, ctx: ConnectorContext) -> None:  # noqa: ARG001
    """Log in and call the API once.

    Raises:
        ConnectionCheckFailed: Not authorized yet (browser/code), or Salesforce refused; the message says
            why and what to do.
    """
    if needs_authorization(config):
        raise ConnectionCheckFailed(
            f"the connection is not authorized yet: open its auth_url (connect_mode {config.connect_mode}) "
            "and approve access in Salesforce"
        )
    try:
        connect_directly(config, CHECK_OPTIONS)
    except SalesforceError as exc:
        raise ConnectionCheckFailed(str(exc)) from exc


def run_soql(config: SalesforceConfig, ctx: ConnectorContext, soql: str, max_rows: int) -> QueryResult:
    """The query runner for Salesforce: SOQL over REST `query`, records flattened to dotted columns.

    Uses the connection's shared tokens and budget from `ctx`. Salesforce's refusal (MALFORMED_QUERY
    and the like) propagates as a `SalesforceError` carrying its message.
    """
    if needs_authorization(config) and ctx.credentials is None:
        raise QueryFailed("the connection is not authorized yet: open its auth_url first")
    rows: list[dict[str, object]] = []
    fields: list[str] = []
    truncated = False
    total = 0
    with SalesforceClient.from_config(config, credentials=ctx.credentials, budget=ctx.budget) as client:
        for page in client.rest.query_pages(soql):
            total = page.total_size
            for record in page.records:
                if len(rows) == max_rows:
                    truncated = True
                    break
                flat = _flatten(record)
                fields.extend(name for name in flat if name not in fields)
                rows.append(flat)
            if truncated:
                break
    if not rows and total:  # SELECT COUNT() answers with totalSize alone
        return QueryResult(fields=["count"], rows=[{"count": total}])
    return QueryResult(fields=fields, rows=rows, truncated=truncated)


def _flatten(record: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "attributes" in value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = json_safe(value)
    return flat
