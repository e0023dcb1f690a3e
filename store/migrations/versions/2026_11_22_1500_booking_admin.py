"""booking admin: municipal offers, staff keys, follow-up answers, unique location names

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipal_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "municipality_id", "code", name="uq_municipal_offer_municipality_code"
        ),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_location_municipality_name", ["municipality_id", "name"]
        )
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_staff_member_api_key_id", ["api_key_id"])
        batch_op.create_foreign_key(
            "fk_staff_member_api_key_id_api_key", "api_key", ["api_key_id"], ["id"]
        )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answered_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("answer_message_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("needs_help", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("staff_alerted_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_follow_up_answer_message_id_message", "message", ["answer_message_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_constraint("fk_follow_up_answer_message_id_message", type_="foreignkey")
        batch_op.drop_column("staff_alerted_at")
        batch_op.drop_column("needs_help")
        batch_op.drop_column("answer_message_id")
        batch_op.drop_column("answered_at")
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.drop_constraint("fk_staff_member_api_key_id_api_key", type_="foreignkey")
        batch_op.drop_constraint("uq_staff_member_api_key_id", type_="unique")
        batch_op.drop_column("api_key_id")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_constraint("uq_location_municipality_name", type_="unique")
    op.drop_table("municipal_offer")
