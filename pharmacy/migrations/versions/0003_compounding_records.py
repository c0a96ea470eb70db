"""compounding records

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import pharmacy.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One record per order: what was made, from which lots, its QC, who made and verified it.
    # The QC tolerance settings it reads are data, added by `pharmacy db upgrade`
    # (reference_data.load_defaults) where absent, like every other default.
    op.create_table('compounding_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('worksheet_id', sa.Integer(), nullable=False),
    sa.Column('mfr_id', sa.Integer(), nullable=False),
    sa.Column('compounded_on', sa.Date(), nullable=False),
    sa.Column('compounded_by', sa.Integer(), nullable=False),
    sa.Column('compounded_at', pharmacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('quantity_made', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('quantity_unit', sa.String(length=10), nullable=False),
    sa.Column('qc', sa.JSON(), nullable=False),
    sa.Column('qc_passed', sa.Boolean(), nullable=False),
    sa.Column('deviations', sa.Text(), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', pharmacy.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['compounded_by'], ['users.id'], name=op.f('fk_compounding_records_compounded_by_users')),
    sa.ForeignKeyConstraint(['mfr_id'], ['master_formulation_records.id'], name=op.f('fk_compounding_records_mfr_id_master_formulation_records')),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_compounding_records_prescription_id_prescriptions')),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_compounding_records_verified_by_users')),
    sa.ForeignKeyConstraint(['worksheet_id'], ['worksheets.id'], name=op.f('fk_compounding_records_worksheet_id_worksheets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compounding_records')),
    sa.UniqueConstraint('prescription_id', name=op.f('uq_compounding_records_prescription_id'))
    )


def downgrade() -> None:
    op.drop_table('compounding_records')
