"""fills: a prescription is filled again and again; each order so far is fill 0

Revision ID: 0009
Revises: 0008

Every prescription gets its fill 0 (dispensed on the day its dispensing was recorded,
if it was), its refills left (all of them: no refill was ever made before), and the
records of its one fill (worksheet, price lines, alerts, compounding record, status
changes) are marked fill 0.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from pharmacy import config


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
    if op.get_bind().dialect.name == 'sqlite':
        _worksheets_made_again()
    else:
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


def _worksheets_made_again(per_fill: bool = True) -> None:
    """SQLite cannot drop a unique constraint: the worksheets table is made again, with
    one worksheet per fill (`per_fill`) or, going back to 0008, one per prescription.

    Not as a batch does it (a copy, the table dropped, the copy renamed): dropping the
    table orphans the compounding records made from its worksheets, and a renamed copy
    never counts as their parent again, so the commit fails on any pharmacy that has
    compounded an order. Here the rows are put aside, the table is dropped and made
    again under its own name, and the rows go back in: each compounding record finds
    its worksheet again before the commit checks the foreign keys.
    """
    op.execute('CREATE TEMPORARY TABLE worksheets_kept AS SELECT * FROM worksheets')
    op.drop_table('worksheets')
    unique = ('prescription_id', 'fill_number') if per_fill else ('prescription_id',)
    fill_number = (
        [sa.Column('fill_number', sa.Integer(), server_default='0', nullable=False)]
        if per_fill else []
    )
    op.create_table(
        'worksheets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('mfr_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        *fill_number,
        sa.ForeignKeyConstraint(
            ['mfr_id'], ['master_formulation_records.id'],
            name=op.f('fk_worksheets_mfr_id_master_formulation_records'),
        ),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_worksheets_prescription_id_prescriptions'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_worksheets')),
        sa.UniqueConstraint(*unique, name=op.f(f"uq_worksheets_{'_'.join(unique)}")),
    )
    columns = 'id, prescription_id, mfr_id, data, created_at' + (', fill_number' if per_fill else '')
    op.execute(f'INSERT INTO worksheets ({columns}) SELECT {columns} FROM worksheets_kept')
    op.execute('DROP TABLE worksheets_kept')


def _dispensed_days() -> None:
    """The day each dispensed order was dispensed, as its status history says: the
    pharmacy's day (PHARMACY_TIMEZONE), as dispensing records it, not UTC's, which is
    already tomorrow on an evening in America."""
    zone = ZoneInfo(str(config.from_environment()['PHARMACY_TIMEZONE']))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT prescription_id, max(at) FROM status_changes "
        "WHERE to_status = 'dispensed' GROUP BY prescription_id"
    )).all()
    for prescription_id, at in rows:
        if not isinstance(at, datetime):  # SQLite: the text of a UTC moment
            at = datetime.fromisoformat(str(at))
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        day = at.astimezone(zone).date()
        if connection.dialect.name == 'sqlite':  # a date as SQLite keeps it: its ISO text
            day = day.isoformat()
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
    records = FILL_RECORDS
    if op.get_bind().dialect.name == 'sqlite':
        _worksheets_made_again(per_fill=False)  # without fill_number: made as in 0008
        records = tuple(table for table in FILL_RECORDS if table != 'worksheets')
    else:
        with op.batch_alter_table('worksheets') as batch_op:
            batch_op.drop_constraint('uq_worksheets_prescription_id_fill_number', type_='unique')
            batch_op.create_unique_constraint('uq_worksheets_prescription_id', ['prescription_id'])
    for table in records:
        op.drop_column(table, 'fill_number')
    for column in ('auto_refill', 'refills_remaining', 'current_refill', 'current_fill'):
        op.drop_column('prescriptions', column)
    op.drop_table('fills')
