#!/usr/bin/env bash
# The daily commands, in order. Each one runs even when an earlier one failed (anonymising people
# past the retention period must not wait for a scheduling error); the script exits non-zero when
# any failed, so cron mails it and systemd marks the unit failed.
set -u
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
status=0
# Word splitting is wanted: each line is a command and its options.
for command in "generate_occurrences" "build_figures" "anonymise_inactive --apply" "prune_exports" "prune_db_task_results"; do
    echo "== manage.py $command"
    # shellcheck disable=SC2086
    "$PYTHON" manage.py $command || { echo "manage.py $command failed" >&2; status=1; }
done
exit "$status"
