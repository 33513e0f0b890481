#!/usr/bin/env bash
# The guide's ./scripts/start-all.sh: writes docker-compose.yml and starts every instance
# (or the ones named) with whichever engine is there.
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" up "$@"
