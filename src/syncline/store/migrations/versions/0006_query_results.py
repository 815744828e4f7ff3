"""query-runner queries become jobs: their rows move to query_results, their state to jobs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00.000000

Results are kept 24 h and are not carried over: queries run before the upgrade answer 404, as expired
ones do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("query_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_query_jobs_organization_id"))
        batch_op.drop_index(batch_op.f("ix_query_jobs_expires_at"))
        batch_op.drop_index(batch_op.f("ix_query_jobs_connection_id"))
    op.drop_table("query_jobs")
    op.create_table(
        "query_results",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("truncated", sa.Integer(), nullable=False),
        sa.Column("results", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["jobs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("query_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_query_results_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_results_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_query_results_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("query_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_query_results_organization_id"))
        batch_op.drop_index(batch_op.f("ix_query_results_expires_at"))
        batch_op.drop_index(batch_op.f("ix_query_results_connection_id"))
    op.drop_table("query_results")
    op.create_table(
        "query_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("truncated", sa.Integer(), nullable=False),
        sa.Column("results", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("query_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_query_jobs_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_jobs_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_query_jobs_organization_id"), ["organization_id"], unique=False)
