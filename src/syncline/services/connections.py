"""Connections' business rules: their status, validating and checking settings, connecting through OAuth,
testing a saved connection, what a change of settings invalidates, and whether a connection is in use.

Every status change goes through `set_status`. Nothing here knows a connection type by its id: it asks
the type's capabilities (`oauth`, `metering`, `upstream_fields`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from syncline.connectors.base import ConnectionConfig, ConnectionType, ConnectorContext
from syncline.connectors.capabilities import Connected, PendingAuthorization
from syncline.connectors.errors import (
    CheckNotAvailable,
    ConfigurationInvalid,
    ConnectionCheckFailed,
    ConnectorError,
    ErrorCategory,
    UnknownConnectionType,
)
from syncline.connectors.registry import get_connection_type
from syncline.runtime.budget import calls_last_24_hours
from syncline.runtime.connection_state import DbCredentialStore
from syncline.runtime.context import connector_context, lock_dir, oauth_app
from syncline.services import connection_config
from syncline.services.connection_config import StoredConfig
from syncline.services.container import Services
from syncline.services.errors import CheckFailed, Conflict, Invalid
from syncline.store.tables import Connection, ConnectionTokens, OAuthSession
from syncline.store.types import utcnow
from syncline.store.usage import connection_users

CALLBACK_PATH = "/api/oauth/{type}/callback"
DEVICE_PATH = "/api/oauth/{type}/device"
SESSION_LIFETIME = timedelta(hours=1)
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: codes never spell words


class ConnectionStatus(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"
    AWAITING_AUTHORIZATION = "awaiting_authorization"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"


def set_status(connection: Connection, status: ConnectionStatus, error: str | None = None) -> None:
    """The one place a connection's status changes; a healthy or unknown connection carries no error."""
    connection.status = status.value
    connection.status_error = (
        None if status in (ConnectionStatus.HEALTHY, ConnectionStatus.UNKNOWN) else error
    )


def record_upstream_failure(services: Services, connection_id: str, error: ConnectorError) -> None:
    """What a connector's refusal says about the connection: an authorization failure marks it."""
    if error.category is not ErrorCategory.AUTHORIZATION:
        return
    with services.store.session() as session:
        connection = session.get(Connection, connection_id)
        if connection is not None:
            set_status(connection, ConnectionStatus.NEEDS_REAUTHORIZATION, str(error))


# --- settings ----------------------------------------------------------------------------------------


def connection_type(type_id: str) -> ConnectionType[Any]:
    try:
        return get_connection_type(type_id)
    except UnknownConnectionType as exc:
        raise Invalid(f"type: {exc}", fields=[("type", str(exc))], key="unknown_connection_type") from None


def prepared_config(
    ctype: ConnectionType[Any], incoming: dict[str, Any], stored: StoredConfig | None
) -> ConnectionConfig:
    """`incoming` with kept secrets restored, validated; every problem in one error naming its field."""
    try:
        return ctype.validate_config(connection_config.prepare(ctype, incoming, stored))
    except ConfigurationInvalid as exc:
        errors = [(f"configuration.{e.field}", e.message) for e in exc.errors]
        raise Invalid(
            "invalid configuration: " + "; ".join(f"{f}: {m}" for f, m in errors), fields=errors
        ) from None


def saved_config(services: Services, connection: Connection) -> ConnectionConfig:
    """The validated configuration of a saved connection."""
    ctype = get_connection_type(connection.type)
    stored = connection_config.load(connection, services.secret_box)
    try:
        return ctype.validate_config(stored.merged())
    except ConfigurationInvalid as exc:
        raise Invalid(f"the stored configuration of connection {connection.id} is invalid: {exc}") from None


def context(
    services: Services, ctype: ConnectionType[Any], config: ConnectionConfig, connection_id: str | None
) -> ConnectorContext:
    """The connector context of a connection (None: a configuration not saved yet)."""
    return connector_context(
        services.settings, services.store, services.secret_box, ctype, config, connection_id
    )


def check(
    services: Services, ctype: ConnectionType[Any], config: ConnectionConfig, connection_id: str | None = None
) -> None:
    """Contact the upstream, through the saved connection's context when `connection_id` is given.

    Raises:
        CheckFailed: With the upstream's message; key `check_not_available` when the type cannot check.
    """
    try:
        ctype.check(config, context(services, ctype, config, connection_id))
    except CheckNotAvailable as exc:
        raise CheckFailed(str(exc), key="check_not_available", metadata={"type": ctype.id}) from None
    except ConnectionCheckFailed as exc:
        raise CheckFailed(str(exc), metadata={"type": ctype.id}) from None


