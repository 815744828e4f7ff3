"""salesforce connection state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 03:35:49.558681
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_call_buckets",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "minute"),
    )
    op.create_table(
        "connection_limits",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )
    op.create_table(
        "connection_tokens",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )
    op.create_table(
        "oauth_sessions",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("authorize_url", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column("user_code", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("state"),
        sa.UniqueConstraint("user_code"),
    )
    with op.batch_alter_table("oauth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_sessions_connection_id"), ["connection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oauth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_sessions_connection_id"))

    op.drop_table("oauth_sessions")
    op.drop_table("connection_tokens")
    op.drop_table("connection_limits")
    op.drop_table("api_call_buckets")
