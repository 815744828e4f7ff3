"""Connections' business rules: validating and checking settings, testing a saved connection, what a change
of settings invalidates, whether a connection is in use, and creating, changing and deleting connections.

Every status change goes through `status.set_status`; connecting through OAuth is `authorization.py`.
Nothing here knows a connection type by its id: it asks the type's capabilities (`oauth`, `metering`,
`upstream_fields`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from syncline.connectors.base import ConnectionConfig, ConnectionType, ConnectorContext
from syncline.connectors.errors import (
    CheckNotAvailable,
    ConfigurationInvalid,
    ConnectionCheckFailed,
    FieldError,
    UnknownConnectionType,
)
from syncline.connectors.registry import get_connection_type
from syncline.connectors.upstreams import UpstreamNotAllowed
from syncline.runtime.budget import calls_last_24_hours
from syncline.runtime.context import connector_context
from syncline.services import connection_config
from syncline.services.authorization import Login, after_save, login
from syncline.services.connection_config import StoredConfig
from syncline.services.container import Services
from syncline.services.errors import CheckFailed, Conflict, Invalid, not_allowed
from syncline.services.status import ConnectionStatus, set_status
from syncline.store.tables import Connection, ConnectionTokens, User
from syncline.store.usage import connection_users

# --- settings ----------------------------------------------------------------------------------------


def connection_type(type_id: str) -> ConnectionType[Any]:
    try:
        return get_connection_type(type_id)
    except UnknownConnectionType as exc:
        raise Invalid(f"type: {exc}", fields=[("type", str(exc))], key="unknown_connection_type") from None


def prepared_config(
    services: Services,
    ctype: ConnectionType[Any],
    incoming: dict[str, Any],
    stored: StoredConfig | None,
    *,
    organization_id: str,
) -> ConnectionConfig:
    """`incoming` with kept secrets restored, validated; every problem in one error naming its field. A
    secret not reused because the connection now points elsewhere says so where it is missing; local
    files must live where the organization may keep them."""
    try:
        prepared = connection_config.prepare(ctype, incoming, stored)
    except ConfigurationInvalid as exc:
        raise _invalid(exc.errors) from None
    try:
        config = ctype.validate_config(prepared.raw)
        if ctype.placement is not None:
            ctx = context(services, ctype, config, organization_id=organization_id)
            ctype.placement(config, ctx)
    except ConfigurationInvalid as exc:
        raise _invalid(exc.errors, prepared) from None
    return config


def _invalid(errors: list[FieldError], prepared: connection_config.Prepared | None = None) -> Invalid:
    fields = []
    for error in errors:
        message = error.message
        if prepared is not None and error.field in prepared.withheld:
            message += (
                f"; the stored value was not reused because the connection now points elsewhere "
                f"({', '.join(prepared.moved)} changed) and a secret is only sent to the upstream it was "
                "entered for: send it again"
            )
        fields.append((f"configuration.{error.field}", message))
    return Invalid("invalid configuration: " + "; ".join(f"{f}: {m}" for f, m in fields), fields=fields)


def saved_config(services: Services, connection: Connection) -> ConnectionConfig:
    """The validated configuration of a saved connection."""
    ctype = get_connection_type(connection.type)
    stored = connection_config.load(connection, services.secret_box)
    try:
        return ctype.validate_config(stored.merged())
    except ConfigurationInvalid as exc:
        raise Invalid(f"the stored configuration of connection {connection.id} is invalid: {exc}") from None


def context(
    services: Services,
    ctype: ConnectionType[Any],
    config: ConnectionConfig,
    *,
    organization_id: str,
    connection_id: str | None = None,
) -> ConnectorContext:
    """The connector context of a connection of `organization_id` (no `connection_id`: not saved yet)."""
    return connector_context(
        services.settings,
        services.store,
        services.secret_box,
        ctype,
        config,
        organization_id=organization_id,
        connection_id=connection_id,
    )


def saved_context(services: Services, connection: Connection, config: ConnectionConfig) -> ConnectorContext:
    """The connector context of a saved connection: its own tokens, budget and files."""
    ctype = get_connection_type(connection.type)
    return context(
        services, ctype, config, organization_id=connection.organization_id, connection_id=connection.id
    )


def check(
    services: Services,
    ctype: ConnectionType[Any],
    config: ConnectionConfig,
    *,
    organization_id: str,
    connection_id: str | None = None,
) -> None:
    """Contact the upstream, through the saved connection's context when `connection_id` is given.

    Raises:
        CheckFailed: With the upstream's message; key `check_not_available` when the type cannot check.
    """
    try:
        ctx = context(services, ctype, config, organization_id=organization_id, connection_id=connection_id)
        ctype.check(config, ctx)
    except CheckNotAvailable as exc:
        raise CheckFailed(str(exc), key="check_not_available", metadata={"type": ctype.id}) from None
    except UpstreamNotAllowed as exc:
        raise not_allowed(exc) from None
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


def usage(session: Session, connection: Connection, stored: StoredConfig) -> dict[str, Any]:
    """`api_calls_last_24_hours` and `rate_limit`, for types whose calls syncline meters; `stored` is the
    connection's configuration as already loaded by the caller (decrypted once)."""
    ctype = get_connection_type(connection.type)
    if ctype.metering is None:
        return {}
    calls = calls_last_24_hours(session, connection.id)
    try:
        cap = ctype.metering.daily_cap(ctype.validate_config(stored.merged()))
    except ConfigurationInvalid:  # a stored configuration that no longer validates still lists; no cap
        cap = None
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
    *,
    organization_id: str,
) -> None:
    """Test a configuration (of `organization_id`), merged over a saved connection's when given.

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
    if connection is not None:
        organization_id = connection.organization_id
    config = prepared_config(services, ctype, merged, stored, organization_id=organization_id)
    is_saved = connection is not None and connection_config.split(ctype, config) == stored
    connection_id = connection.id if is_saved and connection is not None else None
    if connection_id is not None:
        session.commit()  # the check may rotate tokens from its own session: hold no row meanwhile
    try:
        check(services, ctype, config, organization_id=organization_id, connection_id=connection_id)
    except CheckFailed as failure:
        if connection_id is not None and connection is not None and failure.key == "connection_test_failed":
            set_status(connection, ConnectionStatus.UNHEALTHY, failure.message)
            session.commit()
        raise
    if connection_id is not None and connection is not None:
        set_status(connection, ConnectionStatus.HEALTHY)


def validate_new(
    services: Services,
    ctype: ConnectionType[Any],
    config: ConnectionConfig,
    *,
    organization_id: str,
    validate: bool,
) -> Login:
    """What `create` and `update` do before saving: log in, or check the upstream, as asked."""
    if ctype.oauth is not None:
        return login(ctype, config, validate=validate, upstreams=services.settings.upstream_policy)
    if validate:
        try:
            check(services, ctype, config, organization_id=organization_id)
        except CheckFailed as exc:
            raise Invalid(exc.message, key=exc.key) from None
    return Login(config, None)


# --- the resource ------------------------------------------------------------------------------------


def by_id(session: Session, connection_id: str) -> Connection | None:
    """The connection with this id, whichever organization it belongs to: the caller checks that."""
    return session.get(Connection, connection_id)


def listed(
    session: Session, organization_id: str, *, type_id: str | None = None, status: str | None = None
) -> list[Connection]:
    """The organization's connections, oldest first, optionally of one type or status."""
    query = select(Connection).where(Connection.organization_id == organization_id)
    if type_id is not None:
        query = query.where(Connection.type == type_id)
    if status is not None:
        query = query.where(Connection.status == status)
    return list(session.scalars(query.order_by(Connection.created_at, Connection.id)))


