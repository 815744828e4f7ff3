"""bulk syncs: the syncs, their schemas and their executions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_syncs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_connection_id", sa.String(length=36), nullable=False),
        sa.Column("destination_connection_id", sa.String(length=36), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["destination_connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_syncs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_syncs_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bulk_syncs_source_connection_id"), ["source_connection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_bulk_syncs_destination_connection_id"), ["destination_connection_id"], unique=False
        )
    op.create_table(
        "bulk_sync_schemas",
        sa.Column("sync_id", sa.String(length=36), nullable=False),
        sa.Column("schema_id", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["sync_id"], ["bulk_syncs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sync_id", "schema_id"),
    )
    op.create_table(
        "bulk_sync_executions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sync_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("fetch_mode", sa.String(length=16), nullable=False),
        sa.Column("resync_mode", sa.String(length=16), nullable=True),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("schemas", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["sync_id"], ["bulk_syncs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_sync_executions", schema=None) as batch_op:
        batch_op.create_index("ix_bulk_sync_executions_sync_created", ["sync_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("bulk_sync_executions")
    op.drop_table("bulk_sync_schemas")
    with op.batch_alter_table("bulk_syncs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_syncs_destination_connection_id"))
        batch_op.drop_index(batch_op.f("ix_bulk_syncs_source_connection_id"))
        batch_op.drop_index(batch_op.f("ix_bulk_syncs_organization_id"))
    op.drop_table("bulk_syncs")
