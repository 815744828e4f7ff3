"""The metadata tables. They are created and changed only by the Alembic migrations in `migrations/`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from syncline.store.types import UTCDateTime, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    # The organization whose partner key manages this one; None for the bootstrap organization.
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    sso_domain: Mapped[str | None] = mapped_column(String(255))
    sso_org_id: Mapped[str | None] = mapped_column(String(255))
    issuer: Mapped[str | None] = mapped_column(String(1024))
    oidc_client_id: Mapped[str | None] = mapped_column(String(1024))
    oidc_client_secret: Mapped[str | None] = mapped_column(Text)  # Fernet token
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("organization_id", "email", name="uq_users_org_email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str | None] = mapped_column(String(64))
    role_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiKey(Base):
    """An API key, kept only as its SHA-256 hash. `kind` is `system` (partner key) or `user`."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class Connection(Base):
    __tablename__ = "connections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(64))
    # Non-sensitive configuration in plain JSON; sensitive fields only inside `secrets` (a Fernet token).
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secrets: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="unknown")
    status_error: Mapped[str | None] = mapped_column(Text)
    healthcheck_interval: Mapped[str | None] = mapped_column(String(64))
    policies: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_org_created", "organization_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """The first outcome of a request sent with an `Idempotency-Key`, replayed for 24 h."""

    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # hash of the caller's credential
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2048))
    # sha256 of method, path, query and body: the same key with another request is refused, not replayed
    request_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # in_flight | complete
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any]] = mapped_column(default=list)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted: it may carry a minted API key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class QueryResult(Base):
    """The (capped) rows of a query-runner query; its state is its `jobs` row of kind `query` (same id)."""

    __tablename__ = "query_results"

    id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    truncated: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ConnectionTokens(Base):
    """A connection's current OAuth access token and instance URL (one Fernet token), shared by workers."""

    __tablename__ = "connection_tokens"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    tokens: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiCallBucket(Base):
    """API calls a connection made to its upstream, per minute: the rolling 24 h budget sums these."""

    __tablename__ = "api_call_buckets"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)  # epoch seconds // 60
    calls: Mapped[int] = mapped_column(Integer, default=0)


class ConnectionLimits(Base):
    """The upstream's own account of usage (Salesforce's `Sforce-Limit-Info`), last seen."""

    __tablename__ = "connection_limits"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    used: Mapped[int] = mapped_column(Integer)
    limit: Mapped[int] = mapped_column(Integer)
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthSession(Base):
    """A pending interactive authorization: PKCE verifier, where to return, the user code (`code` mode)."""

    __tablename__ = "oauth_sessions"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    code_verifier: Mapped[str] = mapped_column(Text)  # Fernet token
    authorize_url: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(Text)  # our callback, as sent to the authorize endpoint
    return_url: Mapped[str | None] = mapped_column(Text)  # the client's redirect_url, after completion
    user_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class SchemaCache(Base):
    """A connection's discovered schemas (objects and fields) and the state of their refresh."""

    __tablename__ = "schema_caches"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))  # refreshing | fresh | failed
    error: Mapped[str | None] = mapped_column(Text)
    schemas: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class ProxySettings(Base):
    """Whether a connection may be used through the Connection Proxy API (off unless enabled)."""

    __tablename__ = "proxy_settings"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProxyCall(Base):
    """One call made through the Connection Proxy: for its rate limit and its 24 h statistics."""

    __tablename__ = "proxy_calls"
    __table_args__ = (Index("ix_proxy_calls_connection_at", "connection_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """One piece of background work; `runtime/jobs/states.py` owns the `status` transitions."""

    __tablename__ = "jobs"
    __table_args__ = (
        # The reconciler looks for running jobs whose heartbeat is old; resume lists queued jobs by age.
        Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),
        # An organization's jobs in one state, oldest first ("queued jobs of an org").
        Index("ix_jobs_org_status_created", "organization_id", "status", "created_at"),
        # The jobs about one subject (e.g. "is a schema refresh of this connection running?").
        Index("ix_jobs_subject_kind", "subject_id", "kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))  # a registered job kind, e.g. "query"
    subject_id: Mapped[str | None] = mapped_column(String(255))  # what the job is about, e.g. a connection
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # queued | running | completed | failed | canceled | interrupted
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(255))  # the executor that claimed it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    progress: Mapped[Any | None] = mapped_column(JSON)
    checkpoint: Mapped[Any | None] = mapped_column(JSON)
    result: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class BulkSync(Base):
    """A bulk sync (ELT): its connections and active flag as columns, every other setting as sent."""

    __tablename__ = "bulk_syncs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    source_connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    destination_connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # mode, destination/source configuration, schedules, name normalization, cutoffs, limits, policies.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class BulkSyncSchema(Base):
    """One source schema (table, object) of a bulk sync: enabled or not, and how it is copied."""

    __tablename__ = "bulk_sync_schemas"

    sync_id: Mapped[str] = mapped_column(ForeignKey("bulk_syncs.id", ondelete="CASCADE"), primary_key=True)
    schema_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # fields, filters, partition_key, tracking_field, user_output_name, data_cutoff_timestamp, ...
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BulkSyncExecution(Base):
    """One run of a bulk sync; `schemas` holds each schema's status and counts."""

    __tablename__ = "bulk_sync_executions"
    __table_args__ = (Index("ix_bulk_sync_executions_sync_created", "sync_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    sync_id: Mapped[str] = mapped_column(ForeignKey("bulk_syncs.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    job_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32), default="manual")
    # created | running | canceling | canceled | completed | failed | interrupted
    status: Mapped[str] = mapped_column(String(32), default="created")
    status_message: Mapped[str | None] = mapped_column(Text)
    fetch_mode: Mapped[str] = mapped_column(String(16), default="incremental")
    resync_mode: Mapped[str | None] = mapped_column(String(16))
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    schemas: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