def actor(session: Session, actor_id: str | None) -> dict[str, Any] | None:
    """Who created or changed something: a user, or an API key that is no user's."""
    if actor_id is None:
        return None
    user = session.get(User, actor_id)
    if user is not None:
        return {"id": user.id, "name": user.email, "type": "user"}
    return {"id": actor_id, "name": "API key", "type": "api_key"}


@dataclass(frozen=True)
class Changes:
    """What a create or an update asks for, as the API received it."""

    name: str
    configuration: dict[str, Any]
    validate: bool
    healthcheck_interval: str | None = None
    policies: list[str] | None = None
    redirect_url: str | None = None
    reconnect: bool = False


def create(
    services: Services,
    session: Session,
    *,
    organization_id: str,
    actor_id: str,
    type_id: str,
    changes: Changes,
    base_url: str,
) -> tuple[Connection, dict[str, Any]]:
    """Validate (and with `validate`, test) and store a connection; nothing is stored when either fails.
    Returns it with the extras of an interactive authorization (`auth_url`, `auth_code`), if one began."""
    ctype = connection_type(type_id)
    config = prepared_config(services, ctype, changes.configuration, None, organization_id=organization_id)
    done = validate_new(services, ctype, config, organization_id=organization_id, validate=changes.validate)
    connection = Connection(
        organization_id=organization_id,
        name=changes.name,
        type=ctype.id,
        healthcheck_interval=changes.healthcheck_interval,
        policies=changes.policies or [],
        created_by=actor_id,
        updated_by=actor_id,
    )
    validated = changes.validate and (ctype.oauth is None or done.connected is not None)
    set_status(connection, ConnectionStatus.HEALTHY if validated else ConnectionStatus.UNKNOWN)
    connection_config.save(connection, connection_config.split(ctype, done.config), services.secret_box)
    session.add(connection)
    session.flush()
    extras = after_save(
        services, session, ctype, connection, done, base_url=base_url, return_url=changes.redirect_url
    )
    return connection, extras


