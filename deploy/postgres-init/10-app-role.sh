#!/bin/sh
# First start of the database only (docker-entrypoint-initdb.d): the role the web
# processes and workers connect as. It owns nothing; `pharmacy db upgrade` (run by the
# owner in `migrate`) grants it what it may do (pharmacy/migrations/roles.py).
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$APP_DB_PASSWORD" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE pharmacy_app LOGIN PASSWORD :'app_password';
SQL
