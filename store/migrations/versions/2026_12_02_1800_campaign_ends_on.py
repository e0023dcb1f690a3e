"""campaign end date (issue 18): the last local day a campaign releases invitations

Revision ID: 0018_campaign_ends_on
Revises: 0017_waitlist
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_campaign_ends_on"
down_revision: str | None = "0017_waitlist"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("ends_on")
