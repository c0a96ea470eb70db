"""the batch record's steps, and reorder points

Revision ID: 0016
Revises: 0015

`compounding_records.steps`: each step of the MFR's procedure as ticked at the bench
(empty for every record so far: they were made before the MFRs had a procedure).
`ingredients.reorder_point`: empty, so no ingredient is reported low until the pharmacy
sets one. Each formula gets its procedure as a new version made from its latest one
(read now, so whatever 0015 or the pharmacy changed is kept); older versions stay as
they are, and so do the orders made with them.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

MADE_BY = 'migration:0016'

# The procedure as it stood when this migration was written (the seeds carry the same;
# a migration never reads the application's constants, which move on).
EQUIPMENT = {
    'capsule': [
        'Analytical balance BAL-01, checked with its test weight',
        'Glass mortar and pestle, spatulas, weighing boats',
        'Capsule filling machine for size #3 capsules',
    ],
    'oral_liquid': [
        'Analytical balance BAL-01, checked with its test weight',
        'Glass beaker, stirring rod, graduated cylinder of the batch volume',
    ],
}
PROCEDURE = {
    'capsule': [
        {
            'id': 'prepare',
            'title': 'Prepare',
            'text': 'Clean the bench and the equipment. Check balance BAL-01 with its test '
            'weight. Check each lot against the worksheet: number, expiry, not quarantined.',
        },
        {
            'id': 'weigh',
            'title': 'Weigh',
            'text': 'Weigh each ingredient on balance BAL-01 as the worksheet says (the '
            'aliquot where it prescribes one) and write down each actual weight and lot.',
        },
        {
            'id': 'geometric_dilution',
            'title': 'Geometric dilution',
            'text': 'Triturate the naltrexone HCl (or its portion of triturate) with an equal '
            'amount of the filler in the mortar; add filler in amounts equal to the blend '
            'until all of it is in.',
        },
        {
            'id': 'mix',
            'title': 'Mix',
            'text': 'Mix the blend for at least 5 minutes, until its appearance is uniform.',
            'minutes': 5,
        },
        {
            'id': 'encapsulate',
            'title': 'Encapsulate',
            'text': 'Fill the size #3 clear capsules on the capsule machine, tamping evenly to '
            'the fill weight; close them and wipe them clean.',
        },
        {
            'id': 'qc_weight',
            'title': 'QC: capsule weight',
            'text': 'Weigh a sample of 10 filled capsules: each net fill weight within the '
            'formula fill weight ± the capsule weight tolerance.',
            'check': 'capsule_weight',
        },
        {
            'id': 'qc_appearance',
            'title': 'QC: appearance',
            'text': 'Capsules closed, clean, uniform, not dented, no powder outside.',
        },
        {
            'id': 'qc_yield',
            'title': 'QC: yield',
            'text': 'Count the capsules made: the yield is within 95-105 % of the batch.',
            'check': 'yield',
            'yield_percent': ['95', '105'],
        },
    ],
    'oral_liquid': [
        {
            'id': 'prepare',
            'title': 'Prepare',
            'text': 'Clean the bench and the equipment. Check balance BAL-01 with its test '
            'weight. Check each lot against the worksheet: number, expiry, not quarantined.',
        },
        {
            'id': 'weigh',
            'title': 'Weigh',
            'text': 'Weigh the naltrexone HCl on balance BAL-01 as the worksheet says and '
            'write down the actual weight and lot.',
        },
        {
            'id': 'dissolve',
            'title': 'Dissolve',
            'text': 'Dissolve the naltrexone HCl in about half of the vehicle in the beaker.',
        },
        {
            'id': 'qs_mix',
            'title': 'Bring to volume and mix',
            'text': 'Bring to the batch volume with the vehicle in the graduated cylinder and '
            'mix for at least 5 minutes.',
            'minutes': 5,
        },
        {
            'id': 'qc_volume',
            'title': 'QC: final volume',
            'text': 'Measure the final volume: within the batch volume ± the volume tolerance.',
            'check': 'liquid_volume',
        },
        {
            'id': 'qc_appearance',
            'title': 'QC: appearance',
            'text': 'Clear, colourless to faintly yellow, free of particles.',
        },
        {
            'id': 'qc_yield',
            'title': 'QC: yield',
            'text': 'The volume bottled is within 95-105 % of the batch.',
            'check': 'yield',
            'yield_percent': ['95', '105'],
        },
    ],
}

records = sa.table(
    'master_formulation_records',
    sa.column('id', sa.Integer),
    sa.column('dosage_form', sa.String),
    sa.column('version', sa.Integer),
    sa.column('name', sa.String),
    sa.column('formula', sa.JSON),
    sa.column('created_by', sa.String),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    # Added in place (no table made again, which would cost SQLite the Rx number count),
    # as 0010 added `renews_id`.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE compounding_records ADD COLUMN steps JSON DEFAULT '[]' NOT NULL")
        op.execute('ALTER TABLE ingredients ADD COLUMN reorder_point NUMERIC(12, 2)')
    else:
        op.add_column(
            'compounding_records',
            sa.Column('steps', sa.JSON(), server_default='[]', nullable=False),
        )
        op.add_column('ingredients', sa.Column('reorder_point', sa.Numeric(12, 2), nullable=True))
    _procedure_versions()


def _procedure_versions() -> None:
    """A new version of each formula's latest, with its procedure, unless it has one."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    for dosage_form, steps in PROCEDURE.items():
        latest = bind.execute(
            sa.select(records.c.version, records.c.name, records.c.formula)
            .where(records.c.dosage_form == dosage_form)
            .order_by(records.c.version.desc())
            .limit(1)
        ).first()
        if latest is None or 'procedure' in latest.formula:
            continue  # an empty database is seeded with it; a formula that has one keeps it
        formula = copy.deepcopy(latest.formula)
        formula['equipment'] = EQUIPMENT[dosage_form]
        formula['procedure'] = steps
        bind.execute(
            records.insert().values(
                dosage_form=dosage_form,
                version=latest.version + 1,
                name=latest.name,
                formula=formula,
                created_by=MADE_BY,
                created_at=now,
            )
        )


def downgrade() -> None:
    # The formula versions it made stay: orders may have been made with them, and a
    # formula's procedure is only read where it is there.
    op.drop_column('ingredients', 'reorder_point')
    op.drop_column('compounding_records', 'steps')
