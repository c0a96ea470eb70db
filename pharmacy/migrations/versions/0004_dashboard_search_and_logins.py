"""dashboard: patient name search keys, queue and audit indexes, failed logins

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import pharmacy.models.base

from pharmacy.domain.search import name_key


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BACKFILL_BATCH = 1000


def upgrade() -> None:
    # The queue searches patients by name prefix, any case and accents: a folded key
    # beside each name, filled in here for the patients already stored.
    # Added NOT NULL with an empty default, which SQLite can do in place (recreating the
    # table would trip the prescriptions' foreign keys); the model fills it on insert.
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_name_key', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('first_name_key', sa.String(length=100), nullable=False, server_default=''))
    _backfill_name_keys()
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_last_name_key', ['last_name_key'], unique=False,
                              postgresql_ops={'last_name_key': 'text_pattern_ops'})
        batch_op.create_index('ix_patients_first_name_key', ['first_name_key'], unique=False,
                              postgresql_ops={'first_name_key': 'text_pattern_ops'})

    # The queue's date filter: orders received on a day.
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.create_index('ix_prescriptions_created_at', ['created_at'], unique=False)
    # The audit view's filter by who did it, newest first.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor', ['actor_name', 'id'], unique=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', pharmacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_username_address_at', ['username', 'address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)


def _backfill_name_keys() -> None:
    connection = op.get_bind()
    patients = sa.table(
        'patients',
        sa.column('id', sa.Integer()),
        sa.column('first_name', sa.String()),
        sa.column('last_name', sa.String()),
        sa.column('first_name_key', sa.String()),
        sa.column('last_name_key', sa.String()),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(patients.c.id, patients.c.first_name, patients.c.last_name)
            .where(patients.c.id > last_id)
            .order_by(patients.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            patients.update()
            .where(patients.c.id == sa.bindparam('row_id'))
            .values(first_name_key=sa.bindparam('first_key'), last_name_key=sa.bindparam('last_key')),
            [
                {'row_id': row.id, 'first_key': name_key(row.first_name), 'last_key': name_key(row.last_name)}
                for row in rows
            ],
        )
        last_id = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index('ix_login_failures_username_address_at')
    op.drop_table('login_failures')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor')
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_prescriptions_created_at')

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_first_name_key')
        batch_op.drop_index('ix_patients_last_name_key')
    # Dropped in place (SQLite 3.35+ can): recreating the table would trip the
    # prescriptions' foreign keys.
    op.drop_column('patients', 'first_name_key')
    op.drop_column('patients', 'last_name_key')
