"""What a connection type is: one declaration from which its schema, validation and API object derive.

A connector package declares its type as a `ConnectionType` value, e.g.::

    POSTGRESQL = ConnectionType(
        id="postgresql",
        name="PostgreSQL",
        config_model=PostgresConfig,
        capabilities=Capabilities(source=True, destination=True),
        operations=[MODELSYNC_SOURCE, ...],
        checker=check_postgres,
        model_source=PostgresModelSource,      # the protocols it implements (connectors/protocols.py)
        discovery=DISCOVERY,                   # and optional capabilities (connectors/capabilities.py)
    )

and `registry.py` lists it. Everything else (`json_schema`, `validate_config`, `describe`, ...) is
derived here, so no connector repeats it. The API and the runtime ask a type for what it can do
(`type.model_source is not None`, `type.oauth`, ...); they never compare type ids.
"""

from __future__ import annotations

import copy
import pathlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from syncline.connectors.budget import CallBudget
from syncline.connectors.capabilities import ApiMetering, ConnectionProxy, OAuthApp, OAuthConnect
from syncline.connectors.config import ConnectionConfig, When, defaults, field_flags, secret, setting
from syncline.connectors.credentials import CredentialStore
from syncline.connectors.discovery import SourceDiscovery
from syncline.connectors.errors import CapabilityMissing, ConnectionCheckFailed
from syncline.connectors.protocols import (
    BulkDestinationFactory,
    BulkSourceFactory,
    ModelSource,
    ModelSourceFactory,
    SyncTargetFactory,
)
from syncline.connectors.schema import config_json_schema
from syncline.connectors.upstreams import ALLOW_ALL, UpstreamPolicy
from syncline.connectors.validation import validate_config

__all__ = [
    "BULKSYNC_DESTINATION",
    "BULKSYNC_SOURCE",
    "MODELSYNC_SOURCE",
    "MODELSYNC_TARGET",
    "Capabilities",
    "ConnectionConfig",
    "ConnectionType",
    "ConnectorContext",
    "When",
    "secret",
    "setting",
]

# Names of what a connection can be used for; Polytomic's `ConnectionTypeSchema.operations`.
MODELSYNC_SOURCE = "modelsync_source"
MODELSYNC_TARGET = "modelsync_target"
BULKSYNC_SOURCE = "bulksync_source"
BULKSYNC_DESTINATION = "bulksync_destination"

C = TypeVar("C", bound=ConnectionConfig)

# Secrets shorter than this are not scrubbed from messages: replacing "x" would garble the text.
_MIN_SCRUB_LENGTH = 4


