"""Process settings: one pydantic-settings model, read once at start from `SYNCLINE_*` variables.

Every setting has a default that works on a laptop: state in `./.syncline`, metadata in SQLite there.
`Settings.from_env()` is the one entry point. It checks every variable and reports all bad values at
once (`SettingsError`, one line per variable); `Settings.entries()` is what `syncline config` prints,
with secrets masked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le
from cryptography.fernet import Fernet
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from syncline.connectors.upstreams import PrivateUpstreams, UpstreamPolicy, parse_allow_list

ENV_PREFIX = "SYNCLINE_"
DEFAULT_DATA_DIR = ".syncline"
MASK = "********"
UNSET = "(unset)"
SECRET_FIELDS = frozenset({"api_key", "secret_key", "salesforce_client_secret"})
DATABASE_BACKENDS = ("sqlite", "postgresql")
MIB = 1024 * 1024
GENERATE_KEY = (
    "generate one with: python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)

# The mapping `from_env` reads; None means the process environment.
_environ: ContextVar[Mapping[str, str] | None] = ContextVar("syncline_environ", default=None)


def variable(name: str) -> str:
    """The environment variable of a setting: `job_workers` → `SYNCLINE_JOB_WORKERS`."""
    return ENV_PREFIX + name.upper()


def _default_database_url(data: dict[str, Any]) -> str:
    """SQLite in the data dir: the default when SYNCLINE_DATABASE_URL is unset."""
    data_dir = data.get("data_dir") or Path(DEFAULT_DATA_DIR).expanduser().resolve()
    return f"sqlite:///{data_dir / 'syncline.db'}"


class SettingsError(ValueError):
    """Some `SYNCLINE_*` variables hold bad values; `problems` has one line per variable, naming it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _EnvironSource(PydanticBaseSettingsSource):
    """`SYNCLINE_<FIELD>` from the environment (or the mapping handed to `from_env`); empty means unset."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:  # noqa: ARG002
        env = _environ.get()
        value = (os.environ if env is None else env).get(variable(field_name))
        return value, variable(field_name), False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _key, _complex = self.get_field_value(field, name)
            if value:
                values[name] = value
        return values


class Settings(BaseSettings):
    """Everything the service reads from its environment; immutable once read."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="ignore",
        hide_input_in_errors=True,  # a bad secret must not reach a log through the error text
        use_attribute_docstrings=True,
    )

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    """State: SQLite metadata, the generated secret key, local DuckDB files, lock files."""
    database_url: str = Field(default_factory=_default_database_url)
    """The metadata store, e.g. `postgresql+psycopg://user@host/db`; SQLite in the data dir by default."""
    api_key: str | None = None
    """The partner key of the bootstrap organization; generated and printed once when unset."""
    secret_key: str | None = Field(None, validate_default=True)
    """Fernet key that encrypts connection secrets; generated into `<data dir>/secret.key` when unset
    (SQLite only: with PostgreSQL it is required)."""
    salesforce_client_id: str | None = None
    """syncline's own Salesforce connected app, for browser/code connections that bring none."""
    salesforce_client_secret: str | None = None
    """The secret of that connected app."""

    duckdb_roots: str = ""
    """Comma-separated absolute directories where DuckDB connections may name files by absolute path;
    without it every DuckDB file lives in its organization's own directory under the data dir."""

    private_upstreams: PrivateUpstreams = PrivateUpstreams.ALLOW
    """`allow` (self-hosted: connections reach databases on your own network) or `deny` (multi-tenant:
    no connection may reach loopback, private, link-local or unique-local addresses)."""
    upstream_allow: str = ""
    """Comma-separated `host`, `host:port` or CIDR entries connections may reach even under `deny`."""

    db_pool_size: int = Field(5, ge=1, le=100)
    """Connections the metadata store keeps open (PostgreSQL)."""
    db_max_overflow: int = Field(10, ge=0, le=100)
    """Extra connections the metadata store may open under load, beyond the pool (PostgreSQL)."""

    job_workers: int = Field(4, ge=1, le=64)
    """Threads of the in-process job executor."""
    job_heartbeat_seconds: int = Field(10, ge=1, le=3600)
    """How often a running job records that it is alive."""
    job_stale_after_seconds: int = Field(60, ge=2, le=86_400)
    """A running job silent this long is taken as dead (interrupted); must exceed the heartbeat."""
    job_shutdown_grace_seconds: int = Field(10, ge=0, le=600)
    """On shutdown (SIGTERM), how long running jobs get to stop before they are marked interrupted."""

    max_body_bytes: int = Field(MIB, ge=512 * 1024, le=1024 * MIB)
    """Largest request body the API reads; larger ones are refused with 413 before they are read."""
    housekeeping_interval_seconds: int = Field(300, ge=1, le=86_400)
    """How often expired query results, proxy call logs, OAuth sessions and idempotency records are purged."""
    query_max_rows: int = Field(10_000, ge=1, le=1_000_000)
    """Rows a query-runner query returns at most."""
    query_max_bytes: int = Field(16 * MIB, ge=1024, le=1024 * MIB)
    """Bytes of result a query-runner query returns at most."""
    statement_timeout_seconds: int = Field(30, ge=1, le=86_400)
    """Time a user query (query runner, models) may run before it is canceled."""

    proxy_rate_limit_per_minute: int = Field(60, ge=1, le=100_000)
    """Connection Proxy calls per connection per minute."""
    proxy_org_rate_limit_per_minute: int = Field(600, ge=1, le=1_000_000)
    """Connection Proxy calls per organization per minute."""
    proxy_timeout_ms: int = Field(30_000, ge=1, le=600_000)
    """How long the Connection Proxy waits for the upstream's answer."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then `SYNCLINE_*` variables; no dotenv or secrets-dir files."""
        return init_settings, _EnvironSource(settings_cls)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from `environ` (default: the process environment).

        Raises:
            SettingsError: naming every variable with a bad value, one line each.
        """
        token = _environ.set(environ)
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(_problems(exc, _EnvironSource(cls)())) from None
        finally:
            _environ.reset(token)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_directory(cls, value: Path) -> Path:
        path = value.expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise ValueError("must be a directory, not a file")
        return path

    @field_validator("database_url", mode="after")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                "must be a database URL such as postgresql+psycopg://user:password@host/db or sqlite:///path"
            ) from None
        if backend not in DATABASE_BACKENDS:
            raise ValueError("must be a SQLite or PostgreSQL URL (sqlite:///…, postgresql+psycopg://…)")
        return value

    @field_validator("api_key", mode="after")
    @classmethod
    def _long_key(cls, value: str | None) -> str | None:
        if value is not None and (len(value) < 16 or value != value.strip()):
            raise ValueError("must be at least 16 characters, without spaces at either end")
        return value

    @field_validator("secret_key", mode="after")
    @classmethod
    def _fernet_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            url = info.data.get("database_url")
            # Servers sharing a PostgreSQL store must share the key; a file in one data dir is not shared.
            if url and make_url(url).get_backend_name() == "postgresql":
                raise ValueError(
                    f"required when {variable('database_url')} is PostgreSQL (every server on the store "
                    f"must use the same key); {GENERATE_KEY}"
                )
            return value
        try:
            Fernet(value.encode())
        except ValueError:
            raise ValueError(
                f"must be a Fernet key (32 url-safe base64-encoded bytes); {GENERATE_KEY}"
            ) from None
        return value

    @field_validator("salesforce_client_secret", mode="after")
    @classmethod
    def _with_client_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("salesforce_client_id"):
            raise ValueError(f"is set but {variable('salesforce_client_id')} is not; set both or neither")
        return value

    @field_validator("duckdb_roots", mode="after")
    @classmethod
    def _absolute_roots(cls, value: str) -> str:
        for entry in (part.strip() for part in value.split(",")):
            if entry and not Path(entry).is_absolute():
                raise ValueError("must list absolute directories separated by commas")
        return value

    @property
    def duckdb_root_paths(self) -> tuple[Path, ...]:
        """`duckdb_roots` as resolved directories."""
        return tuple(Path(part.strip()).resolve() for part in self.duckdb_roots.split(",") if part.strip())

    @field_validator("upstream_allow", mode="after")
    @classmethod
    def _allow_entries(cls, value: str) -> str:
        parse_allow_list(value)
        return value

    @property
    def upstream_policy(self) -> UpstreamPolicy:
        """Where connections may go: `private_upstreams` with the `upstream_allow` exceptions."""
        return UpstreamPolicy(self.private_upstreams, parse_allow_list(self.upstream_allow))

    @field_validator("job_stale_after_seconds", mode="after")
    @classmethod
    def _longer_than_heartbeat(cls, value: int, info: ValidationInfo) -> int:
        heartbeat = info.data.get("job_heartbeat_seconds")
        if heartbeat is not None and value <= heartbeat:
            raise ValueError(f"must be greater than {variable('job_heartbeat_seconds')} ({heartbeat})")
        return value

    def ensure_data_dir(self) -> None:
        """The data dir, private to the server's user even when it existed with wider modes."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)

    def origin(self, name: str) -> str:
        """Where a setting's value came from: `environment` or `default`."""
        return "environment" if name in self.model_fields_set else "default"

    def shown(self, name: str) -> str:
        """A setting's value as it may be printed: secrets masked, a database URL without its password."""
        value = getattr(self, name)
        if value is None:
            return UNSET
        if name in SECRET_FIELDS:
            return MASK
        if name == "database_url":
            return mask_url(value)
        return str(value)

    def secret_values(self) -> list[str]:
        """The secret values set (keys, the database password), for the log scrubber."""
        values = [getattr(self, name) for name in sorted(SECRET_FIELDS)]
        values.append(make_url(self.database_url).password)
        return [value for value in values if value]

    def entries(self) -> list[tuple[str, str, str]]:
        """(variable, value as shown, origin) for every setting, in declaration order."""
        return [(variable(name), self.shown(name), self.origin(name)) for name in type(self).model_fields]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name in type(self).model_fields:
            value = getattr(self, name)
            masked = value is not None and (name in SECRET_FIELDS or name == "database_url")
            yield name, self.shown(name) if masked else value


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """`SYNCLINE_*` variables in `environ` that are no setting (a typo, or another tool's): ignored."""
    env = os.environ if environ is None else environ
    known = {variable(name) for name in Settings.model_fields}
    return sorted(name for name in env if name.startswith(ENV_PREFIX) and name not in known)


