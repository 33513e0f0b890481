#!/usr/bin/env bash
# The guide's ./scripts/create-instance.sh <instance-name> [port] [model], as nanoforge.
# Run it in the deployment directory. The personality is asked for on a terminal; pass
# --soul assistant|expert|creative|custom (and any other `nanoforge instance create` option) after
# the arguments to choose without asking.
set -euo pipefail
# Finds nanoforge: $NANOFORGE, else `nanoforge` in PATH, else the build tree beside this script.
find_nanoforge() {
  if [ -n "${NANOFORGE:-}" ]; then echo "$NANOFORGE"; return; fi
  if command -v nanoforge >/dev/null 2>&1; then command -v nanoforge; return; fi
  local built
  built="$(cd "$(dirname "$0")/.." && pwd)/build/builder/nanoforge"
  if [ -x "$built" ]; then echo "$built"; return; fi
  echo "nanoforge not found: install it, put it in PATH or set NANOFORGE=/path/to/nanoforge" >&2
  exit 1
}
if [ $# -lt 1 ]; then
  echo "usage: $0 <instance-name> [port] [model] [--soul assistant|expert|creative|custom]" >&2
  exit 2
fi
exec "$(find_nanoforge)" instance create "$@"
