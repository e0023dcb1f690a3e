"""report indexes: the monitoring reports filter by municipality, period, partner and status

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_monitoring_record_municipality_date",
        "monitoring_record",
        ["municipality_code", "health_check_date"],
    )
    op.create_index("ix_monitoring_record_date", "monitoring_record", ["health_check_date"])
    op.create_index("ix_monitoring_record_partner", "monitoring_record", ["partner_id"])
    op.create_index("ix_message_report", "message", ["kind", "direction", "status"])
    op.create_index("ix_booking_status", "booking", ["status"])


def downgrade() -> None:
    op.drop_index("ix_booking_status", table_name="booking")
    op.drop_index("ix_message_report", table_name="message")
    op.drop_index("ix_monitoring_record_partner", table_name="monitoring_record")
    op.drop_index("ix_monitoring_record_date", table_name="monitoring_record")
    op.drop_index("ix_monitoring_record_municipality_date", table_name="monitoring_record")
