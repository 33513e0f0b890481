#!/usr/bin/env bash
# The guide's ./scripts/stop-all.sh: stops every instance (containers are kept; `nanoforge down`
# removes them and the network).
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" stop "$@"
