#!/usr/bin/env bash
# The guide's ./scripts/status.sh: state, health, CPU and memory of every instance
# (--json for machines).
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" status "$@"