def invalidate_on_change(
    session: Session, ctype: ConnectionType[Any], connection: Connection, old: StoredConfig, new: StoredConfig
) -> None:
    """A connection that now points elsewhere must not use the tokens of its old upstream."""
    if any(old.plain.get(name) != new.plain.get(name) for name in ctype.upstream_fields):
        session.execute(delete(ConnectionTokens).where(ConnectionTokens.connection_id == connection.id))


def ensure_unused(session: Session, connection: Connection, *, force: bool) -> None:
    users = connection_users(session, connection.id)
    if users and not force:
        described = ", ".join(f"{len(ids)} {kind}(s)" for kind, ids in users.items())
        raise Conflict(
            f"connection {connection.id} is used by {described}; remove them first or pass force=true",
            key="connection_in_use",
            metadata={"used_by": users},
        )


def usage(services: Services, session: Session, connection: Connection) -> dict[str, Any]:
    """`api_calls_last_24_hours` and `rate_limit`, for types whose calls syncline meters."""
    ctype = get_connection_type(connection.type)
    if ctype.metering is None:
        return {}
    calls = calls_last_24_hours(session, connection.id)
    config = saved_config(services, connection)
    cap = ctype.metering.daily_cap(config)
    return {
        "api_calls_last_24_hours": calls,
        "rate_limit": {"currently_limited": cap is not None and calls >= cap},
    }


# --- testing a saved connection ----------------------------------------------------------------------


def test(
    services: Services,
    session: Session,
    ctype: ConnectionType[Any],
    connection: Connection | None,
    incoming: dict[str, Any],
) -> None:
    """Test a configuration, merged over a saved connection's when given.

    When the merged configuration is exactly the saved one, the test runs on the connection's own
    context (a rotated refresh token is saved) and its outcome becomes the connection's status.

    Raises:
        CheckFailed: The upstream refused; the connection is marked unhealthy first when it was tested.
    """
    if connection is not None and connection.type != ctype.id:
        raise Invalid(
            f"type: connection {connection.id} is a {connection.type} connection",
            fields=[("type", f"must be {connection.type}")],
        )
    stored = connection_config.load(connection, services.secret_box) if connection else None
    merged = {**stored.plain, **incoming} if stored else incoming
    config = prepared_config(ctype, merged, stored)
    is_saved = connection is not None and connection_config.split(ctype, config) == stored
    connection_id = connection.id if is_saved and connection is not None else None
    if connection_id is not None:
        session.commit()  # the check may rotate tokens from its own session: hold no row meanwhile
    try:
        check(services, ctype, config, connection_id)
    except CheckFailed as failure:
        if connection_id is not None and connection is not None and failure.key == "connection_test_failed":
            set_status(connection, ConnectionStatus.UNHEALTHY, failure.message)
            session.commit()
        raise
    if connection_id is not None and connection is not None:
        set_status(connection, ConnectionStatus.HEALTHY)


# --- connecting through OAuth ------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """A configuration ready to save, and the tokens of a login done while validating it (if any)."""

    config: ConnectionConfig
    connected: Connected | None


def login(ctype: ConnectionType[Any], config: ConnectionConfig, *, validate: bool) -> Login:
    """Validate by logging in (non-interactive OAuth modes) or by a check; fill in server-set settings."""
    if ctype.oauth is None:
        return Login(config, None)
    if not validate or ctype.oauth.needs_authorization(config):
        return Login(config, None)
    try:
        connected = ctype.oauth.connect(config)
    except ConnectorError as exc:
        raise Invalid(str(exc), key="connection_test_failed") from None
    return Login(config.model_copy(update=connected.settings), connected)


def validate_new(
    services: Services, ctype: ConnectionType[Any], config: ConnectionConfig, *, validate: bool
) -> Login:
    """What `create` and `update` do before saving: log in, or check the upstream, as asked."""
    if ctype.oauth is not None:
        return login(ctype, config, validate=validate)
    if validate:
        try:
            check(services, ctype, config)
        except CheckFailed as exc:
            raise Invalid(exc.message, key=exc.key) from None
    return Login(config, None)


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
        done = ctype.oauth.complete(config, request, code, oauth_app(services.settings, ctype))
    except ConnectorError as exc:
        set_status(connection, ConnectionStatus.UNHEALTHY, str(exc))
        return Authorized(connection.id, return_url, error=str(exc))
    updated = config.model_copy(update=done.settings)
    connection_config.save(connection, connection_config.split(ctype, updated), services.secret_box)
    set_status(connection, ConnectionStatus.HEALTHY)
    _credentials(services, connection.id).save_in(session, done.tokens)
    return Authorized(connection.id, return_url, username=done.settings.get("username"))
