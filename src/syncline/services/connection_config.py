"""Connection configurations as the API shows and stores them.

Stored: non-sensitive settings as plain JSON, sensitive ones in one Fernet token. Shown: the same
settings with every stored secret replaced by `REDACTED`. Sent back: a secret that is omitted or equals
`REDACTED` keeps its stored value, so a client may PUT what it GOT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncline.connectors.base import ConnectionConfig, ConnectionType
from syncline.connectors.config import field_flags
from syncline.connectors.errors import ConfigurationInvalid, FieldError
from syncline.store.crypto import SecretBox
from syncline.store.tables import Connection

REDACTED = "********"


@dataclass(frozen=True)
class StoredConfig:
    plain: dict[str, Any]
    secrets: dict[str, Any]

    def merged(self) -> dict[str, Any]:
        return {**self.plain, **self.secrets}


def server_filled_fields(ctype: ConnectionType[Any]) -> frozenset[str]:
    """Read-only settings that syncline fills in itself (e.g. Salesforce `username`)."""
    return ctype.read_only_fields() - field_flags(ctype.config_model, "api_field")


def load(connection: Connection, box: SecretBox) -> StoredConfig:
    secrets = box.decrypt(connection.secrets) if connection.secrets else {}
    return StoredConfig(dict(connection.configuration or {}), dict(secrets))


@dataclass(frozen=True)
class Prepared:
    """A raw configuration to validate, and the stored secrets left out because it points elsewhere.

    Attributes:
        raw: `incoming` with kept secrets and server-filled values restored.
        moved: The settings saying where the connection points that changed (`upstream_fields`).
        withheld: Stored secrets not reused because of `moved`.
    """

    raw: dict[str, Any]
    moved: tuple[str, ...] = ()
    withheld: tuple[str, ...] = ()


def prepare(ctype: ConnectionType[Any], incoming: dict[str, Any], stored: StoredConfig | None) -> Prepared:
    """The raw configuration to validate: `incoming` with kept secrets and server-filled values restored.

    A stored secret is sent only to the upstream it was entered for: when `incoming` points the
    connection elsewhere (a changed `upstream_fields` setting), stored secrets and server-filled values
    are not restored; the request must carry the secrets again.
    """
    raw = dict(incoming)
    previous = stored.merged() if stored else {}
    moved = _moved(ctype, raw, stored)
    withheld = []
    for name in ctype.sensitive_fields():
        if raw.get(name) in (None, REDACTED):
            raw.pop(name, None)
            if name in previous and moved:
                withheld.append(name)
            elif name in previous:
                raw[name] = previous[name]
    errors = []
    for name in server_filled_fields(ctype):
        if name in raw and raw[name] != previous.get(name):
            errors.append(FieldError(name, "is read-only: syncline fills it in and it cannot be set"))
        raw.pop(name, None)
        if previous.get(name) is not None and not moved:
            raw[name] = previous[name]
    if errors:
        raise ConfigurationInvalid(errors)
    return Prepared(raw, moved, tuple(sorted(withheld)))


def _moved(ctype: ConnectionType[Any], raw: dict[str, Any], stored: StoredConfig | None) -> tuple[str, ...]:
    if stored is None:
        return ()
    defaults = ctype.defaults()

    def where(values: dict[str, Any], name: str) -> str:
        value = values.get(name, defaults.get(name))
        return "" if value is None else str(value).strip()

    return tuple(name for name in ctype.upstream_fields if where(raw, name) != where(stored.plain, name))


def split(ctype: ConnectionType[Any], config: ConnectionConfig) -> StoredConfig:
    values = config.model_dump(mode="json", exclude_none=True)
    sensitive = ctype.sensitive_fields()
    return StoredConfig(
        plain={k: v for k, v in values.items() if k not in sensitive},
        secrets={k: v for k, v in values.items() if k in sensitive},
    )


def save(connection: Connection, stored: StoredConfig, box: SecretBox) -> None:
    connection.configuration = stored.plain
    connection.secrets = box.encrypt(stored.secrets) if stored.secrets else None


def redacted(ctype: ConnectionType[Any], stored: StoredConfig) -> dict[str, Any]:
    """What every read shows; keys keep the type's declaration order."""
    shown = {**stored.plain, **dict.fromkeys(stored.secrets, REDACTED)}
    order = list(ctype.config_model.model_fields)
    return {k: shown[k] for k in sorted(shown, key=lambda k: order.index(k) if k in order else len(order))}
