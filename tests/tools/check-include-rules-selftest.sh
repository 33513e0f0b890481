#!/usr/bin/env bash
# Proves check-include-rules.sh can fail: a tree where base/ includes oci/, builder/
# includes a private deploy/ header and builder/verify/ includes the CLI's console must be
# refused with every line named.
set -euo pipefail
tree=$(mktemp -d); trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{base,oci,rootfs,venv,deploy,builder/verify,builder/cli}
echo '#include "oci/layout.h"' >"$tree/base/error.cc"
echo '#include "deploy/engine_process.h"' >"$tree/builder/main.cc"
echo '#include "deploy/compose.h"' >"$tree/builder/ok.cc"
printf '#include "base/reporter.h"\n#include "builder/cli/console.h"\n' >"$tree/builder/verify/verify.h"
echo '#include "builder/cli/console.h"' >"$tree/builder/cli/main.cc"
printf 'set(NANOFORGE_DEPLOY_PUBLIC_HEADERS\n  compose.h\n  PARENT_SCOPE)\n' >"$tree/deploy/CMakeLists.txt"
if out=$(bash "$(dirname "$0")/check-include-rules.sh" "$tree"); then
  echo "FAIL: the check accepted a forbidden include"; exit 1
fi
grep -q '^base/error.cc:1: base/ may not include oci/layout.h' <<<"$out" || { echo "FAIL: base/ violation not named: $out"; exit 1; }
grep -q '^builder/main.cc:1: builder/ may include only' <<<"$out" || { echo "FAIL: private deploy/ header not named: $out"; exit 1; }
grep -q '^builder/verify/verify.h:2: builder/verify/ may not include builder/cli/console.h' <<<"$out" ||
  { echo "FAIL: a library including the CLI not named: $out"; exit 1; }
if grep -q 'ok.cc' <<<"$out"; then echo "FAIL: a public deploy/ header was refused"; exit 1; fi
if grep -q 'builder/cli/main.cc' <<<"$out"; then echo "FAIL: the CLI including itself was refused"; exit 1; fi
grep -q '^check-include-rules: 3 forbidden include' <<<"$out" || { echo "FAIL: expected exactly 3 violations: $out"; exit 1; }
echo "check-include-rules refuses the three violations and accepts the public header and the CLI's own include"
