#!/usr/bin/env bash
# Creating N instances and emitting their compose file: time per instance and disk per
# instance (only its own files; the venv and image are shared once), for N = 1, 10, 100.
# Usage: bench/instances.sh [path/to/nanoforge]   (default: the newest build*/builder/nanoforge)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }

# The floor under every create: starting the binary (dynamic loading of its libraries, static
# initialisation, the command-line parser) without doing anything.
runs=20
start=$(now_ns)
startup_cpu=$(/usr/bin/time -f '%U %S' bash -c 'for i in $(seq 1 "$2"); do "$1" --version >/dev/null; done' _ "$nanoforge" "$runs" 2>&1 | tail -1)
ended=$(now_ns)
awk -v n="$runs" -v w="$((ended - start))" -v cpu="$startup_cpu" \
  'BEGIN { split(cpu, t, " "); printf "process start-up (nanoforge --version, mean of %d): %.2f ms wall, %.2f ms cpu\n\n", n, w/n/1e6, (t[1]+t[2])*1000/n }'

# One table a place: the deployment directory's disk (where users keep it), and a tmpfs when
# there is one, which leaves out what creating an instance's dozen files and directories costs
# the disk's file system (on some virtual disks that kernel time is most of a create).
table() {  # table WORK_DIR
  local base=$1
  printf '%-5s %14s %14s %14s %16s %12s %18s %18s\n' N "create ms/inst" "cpu ms/inst" "kernel ms/inst" "compose ms (all)" "total s" "disk B/inst (du)" "bytes B/inst (apparent)"
  for n in 1 10 100; do
    local dir=$base/n$n
    mkdir -p "$dir"
    local start created composed cpu disk apparent
    start=$(now_ns)
    # CPU time too: on a shared machine the wall clock mostly measures the neighbours.
    cpu=$(/usr/bin/time -f '%U %S' bash -c '
      for i in $(seq 1 "$2"); do "$1" -q instance create "bot-$i" --soul assistant --dir "$3" </dev/null || exit 1; done
    ' _ "$nanoforge" "$n" "$dir" 2>&1 >/dev/null | tail -1)
    created=$(now_ns)
    "$nanoforge" -q compose --dir "$dir"
    composed=$(now_ns)
    disk=$(du -s --block-size=1 "$dir/instances" | cut -f1)
    apparent=$(du -s --apparent-size --block-size=1 "$dir/instances" | cut -f1)
    awk -v n="$n" -v c="$((created - start))" -v e="$((composed - created))" -v d="$disk" -v a="$apparent" -v cpu="$cpu" \
      'BEGIN { split(cpu, t, " "); printf "%-5d %14.2f %14.2f %14.2f %16.2f %12.3f %18d %18d\n", n, c/n/1e6, (t[1]+t[2])*1000/n, t[2]*1000/n, e/1e6, (c+e)/1e9, d/n, a/n }'
  done
}

echo "== the deployment on $(df --output=fstype "$work" | tail -1) ($work)"
table "$work"
shm=/dev/shm
if [ "$(stat -f -c %T "$shm" 2>/dev/null)" = tmpfs ] && [ -w "$shm" ]; then
  ram=$(mktemp -d "$shm/nanoforge-bench-XXXXXX")
  trap 'rm -rf "$work" "$ram"' EXIT
  echo
  echo "== the same on tmpfs ($ram)"
  table "$ram"
fi
echo "(each create is one nanoforge process: validation, staging, rename and a full compose rewrite)"
