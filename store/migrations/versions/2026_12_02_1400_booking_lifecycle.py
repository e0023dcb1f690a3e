"""booking lifecycle (issue 17): booking history links, closed periods, calendar feeds

Revision ID: 0017_booking_lifecycle
Revises: 0014_inbox
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0017_booking_lifecycle"
down_revision: str | None = "0014_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feed_staff_member_id"), ["staff_member_id"], unique=False
        )

    op.create_table(
        "closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_closure_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index("ix_closure_period", ["starts_at", "ends_at"], unique=False)

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_booking_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_booking_previous_booking_id"), ["previous_booking_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_booking_previous_booking_id", "booking", ["previous_booking_id"], ["id"]
        )

    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retired_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_column("retired_at")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint("fk_booking_previous_booking_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_booking_previous_booking_id"))
        batch_op.drop_column("previous_booking_id")

    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.drop_index("ix_closure_period")
        batch_op.drop_index(batch_op.f("ix_closure_municipality_id"))

    op.drop_table("closure")
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_staff_member_id"))

    op.drop_table("calendar_feed")
