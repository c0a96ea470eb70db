"""fills: a prescription is filled again and again; each order so far is fill 0

Revision ID: 0009
Revises: 0008

Every prescription gets its fill 0 (dispensed on the day its dispensing was recorded,
if it was), its refills left (all of them: no refill was ever made before), and the
records of its one fill (worksheet, price lines, alerts, compounding record, status
changes) are marked fill 0.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FILL_RECORDS = ('worksheets', 'price_lines', 'alerts', 'compounding_records', 'status_changes')


def upgrade() -> None:
    op.create_table(
        'fills',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), server_default='0', nullable=False),
        sa.Column('refill', sa.Integer(), server_default='0', nullable=False),
        sa.Column('requested_via', sa.String(length=20), server_default='original', nullable=False),
        sa.Column('requested_by', sa.String(length=120), nullable=True),
        sa.Column(
            'created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column('dispensed_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('steps', sa.JSON(), nullable=True),
        sa.Column('quantity', sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column('quantity_unit', sa.String(length=10), nullable=True),
        sa.Column('beyond_use_date', sa.Date(), nullable=True),
        sa.Column('price_total', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column('allergies', sa.JSON(), nullable=True),
        sa.Column('medications', sa.JSON(), nullable=True),
        sa.Column('conditions', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_fills_prescription_id_prescriptions'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fills')),
        sa.UniqueConstraint('prescription_id', 'number', name=op.f('uq_fills_prescription_id_number')),
    )
    # Columns are added in place (no table is copied on SQLite); only the two unique
    # constraints below need a table rebuilt there, with foreign keys checked at commit.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys = ON')
    for column in ('current_fill', 'current_refill', 'refills_remaining'):
        op.add_column(
            'prescriptions', sa.Column(column, sa.Integer(), server_default='0', nullable=False)
        )
    op.add_column(
        'prescriptions',
        sa.Column('auto_refill', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute('UPDATE prescriptions SET refills_remaining = refills')
    for table in FILL_RECORDS:
        op.add_column(
            table, sa.Column('fill_number', sa.Integer(), server_default='0', nullable=False)
        )
    # One worksheet and one compounding record per fill, no longer per prescription.
    with op.batch_alter_table('worksheets') as batch_op:
        batch_op.drop_constraint('uq_worksheets_prescription_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_worksheets_prescription_id_fill_number', ['prescription_id', 'fill_number']
        )
    with op.batch_alter_table('compounding_records') as batch_op:
        batch_op.drop_constraint('uq_compounding_records_prescription_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_compounding_records_prescription_id_fill_number', ['prescription_id', 'fill_number']
        )
    op.execute(
        "INSERT INTO fills (prescription_id, number, refill, requested_via, created_at) "
        "SELECT id, 0, 0, 'original', created_at FROM prescriptions"
    )
    _dispensed_days()


def _dispensed_days() -> None:
    """The day each dispensed order was dispensed, as its status history says (UTC)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT prescription_id, max(at) FROM status_changes "
        "WHERE to_status = 'dispensed' GROUP BY prescription_id"
    )).all()
    for prescription_id, at in rows:
        day = at.date() if hasattr(at, 'date') else str(at)[:10]
        connection.execute(
            sa.text("UPDATE fills SET dispensed_on = :day WHERE prescription_id = :id"),
            {'day': day, 'id': prescription_id},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys = ON')
    with op.batch_alter_table('compounding_records') as batch_op:
        batch_op.drop_constraint('uq_compounding_records_prescription_id_fill_number', type_='unique')
        batch_op.create_unique_constraint('uq_compounding_records_prescription_id', ['prescription_id'])
    with op.batch_alter_table('worksheets') as batch_op:
        batch_op.drop_constraint('uq_worksheets_prescription_id_fill_number', type_='unique')
        batch_op.create_unique_constraint('uq_worksheets_prescription_id', ['prescription_id'])
    for table in FILL_RECORDS:
        op.drop_column(table, 'fill_number')
    for column in ('auto_refill', 'refills_remaining', 'current_refill', 'current_fill'):
        op.drop_column('prescriptions', column)
    op.drop_table('fills')
