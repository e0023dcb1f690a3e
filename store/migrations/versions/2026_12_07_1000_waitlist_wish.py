"""waitlist wish (issue 17): the citizen's own wish a place on the waitlist waits for

Revision ID: 0020_waitlist_wish
Revises: 0019_staff_coordinator
Create Date: 2026-12-07 10:00:00

Places already on the list get none: any freed time fits them, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_waitlist_wish"
down_revision: str | None = "0019_staff_coordinator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wish", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_column("wish")
