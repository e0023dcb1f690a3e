"""invitation partner (issue 18): the partner through whose list each citizen was invited

Revision ID: 0018_invitation_partner
Revises: 0017_waitlist
Create Date: 2026-12-02 18:00:00

Existing invitations get the partner by the rule in store.partners: the first of the
campaign's partners whose list the citizen is on (the campaign's first partner, then by
partner id), else the campaign's first partner. Monitoring records of a booking are then
credited to the partner of the invitation behind it, as new ones are; they were credited to
the campaign's first partner before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_invitation_partner"
down_revision: str | None = "0018_inbox_item_address"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL that SQLite and PostgreSQL both run; frozen here, not imported from store.partners.
BACKFILL_INVITATIONS = """
UPDATE invitation SET partner_id = COALESCE(
    (SELECT cp.partner_id
       FROM campaign_partner AS cp
       JOIN membership AS m ON m.partner_id = cp.partner_id AND m.contact_id = invitation.contact_id
       JOIN campaign AS c ON c.id = cp.campaign_id
      WHERE cp.campaign_id = invitation.campaign_id
      ORDER BY CASE WHEN cp.partner_id = c.partner_id THEN 0 ELSE 1 END, cp.partner_id
      LIMIT 1),
    (SELECT c.partner_id FROM campaign AS c WHERE c.id = invitation.campaign_id))
WHERE partner_id IS NULL
"""
BACKFILL_RECORDS = """
UPDATE monitoring_record SET partner_id = (
    SELECT i.partner_id
      FROM booking AS b
      JOIN conversation AS v ON v.id = b.conversation_id
      JOIN invitation AS i ON i.campaign_id = v.campaign_id AND i.contact_id = v.contact_id
     WHERE b.id = monitoring_record.booking_id)
WHERE booking_id IS NOT NULL AND EXISTS (
    SELECT 1
      FROM booking AS b
      JOIN conversation AS v ON v.id = b.conversation_id
      JOIN invitation AS i ON i.campaign_id = v.campaign_id AND i.contact_id = v.contact_id
     WHERE b.id = monitoring_record.booking_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invitation_partner_id"), ["partner_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_invitation_partner_id", "partner", ["partner_id"], ["id"]
        )
    op.execute(BACKFILL_INVITATIONS)
    op.execute(BACKFILL_RECORDS)


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invitation_partner_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_invitation_partner_id"))
        batch_op.drop_column("partner_id")
