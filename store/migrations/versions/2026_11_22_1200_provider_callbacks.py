"""provider callbacks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('provider_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('received_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('provider_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_callback_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_callback_provider_id'), ['provider_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('provider_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_callback_provider_id'))
        batch_op.drop_index(batch_op.f('ix_provider_callback_message_id'))

    op.drop_table('provider_callback')
