"""clarifications: a pharmacist's question to the prescriber, and prescription versions

Revision ID: 0012
Revises: 0011

Two new tables. No prescription so far was asked a question or changed, so both start
empty (a prescription with no version rows is its first version).
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'clarifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('fill_number', sa.Integer(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('asked_by', sa.String(length=120), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=20), server_default='asked', nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_clarifications_prescription_id_prescriptions'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clarifications')),
    )
    op.create_index(
        op.f('ix_clarifications_prescription_id'), 'clarifications', ['prescription_id']
    )
    op.create_table(
        'prescription_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.Column('clarification_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_prescription_versions_prescription_id_prescriptions'),
        ),
        sa.ForeignKeyConstraint(
            ['clarification_id'], ['clarifications.id'],
            name=op.f('fk_prescription_versions_clarification_id_clarifications'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prescription_versions')),
        sa.UniqueConstraint(
            'prescription_id', 'number', name=op.f('uq_prescription_versions_prescription_id_number')
        ),
    )


def downgrade() -> None:
    op.drop_table('prescription_versions')
    op.drop_index(op.f('ix_clarifications_prescription_id'), table_name='clarifications')
    op.drop_table('clarifications')
