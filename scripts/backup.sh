#!/usr/bin/env bash
# Dump the database named by DATABASE_URL into a timestamped file:
#
#   scripts/backup.sh [output-directory]      (default: backups/ at the project root)
#
# The dump holds personal data: the directory is created private (700) and the file readable by
# its owner only (600). Restore it with scripts/restore.sh, into a new database.
set -euo pipefail

# Nothing written here may be readable by another account on the server.
umask 077

fail() {
    echo "backup.sh: $*" >&2
    exit 1
}

[[ $# -le 1 ]] || fail "usage: scripts/backup.sh [output-directory]"
url="${DATABASE_URL:-}"
[[ -n "$url" ]] || fail "DATABASE_URL is not set; it must name the PostgreSQL database to dump (postgres://...)."
case "$url" in
    postgres://* | postgresql://*) ;;
    *) fail "DATABASE_URL must be a postgres:// URL; refusing to dump anything else." ;;
esac
# libpq reads both schemes; keep the one its documentation spells out.
url="postgresql://${url#*://}"

# The default does not depend on the current directory, so a cron job finds the same place.
project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
directory="${1:-$project_root/backups}"
mkdir -p -m 700 -- "$directory"

file="$directory/permanences-$(date +%Y%m%d-%H%M%S).dump"
[[ ! -e "$file" ]] || fail "$file already exists; wait a second and run again."
partial="$file.partial"
# A failed dump must not leave a file that looks like a backup.
trap 'rm -f -- "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$partial" -- "$url"
mv -- "$partial" "$file"
trap - EXIT

echo "$file"
echo "size: $(du -h -- "$file" | cut -f1)"
