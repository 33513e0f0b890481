#!/usr/bin/env bash
# Runtime-image benchmark (issue 3, "Measured"), side by side in one run:
#   (a) nanoforge building the `standard` runtime image with the .deb cache warm but the
#       rootfs and step caches empty (the rootfs is assembled again from cached .debs),
#   (b) a second, unchanged nanoforge build (target < 0.3 s),
#   (c) `mmdebstrap --variant=essential --include=<the same packages>` into a tarball, its
#       apt archive cache warm (kept between runs with sync-in/sync-out hooks).
# Target: (a) at least 4 times faster than (c). Then the sizes against debian:bookworm-slim
# and the guide's image.
#
#   bench/rootfs.sh [NANOFORGE_BINARY] [ROUNDS] [RELEASE]
#     (defaults: build*/builder/nanoforge, 2, bookworm; RELEASE=trixie builds Debian 13 with
#     both tools, the mirrors taken from the machine's apt sources)
#
# Each timed row runs ROUNDS times, the two tools alternating, and the fastest run counts:
# the machine is shared, so the minimum is the least noisy figure. Ratios are only
# meaningful within one run of this script.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
rounds=${2:-2}
release=${3:-bookworm}
bench_require mmdebstrap jq gzip bc

# The machine's apt sources name the mirror (and suites) both tools use; never hard-coded.
sources=$(ls /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 || true)
[ -n "$sources" ] || { echo "bench/rootfs.sh: no apt sources file in /etc/apt/sources.list.d" >&2; exit 2; }

# The `standard` profile's package list, read from the source so it cannot drift.
profiles=$here/rootfs/profiles.cc
packages=$( { sed -n '/kPythonRuntimeLibraries = {/,/};/p' "$profiles"
              sed -n '/profile == "standard"/,/}/p' "$profiles" | sed 1d; } |
            grep -o '"[^"]*"' | tr -d '"' | sort -u | paste -sd, -)
[ -n "$packages" ] || { echo "bench/rootfs.sh: no package list found in $profiles" >&2; exit 2; }

