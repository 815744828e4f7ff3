"""schema cache and proxy

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:50:26.657012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proxy_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proxy_calls", schema=None) as batch_op:
        batch_op.create_index("ix_proxy_calls_connection_at", ["connection_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_proxy_calls_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "proxy_settings",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("enabled", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )
    op.create_table(
        "schema_caches",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("schemas", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id"),
    )


def downgrade() -> None:
    op.drop_table("schema_caches")
    op.drop_table("proxy_settings")
    with op.batch_alter_table("proxy_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_calls_organization_id"))
        batch_op.drop_index("ix_proxy_calls_connection_at")

    op.drop_table("proxy_calls")
