"""Connecting through OAuth: log in while validating, open an interactive authorization, and finish it
on the provider's callback. Nothing here knows a connection type by its id: it asks `ConnectionType.oauth`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from syncline.connectors.base import ConnectionConfig, ConnectionType
from syncline.connectors.capabilities import Connected, PendingAuthorization
from syncline.connectors.errors import ConnectorError
from syncline.connectors.registry import get_connection_type
from syncline.connectors.upstreams import UpstreamNotAllowed, UpstreamPolicy
from syncline.runtime.connection_state import DbCredentialStore
from syncline.runtime.context import lock_dir, oauth_app
from syncline.services import connection_config
from syncline.services.container import Services
from syncline.services.errors import Invalid, not_allowed
from syncline.services.status import ConnectionStatus, set_status
from syncline.store.tables import Connection, OAuthSession
from syncline.store.types import utcnow

CALLBACK_PATH = "/api/oauth/{type}/callback"
DEVICE_PATH = "/api/oauth/{type}/device"
SESSION_LIFETIME = timedelta(hours=1)
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: codes never spell words


@dataclass(frozen=True)
class Login:
    """A configuration ready to save, and the tokens of a login done while validating it (if any)."""

    config: ConnectionConfig
    connected: Connected | None


def login(
    ctype: ConnectionType[Any], config: ConnectionConfig, *, validate: bool, upstreams: UpstreamPolicy
) -> Login:
    """Validate by logging in (non-interactive OAuth modes) or by a check; fill in server-set settings.

    Raises:
        Invalid: The login failed (`connection_test_failed`) or would reach an address the deployment
            keeps connections away from (`upstream_not_allowed`).
    """
    if ctype.oauth is None:
        return Login(config, None)
    if not validate or ctype.oauth.needs_authorization(config):
        return Login(config, None)
    try:
        connected = ctype.oauth.connect(config, upstreams=upstreams)
    except UpstreamNotAllowed as exc:
        raise not_allowed(exc) from None
    except ConnectorError as exc:
        raise Invalid(str(exc), key="connection_test_failed") from None
    return Login(config.model_copy(update=connected.settings), connected)


def after_save(
    services: Services,
    session: Session,
    ctype: ConnectionType[Any],
    connection: Connection,
    done: Login,
    *,
    base_url: str,
    return_url: str | None,
    reconnect: bool = False,
) -> dict[str, Any]:
    """Persist a login's tokens, or open an interactive authorization; returns `auth_url`/`auth_code`."""
    oauth = ctype.oauth
    if oauth is None:
        return {}
    config = done.config
    if done.connected is not None:
        # Same transaction as the connection itself: with rotation on, the refresh token used to validate
        # is already retired, so the new one is what gets stored, atomically with the connection.
        session.flush()
        _credentials(services, connection.id).save_in(session, done.connected.tokens)
        return {}
    if not (oauth.needs_authorization(config) or (reconnect and oauth.is_interactive(config))):
        return {}
    set_status(connection, ConnectionStatus.AWAITING_AUTHORIZATION)
    session.execute(delete(OAuthSession).where(OAuthSession.connection_id == connection.id))
    redirect_uri = base_url.rstrip("/") + CALLBACK_PATH.format(type=ctype.id)
    try:
        pending = oauth.begin(config, redirect_uri, oauth_app(services.settings, ctype))
    except ConnectorError as exc:
        variable = f"SYNCLINE_{oauth.app_setting.upper()}_CLIENT_ID"
        raise Invalid(
            f"{exc} (interactive modes use syncline's own OAuth app from {variable} unless the connection "
            "sets client_id)"
        ) from None
    user_code = _user_code() if oauth.uses_user_code(config) else None
    session.add(
        OAuthSession(
            state=pending.state,
            connection_id=connection.id,
            code_verifier=services.secret_box.encrypt(pending.code_verifier),
            authorize_url=pending.url,
            redirect_uri=pending.redirect_uri,
            return_url=return_url,
            user_code=user_code,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    if user_code:
        return {"auth_code": user_code, "auth_url": base_url.rstrip("/") + DEVICE_PATH.format(type=ctype.id)}
    return {"auth_url": pending.url}


def _credentials(services: Services, connection_id: str) -> DbCredentialStore:
    return DbCredentialStore(services.store, services.secret_box, lock_dir(services.settings), connection_id)


def _user_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class Authorized:
    """How an interactive authorization ended: for the connection, where to send the person, and why not."""

    connection_id: str
    return_url: str | None
    error: str | None = None
    username: str | None = None


def finish_authorization(
    services: Services,
    session: Session,
    type_id: str,
    state: str | None,
    *,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> Authorized | None:
    """The callback of an interactive authorization: exchange the code, store the tokens and the filled-in
    settings with the connection's new status in one transaction. None: no such (unexpired) authorization.
    The authorization is single use, whatever its outcome."""
    pending = session.get(OAuthSession, state) if state else None
    if pending is None or pending.expires_at <= utcnow():
        return None
    connection = session.get(Connection, pending.connection_id)
    if connection is None or connection.type != type_id:
        return None
    ctype = get_connection_type(connection.type)
    assert ctype.oauth is not None  # only OAuth types open authorization sessions
    return_url = pending.return_url
    session.delete(pending)
    if error or not code:
        reason = f"{ctype.name} did not authorize syncline: {error or 'no code'}" + (
            f" ({error_description})" if error_description else ""
        )
        set_status(connection, ConnectionStatus.UNHEALTHY, reason)
        return Authorized(connection.id, return_url, error=reason)
    stored = connection_config.load(connection, services.secret_box)
    config = ctype.validate_config(stored.merged())
    request = PendingAuthorization(
        url=pending.authorize_url,
        state=pending.state,
        code_verifier=services.secret_box.decrypt(pending.code_verifier),
        redirect_uri=pending.redirect_uri,
    )
    try:
        done = ctype.oauth.complete(
            config,
            request,
            code,
            oauth_app(services.settings, ctype),
            upstreams=services.settings.upstream_policy,
        )
    except ConnectorError as exc:
        set_status(connection, ConnectionStatus.UNHEALTHY, str(exc))
        return Authorized(connection.id, return_url, error=str(exc))
    updated = config.model_copy(update=done.settings)
    connection_config.save(connection, connection_config.split(ctype, updated), services.secret_box)
    set_status(connection, ConnectionStatus.HEALTHY)
    _credentials(services, connection.id).save_in(session, done.tokens)
    return Authorized(connection.id, return_url, username=done.settings.get("username"))


def authorize_url_for_code(session: Session, user_code: str) -> str | None:
    """Where a person who entered a user code (code mode) goes to approve; None: unknown or expired."""
    pending = session.scalars(
        select(OAuthSession).where(OAuthSession.user_code == user_code.strip().upper())
    ).first()
    if pending is None or pending.expires_at <= utcnow():
        return None
    return pending.authorize_url
