"""inbox items: the staff's inbox, staff phones and notice choice, conversations held by a person

Revision ID: 0014_inbox
Revises: 0014_invitation_variants
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0014_inbox"
down_revision: str | None = "0014_invitation_variants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("status", _STR(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notice", _STR(length=16), nullable=False),
        sa.Column("notice_message_id", sa.Integer(), nullable=True),
        sa.Column("due_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_by", _STR(length=64), nullable=True),
        sa.Column("note", _STR(length=500), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"]),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.ForeignKeyConstraint(["staff_member_id"], ["staff_member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_item_open", ["municipality_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_inbox_item_staff", ["staff_member_id", "status"], unique=False)
        batch_op.create_index("ix_inbox_item_contact_id", ["contact_id"], unique=False)
        batch_op.create_index("ix_inbox_item_conversation_id", ["conversation_id"], unique=False)
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone", _STR(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("notify_by", _STR(length=16), nullable=False, server_default="auto")
        )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_by", _STR(length=64), nullable=True))
        batch_op.add_column(sa.Column("held_staff_member_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_conversation_held_staff_member", "staff_member", ["held_staff_member_id"], ["id"]
        )
        batch_op.add_column(
            sa.Column("held_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_conversation_held_staff_member", type_="foreignkey")
        batch_op.drop_column("held_staff_member_id")
        batch_op.drop_column("held_at")
        batch_op.drop_column("held_by")
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.drop_column("notify_by")
        batch_op.drop_column("phone")
    op.drop_table("inbox_item")
