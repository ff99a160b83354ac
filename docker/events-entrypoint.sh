#!/bin/sh
# The event stream's engine as the chart runs it (charts/recsys, eventStream): Debian's PostgreSQL as a non-root
# user. On first start (an empty volume) it makes the data directory with the role POSTGRES_USER, the password
# PGPASSWORD (from the chart's Secret) and a database of the same name, taking password (scram-sha-256) connections
# from any address: the NetworkPolicy says which pods may connect. Then the server runs in the foreground.
set -eu
: "${PGDATA:?the data directory on the volume}" "${PGPASSWORD:?from the chart's Secret}"
user="${POSTGRES_USER:-recsys}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$PGPASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C --no-instructions
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$user\";" | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
