"""The two database roles of a production deployment.

- The **owner** owns the tables: migrations run as it (`MIGRATION_DATABASE_URL`), and
  only it (or a superuser) could switch off a trigger.
- The **app** role (`DATABASE_URL`) is what the web processes and workers connect as. It
  reads and writes the pharmacy's tables, but may only add to the audit trail and the
  status history: no UPDATE, DELETE or TRUNCATE there, no ALTER TABLE (it owns
  nothing), no `session_replication_role` (not a superuser). So the append-only
  triggers cannot be switched off by the software, nor by anyone holding its password.

`grant_app_role` gives the app role exactly that, after each migration.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

APPEND_ONLY = ("audit_events", "status_changes")
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_app_role(connection: Connection, role: str) -> None:
    if not ROLE_NAME.fullmatch(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM {role}",
        f"REVOKE ALL ON alembic_version FROM {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
    ):
        connection.execute(text(statement))
