"""invitation variants: a campaign's experiment texts and each invitation's assigned variant

Revision ID: 0014_invitation_variants
Revises: 0013
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0014_invitation_variants"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_variant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("template_da", sa.Text(), nullable=True),
        sa.Column("template_en", sa.Text(), nullable=True),
        sa.Column("reminder_da", sa.Text(), nullable=True),
        sa.Column("reminder_en", sa.Text(), nullable=True),
        sa.Column("stopped_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "key"),
    )
    op.create_index(
        op.f("ix_campaign_variant_campaign_id"), "campaign_variant", ["campaign_id"], unique=False
    )
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("variant_seed", sa.Integer(), nullable=True))
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(
            sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("variant")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("variant_seed")
    op.drop_index(op.f("ix_campaign_variant_campaign_id"), table_name="campaign_variant")
    op.drop_table("campaign_variant")
