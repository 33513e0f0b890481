#!/usr/bin/env bash
# Image-assembly benchmark, side by side in one run, on the embedded example.
#
# With the inputs ready (the .deb cache warm, the venv already built):
#   nanoforge build from an empty step cache, rootfs tree cache and layout (the .debs and the
#     venv kept), with gzip layers and with a spec copy that says `compression: zstd`;
#   nanoforge build with nothing changed;
#   nanoforge build after one project source file changed (gateway/src/example_gateway/__init__.py,
#     pyproject.toml untouched): the venv's project reinstalled alone, the project layer rewritten;
#   the Docker path the guide's users take: `docker build -f Dockerfile.multi-instance` for the
#     runtime, FROM a debian:bookworm-slim imported from the machine's Debian mirror
#     (tests/tools/import-debian-base.sh; kept between rounds), then a `docker build` of
#     `FROM runtime` + `COPY venv /opt/venv`, then `docker save | gzip -6` (gzip -6 is
#     nanoforge's default gzip level). Cold: the built images removed and
#     `docker builder prune -a -f` before each round. Unchanged: the same, every step cached;
#   `buildah bud` of the same two Dockerfiles (vfs storage, chroot isolation, the base pulled
#     from dockerd beforehand) + `buildah push oci:DIR`.
# A full cold build (the venv included; only the .deb download cache kept):
#   nanoforge build with an empty step cache and rootfs tree cache, no layout and no ./venv;
#   by hand: `python3.12 -m venv`, `pip install --no-index --find-links WHEELS ./gateway`,
#     `python -m compileall`, then the Docker path above.
# Targets: at least 2.5x faster than the Docker path at equal gzip level, 8x with zstd
# layers, 30x when nothing changed. Then the runtime and venv sizes against the guide's
# (~80 MB runtime, ~300 MB venv).
#
#   bench/build.sh [NANOFORGE_BINARY] [ROUNDS]     (defaults: build*/builder/nanoforge, 1)
#
# dockerd and the registry are the test harness's (tests/harness/harness.sh;
# /tmp/nanoforge-harness/env). The Docker path's RUN step downloads its .debs from the mirror
# (apt keeps no cache between builds; that is the path as users run it). Each timed row runs
# ROUNDS times and the fastest counts; ratios hold within one run only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
rounds=${2:-1}
bench_require docker jq gzip bc
harness_env=${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}/env
[ -r "$harness_env" ] || { echo "bench/build.sh: no test harness at $harness_env (start tests/harness/harness.sh)" >&2; exit 2; }
# shellcheck disable=SC1090
. "$harness_env"
# The classic builder: dockerd 20.10 here has no BuildKit front end the client can use.
export DOCKER_HOST=$NANOFORGE_DOCKER_HOST DOCKER_BUILDKIT=0
docker version >/dev/null 2>&1 || { echo "bench/build.sh: dockerd at $DOCKER_HOST does not answer" >&2; exit 2; }
prefix=$(pyenv prefix 3.12.1 2>/dev/null || ls -d "$HOME"/.pyenv/versions/3.12.* | head -1)
ls "$prefix"/lib/python3.12/test/setuptools-*.whl >/dev/null 2>&1 ||
  { echo "bench/build.sh: no setuptools wheel under $prefix/lib/python3.12/test" >&2; exit 2; }

# The base the Dockerfile builds FROM, imported once and kept (the same tag the tests use).
base=nanoforge-test/debian:bookworm-slim
echo "inputs: $base from the machine's Debian mirror (kept if already imported) ..."
"$here/tests/tools/import-debian-base.sh" "$base" ||
  { echo "bench/build.sh: cannot import $base (see above)" >&2; exit 2; }
mapfile -t add_hosts < <("$here/tests/tools/import-debian-base.sh" --add-host-flags | tr ' ' '\n')

