#!/usr/bin/env bash
# Creating N instances and emitting their compose file: time per instance and disk per
# instance (only its own files; the venv and image are shared once), for N = 1, 10, 100.
# Usage: bench/instances.sh [path/to/nanoforge]   (default: build/builder/nanoforge)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nanoforge=${1:-$here/build/builder/nanoforge}
[ -x "$nanoforge" ] || { echo "nanoforge binary not found: $nanoforge (pass its path)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }

printf '%-5s %14s %16s %16s %18s %18s\n' N "create ms/inst" "compose ms (all)" "total s" "disk B/inst (du)" "bytes B/inst (apparent)"
for n in 1 10 100; do
  dir=$work/n$n
  mkdir -p "$dir"
  start=$(now_ns)
  for i in $(seq 1 "$n"); do
    "$nanoforge" -q instance create "bot-$i" --soul assistant --dir "$dir" </dev/null
  done
  created=$(now_ns)
  "$nanoforge" -q compose --dir "$dir"
  composed=$(now_ns)
  disk=$(du -s --block-size=1 "$dir/instances" | cut -f1)
  apparent=$(du -s --apparent-size --block-size=1 "$dir/instances" | cut -f1)
  awk -v n="$n" -v c="$((created - start))" -v e="$((composed - created))" -v d="$disk" -v a="$apparent" \
    'BEGIN { printf "%-5d %14.2f %16.2f %16.3f %18d %18d\n", n, c/n/1e6, e/1e6, (c+e)/1e9, d/n, a/n }'
done
echo "(each create is one nanoforge process: validation, staging, rename and a full compose rewrite)"