work=$(mktemp -d /tmp/nanoforge-bench-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/spec" "$work/apt-cache"
if [ "$release" = bookworm ]; then
  printf 'runtime: {profile: standard}\n' >"$work/spec/nanoforge.yaml"
  mm_suite=bookworm; mm_mirrors=("$sources")
else
  printf 'runtime: {profile: standard, debian: {suites: [%s, %s-updates, %s-security]}}\n' \
    "$release" "$release" "$release" >"$work/spec/nanoforge.yaml"
  # The same mirrors the apt sources name, for the other release: the archive and security.
  uris=$(sed -n 's/^URIs: *//p; s/^deb \(http[^ ]*\) .*/\1/p' /etc/apt/sources.list.d/* 2>/dev/null)
  main_uri=$(grep -v -- '-security' <<<"$uris" | head -1)
  security_uri=$(grep -- '-security' <<<"$uris" | head -1)
  [ -n "$main_uri" ] && [ -n "$security_uri" ] || { echo "bench/rootfs.sh: no mirrors in the apt sources" >&2; exit 2; }
  mm_suite=$release
  mm_mirrors=("deb $main_uri $release $release-updates main" "deb $security_uri $release-security main")
fi
cache=$work/cache
nf() { "$nanoforge" -f "$work/spec/nanoforge.yaml" --cache-dir "$cache" "$@"; }
now() { date +%s.%N; }
seconds() {  # seconds LOG COMMAND... -> elapsed seconds; the command's output goes to LOG
  local log=$1; shift
  local start; start=$(now)
  "$@" >"$log" 2>&1 || { echo "bench/rootfs.sh: failed: $*" >&2; tail -20 "$log" >&2; exit 1; }
  echo "$(now) - $start" | bc
}
min() { printf '%s\n' "$@" | sort -g | head -1; }

mmdebstrap_tar() {
  rm -f "$work/mm.tar"
  mmdebstrap --quiet --variant=essential --include="$packages" --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $work/apt-cache /var/cache/apt/archives/" \
    --customize-hook="sync-out /var/cache/apt/archives $work/apt-cache" \
    "$mm_suite" "$work/mm.tar" "${mm_mirrors[@]}"
}
cold_nanoforge() {  # warm .deb cache, empty rootfs tree cache, step cache and layout
  rm -rf "$cache/steps" "$cache/rootfs" "$work/spec/.nanoforge"
  nf build
}

echo "Debian $release, standard profile, $(tr ',' '\n' <<<"$packages" | wc -l) requested packages: $packages"
echo "mirror: $sources"
echo "warming: nanoforge .deb cache, mmdebstrap apt archive cache ..."
seconds "$work/warm-nf.log" nf build >/dev/null
seconds "$work/warm-mm.log" mmdebstrap_tar >/dev/null
debs=$(ls "$work/apt-cache"/*.deb 2>/dev/null | wc -l)
[ "$debs" -gt 0 ] || { echo "bench/rootfs.sh: mmdebstrap's apt cache stayed empty" >&2; exit 1; }

nf_cold=(); nf_same=(); mm=()
for ((i = 0; i < rounds; i++)); do
  nf_cold+=("$(seconds "$work/nf-cold.log" cold_nanoforge)")
  nf_same+=("$(seconds "$work/nf-same.log" nf build)")
  mm+=("$(seconds "$work/mm.log" mmdebstrap_tar)")
done
grep -q 'nothing changed' "$work/nf-same.log" || echo "WARNING: the unchanged build did not say 'nothing changed'"
t_cold=$(min "${nf_cold[@]}"); t_same=$(min "${nf_same[@]}"); t_mm=$(min "${mm[@]}")
nf_packages=$(grep -o 'rootfs: [0-9]* packages' "$work/nf-cold.log" | grep -o '[0-9]*' || echo '?')
mm_packages=$(tar -xOf "$work/mm.tar" ./var/lib/dpkg/status | grep -c '^Package:')

# Sizes: nanoforge's own verify figures, and the mmdebstrap tarball measured the same way
# (sum of regular-file sizes unpacked; the tarball through gzip -6).
verify_json=$(nf --json verify 2>/dev/null || true)
figure=$(jq -r '.checks[] | select(.name | startswith("size-budget")) | .figure' <<<"$verify_json")
nf_unpacked=$(sed -n 's/^\([0-9.]*\) MB of .* unpacked.*/\1/p' <<<"$figure")
nf_gzip=$(sed -n 's/.*unpacked, \([0-9.]*\) MB of .*compressed.*/\1/p' <<<"$figure")
mm_unpacked=$(tar -tvf "$work/mm.tar" | awk '$1 ~ /^-/ {s += $3} END {printf "%.1f", s/1e6}')
mm_gzip=$(gzip -6 -c "$work/mm.tar" | wc -c | awk '{printf "%.1f", $1/1e6}')

ratio() { printf '%.1f' "$(echo "scale=3; $1 / $2" | bc)"; }
echo
echo "== runtime image, warm .deb caches (fastest of $rounds; ratios within this run)"
printf '%-62s %9s %9s\n' "" SECONDS "vs (a)"
printf '%-62s %9.2f %9s\n' "(a) nanoforge build, rootfs from cached .debs ($nf_packages pkgs)" "$t_cold" "1.0x"
printf '%-62s %9.3f %9s\n' "(b) nanoforge build, nothing changed (target < 0.3 s)" "$t_same" "-"
printf '%-62s %9.2f %8sx\n' "(c) mmdebstrap --variant=essential, warm apt cache ($mm_packages pkgs)" "$t_mm" "$(ratio "$t_mm" "$t_cold")"
echo "nanoforge vs mmdebstrap: $(ratio "$t_mm" "$t_cold")x faster (target >= 4x); unchanged build $(printf '%.3f' "$t_same") s ($(echo "$t_same < 0.3" | bc | sed 's/1/meets/;s/0/MISSES/') < 0.3 s)"
echo "runs: nanoforge ${nf_cold[*]} | unchanged ${nf_same[*]} | mmdebstrap ${mm[*]}"
echo
echo "== runtime size"
printf '%-50s %11s %11s\n' "" UNPACKED GZIP
printf '%-50s %8s MB %8s MB\n' "nanoforge standard runtime (verify figures)" "$nf_unpacked" "$nf_gzip"
printf '%-50s %8s MB %8s MB\n' "budget (issue 3)" "50.0" "20.0"
printf '%-50s %8s MB %8s MB\n' "mmdebstrap essential + same list (tar, gzip -6)" "$mm_unpacked" "$mm_gzip"
printf '%-50s %8s MB %8s MB\n' "debian:bookworm-slim (ENVIRONMENT.md)" "74.8" "28.2"
printf '%-50s %8s MB %11s\n' "the guide's runtime image (README.docker.md)" "~80" "-"
