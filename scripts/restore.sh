#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a NEW database on the server of DATABASE_URL:
#
#   scripts/restore.sh DUMP_FILE NEW_DATABASE_NAME
#
# It never writes into an existing database: the application's database is left untouched until
# an operator points DATABASE_URL at the restored one.
set -euo pipefail

fail() {
    echo "restore.sh: $*" >&2
    exit 1
}

[[ $# -eq 2 ]] || fail "usage: scripts/restore.sh DUMP_FILE NEW_DATABASE_NAME"
dump="$1"
name="$2"
# The name goes into SQL and into a URL: allow nothing that would need quoting in either.
[[ "$name" =~ ^[a-z0-9_]+$ ]] || fail "the database name may only hold a-z, 0-9 and _; got '$name'."
[[ -f "$dump" && -r "$dump" ]] || fail "$dump is not a readable file."

url="${DATABASE_URL:-}"
[[ -n "$url" ]] || fail "DATABASE_URL is not set; it names the PostgreSQL server to restore on (postgres://...)."
case "$url" in
    postgres://* | postgresql://*) ;;
    *) fail "DATABASE_URL must be a postgres:// URL." ;;
esac

# Same host, port, user and parameters as DATABASE_URL; only the database name changes.
rest="${url#*://}"
query=""
if [[ "$rest" == *\?* ]]; then
    query="?${rest#*\?}"
    rest="${rest%%\?*}"
fi
authority="${rest%%/*}"
database_url() {
    echo "postgresql://$authority/$1$query"
}
# The application's own database may be the one that was lost: work from the maintenance one.
maintenance_url="$(database_url postgres)"
new_url="$(database_url "$name")"

exists="$(psql --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
    --command="SELECT 1 FROM pg_database WHERE datname = '$name'" -- "$maintenance_url")"
[[ -z "$exists" ]] || fail "database $name already exists; restore into a new name, never over a database."

pg_restore --list -- "$dump" >/dev/null || fail "$dump is not a dump made by pg_dump --format=custom."

psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --command="CREATE DATABASE \"$name\"" -- "$maintenance_url"
# Only the database this run created is dropped, and only when the restore failed.
trap 'echo "restore.sh: the restore failed; dropping $name." >&2
      psql --no-psqlrc --quiet --command="DROP DATABASE IF EXISTS \"$name\"" -- "$maintenance_url" || true' EXIT
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$new_url" -- "$dump"
trap - EXIT

# Show the URL without its password, which the operator already has.
shown="$authority"
if [[ "$authority" == *@* ]]; then
    userinfo="${authority%@*}"
    [[ "$userinfo" != *:* ]] || shown="${userinfo%%:*}:********@${authority##*@}"
fi
echo "Restored $dump into the new database $name."
echo "To run the application on it, set (with the password of your current DATABASE_URL, if any):"
echo "  DATABASE_URL=postgresql://$shown/$name$query"
