#!/usr/bin/env bash
# The guide's ./scripts/setup-venv.sh: builds the shared venv (./venv with Python 3.12 and the
# project of ./pyproject.toml, ./venv.tar.gz, ./venv/VERSION.txt), always from scratch.
# Any `nanoforge venv build` option passes through, e.g. --project DIR (pyproject.toml elsewhere),
# --find-links DIR --no-index (offline), --index-url URL (a PyPI mirror).
set -euo pipefail
. "$(dirname "$0")/find-nanoforge.sh"
exec "$(find_nanoforge)" venv build "$@"
