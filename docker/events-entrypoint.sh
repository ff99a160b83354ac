#!/bin/sh
# The event stream's engine as the chart runs it (charts/recsys, eventStream): Debian's PostgreSQL as a non-root
# user. On first start (an empty volume) it makes the data directory with the role POSTGRES_USER, the password
# PGPASSWORD (from the chart's Secret) and a database of the same name, taking password (scram-sha-256) connections
# from any address: the NetworkPolicy says which pods may connect. Then the server runs in the foreground (extra
# arguments go to postgres).
# The first start builds everything in $PGDATA.init and renames it to $PGDATA only when complete, so a start killed
# half-way (OOM, eviction) leaves no data directory that looks initialised: the next start begins again.
set -eu
: "${PGDATA:?the data directory on the volume}" "${PGPASSWORD:?from the chart's Secret}"
user="${POSTGRES_USER:-recsys}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  staging="$PGDATA.init"
  rm -rf "$staging"
  mkdir -p "$staging"
  chmod 700 "$staging"
  pwfile="$(mktemp)"
  printf '%s\n' "$PGPASSWORD" >"$pwfile"
  initdb -D "$staging" -U "$user" --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C --no-instructions
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$staging/pg_hba.conf"
  echo "CREATE DATABASE \"$user\";" | postgres --single -D "$staging" -j postgres >/dev/null
  rm -rf "$PGDATA"
  mv "$staging" "$PGDATA"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
