#!/bin/bash
# docker-entrypoint-initdb.d hook of the db service: creates Kasane's owner and app
# roles (see init-roles.sql) from the environment, once, on an empty data volume.
set -euo pipefail
psql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner="$KASANE_DB_OWNER" -v owner_password="$KASANE_DB_OWNER_PASSWORD" \
    -v app="$KASANE_DB_APP" -v app_password="$KASANE_DB_APP_PASSWORD" \
    -f /kasane/init-roles.sql
