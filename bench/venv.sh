#!/usr/bin/env bash
# Measures `nanoforge venv` against doing it by hand (python -m venv + pip install) with the
# local CPython 3.12 and the example project, offline: sizes before/after pruning, build time
# cold and warm, the no-change update, interpreter start-up, and byte-for-byte repeatability.
# Usage: bench/venv.sh [path/to/nanoforge]   (default: the newest build*/builder/nanoforge)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
prefix=$(pyenv prefix 3.12.1 2>/dev/null || ls -d "$HOME"/.pyenv/versions/3.12.* | head -1)
[ -x "$prefix/bin/python3.12" ] || { echo "bench/venv.sh: no CPython 3.12 install" >&2; exit 1; }
bench_require hyperfine

work=$(mktemp -d /tmp/nanoforge-bench-venv.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/wheels"
cp "$prefix"/lib/python3.12/test/setuptools-*.whl "$prefix"/lib/python3.12/test/wheel-*.whl "$work/wheels/"
cp -r "$here/examples/gateway" "$work/project"
args=(--project "$work/project" -o "$work/venv" --python "$prefix" --no-index --find-links "$work/wheels")
nf() { "$nanoforge" --cache-dir "$work/cache" "$@"; }
seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $start" | bc; }
size_of() { du -sb --apparent-size "$@" | awk '{s+=$1} END {printf "%.1f MB", s/1e6}'; }
files_of() { find "$@" | wc -l; }

cold=$(seconds nf venv build "${args[@]}")
warm=$(seconds nf venv update --force "${args[@]}")
first=$(sha256sum < "$work/venv.backup.tar.gz" | cut -c1-16)
second=$(sha256sum < "$work/venv.tar.gz" | cut -c1-16)
by_hand() {
  rm -rf "$work/hand"
  "$prefix/bin/python3.12" -m venv "$work/hand"
  "$work/hand/bin/pip" install --disable-pip-version-check --no-index --find-links "$work/wheels" "$work/project"
}
hand=$(seconds by_hand)

interp=("$work/venv/bin" "$work/venv/lib/libpython3.12.so.1.0" "$work/venv/include")
stdlib=$(find "$work/venv/lib/python3.12" -mindepth 1 -maxdepth 1 ! -name site-packages)
echo
echo "== venv size (CPython $("$prefix/bin/python3.12" -c 'import platform; print(platform.python_version())'), example project)"
printf '%-44s %12s %8s\n' "" SIZE FILES
printf '%-44s %12s %8s\n' "source install ($prefix)" "$(size_of "$prefix")" "$(files_of "$prefix")"
printf '%-44s %12s %8s\n' "venv interpreter + stdlib (pruned, stripped)" "$(size_of "${interp[@]}" $stdlib)" "$(files_of "${interp[@]}" $stdlib)"
printf '%-44s %12s %8s\n' "whole venv" "$(size_of "$work/venv")" "$(files_of "$work/venv")"
printf '%-44s %12s\n' "venv.tar.gz" "$(size_of "$work/venv.tar.gz")"
printf '%-44s %12s\n' "by hand (python -m venv + pip), no stdlib" "$(size_of "$work/hand")"
echo
echo "== build time"
printf '%-44s %8.2f s\n' "nanoforge venv build (cold cache)" "$cold"
printf '%-44s %8.2f s\n' "nanoforge venv update --force (warm cache)" "$warm"
printf '%-44s %8.2f s\n' "python -m venv + pip install (by hand)" "$hand"
echo "venv.tar.gz of two builds: $first / $second ($([ "$first" = "$second" ] && echo identical || echo DIFFERENT))"
echo
echo "== venv update with nothing changed"
hyperfine -N --warmup 1 --runs 10 "$nanoforge --cache-dir $work/cache venv update ${args[*]}" 2>/dev/null | grep -E 'Time|Range'
echo
echo "== interpreter start: python -c pass"
hyperfine -N --warmup 3 --runs 30 "$work/venv/bin/python -c pass" "$prefix/bin/python3.12 -c pass" 2>/dev/null |
  grep -E 'Benchmark|Time|faster|±'
