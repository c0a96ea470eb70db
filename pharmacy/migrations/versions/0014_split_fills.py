"""split fills: a fill made in parts when its beyond-use date comes before its supply ends

Revision ID: 0014
Revises: 0013

The part in progress on the prescription's row (`fill_first_day`, `fill_days`) and on
each fill's row (`first_day`, `days`). Every fill so far is whole: first day 0, days
empty (to the end). Added in place, as 0010 added `renews_id`.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, first, days in (
        ('prescriptions', 'fill_first_day', 'fill_days'),
        ('fills', 'first_day', 'days'),
    ):
        op.add_column(
            table, sa.Column(first, sa.Integer(), server_default='0', nullable=False)
        )
        op.add_column(table, sa.Column(days, sa.Integer(), nullable=True))


def downgrade() -> None:
    for table, first, days in (
        ('prescriptions', 'fill_first_day', 'fill_days'),
        ('fills', 'first_day', 'days'),
    ):
        op.drop_column(table, days)
        op.drop_column(table, first)