def update(
    services: Services,
    session: Session,
    connection: Connection,
    *,
    actor_id: str,
    type_id: str | None,
    changes: Changes,
    base_url: str,
) -> dict[str, Any]:
    """Replace name and configuration (omitted or redacted secrets keep their values); a connection that
    now points elsewhere loses its tokens and must be checked again. Returns authorization extras."""
    if type_id is not None and type_id != connection.type:
        raise Invalid(
            f"type: a {connection.type} connection cannot become {type_id}; create a new one",
            fields=[("type", f"must be {connection.type}")],
        )
    ctype = get_connection_type(connection.type)
    stored = connection_config.load(connection, services.secret_box)
    organization_id = connection.organization_id
    config = prepared_config(services, ctype, changes.configuration, stored, organization_id=organization_id)
    validate = changes.validate and not changes.reconnect
    done = validate_new(services, ctype, config, organization_id=organization_id, validate=validate)
    new = connection_config.split(ctype, done.config)
    invalidate_on_change(session, ctype, connection, stored, new)
    if changes.validate and (ctype.oauth is None or done.connected is not None):
        set_status(connection, ConnectionStatus.HEALTHY)
    elif new != stored:
        set_status(connection, ConnectionStatus.UNKNOWN)
    connection.name = changes.name
    if changes.healthcheck_interval is not None:
        connection.healthcheck_interval = changes.healthcheck_interval
    if changes.policies is not None:
        connection.policies = changes.policies
    connection.updated_by = actor_id
    connection_config.save(connection, new, services.secret_box)
    session.flush()
    return after_save(
        services,
        session,
        ctype,
        connection,
        done,
        base_url=base_url,
        return_url=changes.redirect_url,
        reconnect=changes.reconnect,
    )


def remove(session: Session, connection: Connection, *, force: bool) -> None:
    """Delete a connection, refused while models or syncs use it unless `force`."""
    ensure_unused(session, connection, force=force)
    session.delete(connection)


def metered_calls(session: Session, connection: Connection) -> int | None:
    """API calls made through the connection in the last 24 h; None for types whose calls are not metered."""
    if get_connection_type(connection.type).metering is None:
        return None
    return calls_last_24_hours(session, connection.id)
