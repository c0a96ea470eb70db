"""fills: an index for the queue's refills due, the dispensed fills still the latest

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LATEST_DISPENSED = 'status IS NULL AND dispensed_on IS NOT NULL'


def upgrade() -> None:
    op.create_index(
        'ix_fills_dispensed_latest',
        'fills',
        ['dispensed_on'],
        postgresql_where=sa.text(LATEST_DISPENSED),
        sqlite_where=sa.text(LATEST_DISPENSED),
    )


def downgrade() -> None:
    op.drop_index('ix_fills_dispensed_latest', table_name='fills')
