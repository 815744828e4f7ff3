"""The one place a connector's context is built from a saved connection (or a configuration not saved yet).

The API, jobs and the Connection Proxy all call `connector_context`, so a saved connection always runs
on its shared token store (a rotated refresh token is saved, whoever refreshed it) and on its shared
API-call budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syncline.connectors.base import ConnectionConfig, ConnectionType, ConnectorContext
from syncline.connectors.capabilities import OAuthApp
from syncline.runtime.budget import DbCallBudget
from syncline.runtime.connection_state import DbCredentialStore
from syncline.settings import Settings
from syncline.store.crypto import SecretBox
from syncline.store.db import Store

__all__ = ["connector_context", "lock_dir", "oauth_app", "organization_files"]


def lock_dir(settings: Settings) -> Path:
    """Where the file locks of a SQLite-backed store live."""
    return settings.data_dir / "locks"


def oauth_app(settings: Settings, ctype: ConnectionType[Any]) -> OAuthApp | None:
    """syncline's own OAuth app for the type, from `SYNCLINE_<APP>_CLIENT_ID` / `_CLIENT_SECRET`."""
    if ctype.oauth is None:
        return None
    client_id = getattr(settings, f"{ctype.oauth.app_setting}_client_id", None)
    if not client_id:
        return None
    return OAuthApp(client_id, getattr(settings, f"{ctype.oauth.app_setting}_client_secret", None))


def connector_context(
    settings: Settings,
    store: Store,
    box: SecretBox,
    ctype: ConnectionType[Any],
    config: ConnectionConfig,
    *,
    organization_id: str,
    connection_id: str | None,
) -> ConnectorContext:
    """The context a connector runs in, for a connection of `organization_id`. `connection_id` None: a
    configuration not saved yet, whose tokens live in memory for the one call and whose calls are not
    metered. Local files live in the organization's own directory under the data dir."""
    credentials = budget = None
    if connection_id is not None:
        if ctype.oauth is not None:
            credentials = DbCredentialStore(store, box, lock_dir(settings), connection_id)
        if ctype.metering is not None:
            cap = ctype.metering.daily_cap(config)
            budget = DbCallBudget(store, lock_dir(settings), connection_id, cap=cap)
    return ConnectorContext(
        data_dir=settings.data_dir,
        credentials=credentials,
        budget=budget,
        oauth_app=oauth_app(settings, ctype),
        statement_timeout=settings.statement_timeout_seconds,
        files_dir=organization_files(settings, organization_id),
        file_roots=settings.duckdb_root_paths,
        upstreams=settings.upstream_policy,
    )


def organization_files(settings: Settings, organization_id: str) -> Path:
    """The organization's own directory for local files (created with 0700 when a connector writes)."""
    return settings.data_dir / "orgs" / organization_id
