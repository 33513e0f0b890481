#!/usr/bin/env bash
# Image-assembly benchmark (issue 5, "Measured"), side by side in one run, on the embedded
# example with its inputs ready (the .deb cache warm and the venv already built):
#   nanoforge build from an empty step cache, rootfs tree cache and layout (the .debs and the
#     venv kept), with gzip layers and with a spec copy that says `compression: zstd`;
#   nanoforge build with nothing changed;
#   the Docker path: the runtime image loaded into dockerd as `base`, a Dockerfile
#     `FROM base` + `COPY venv /opt/venv`, `docker build` (classic builder), then
#     `docker save | gzip -6` (gzip -6 is nanoforge's default gzip level);
#   `buildah bud` + `buildah push oci:DIR` of the same Dockerfile (vfs storage).
# Targets: at least 2.5x faster than the Docker path at equal gzip level, 8x with zstd
# layers, 30x when nothing changed. Then the runtime and venv sizes against the guide's.
#
#   bench/build.sh [NANOFORGE_BINARY] [ROUNDS]     (defaults: build*/builder/nanoforge, 1)
#
# dockerd is the test harness's (tests/harness/harness.sh; /tmp/nanoforge-harness/env).
# Each timed row runs ROUNDS times and the fastest counts; ratios hold within one run only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nanoforge=${1:-$(ls -t "$here"/build*/builder/nanoforge 2>/dev/null | head -1)}
rounds=${2:-1}
[ -x "$nanoforge" ] || { echo "bench/build.sh: no nanoforge binary (build it or pass its path)" >&2; exit 2; }
nanoforge=$(realpath "$nanoforge")
for tool in docker jq gzip bc; do
  command -v $tool >/dev/null || { echo "bench/build.sh: needs $tool" >&2; exit 2; }
done
harness_env=${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}/env
[ -r "$harness_env" ] || { echo "bench/build.sh: no test harness at $harness_env (start tests/harness/harness.sh)" >&2; exit 2; }
# shellcheck disable=SC1090
. "$harness_env"
export DOCKER_HOST=$NANOFORGE_DOCKER_HOST DOCKER_BUILDKIT=0
docker version >/dev/null 2>&1 || { echo "bench/build.sh: dockerd at $DOCKER_HOST does not answer" >&2; exit 2; }
prefix=$(pyenv prefix 3.12.1 2>/dev/null || ls -d "$HOME"/.pyenv/versions/3.12.* | head -1)
ls "$prefix"/lib/python3.12/test/setuptools-*.whl >/dev/null 2>&1 ||
  { echo "bench/build.sh: no setuptools wheel under $prefix/lib/python3.12/test" >&2; exit 2; }

work=$(mktemp -d /tmp/nanoforge-bench-build.XXXXXX)
tag=nanoforge-bench-$$
cleanup() {
  docker rmi -f "$tag-base" "$tag-full" >/dev/null 2>&1 || true
  if [ -n "${buildah_ok:-}" ]; then bh rmi -a -f >/dev/null 2>&1 || true; fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$work/wheels" "$work/context"
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

echo "inputs: building the example once (Debian packages, venv) ..."
seconds "$work/warm.log" nf nanoforge.yaml "$ex/.nanoforge/oci" >/dev/null
# Empty every cache but the inputs: the .deb cache (cache/debs, indices) and the built venv.
cold_gzip() { rm -rf "$cache/steps" "$cache/rootfs" "$ex/.nanoforge" "$work/zstd-layout"; nf nanoforge.yaml "$ex/.nanoforge/oci"; }
cold_zstd() { rm -rf "$cache/steps" "$cache/rootfs" "$ex/.nanoforge" "$work/zstd-layout"; nf nanoforge-zstd.yaml "$work/zstd-layout"; }
unchanged() { nf nanoforge.yaml "$ex/.nanoforge/oci"; }
# The Docker path starts from a loaded base image, so also show nanoforge with its rootfs tree
# kept (only the step cache and the layout emptied): the layers alone, as docker build does.
layers_gzip() { rm -rf "$cache/steps" "$ex/.nanoforge"; nf nanoforge.yaml "$ex/.nanoforge/oci"; }

# --- the Docker path's inputs (not timed): the runtime image as `base`, the venv in a context ---
version=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}/\1/p' "$ex/nanoforge.yaml")
(cd "$ex" && "$nanoforge" export "nanobot:$version" --docker-archive "$work/base.tar") >/dev/null 2>&1
loaded=$(docker load -i "$work/base.tar" | sed -n 's/^Loaded image[^:]*: //p' | tail -1)
docker tag "$loaded" "$tag-base"
cp -a "$ex/venv" "$work/context/venv"
printf 'FROM %s\nCOPY venv /opt/venv\n' "$tag-base" >"$work/context/Dockerfile"
docker_cold() {
  docker rmi -f "$tag-full" >/dev/null 2>&1 || true
  docker builder prune -a -f >/dev/null 2>&1 || true
  docker_build_save
}
docker_build_save() {
  docker build -q -t "$tag-full" "$work/context" &&
    docker save "$tag-full" | gzip -6 >"$work/docker-full.tar.gz"
}

