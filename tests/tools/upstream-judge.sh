#!/usr/bin/env bash
# Run upstream nanobot's own config checks over tests/data/nanobot-configs and
# write tests/data/nanobot-configs/verdicts.json.
#
#   tests/tools/upstream-judge.sh UPSTREAM_CHECKOUT [--commit SHA]
#
# UPSTREAM_CHECKOUT is a git checkout of HKUDS/nanobot.  Uses pyenv's python3
# (or $PYTHON) with pydantic and pydantic-settings installed; see
# tests/tools/upstream_judge.py for what is run and how missing packages are
# replaced.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 1 ]]; then
    echo "usage: $0 UPSTREAM_CHECKOUT [--commit SHA]" >&2
    exit 2
fi
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "$0: error: $python not found (set PYTHON)" >&2
    exit 2
fi
if ! "$python" -c 'import pydantic, pydantic_settings' 2>/dev/null; then
    echo "$0: error: $python cannot import pydantic and pydantic_settings" >&2
    exit 2
fi
exec "$python" -B "$here/upstream_judge.py" "$@"
