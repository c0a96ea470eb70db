"""status history: append-only, as the audit trail

Revision ID: 0008
Revises: 0007
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION status_changes_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'status_changes is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER status_changes_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON status_changes
            FOR EACH STATEMENT EXECUTE FUNCTION status_changes_refuse_change()
        """)
    else:
        for operation in ('UPDATE', 'DELETE'):
            op.execute(f"""
                CREATE TRIGGER status_changes_no_{operation.lower()}
                BEFORE {operation} ON status_changes
                BEGIN SELECT RAISE(ABORT, 'status_changes is append-only: {operation} refused'); END
            """)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS status_changes_append_only ON status_changes')
        op.execute('DROP FUNCTION IF EXISTS status_changes_refuse_change()')
    else:
        for operation in ('update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS status_changes_no_{operation}')
