"""the counter: payments, shipments and the offer to counsel

Revision ID: 0017
Revises: 0016

Three new tables, each row one fill's (prescription id and fill number). Fills handed
over before this migration have no payment, parcel or counseling row: they are shown
as they were (nothing recorded), and nothing is invented for them.
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _of_a_fill(table: str) -> list[sa.Column]:
    """The id, and the fill the row belongs to."""
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(
            'prescription_id',
            sa.Integer(),
            sa.ForeignKey('prescriptions.id', name=f'fk_{table}_prescription_id_prescriptions'),
            nullable=False,
        ),
        sa.Column('fill_number', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'payments',
        *_of_a_fill('payments'),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('method', sa.String(10), nullable=True),
        sa.Column('amount', sa.Numeric(10, 2), nullable=False),
        sa.Column('card_last4', sa.String(4), nullable=True),
        sa.Column('reference', sa.String(40), nullable=True),
        sa.Column(
            'refund_of',
            sa.Integer(),
            sa.ForeignKey('payments.id', name='fk_payments_refund_of_payments'),
            nullable=True,
        ),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column(
            'taken_by',
            sa.Integer(),
            sa.ForeignKey('users.id', name='fk_payments_taken_by_users'),
            nullable=False,
        ),
        sa.Column('taken_by_name', sa.String(120), nullable=False),
        sa.Column('taken_on', sa.Date(), nullable=False),
        _moment('at'),
        _moment('voided_at', nullable=True),
        sa.Column('voided_by_name', sa.String(120), nullable=True),
        sa.Column('void_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_payments'),
    )
    op.create_index(
        'ix_payments_prescription_fill', 'payments', ['prescription_id', 'fill_number']
    )
    op.create_index('ix_payments_taken_on', 'payments', ['taken_on'])

    op.create_table(
        'shipments',
        *_of_a_fill('shipments'),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('to_address_on_record', sa.Boolean(), nullable=False),
        sa.Column('carrier', sa.String(40), nullable=False),
        sa.Column('tracking_number', sa.String(60), nullable=False),
        sa.Column('shipped_on', sa.Date(), nullable=False),
        sa.Column('transit_days', sa.Integer(), nullable=False),
        sa.Column('arrives_on', sa.Date(), nullable=False),
        sa.Column('short_supply_reason', sa.Text(), nullable=True),
        sa.Column('shipped_by_name', sa.String(120), nullable=False),
        _moment('at'),
        sa.PrimaryKeyConstraint('id', name='pk_shipments'),
        sa.UniqueConstraint(
            'prescription_id', 'fill_number', name='uq_shipments_prescription_id_fill_number'
        ),
    )

    op.create_table(
        'counseling',
        *_of_a_fill('counseling'),
        sa.Column('hand_over', sa.String(10), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        sa.Column('offered_by_name', sa.String(120), nullable=False),
        sa.Column('counseled_by_name', sa.String(120), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        _moment('at'),
        sa.PrimaryKeyConstraint('id', name='pk_counseling'),
        sa.UniqueConstraint(
            'prescription_id', 'fill_number', name='uq_counseling_prescription_id_fill_number'
        ),
    )


def downgrade() -> None:
    op.drop_table('counseling')
    op.drop_table('shipments')
    op.drop_index('ix_payments_taken_on', table_name='payments')
    op.drop_index('ix_payments_prescription_fill', table_name='payments')
    op.drop_table('payments')
