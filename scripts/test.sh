#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs the build and test
# packages, builds nanoforge, and runs every test through ctest. The suite starts the real
# components it needs (dockerd on a private socket, a Podman configuration, a registry)
# and stops them when it ends. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --with-test-tools
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
cd build
# Unit tests run in parallel; integration tests are RUN_SERIAL (they share the engines).
ctest -j"$(nproc)" --output-on-failure --timeout 1800
