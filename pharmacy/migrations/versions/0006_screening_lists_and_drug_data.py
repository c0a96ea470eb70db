"""screening: each order keeps its own lists; drug data versions; patients by name key

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

import pharmacy.models.base
from pharmacy.domain.search import name_key


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LISTS = ('allergies', 'medications', 'conditions')
OLD_UNIQUE = 'uq_patients_clinic_id_last_name_first_name_date_of_birth'
NEW_UNIQUE = 'uq_patients_clinic_name_keys_birth'
BATCH = 1000
FOREIGN_KEY = 'fk_prescriptions_drug_data_version_drug_data_versions'


def upgrade() -> None:
    op.create_table(
        'drug_data_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rxnorm', sa.Text(), nullable=False),
        sa.Column('rxnorm_sha256', sa.String(length=64), nullable=False),
        sa.Column('rxnorm_source', sa.String(length=300), nullable=False),
        sa.Column('terms', sa.Text(), nullable=False),
        sa.Column('terms_sha256', sa.String(length=64), nullable=False),
        sa.Column('terms_source', sa.String(length=300), nullable=False),
        sa.Column('loaded_by', sa.String(length=120), nullable=False),
        sa.Column('loaded_at', pharmacy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_drug_data_versions')),
    )
    # Added in place (no table made again, which the orders' own rows would forbid on
    # SQLite and which would cost it the Rx number count).
    for name in (*LISTS, 'lists_on_record'):
        op.add_column(
            'prescriptions', sa.Column(name, sa.JSON(), nullable=False, server_default='[]')
        )
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE prescriptions ADD COLUMN drug_data_version INTEGER '
            'REFERENCES drug_data_versions (id)'
        )
    else:
        op.add_column('prescriptions', sa.Column('drug_data_version', sa.Integer(), nullable=True))
        op.create_foreign_key(
            FOREIGN_KEY, 'prescriptions', 'drug_data_versions', ['drug_data_version'], ['id']
        )
    # Orders received so far were screened on their patient's lists: they keep the lists
    # on record now, and say so.
    for name in LISTS:
        op.execute(
            f'UPDATE prescriptions SET {name} = '
            f'(SELECT patients.{name} FROM patients WHERE patients.id = prescriptions.patient_id)'
        )
    op.execute(
        'UPDATE prescriptions SET lists_on_record = '
        '\'["allergies", "medications", "conditions"]\''
    )
    _merge_patients_by_name_key()
    op.create_index(
        NEW_UNIQUE,
        'patients',
        ['clinic_id', 'last_name_key', 'first_name_key', 'date_of_birth'],
        unique=True,
    )
    # The exact-name constraint is implied by the new one. SQLite keeps it: dropping a
    # table constraint there means making the table again, which the prescriptions'
    # foreign key forbids.
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(OLD_UNIQUE, 'patients', type_='unique')


def _merge_patients_by_name_key() -> None:
    """Keys made again as names now read; patients whose names read the same ("Dupli
    Cate", "Dupli CATE") and share a birth date are one: their orders move to the
    first of them."""
    connection = op.get_bind()
    patients = sa.table(
        'patients',
        sa.column('id', sa.Integer()),
        sa.column('clinic_id', sa.Integer()),
        sa.column('date_of_birth', sa.Date()),
        sa.column('first_name', sa.String()),
        sa.column('last_name', sa.String()),
        sa.column('first_name_key', sa.String()),
        sa.column('last_name_key', sa.String()),
    )
    prescriptions = sa.table(
        'prescriptions', sa.column('id', sa.Integer()), sa.column('patient_id', sa.Integer())
    )
    first_of: dict[tuple, int] = {}
    merged: dict[int, int] = {}
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(patients).where(patients.c.id > last_id).order_by(patients.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        changed = []
        for row in rows:
            first, last = name_key(row.first_name), name_key(row.last_name)
            key = (row.clinic_id, last, first, row.date_of_birth)
            if key in first_of:
                merged[row.id] = first_of[key]
                continue
            first_of[key] = row.id
            if (first, last) != (row.first_name_key, row.last_name_key):
                changed.append({'row_id': row.id, 'first_key': first, 'last_key': last})
        if changed:
            connection.execute(
                patients.update()
                .where(patients.c.id == sa.bindparam('row_id'))
                .values(
                    first_name_key=sa.bindparam('first_key'),
                    last_name_key=sa.bindparam('last_key'),
                ),
                changed,
            )
        last_id = rows[-1].id
    for duplicate, kept in merged.items():
        connection.execute(
            prescriptions.update()
            .where(prescriptions.c.patient_id == duplicate)
            .values(patient_id=kept)
        )
        connection.execute(patients.delete().where(patients.c.id == duplicate))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.create_unique_constraint(
            OLD_UNIQUE, 'patients', ['clinic_id', 'last_name', 'first_name', 'date_of_birth']
        )
    op.drop_index(NEW_UNIQUE, table_name='patients')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(FOREIGN_KEY, 'prescriptions', type_='foreignkey')
    for name in ('drug_data_version', 'lists_on_record', *reversed(LISTS)):
        op.drop_column('prescriptions', name)
    op.drop_table('drug_data_versions')
