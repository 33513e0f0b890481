#!/usr/bin/env bash
# The guide's ./scripts/update-venv.sh: rebuilds ./venv only when one of the project's files
# (pyproject.toml and the sources: git ls-files in a git work tree, else every file but build
# output and the deployment's own state), the lock or the interpreter changed (a change to the
# sources alone reinstalls just the project), swaps it in atomically and keeps the previous one as ./venv.backup
# (`nanoforge venv rollback` brings it back). --force is the guide's 强制更新: rebuild anyway.
# Every other `nanoforge venv update` option passes through (--project DIR, --find-links DIR, ...).
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" venv update "$@"
