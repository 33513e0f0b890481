#!/usr/bin/env bash
# The guide's ./scripts/create-instance.sh <instance-name> [port] [model], as nanoforge.
# Run it in the deployment directory. The personality is asked for on a terminal; pass
# --soul assistant|expert|creative|custom (and any other `nanoforge instance create` option) after
# the arguments to choose without asking.
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
if [ $# -lt 1 ]; then
  echo "usage: $0 <instance-name> [port] [model] [--soul assistant|expert|creative|custom]" >&2
  exit 2
fi
exec "$(find_nanoforge)" instance create "$@"
