"""Connecting Salesforce: the four connect modes around creating or updating a connection.

- `api`, `clientcredentials`: with `validate`, syncline logs in before saving and keeps the tokens and the
  username; without it the first use logs in.
- `browser`: the response carries `auth_url` (Salesforce's authorize page, PKCE); Salesforce redirects to
  `/api/oauth/salesforce/callback`, which stores the refresh token and marks the connection healthy.
- `code`: the response carries `auth_code` and `auth_url` (syncline's page that takes the code); entering
  it there continues as `browser` does — for headless or embedded set-ups.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from syncline.api.errors import Unprocessable
from syncline.api.state import AppState
from syncline.connectors.salesforce.check import CHECK_OPTIONS, connect_directly, needs_authorization
from syncline.connectors.salesforce.client import Authorization, begin_authorization
from syncline.connectors.salesforce.config import SalesforceConfig
from syncline.connectors.salesforce.errors import SalesforceError
from syncline.runtime.connection_state import DbCredentialStore
from syncline.runtime.connections import lock_dir, syncline_app
from syncline.store.tables import Connection, OAuthSession
from syncline.store.types import utcnow

CALLBACK_PATH = "/api/oauth/salesforce/callback"
DEVICE_PATH = "/api/oauth/salesforce/device"
SESSION_LIFETIME = timedelta(hours=1)
AWAITING = "awaiting_authorization"
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: codes never spell words


@dataclass(frozen=True)
class Prepared:
    config: SalesforceConfig
    authorization: Authorization | None


def prepare(config: SalesforceConfig, *, validate: bool) -> Prepared:
    """Log in now when asked to validate a non-interactive connection; fill in the username."""
    if not validate or needs_authorization(config):
        return Prepared(config, None)
    try:
        authorization = connect_directly(config, CHECK_OPTIONS)
    except SalesforceError as exc:
        raise Unprocessable(str(exc), key="connection_test_failed", metadata={"type": "salesforce"}) from None
    return Prepared(config.model_copy(update={"username": authorization.username}), authorization)


def after_save(
    state: AppState,
    session: Session,
    connection: Connection,
    prepared: Prepared,
    *,
    base_url: str,
    return_url: str | None,
    reconnect: bool = False,
) -> dict[str, Any]:
    """Persist fresh tokens, or open an interactive authorization; returns `auth_url`/`auth_code` extras."""
    config = prepared.config
    if prepared.authorization is not None:
        # Same transaction as the connection itself: with rotation on, the refresh token used to validate
        # is already retired, so the new one is what gets stored, atomically with the connection.
        session.flush()
        folder = lock_dir(state.settings)
        credentials = DbCredentialStore(state.store, state.secret_box, folder, connection.id)
        credentials.save_in(session, prepared.authorization.tokens)
        return {}
    if not (needs_authorization(config) or (reconnect and config.connect_mode in ("browser", "code"))):
        return {}
    connection.status, connection.status_error = AWAITING, None
    session.execute(delete(OAuthSession).where(OAuthSession.connection_id == connection.id))
    redirect_uri = base_url.rstrip("/") + CALLBACK_PATH
    try:
        pending = begin_authorization(config, redirect_uri, app=syncline_app(state.settings, config))
    except SalesforceError as exc:
        raise Unprocessable(
            f"{exc} (browser and code modes use syncline's connected app from SYNCLINE_SALESFORCE_CLIENT_ID "
            "unless the connection sets client_id)",
            key="invalid_configuration",
        ) from None
    user_code = _user_code() if config.connect_mode == "code" else None
    session.add(
        OAuthSession(
            state=pending.state,
            connection_id=connection.id,
            code_verifier=state.secret_box.encrypt(pending.code_verifier),
            authorize_url=pending.url,
            redirect_uri=pending.redirect_uri,
            return_url=return_url,
            user_code=user_code,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    if user_code:
        return {"auth_code": user_code, "auth_url": base_url.rstrip("/") + DEVICE_PATH}
    return {"auth_url": pending.url}


def _user_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"
