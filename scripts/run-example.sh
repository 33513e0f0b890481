#!/usr/bin/env bash
# The main job on the embedded example: installs what nanoforge needs, builds it, builds
# examples/nanoforge.yaml (runtime image, venv, self-contained image), and verifies the
# result — with the in-container checks when Docker or Podman can run here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
nanoforge=build/builder/nanoforge

# No PyPI here: the example's build backend (setuptools, wheel) comes from the wheels that
# CPython 3.12 installs ship in lib/python3.12/test/. Find such a directory on this machine.
find_links=()
for prefix in "$(pyenv prefix 3.12 2>/dev/null || true)" "$HOME"/.pyenv/versions/3.12* /usr/local /usr; do
  [ -n "$prefix" ] || continue
  for dir in "$prefix"/lib/python3.12/test; do
    if compgen -G "$dir/setuptools-*.whl" >/dev/null; then find_links=(--find-links "$dir"); break 2; fi
  done
done

"$nanoforge" build -f examples/nanoforge.yaml "${find_links[@]}"
run=()
if docker version >/dev/null 2>&1; then run=(--run); fi
"$nanoforge" verify -f examples/nanoforge.yaml "${run[@]}"
