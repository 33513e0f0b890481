#!/usr/bin/env bash
# The layering DESIGN.md describes, checked on every test run: each library includes only the
# libraries below it, builder/ reaches deploy/ only through the public headers that
# deploy/CMakeLists.txt lists, and only the CLI (builder/cli/) includes the CLI: the build,
# verify and publish report through base/reporter.h and never print. Prints every forbidden include as FILE:LINE and exits 1.
#   check-include-rules.sh [SOURCE_DIR]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

# library -> the project folders its sources may include
declare -A allowed=(
  [base]="base"
  [oci]="base oci"
  [rootfs]="base oci rootfs"
  [venv]="base oci venv"
  [deploy]="base deploy"
  [builder]="base oci rootfs venv deploy builder"
)
public_deploy=$(sed -n '/set(NANOFORGE_DEPLOY_PUBLIC_HEADERS/,/)/p' deploy/CMakeLists.txt |
  tr -s ' \n' '\n' | grep '\.h$')
[ -n "$public_deploy" ] || { echo "check-include-rules: no NANOFORGE_DEPLOY_PUBLIC_HEADERS in deploy/CMakeLists.txt" >&2; exit 2; }

failures=0
for library in "${!allowed[@]}"; do
  while IFS=: read -r file line text; do
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$text")
    top=${target%%/*}
    [ "$top" = "$target" ] && continue   # a header beside the file, not a project folder
    case " ${allowed[$library]} " in
      *" $top "*) ;;
      *) echo "$file:$line: $library/ may not include $target (allowed: ${allowed[$library]})"; failures=$((failures + 1)); continue ;;
    esac
    if [ "$library" = builder ] && [ "$top" = deploy ] && ! grep -qx "${target#deploy/}" <<<"$public_deploy"; then
      echo "$file:$line: builder/ may include only deploy/'s public headers, not $target"
      failures=$((failures + 1))
    fi
  done < <(grep -rn --include='*.h' --include='*.cc' '^#include "' "$library" || true)
done
# builder/'s libraries below the CLI: they take a Reporter and plain option structs.
for part in spec plan verify publish; do
  [ -d "builder/$part" ] || continue
  while IFS=: read -r file line text; do
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$text")
    echo "$file:$line: builder/$part/ may not include $target (only builder/cli/ includes the CLI)"
    failures=$((failures + 1))
  done < <(grep -rn --include='*.h' --include='*.cc' '^#include "builder/cli/' "builder/$part" || true)
done
if [ "$failures" -gt 0 ]; then
  echo "check-include-rules: $failures forbidden include(s)"
  exit 1
fi
echo "check-include-rules: every include follows the layering"