class Capabilities(BaseModel):
    """The five capability flags of Polytomic's `ConnectionType.capabilities`, all required there."""

    model_config = ConfigDict(frozen=True)

    source: bool = False
    destination: bool = False
    enrichment: bool = False
    logging: bool = False
    orchestration: bool = False

    def as_dict(self) -> dict[str, bool]:
        """The five flags as a plain dict (same as `model_dump()`)."""
        return self.model_dump()


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector may rely on from the running syncline; built by `runtime.context` only.

    Attributes:
        data_dir: The syncline data directory; relative local paths (DuckDB files) resolve inside it.
        credentials: The connection's shared token store, for OAuth connectors; None for a configuration
            that is not saved yet (a connector then keeps tokens in memory for the one call).
        budget: The connection's shared API-call budget, None for no cap.
        oauth_app: syncline's own OAuth app for this type, for connections that bring none.
        statement_timeout: Seconds a user query may run upstream (SQL sources), None for no limit.
        files_dir: The organization's own directory for local files (DuckDB databases); relative
            paths resolve inside it. None only outside a running syncline (tests): the data dir.
        file_roots: Directories the operator lets connections name files in by absolute path.
        upstreams: Which network addresses the connector may connect to (`SYNCLINE_PRIVATE_UPSTREAMS`);
            every outbound connection a connector opens must go through it.
    """

    data_dir: pathlib.Path
    credentials: CredentialStore | None = None
    budget: CallBudget | None = None
    oauth_app: OAuthApp | None = None
    statement_timeout: float | None = None
    files_dir: pathlib.Path | None = None
    file_roots: tuple[pathlib.Path, ...] = ()
    upstreams: UpstreamPolicy = ALLOW_ALL


@dataclass(frozen=True, eq=False)
class ConnectionType(Generic[C]):
    """A connection type: its identity, its settings and how to check them against the upstream.

    Attributes:
        id: Type id used in the API, e.g. `"postgresql"`.
        name: Display name, e.g. `"PostgreSQL"`.
        config_model: The `ConnectionConfig` subclass declaring the settings.
        capabilities: The five capability flags.
        operations: What connections of this type can be used for (`MODELSYNC_SOURCE`, ...).
        checker: Connects to the upstream; raises `ConnectionCheckFailed`. Called by `check`.
        use_oauth: Whether connecting goes through an OAuth flow (shown in the API).
        logo_url: Logo shown by UIs, if any.
        upstream_fields: Settings that say *where* the connection points; changing one invalidates
            the stored tokens, which belong to the old upstream.
        model_source: Builds its `ModelSource` (tables and queries; also the query runner), if any.
        bulk_source: Builds its `BulkSource`, if any.
        bulk_destination: Builds its `BulkDestination`, if any.
        destination_options: Checks a bulk sync's `destination_configuration` for this type without
            connecting (raises `ConfigurationInvalid` naming `destination_configuration.<key>`).
        sync_target: Builds its `SyncTarget`, if any.
        discovery: Lists its schemas and samples their records (bulk-sync source discovery), if any.
        oauth: How it authorizes through OAuth, if it does.
        metering: How its upstream counts API calls, if it does.
        proxy: How the Connection Proxy reaches its upstream, if it can.
        placement: Checks where the connection's local files would live (raises `ConfigurationInvalid`
            naming the setting), for types that keep files on the syncline host.
    """

    id: str
    name: str
    config_model: type[C]
    capabilities: Capabilities
    operations: list[str]
    checker: Callable[[C, ConnectorContext], None]
    use_oauth: bool = False
    logo_url: str | None = None
    upstream_fields: tuple[str, ...] = ()
    model_source: ModelSourceFactory | None = None
    bulk_source: BulkSourceFactory | None = None
    bulk_destination: BulkDestinationFactory | None = None
    destination_options: Callable[[Mapping[str, Any]], None] | None = None
    sync_target: SyncTargetFactory | None = None
    discovery: SourceDiscovery | None = None
    oauth: OAuthConnect | None = None
    metering: ApiMetering | None = None
    proxy: ConnectionProxy | None = None
    placement: Callable[[C, ConnectorContext], None] | None = None

    @property
    def runs_queries(self) -> bool:
        """Whether the query runner works on this type: it streams queries through the ModelSource."""
        return self.model_source is not None

    def open_model_source(self, config: C, ctx: ConnectorContext) -> ModelSource:
        """The type's ModelSource bound to a validated configuration.

        Raises:
            CapabilityMissing: The type is not a model source.
        """
        if self.model_source is None:
            raise CapabilityMissing(self.name, "models or the query runner")
        return self.model_source(config, ctx)

    @cached_property
    def _schema(self) -> dict[str, Any]:
        # Built once: it is served on every connection-type request.
        return config_json_schema(self.id, self.config_model)

    def json_schema(self) -> dict[str, Any]:
        """The Polytomic-style JSON Schema of the settings (a fresh copy the caller may change)."""
        return copy.deepcopy(self._schema)

    def sensitive_fields(self) -> frozenset[str]:
        """Settings that are secrets: store them encrypted, redact them in responses."""
        return field_flags(self.config_model, "sensitive")

    def read_only_fields(self) -> frozenset[str]:
        """Settings the server fills in (e.g. Salesforce `username`); clients only read them."""
        return field_flags(self.config_model, "readOnly")

    def defaults(self) -> dict[str, Any]:
        """Settings with a default value, in declaration order (`initialConfiguration`)."""
        return defaults(self.config_model)

    def validate_config(self, raw: dict[str, Any]) -> C:
        """Validate a raw configuration, reporting every problem at once.

        Raises:
            ConfigurationInvalid: One `FieldError` per problem; see `validation.validate_config`.
        """
        return validate_config(self.config_model, raw)

    def check(self, config: C, ctx: ConnectorContext) -> None:
        """Connect to the upstream to prove the configuration works.

        Raises:
            ConnectionCheckFailed: With the upstream's own message plus a hint; any secret of
                `config` that appears in it is replaced by `***`.
            CheckNotAvailable: This type cannot contact its upstream yet.
        """
        if not isinstance(config, self.config_model):
            msg = f"check() needs a {self.config_model.__name__}; call validate_config() first"
            raise TypeError(msg)
        try:
            self.checker(config, ctx)
        except ConnectionCheckFailed as exc:
            scrubbed = self._scrub(str(exc), config)
            if scrubbed == str(exc):
                raise
            raise type(exc)(scrubbed) from exc.__cause__

    def describe(self) -> dict[str, Any]:
        """The `ConnectionType` object of `GET /api/connection_types`."""
        return {
            "id": self.id,
            "name": self.name,
            "logo_url": self.logo_url,
            "logo_dark_url": None,
            "use_oauth": self.use_oauth,
            "configurationForm": {"jsonschema": self.json_schema(), "uischema": {}},
            "initialConfiguration": self.defaults(),
            "envConfig": {},
            "capabilities": self.capabilities.as_dict(),
        }

    def _scrub(self, message: str, config: C) -> str:
        for name in self.sensitive_fields():
            value = getattr(config, name)
            if isinstance(value, str) and len(value) >= _MIN_SCRUB_LENGTH:
                message = message.replace(value, "***")
        return message