work=$(mktemp -d /tmp/nanoforge-bench-build.XXXXXX)
tag=nanoforge-bench-$$
cleanup() {
  docker rmi -f "$tag-runtime" "$tag-full" >/dev/null 2>&1 || true
  if [ -n "${buildah_ok:-}" ]; then bh rmi -a -f >/dev/null 2>&1 || true; fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$work/wheels" "$work/runtime-context/docker" "$work/full-context"
cp "$prefix"/lib/python3.12/test/setuptools-*.whl "$prefix"/lib/python3.12/test/wheel-*.whl "$work/wheels/"
cp -r "$here/examples" "$work/example"
ex=$work/example
sed 's/^compression: .*/compression: zstd/' "$ex/nanoforge.yaml" >"$ex/nanoforge-zstd.yaml"
grep -q '^compression: zstd' "$ex/nanoforge-zstd.yaml" || { echo "bench/build.sh: could not make the zstd spec" >&2; exit 1; }
cache=$work/cache
nf() {  # nf SPEC LAYOUT
  (cd "$ex" && "$nanoforge" --cache-dir "$cache" --layout "$2" build -f "$1" --find-links "$work/wheels")
}
now() { date +%s.%N; }
seconds() {  # seconds LOG COMMAND... -> elapsed seconds; the command's output goes to LOG
  local log=$1; shift
  local start; start=$(now)
  "$@" >"$log" 2>&1 || { echo "bench/build.sh: failed: $*" >&2; tail -20 "$log" >&2; exit 1; }
  echo "$(now) - $start" | bc
}
min() { printf '%s\n' "$@" | sort -g | head -1; }
ratio() { printf '%.1f' "$(echo "scale=3; $1 / $2" | bc)"; }
mb() { awk '{printf "%.1f", $1/1e6}'; }

echo "inputs: building the example once (Debian packages, venv) ..."
seconds "$work/warm.log" nf nanoforge.yaml "$ex/.nanoforge/oci" >/dev/null
# Empty every cache but the inputs: the .deb cache (cache/debs, indices) and the built venv.
cold_gzip() { rm -rf "$cache/steps" "$cache/rootfs" "$ex/.nanoforge" "$work/zstd-layout"; nf nanoforge.yaml "$ex/.nanoforge/oci"; }
cold_zstd() { rm -rf "$cache/steps" "$cache/rootfs" "$ex/.nanoforge" "$work/zstd-layout"; nf nanoforge-zstd.yaml "$work/zstd-layout"; }
unchanged() { nf nanoforge.yaml "$ex/.nanoforge/oci"; }
# One source file of the project edited (its content, so each round differs), then built.
source_round=0
source_changed() {
  source_round=$((source_round + 1))
  echo "# bench edit $source_round" >>"$ex/gateway/src/example_gateway/__init__.py"
  nf nanoforge.yaml "$ex/.nanoforge/oci"
}
# nanoforge with its rootfs tree kept (only the step cache and the layout emptied): the
# layers alone, as a docker build FROM an already-built runtime would do.
layers_gzip() { rm -rf "$cache/steps" "$ex/.nanoforge"; nf nanoforge.yaml "$ex/.nanoforge/oci"; }
# The full cold build: the venv too; only the .deb download cache stays.
full_cold_nanoforge() {
  rm -rf "$cache/steps" "$cache/rootfs" "$ex/.nanoforge" "$work/zstd-layout" "$ex/venv" "$ex/venv.tar.gz"
  nf nanoforge.yaml "$ex/.nanoforge/oci"
}

# --- the Docker path: Dockerfile.multi-instance for the runtime, then COPY the venv ---
# The build contexts are made up front (not timed): the runtime's holds what the Dockerfile
# uses, full-context the example's venv, hand-context the venv the by-hand row makes.
cp "$here/Dockerfile.multi-instance" "$work/runtime-context/"
cp -p "$here/docker/nanobot-entrypoint" "$work/runtime-context/docker/"
mkdir -p "$work/hand-context"
for context in full-context hand-context; do
  printf 'FROM %s\nCOPY venv /opt/venv\n' "$tag-runtime" >"$work/$context/Dockerfile"
done
cp -a "$ex/venv" "$work/full-context/venv"
docker_empty() {
  docker rmi -f "$tag-full" "$tag-runtime" >/dev/null 2>&1 || true
  docker builder prune -a -f >/dev/null 2>&1 || true
}
docker_build_save() {  # docker_build_save CONTEXT OUT.tar.gz: the runtime, FROM it + COPY venv, save | gzip -6
  docker build -q -f "$work/runtime-context/Dockerfile.multi-instance" "${add_hosts[@]}" \
      --build-arg BASE_IMAGE="$base" -t "$tag-runtime" "$work/runtime-context" &&
    docker build -q -t "$tag-full" "$1" &&
    docker save "$tag-full" | gzip -6 >"$2"
}
docker_cold() { docker_empty; docker_build_save "$work/full-context" "$work/docker-full.tar.gz"; }
docker_same() { docker_build_save "$work/full-context" "$work/docker-full.tar.gz"; }
# The venv by hand, as the guide's Docker users would make it (in the context it is COPYed from).
hand_venv() {
  local venv=$work/hand-context/venv
  rm -rf "$venv" &&
    "$prefix/bin/python3.12" -m venv "$venv" &&
    "$venv/bin/python" -m pip install -q --no-index --find-links "$work/wheels" "$ex/gateway" &&
    "$venv/bin/python" -m compileall -q "$venv" >/dev/null
}
full_cold_docker() { docker_empty; hand_venv && docker_build_save "$work/hand-context" "$work/hand-full.tar.gz"; }

# --- buildah, if it can run here (vfs storage of its own, chroot isolation) ---
bh() { buildah --storage-driver vfs --root "$work/buildah/root" --runroot "$work/buildah/run" "$@"; }
buildah_ok=
buildah_why=
if ! command -v buildah >/dev/null; then
  buildah_why="buildah is not installed"
elif ! docker save "$base" -o "$work/base.tar" 2>"$work/buildah.err" ||
     ! why=$(bh pull -q "docker-archive:$work/base.tar" 2>&1); then
  buildah_why="buildah pull docker-archive: of $base failed: $(tail -1 <<<"${why:-$(cat "$work/buildah.err")}")"
else
  bh tag "$(tail -1 <<<"$why")" "$base" >/dev/null
  rm -f "$work/base.tar"
  buildah_ok=1
fi
buildah_cold() {
  bh rmi -f "$tag-full" "$tag-runtime" >/dev/null 2>&1 || true
  rm -rf "$work/buildah-oci"
  bh bud --isolation chroot -q "${add_hosts[@]}" --build-arg BASE_IMAGE="$base" \
      -f "$work/runtime-context/Dockerfile.multi-instance" -t "$tag-runtime" "$work/runtime-context" &&
    bh bud --isolation chroot -q -t "$tag-full" "$work/full-context" &&
    bh push -q "$tag-full" "oci:$work/buildah-oci"
}

t_gzip=(); t_layers=(); t_zstd=(); t_same=(); t_source=(); t_docker=(); t_docker_same=(); t_buildah=()
t_full=(); t_full_hand=()
for ((i = 0; i < rounds; i++)); do
  t_gzip+=("$(seconds "$work/nf-gzip.log" cold_gzip)")
  t_layers+=("$(seconds "$work/nf-layers.log" layers_gzip)")
  t_zstd+=("$(seconds "$work/nf-zstd.log" cold_zstd)")
  seconds "$work/nf-rewarm.log" cold_gzip >/dev/null  # the unchanged row starts from the gzip build
  t_same+=("$(seconds "$work/nf-same.log" unchanged)")
  t_source+=("$(seconds "$work/nf-source.log" source_changed)")
  t_docker+=("$(seconds "$work/docker.log" docker_cold)")
  t_docker_same+=("$(seconds "$work/docker-same.log" docker_same)")
  if [ -n "$buildah_ok" ]; then
    if t=$(seconds "$work/buildah.log" buildah_cold 2>"$work/buildah.err"); then t_buildah+=("$t")
    else buildah_ok=; buildah_why="buildah bud/push failed: $(grep -v '^$' "$work/buildah.err" | tail -1)"; fi
  fi
  t_full+=("$(seconds "$work/nf-full.log" full_cold_nanoforge)")
  t_full_hand+=("$(seconds "$work/hand.log" full_cold_docker)")
done
grep -q 'nothing changed' "$work/nf-same.log" || echo "WARNING: the unchanged nanoforge build did not say 'nothing changed'"
grep -q 'example_gateway/__init__.py changed' "$work/nf-source.log" ||
  echo "WARNING: the build after a source change did not name the changed file"
gzip_s=$(min "${t_gzip[@]}"); layers_s=$(min "${t_layers[@]}"); zstd_s=$(min "${t_zstd[@]}"); same_s=$(min "${t_same[@]}")
source_s=$(min "${t_source[@]}")
docker_s=$(min "${t_docker[@]}"); docker_same_s=$(min "${t_docker_same[@]}")
full_s=$(min "${t_full[@]}"); full_hand_s=$(min "${t_full_hand[@]}")

steps_of() { grep -Eo '[0-9]+ of [0-9]+ steps reused' "$1" || echo '?'; }
row() { printf '%-80s %9.2f %10s\n' "$1" "$2" "$3"; }
echo
echo "== image assembly, inputs ready (.debs cached, venv built); fastest of $rounds; ratios within this run"
printf '%-80s %9s %10s\n' "" SECONDS "DOCKER /"
row "nanoforge build, empty step cache + layout, gzip -6 ($(steps_of "$work/nf-gzip.log"))" "$gzip_s" "$(ratio "$docker_s" "$gzip_s")x"
row "nanoforge build, empty step cache + layout, rootfs tree kept, gzip -6" "$layers_s" "$(ratio "$docker_s" "$layers_s")x"
row "nanoforge build, empty step cache + layout, zstd -3" "$zstd_s" "$(ratio "$docker_s" "$zstd_s")x"
printf '%-80s %9.3f %10s\n' "nanoforge build, nothing changed" "$same_s" "$(ratio "$docker_same_s" "$same_s")x"
row "nanoforge build, project source changed (one file; the project reinstalled alone)" "$source_s" "-"
row "docker build -f Dockerfile.multi-instance + COPY venv, save | gzip -6 (cold)" "$docker_s" "1.0x"
row "the same, every step cached (nothing changed)" "$docker_same_s" "1.0x"
if [ -n "$buildah_ok" ]; then
  buildah_s=$(min "${t_buildah[@]}")
  row "buildah bud Dockerfile.multi-instance + COPY venv, push oci: (vfs, cold)" "$buildah_s" "$(ratio "$docker_s" "$buildah_s")x"
fi
echo
echo "== full cold build (venv included; only the .deb download cache kept)"
printf '%-80s %9s %10s\n' "" SECONDS "BY HAND /"
row "nanoforge build, no venv, empty step cache + layout, gzip -6" "$full_s" "$(ratio "$full_hand_s" "$full_s")x"
row "python -m venv + pip install + compileall, then the Docker path (cold)" "$full_hand_s" "1.0x"
echo "(the by-hand venv links to ${prefix}'s interpreter and stdlib instead of carrying them:" \
     "less work than nanoforge's self-contained venv, and it would not run in the image)"
echo
echo "targets: gzip $(ratio "$docker_s" "$gzip_s")x (>= 2.5x), zstd $(ratio "$docker_s" "$zstd_s")x (>= 8x), unchanged $(ratio "$docker_same_s" "$same_s")x (>= 30x)"
if [ -n "$buildah_ok" ]; then
  echo "against buildah bud + push oci: gzip $(ratio "$buildah_s" "$gzip_s")x, zstd $(ratio "$buildah_s" "$zstd_s")x"
else
  echo "buildah: not measured: $buildah_why"
fi
echo "runs: gzip ${t_gzip[*]} | gzip, rootfs kept ${t_layers[*]} | zstd ${t_zstd[*]} | unchanged ${t_same[*]}" \
     "| source changed ${t_source[*]}" \
     "| docker ${t_docker[*]} | docker unchanged ${t_docker_same[*]}${t_buildah:+ | buildah ${t_buildah[*]}}" \
     "| full ${t_full[*]} | full by hand ${t_full_hand[*]}"

version=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}/\1/p' "$ex/nanoforge.yaml")
verify_json=$(cd "$ex" && "$nanoforge" --cache-dir "$cache" -f nanoforge.yaml --json verify 2>/dev/null || true)
figure=$(jq -r '.checks[] | select(.name == "size-budget nanobot:'"$version"'" or .name == "size-budget nanobot:latest") | .figure' <<<"$verify_json" | head -1)
runtime_unpacked=$(sed -n 's/^\([0-9.]*\) MB of .* unpacked.*/\1/p' <<<"$figure")
runtime_gzip=$(sed -n 's/.*unpacked, \([0-9.]*\) MB of .*compressed.*/\1/p' <<<"$figure")
venv_mb=$(du -sb --apparent-size "$ex/venv" | awk '{printf "%.1f", $1/1e6}')
venv_tgz=$(stat -c %s "$ex/venv.tar.gz" | mb)
docker_runtime=$(docker image inspect -f '{{.Size}}' "$tag-runtime" | mb)
docker_runtime_gzip=$(docker save "$tag-runtime" | gzip -6 | wc -c | mb)
docker_tgz=$(stat -c %s "$work/docker-full.tar.gz" | mb)
echo
echo "== sizes"
printf '%-52s %12s %12s %12s\n' "" NANOFORGE "DOCKERFILE" "THE GUIDE"
printf '%-52s %9s MB %9s MB %12s\n' "runtime image, unpacked" "${runtime_unpacked:-?}" "$docker_runtime" "~80 MB"
printf '%-52s %9s MB %9s MB %12s\n' "runtime image, gzip -6 (layers / docker save)" "${runtime_gzip:-?}" "$docker_runtime_gzip" "-"
printf '%-52s %9s MB %12s %12s\n' "venv (./venv, apparent size)" "$venv_mb" "-" "~300 MB"
printf '%-52s %9s MB %12s %12s\n' "venv.tar.gz" "$venv_tgz" "-" "-"
printf '%-52s %12s %9s MB %12s\n' "docker save | gzip -6 of runtime + the example's venv" "-" "$docker_tgz" "-"
