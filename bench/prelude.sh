# Sourced by the benchmark scripts beside it (not run on its own): which nanoforge binary to
# time and the tools a script needs, each refused with the script's name and exit status 2.

# Sets $nanoforge to PATH (the script's first argument), else the newest build*/builder/nanoforge.
bench_nanoforge() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  nanoforge=${1:-$(ls -t "$root"/build*/builder/nanoforge 2>/dev/null | head -1)}
  [ -x "$nanoforge" ] || { echo "bench/$(basename "$0"): no nanoforge binary${nanoforge:+ at $nanoforge} (build it or pass its path)" >&2; exit 2; }
  nanoforge=$(realpath "$nanoforge")
}

# Exits unless every program named is in PATH.
bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench/$(basename "$0"): needs $tool" >&2; exit 2; }
  done
}
