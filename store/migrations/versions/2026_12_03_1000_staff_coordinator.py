"""staff coordinator: the coordinator's own entry gets notices of escalated callbacks

Revision ID: 0019_staff_coordinator
Revises: 0018_invitation_partner
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_staff_coordinator"
down_revision: str | None = "0018_invitation_partner"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_member", recreate="never") as batch:
        batch.add_column(
            sa.Column("coordinator", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, which SQLite has had since 3.35 (as ADD COLUMN above): a batch
    # copy of staff_member would drop the table its slots point at, failing with foreign keys on.
    with op.batch_alter_table("staff_member", recreate="never") as batch:
        batch.drop_column("coordinator")