def mask_url(url: str) -> str:
    """`url` with its password replaced by `********`; host, port and database stay readable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return MASK
    if parsed.password is None:
        return parsed.render_as_string(hide_password=False)
    return parsed.render_as_string(hide_password=True).replace(":***@", f":{MASK}@", 1)


def _problems(exc: ValidationError, raw: Mapping[str, str]) -> list[str]:
    """One line per bad variable: `SYNCLINE_X: must be …, got '…'` (secrets never echoed)."""
    lines: dict[str, str] = {}
    fields = Settings.model_fields
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        if name not in fields or name in lines:
            continue
        field = fields[name]
        if field.annotation is int and error["type"] != "value_error":
            message = f"must be a whole number {_bounds(field)}"
        elif error["type"] == "value_error":
            message = str(error["ctx"]["error"])
        else:
            message = error["msg"]
        if name in SECRET_FIELDS:
            pass  # never echoed, whether set or not
        elif name not in raw:
            message += f", got the default {field.default}"
        elif name == "database_url":
            message += f", got {mask_url(raw[name])!r}"
        else:
            message += f", got {raw[name]!r}"
        lines[name] = f"{variable(name)}: {message}"
    return [lines[name] for name in fields if name in lines]


def _bounds(field: FieldInfo) -> str:
    low = high = None
    for rule in field.metadata:
        if isinstance(rule, Ge):
            low = f"of at least {rule.ge}" if rule.ge != 1 else "greater than 0"
        elif isinstance(rule, Gt):
            low = f"greater than {rule.gt}"
        elif isinstance(rule, Le):
            high = f"at most {rule.le}"
    return " and ".join(part for part in (low, high) if part)
