# Sourced by the guide's wrapper scripts beside it (not run on its own).
# Finds nanoforge: $NANOFORGE, else `nanoforge` in PATH, else the build tree beside this script.
find_nanoforge() {
  if [ -n "${NANOFORGE:-}" ]; then echo "$NANOFORGE"; return; fi
  if command -v nanoforge >/dev/null 2>&1; then command -v nanoforge; return; fi
  local built
  built="$(cd "$(dirname "$0")/.." && pwd)/build/builder/nanoforge"
  if [ -x "$built" ]; then echo "$built"; return; fi
  echo "nanoforge not found: install it, put it in PATH or set NANOFORGE=/path/to/nanoforge" >&2
  exit 1
}
