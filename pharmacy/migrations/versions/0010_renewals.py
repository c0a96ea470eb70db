"""renewals: the pharmacy asks a prescriber to renew; a prescription names the one it renews

Revision ID: 0010
Revises: 0009

A new table of renewal requests, and `prescriptions.renews_id`: empty for every
prescription so far (none was sent as a renewal).
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FOREIGN_KEY = 'fk_prescriptions_renews_id_prescriptions'


def upgrade() -> None:
    op.create_table(
        'renewal_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), server_default='requested', nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.Text(), nullable=True),
        sa.Column('renewed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_renewal_requests_prescription_id_prescriptions'),
        ),
        sa.ForeignKeyConstraint(
            ['renewed_by_id'], ['prescriptions.id'],
            name=op.f('fk_renewal_requests_renewed_by_id_prescriptions'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_requests')),
        sa.UniqueConstraint('prescription_id', name=op.f('uq_renewal_requests_prescription_id')),
    )
    op.create_index(
        'ix_renewal_requests_state_requested_at', 'renewal_requests', ['state', 'requested_at']
    )
    # Added in place (no table made again, which would cost SQLite the Rx number
    # count), as 0006 added `drug_data_version`.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE prescriptions ADD COLUMN renews_id INTEGER REFERENCES prescriptions (id)'
        )
    else:
        op.add_column('prescriptions', sa.Column('renews_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FOREIGN_KEY, 'prescriptions', 'prescriptions', ['renews_id'], ['id'])
    op.create_index(op.f('ix_prescriptions_renews_id'), 'prescriptions', ['renews_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_prescriptions_renews_id'), table_name='prescriptions')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FOREIGN_KEY, 'prescriptions', type_='foreignkey')
    op.drop_column('prescriptions', 'renews_id')
    op.drop_index('ix_renewal_requests_state_requested_at', table_name='renewal_requests')
    op.drop_table('renewal_requests')