# --- buildah, if it can run here (vfs storage of its own, chroot isolation) ---
bh() { buildah --storage-driver vfs --root "$work/buildah/root" --runroot "$work/buildah/run" "$@"; }
buildah_ok=
buildah_why=
if ! command -v buildah >/dev/null; then
  buildah_why="buildah is not installed"
elif ! why=$(bh pull -q "docker-archive:$work/base.tar" 2>&1); then
  buildah_why="buildah pull docker-archive: failed: $(tail -1 <<<"$why")"
else
  bh tag "$(tail -1 <<<"$why")" "$tag-base" >/dev/null
  buildah_ok=1
fi
buildah_cold() {
  bh rmi -f "$tag-full" >/dev/null 2>&1 || true
  rm -rf "$work/buildah-oci"
  bh bud --isolation chroot -q -t "$tag-full" "$work/context" &&
    bh push -q "$tag-full" "oci:$work/buildah-oci"
}

t_gzip=(); t_layers=(); t_zstd=(); t_same=(); t_docker=(); t_docker_same=(); t_buildah=()
for ((i = 0; i < rounds; i++)); do
  t_gzip+=("$(seconds "$work/nf-gzip.log" cold_gzip)")
  t_layers+=("$(seconds "$work/nf-layers.log" layers_gzip)")
  t_zstd+=("$(seconds "$work/nf-zstd.log" cold_zstd)")
  seconds "$work/nf-rewarm.log" cold_gzip >/dev/null  # the unchanged row starts from the gzip build
  t_same+=("$(seconds "$work/nf-same.log" unchanged)")
  t_docker+=("$(seconds "$work/docker.log" docker_cold)")
  t_docker_same+=("$(seconds "$work/docker-same.log" docker_build_save)")
  if [ -n "$buildah_ok" ]; then
    if t=$(seconds "$work/buildah.log" buildah_cold 2>"$work/buildah.err"); then t_buildah+=("$t")
    else buildah_ok=; buildah_why="buildah bud/push failed: $(grep -v '^$' "$work/buildah.err" | tail -1)"; fi
  fi
done
grep -q 'nothing changed' "$work/nf-same.log" || echo "WARNING: the unchanged nanoforge build did not say 'nothing changed'"
gzip_s=$(min "${t_gzip[@]}"); layers_s=$(min "${t_layers[@]}"); zstd_s=$(min "${t_zstd[@]}"); same_s=$(min "${t_same[@]}")
docker_s=$(min "${t_docker[@]}"); docker_same_s=$(min "${t_docker_same[@]}")

