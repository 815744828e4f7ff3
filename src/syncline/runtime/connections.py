"""What a stored connection needs at run time: its shared token store and call budget, as a context."""

from __future__ import annotations

from typing import Any

from syncline.connectors.base import ConnectionConfig, ConnectorContext
from syncline.connectors.salesforce.client import OAuthApp
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.runtime.connection_state import DbCallBudget, DbCredentialStore
from syncline.settings import Settings
from syncline.store.crypto import SecretBox
from syncline.store.db import Store


def lock_dir(settings: Settings) -> Any:
    return settings.data_dir / "locks"


def context_for(
    settings: Settings, store: Store, box: SecretBox, connection_id: str, config: ConnectionConfig
) -> ConnectorContext:
    """The connector context of a saved connection: OAuth connectors get its tokens and budget."""
    if not isinstance(config, SalesforceConfig):
        return ConnectorContext(data_dir=settings.data_dir)
    cap = config.daily_api_calls if config.enforce_api_limits else None
    return ConnectorContext(
        data_dir=settings.data_dir,
        credentials=DbCredentialStore(store, box, lock_dir(settings), connection_id),
        budget=DbCallBudget(store, lock_dir(settings), connection_id, cap=cap),
    )


def syncline_app(settings: Settings, config: SalesforceConfig) -> OAuthApp | None:
    """The connected app for interactive modes: the connection's own, else syncline's (from settings)."""
    if config.client_id:
        return None
    if settings.salesforce_client_id:
        return OAuthApp(settings.salesforce_client_id, settings.salesforce_client_secret)
    return None
