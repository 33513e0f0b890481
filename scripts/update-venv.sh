#!/usr/bin/env bash
# The guide's ./scripts/update-venv.sh: rebuilds ./venv only when pyproject.toml, the lock or the
# interpreter changed, swaps it in atomically and keeps the previous one as ./venv.backup
# (`nanoforge venv rollback` brings it back). --force is the guide's 强制更新: rebuild anyway.
# Every other `nanoforge venv update` option passes through (--project DIR, --find-links DIR, ...).
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" venv update "$@"
