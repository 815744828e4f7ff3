"""Errors raised by connectors.

ConnectorError
├── UnknownConnectionType      the type id is not registered
├── ConfigurationInvalid       the configuration breaks the type's rules (carries every field error)
└── ConnectionCheckFailed      the upstream could not be reached or refused us (carries its message)
    └── CheckNotAvailable      this type cannot check its upstream yet
"""

from __future__ import annotations

from dataclasses import dataclass


class ConnectorError(Exception):
    """Base class of every connector error."""


class UnknownConnectionType(ConnectorError):
    def __init__(self, type_id: str, known: list[str]) -> None:
        self.type_id = type_id
        self.known = known
        super().__init__(f"unknown connection type {type_id!r}; supported types: {', '.join(known)}")


@dataclass(frozen=True)
class FieldError:
    """One problem with one configuration field; `field` is a dotted path such as `port`."""

    field: str
    message: str


class ConfigurationInvalid(ConnectorError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        super().__init__(f"invalid configuration: {detail}")


class ConnectionCheckFailed(ConnectorError):
    """The upstream check failed; the message is the upstream's own words plus what to do."""


class CheckNotAvailable(ConnectionCheckFailed):
    """The connection type has no upstream check in this version."""
