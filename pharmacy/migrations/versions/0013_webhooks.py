"""webhooks: clinics' endpoints, the events made for them and each delivery

Revision ID: 0013
Revises: 0012

Four new tables. No clinic has an endpoint yet, so no event is owed for what happened
before: the scan marks start at the highest status change and audit event there are.
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
REFILL_DUE = "type = 'prescription.refill_due'"
PENDING = "state = 'pending'"


def upgrade() -> None:
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.Uuid(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['clinic_id'], ['clinics.id'], name=op.f('fk_webhook_endpoints_clinic_id_clinics')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
        sa.UniqueConstraint('uid', name=op.f('uq_webhook_endpoints_uid')),
    )
    op.create_index(
        op.f('ix_webhook_endpoints_clinic_id'), 'webhook_endpoints', ['clinic_id']
    )
    op.create_table(
        'webhook_events',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('uid', sa.Uuid(), nullable=False),
        sa.Column('type', sa.String(length=60), nullable=False),
        sa.Column('prescription_id', sa.Integer(), nullable=False),
        sa.Column('fill_number', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('status_change_id', sa.Integer(), nullable=True),
        sa.Column('audit_event_id', BIG_ID, nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['prescription_id'], ['prescriptions.id'],
            name=op.f('fk_webhook_events_prescription_id_prescriptions'),
        ),
        sa.ForeignKeyConstraint(
            ['status_change_id'], ['status_changes.id'],
            name=op.f('fk_webhook_events_status_change_id_status_changes'),
        ),
        sa.ForeignKeyConstraint(
            ['audit_event_id'], ['audit_events.id'],
            name=op.f('fk_webhook_events_audit_event_id_audit_events'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
        sa.UniqueConstraint('uid', name=op.f('uq_webhook_events_uid')),
        sa.UniqueConstraint(
            'prescription_id', 'sequence',
            name=op.f('uq_webhook_events_prescription_id_sequence'),
        ),
        sa.UniqueConstraint(
            'status_change_id', name=op.f('uq_webhook_events_status_change_id')
        ),
        sa.UniqueConstraint('audit_event_id', name=op.f('uq_webhook_events_audit_event_id')),
    )
    op.create_index(
        'ix_webhook_events_refill_due', 'webhook_events', ['prescription_id', 'fill_number'],
        unique=True, postgresql_where=sa.text(REFILL_DUE), sqlite_where=sa.text(REFILL_DUE),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('event_id', BIG_ID, nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('give_up_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['webhook_events.id'],
            name=op.f('fk_webhook_deliveries_event_id_webhook_events'),
        ),
        sa.ForeignKeyConstraint(
            ['endpoint_id'], ['webhook_endpoints.id'],
            name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
        sa.UniqueConstraint(
            'event_id', 'endpoint_id', name=op.f('uq_webhook_deliveries_event_id_endpoint_id')
        ),
    )
    op.create_index(
        'ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'],
        postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING),
    )
    op.create_index(
        'ix_webhook_deliveries_endpoint_state', 'webhook_deliveries', ['endpoint_id', 'state']
    )
    marks = op.create_table(
        'webhook_scan_marks',
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('after_id', sa.BigInteger(), nullable=False),
        sa.Column('seen_id', sa.BigInteger(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_webhook_scan_marks')),
    )
    connection = op.get_bind()
    rows = []
    for source in ('status_changes', 'audit_events'):
        highest = connection.scalar(sa.text(f'SELECT coalesce(max(id), 0) FROM {source}'))
        rows.append({'source': source, 'after_id': highest, 'seen_id': highest})
    # When refills that became due were last looked for: never yet.
    rows.append({'source': 'refills_due', 'after_id': 0, 'seen_id': 0})
    op.bulk_insert(marks, rows)


def downgrade() -> None:
    op.drop_table('webhook_scan_marks')
    op.drop_index('ix_webhook_deliveries_endpoint_state', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_webhook_events_refill_due', table_name='webhook_events')
    op.drop_table('webhook_events')
    op.drop_index(op.f('ix_webhook_endpoints_clinic_id'), table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
