"""outbox: unprocessed messages found by the prescription they name

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEX = 'ix_outbox_unprocessed_prescription'
# A worker that takes waiting orders along with its own marks their messages processed
# in the same transaction, and knows them only by the prescription id in the payload.
# Partial: only messages still waiting are in it, so it stays as small as the queue.
# The expressions must read exactly as pharmacy.services.worker.records spells them.
KEY = {
    'postgresql': "(payload ->> 'prescription_id')",
    'sqlite': "json_extract(payload, '$.prescription_id')",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        INDEX,
        'outbox_messages',
        [sa.text(KEY[dialect])],
        postgresql_where=sa.text('processed_at IS NULL'),
        sqlite_where=sa.text('processed_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name='outbox_messages')
