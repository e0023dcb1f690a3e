"""waitlist (issue 17): citizens waiting for a freed time, in order of joining

Revision ID: 0017_waitlist
Revises: 0017_booking_lifecycle
Create Date: 2026-12-02 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0017_waitlist"
down_revision: str | None = "0017_booking_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offered_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_entry_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_waitlist_entry_queue", ["municipality_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_waitlist_entry_waiting_conversation",
            ["conversation_id"],
            unique=True,
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_waitlist_entry_waiting_conversation",
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )
        batch_op.drop_index("ix_waitlist_entry_queue")
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_contact_id"))

    op.drop_table("waitlist_entry")
