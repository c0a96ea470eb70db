"""the balance and the lots: water content, assay basis, certificate of analysis; the capsule fill weight

Revision ID: 0015
Revises: 0014

Lots get `water_percent` (empty), `assay_basis` ('as_is' for every lot so far: the
assays were taken as they are) and `coa_number` (empty), added in place as 0014 added
its columns.

The data the pharmacy edits, as new versions, the old ones kept (orders name them):
- a capsule formula still at the seeded 225 mg fill weight (a dense filler's, not MCC
  PH-102's) gets a new version at 120 mg;
- the newest price list gets a new version with a price for the oral syringe, when it
  has none;
- the balance's readability (1 mg) and the weighing tolerance (5 %) join the settings.
A database with no formulas, prices or settings yet is left to the defaults' loader.
The downgrade drops the columns and keeps the versions: they are valid data before it.
"""

from datetime import UTC, datetime
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

BY = 'system:migration 0015'
OLD_FILL_MG, NEW_FILL_MG = Decimal('225'), '120'
SYRINGE_PRICE = {'oral_syringe_each': '0.30'}
SETTINGS = {'balance_readability_mg': '1', 'weighing_tolerance_percent': '5'}

formulas = sa.table(
    'master_formulation_records',
    sa.column('id', sa.Integer),
    sa.column('dosage_form', sa.String),
    sa.column('version', sa.Integer),
    sa.column('name', sa.String),
    sa.column('formula', sa.JSON),
    sa.column('created_by', sa.String),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
price_lists = sa.table(
    'price_lists',
    sa.column('id', sa.Integer),
    sa.column('version', sa.Integer),
    sa.column('prices', sa.JSON),
    sa.column('created_by', sa.String),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
settings = sa.table(
    'settings',
    sa.column('key', sa.String),
    sa.column('value', sa.JSON),
    sa.column('updated_at', sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.add_column('lots', sa.Column('water_percent', sa.Numeric(5, 2), nullable=True))
    op.add_column(
        'lots',
        sa.Column('assay_basis', sa.String(length=10), server_default='as_is', nullable=False),
    )
    op.add_column('lots', sa.Column('coa_number', sa.String(length=60), nullable=True))
    bind = op.get_bind()
    now = datetime.now(UTC)
    _capsule_fill_weight(bind, now)
    _syringe_price(bind, now)
    known = set(bind.scalars(sa.select(settings.c.key)))
    missing = [
        {'key': key, 'value': value, 'updated_at': now}
        for key, value in SETTINGS.items()
        if key not in known
    ]
    if known and missing:
        bind.execute(settings.insert(), missing)


def _capsule_fill_weight(bind, now: datetime) -> None:
    newest = bind.execute(
        sa.select(formulas.c.version, formulas.c.name, formulas.c.formula)
        .where(formulas.c.dosage_form == 'capsule')
        .order_by(formulas.c.version.desc())
        .limit(1)
    ).first()
    if newest is None:
        return
    fill = newest.formula.get('fill_weight_mg')
    if fill is None or Decimal(str(fill)) != OLD_FILL_MG:
        return  # the pharmacy set its own: it is its pack statistic, not the seed's
    bind.execute(
        formulas.insert().values(
            dosage_form='capsule',
            version=newest.version + 1,
            name=newest.name,
            formula={**newest.formula, 'fill_weight_mg': NEW_FILL_MG},
            created_by=BY,
            created_at=now,
        )
    )


def _syringe_price(bind, now: datetime) -> None:
    newest = bind.execute(
        sa.select(price_lists.c.version, price_lists.c.prices)
        .order_by(price_lists.c.version.desc())
        .limit(1)
    ).first()
    if newest is None or set(SYRINGE_PRICE) <= set(newest.prices):
        return
    bind.execute(
        price_lists.insert().values(
            version=newest.version + 1,
            prices={**newest.prices, **SYRINGE_PRICE},
            created_by=BY,
            created_at=now,
        )
    )


def downgrade() -> None:
    op.drop_column('lots', 'coa_number')
    op.drop_column('lots', 'assay_basis')
    op.drop_column('lots', 'water_percent')
