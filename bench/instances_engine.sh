#!/usr/bin/env bash
# The example's instances on a real engine: 10 instances of the embedded example (the runtime
# image nanobot:latest with the shared ./venv mounted read-only) created, `nanoforge up`, and
# timed until `nanoforge status --json` shows all of them healthy; then the memory each running
# instance uses as status reports it, and `nanoforge down`.
#
#   bench/instances_engine.sh [NANOFORGE_BINARY] [COUNT]     (defaults: the newest build*/builder/nanoforge, 10)
#
# Needs dockerd and docker-compose: $DOCKER_HOST, else the test harness's dockerd (see
# tests/harness/harness.sh; its facts are in ${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}/env).
# Needs the example built (bash scripts/run-example.sh, or nanoforge build -f examples/nanoforge.yaml):
# the image comes from examples/.nanoforge/oci through `nanoforge export` and `docker load`,
# the venv is examples/venv.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
count=${2:-10}
bench_require docker docker-compose jq
if [ -z "${DOCKER_HOST:-}" ]; then
  harness_env=${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}/env
  [ -r "$harness_env" ] || { echo "no DOCKER_HOST and no harness ($harness_env): start dockerd first" >&2; exit 2; }
  DOCKER_HOST=$(sed -n 's/^NANOFORGE_DOCKER_HOST=//p' "$harness_env")
fi
export DOCKER_HOST NANOFORGE_ENGINE=docker
docker version >/dev/null 2>&1 || { echo "dockerd does not answer at $DOCKER_HOST" >&2; exit 2; }
spec=$here/examples/nanoforge.yaml
[ -x "$here/examples/venv/bin/python" ] || { echo "examples/venv is missing: build the example first" >&2; exit 2; }

work=$(mktemp -d /tmp/nanoforge-bench-engine.XXXXXX)
# Container names are global on the engine: this run's instance names and image tag are its own.
run_id=nfb$$
image=nanoforge-bench/nanobot:$run_id
dir=$work/deployment
cleanup() {
  [ -f "$dir/docker-compose.yml" ] && "$nanoforge" -q down --dir "$dir" >/dev/null 2>&1 || true
  docker rmi "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The example's runtime image, exactly as the layout holds it, under this run's tag.
"$nanoforge" -q -f "$spec" export nanobot:latest --docker-archive "$work/nanobot.tar"
loaded=$(docker load -q -i "$work/nanobot.tar" | sed -n 's/^Loaded image[^:]*: //p' | tail -1)
docker tag "$loaded" "$image"
rm -f "$work/nanobot.tar"

mkdir -p "$dir"
ln -s "$here/examples/venv" "$dir/venv"
"$nanoforge" -q compose --dir "$dir" --image "$image" --project "$run_id"
start=$(now_ms)
for i in $(seq 1 "$count"); do
  "$nanoforge" -q instance create "$run_id-$i" --soul assistant --dir "$dir" </dev/null
done
created=$(now_ms)

"$nanoforge" -q up --dir "$dir" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
up_done=$(now_ms)
all_ok_ms="" engine_healthy_ms="" polls=0
deadline=$(( up_done + 180000 ))
while [ "$(now_ms)" -lt "$deadline" ]; do
  status=$("$nanoforge" --json status --dir "$dir")
  polls=$((polls + 1))
  ok=$(jq '[.instances[] | select(.ok)] | length' <<<"$status")
  engine_ok=$(jq '[.instances[] | select(.engineHealth == "healthy")] | length' <<<"$status")
  [ -z "$all_ok_ms" ] && [ "$ok" -eq "$count" ] && all_ok_ms=$(( $(now_ms) - up_done ))
  [ -z "$engine_healthy_ms" ] && [ "$engine_ok" -eq "$count" ] && engine_healthy_ms=$(( $(now_ms) - up_done ))
  [ -n "$all_ok_ms" ] && [ -n "$engine_healthy_ms" ] && break
  sleep 0.5
done
[ -n "$all_ok_ms" ] || { echo "not all $count instances became healthy within 180 s:" >&2; jq . <<<"$status" >&2; exit 1; }

# Memory once every instance has served a few healthchecks (docker stats samples for ~2 s).
memory=$("$nanoforge" --json status --dir "$dir" | jq -r '[.instances[].memoryUsedBytes | select(. != null)] |
  "\(length) \(add / length) \(min) \(max)"')
read -r sampled mean min max <<<"$memory"
down_start=$(now_ms)
"$nanoforge" -q down --dir "$dir" >/dev/null 2>&1
down_done=$(now_ms)

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
printf '%-46s %s\n' "engine" "$(docker version --format 'dockerd {{.Server.Version}}'), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"
printf '%-46s %s\n' "image" "nanobot:latest of examples/nanoforge.yaml, ./venv mounted read-only"
printf '%-46s %d\n' "instances" "$count"
printf '%-46s %d ms (%d ms each)\n' "create (one process each)" $((created - start)) $(((created - start) / count))
printf '%-46s %d ms\n' "nanoforge up" $((up_done - created))
printf '%-46s %d ms (status polled %d times)\n' "up done -> status: all healthy (/health probe)" "$all_ok_ms" "$polls"
printf '%-46s %d ms\n' "up start -> status: all healthy" $((up_done - created + all_ok_ms))
printf '%-46s %s\n' "up done -> engine healthcheck: all healthy" "${engine_healthy_ms:-not within 180 s} ms"
printf '%-46s %s MiB (min %s, max %s; %d sampled)\n' "memory per running instance (status)" \
  "$(mib "$mean")" "$(mib "$min")" "$(mib "$max")" "$sampled"
printf '%-46s %d ms\n' "nanoforge down" $((down_done - down_start))
