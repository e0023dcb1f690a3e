"""campaign lifecycle: several partners, templates, a window with blackouts, paced waves

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:00:00

Invitations are now created "pending" at launch and released day by day (outreach.pacing), so
`invitation.due_at` and `invitation.wave` may be empty; each day's decision is a campaign_wave row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_partner",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "partner_id"),
    )
    op.create_table(
        "campaign_blackout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_campaign_blackout_campaign_id", "campaign_blackout", ["campaign_id"], unique=False
    )
    op.create_table(
        "campaign_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("free_slots", sa.Integer(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("booking_rate", sa.Float(), nullable=False),
        sa.Column("rate_observed", sa.Boolean(), nullable=False),
        sa.Column("decided_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "day"),
    )
    # Server defaults only fill the campaigns that exist; the models give new rows their values.
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "education_priority",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(sa.Column("template_da", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("template_en", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("allow_links", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("window_start_hour", sa.Integer(), nullable=False, server_default="9")
        )
        batch_op.add_column(
            sa.Column("window_end_hour", sa.Integer(), nullable=False, server_default="18")
        )
        # Campaigns launched before pacing had all their invitations scheduled already.
        batch_op.add_column(
            sa.Column("paced", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("booking_rate_prior", sa.Float(), nullable=False, server_default="0.15")
        )
        batch_op.add_column(
            sa.Column("starts_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("paused_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ended_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column("wave", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column(
            "due_at", existing_type=store.types.UTCDateTime(timezone=True), nullable=True
        )
        batch_op.create_index(
            "ix_invitation_queue", ["campaign_id", "status", "position"], unique=False
        )
    op.execute(
        "INSERT INTO campaign_partner (campaign_id, partner_id) SELECT id, partner_id FROM campaign"
    )
    op.execute("UPDATE campaign SET status = 'completed' WHERE status = 'finished'")


def downgrade() -> None:
    op.execute("DELETE FROM invitation WHERE due_at IS NULL")
    op.execute("UPDATE invitation SET wave = 1 WHERE wave IS NULL")
    op.execute("UPDATE campaign SET status = 'finished' WHERE status IN ('completed', 'cancelled')")
    op.execute("UPDATE campaign SET status = 'running' WHERE status IN ('scheduled', 'paused')")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_invitation_queue")
        batch_op.alter_column(
            "due_at", existing_type=store.types.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("wave", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("position")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        for column in (
            "ended_at",
            "paused_at",
            "starts_at",
            "booking_rate_prior",
            "paced",
            "window_end_hour",
            "window_start_hour",
            "allow_links",
            "template_en",
            "template_da",
            "education_priority",
        ):
            batch_op.drop_column(column)
    op.drop_table("campaign_wave")
    op.drop_index("ix_campaign_blackout_campaign_id", table_name="campaign_blackout")
    op.drop_table("campaign_blackout")
    op.drop_table("campaign_partner")
