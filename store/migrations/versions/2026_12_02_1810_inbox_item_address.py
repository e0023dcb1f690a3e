"""inbox item address: the number that wrote, for an item about someone on no list

Revision ID: 0018_inbox_item_address
Revises: 0017_waitlist
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018_inbox_item_address"
down_revision: str | None = "0018_campaign_ends_on"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_item") as batch:
        batch.add_column(
            sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_item") as batch:
        batch.drop_column("address")
