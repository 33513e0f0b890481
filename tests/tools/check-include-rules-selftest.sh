#!/usr/bin/env bash
# Proves check-include-rules.sh can fail: a tree where base/ includes oci/ and builder/
# includes a private deploy/ header must be refused with both lines named.
set -euo pipefail
tree=$(mktemp -d); trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{base,oci,rootfs,venv,deploy,builder}
echo '#include "oci/layout.h"' >"$tree/base/error.cc"
echo '#include "deploy/engine_process.h"' >"$tree/builder/main.cc"
echo '#include "deploy/compose.h"' >"$tree/builder/ok.cc"
printf 'set(NANOFORGE_DEPLOY_PUBLIC_HEADERS\n  compose.h\n  PARENT_SCOPE)\n' >"$tree/deploy/CMakeLists.txt"
if out=$(bash "$(dirname "$0")/check-include-rules.sh" "$tree"); then
  echo "FAIL: the check accepted a forbidden include"; exit 1
fi
grep -q '^base/error.cc:1: base/ may not include oci/layout.h' <<<"$out" || { echo "FAIL: base/ violation not named: $out"; exit 1; }
grep -q '^builder/main.cc:1: builder/ may include only' <<<"$out" || { echo "FAIL: private deploy/ header not named: $out"; exit 1; }
if grep -q 'ok.cc' <<<"$out"; then echo "FAIL: a public deploy/ header was refused"; exit 1; fi
echo "check-include-rules refuses both violations and accepts the public header"