steps_of() { grep -Eo '[0-9]+ of [0-9]+ steps reused' "$1" || echo '?'; }
echo
echo "== image assembly, inputs ready (.debs cached, venv built); fastest of $rounds; ratios within this run"
printf '%-72s %9s %12s\n' "" SECONDS "DOCKER PATH /"
printf '%-72s %9.2f %11sx\n' "nanoforge build, empty step cache + layout, gzip -6 ($(steps_of "$work/nf-gzip.log"))" "$gzip_s" "$(ratio "$docker_s" "$gzip_s")"
printf '%-72s %9.2f %11sx\n' "nanoforge build, empty step cache + layout, rootfs tree kept, gzip -6" "$layers_s" "$(ratio "$docker_s" "$layers_s")"
printf '%-72s %9.2f %11sx\n' "nanoforge build, empty step cache + layout, zstd -3" "$zstd_s" "$(ratio "$docker_s" "$zstd_s")"
printf '%-72s %9.3f %11sx\n' "nanoforge build, nothing changed" "$same_s" "$(ratio "$docker_same_s" "$same_s")"
printf '%-72s %9.2f %12s\n' "docker build FROM base + COPY venv, save | gzip -6 (cold)" "$docker_s" "1.0x"
printf '%-72s %9.2f %12s\n' "docker build (all cached) + save | gzip -6 (nothing changed)" "$docker_same_s" "1.0x"
if [ -n "$buildah_ok" ]; then
  buildah_s=$(min "${t_buildah[@]}")
  printf '%-72s %9.2f %12s\n' "buildah bud + push oci: (vfs, cold)" "$buildah_s" "-"
fi
echo
echo "targets: gzip $(ratio "$docker_s" "$gzip_s")x (>= 2.5x), zstd $(ratio "$docker_s" "$zstd_s")x (>= 8x), unchanged $(ratio "$docker_same_s" "$same_s")x (>= 30x)"
if [ -n "$buildah_ok" ]; then
  echo "against buildah bud + push oci: gzip $(ratio "$buildah_s" "$gzip_s")x, zstd $(ratio "$buildah_s" "$zstd_s")x"
else
  echo "buildah: not measured: $buildah_why"
fi
echo "runs: gzip ${t_gzip[*]} | gzip, rootfs kept ${t_layers[*]} | zstd ${t_zstd[*]} | unchanged ${t_same[*]} | docker ${t_docker[*]} | docker unchanged ${t_docker_same[*]}${t_buildah:+ | buildah ${t_buildah[*]}}"

verify_json=$(cd "$ex" && "$nanoforge" --cache-dir "$cache" -f nanoforge.yaml --json verify 2>/dev/null || true)
figure=$(jq -r '.checks[] | select(.name == "size-budget nanobot:'"$version"'" or .name == "size-budget nanobot:latest") | .figure' <<<"$verify_json" | head -1)
runtime_unpacked=$(sed -n 's/^\([0-9.]*\) MB of .* unpacked.*/\1/p' <<<"$figure")
runtime_gzip=$(sed -n 's/.*unpacked, \([0-9.]*\) MB of .*compressed.*/\1/p' <<<"$figure")
venv_mb=$(du -sb --apparent-size "$ex/venv" | awk '{printf "%.1f", $1/1e6}')
venv_tgz=$(stat -c %s "$ex/venv.tar.gz" | awk '{printf "%.1f", $1/1e6}')
docker_tgz=$(stat -c %s "$work/docker-full.tar.gz" | awk '{printf "%.1f", $1/1e6}')
echo
echo "== sizes"
printf '%-46s %12s %12s\n' "" NANOFORGE "THE GUIDE"
printf '%-46s %9s MB %12s\n' "runtime image, unpacked (verify figure)" "${runtime_unpacked:-?}" "~80 MB"
printf '%-46s %9s MB %12s\n' "runtime image, gzip layers" "${runtime_gzip:-?}" "-"
printf '%-46s %9s MB %12s\n' "venv (./venv, apparent size)" "$venv_mb" "~300 MB"
printf '%-46s %9s MB %12s\n' "venv.tar.gz" "$venv_tgz" "-"
printf '%-46s %9s MB %12s\n' "docker save | gzip -6 of base + venv" "$docker_tgz" "-"
