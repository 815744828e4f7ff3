"""idempotency records remember which request they answered; stored bodies are encrypted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:30:00.000000

Records written before hold plaintext bodies and no request hash: they are dropped (they live 24 h).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_records")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_records")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("request_hash")
