#!/usr/bin/env bash
# Starts and stops the real components the integration tests use: dockerd on a private
# socket, a Podman configuration that works on these machines, and a local registry.
#   harness.sh start   -> writes $HARNESS_DIR/env (sourced by tests) and prints what runs
#   harness.sh stop    -> stops only what `start` started
# A component that cannot start is recorded as unavailable with its reason; tests that
# need it skip and print that reason.
set -uo pipefail
HARNESS_DIR=${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}
mkdir -p "$HARNESS_DIR"
env_file="$HARNESS_DIR/env"

log() { echo "harness: $*" >&2; }

wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.3
  done
}

start_docker() {
  local sock="$HARNESS_DIR/docker/docker.sock"
  if DOCKER_HOST=unix://$sock docker version >/dev/null 2>&1; then
    echo "NANOFORGE_DOCKER_HOST=unix://$sock" >>"$env_file"; log "dockerd already running"; return
  fi
  if ! command -v dockerd >/dev/null; then
    echo "NANOFORGE_DOCKER_UNAVAILABLE='dockerd is not installed'" >>"$env_file"; return
  fi
  mkdir -p "$HARNESS_DIR/docker"
  dockerd --host "unix://$sock" --data-root "$HARNESS_DIR/docker/data" \
    --exec-root "$HARNESS_DIR/docker/exec" --pidfile "$HARNESS_DIR/docker/pid" \
    >"$HARNESS_DIR/docker/log" 2>&1 &
  echo $! >"$HARNESS_DIR/docker/started-pid"
  if wait_for 60 env DOCKER_HOST=unix://$sock docker version; then
    echo "NANOFORGE_DOCKER_HOST=unix://$sock" >>"$env_file"; log "dockerd started"
  else
    echo "NANOFORGE_DOCKER_UNAVAILABLE='dockerd did not answer within 60 s (log: $HARNESS_DIR/docker/log)'" >>"$env_file"
    log "dockerd failed; see $HARNESS_DIR/docker/log"
  fi
}

start_podman() {
  if ! command -v podman >/dev/null; then
    echo "NANOFORGE_PODMAN_UNAVAILABLE='podman is not installed'" >>"$env_file"; return
  fi
  # crun fails on these machines' hybrid cgroups and the default rlimits are refused.
  cat >"$HARNESS_DIR/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
  if CONTAINERS_CONF="$HARNESS_DIR/containers.conf" podman info >/dev/null 2>&1; then
    echo "NANOFORGE_CONTAINERS_CONF=$HARNESS_DIR/containers.conf" >>"$env_file"; log "podman configured"
  else
    echo "NANOFORGE_PODMAN_UNAVAILABLE='podman info failed'" >>"$env_file"
  fi
}

start_registry() {
  if ! command -v docker-registry >/dev/null; then
    echo "NANOFORGE_REGISTRY_UNAVAILABLE='docker-registry is not installed'" >>"$env_file"; return
  fi
  local dir="$HARNESS_DIR/registry" port
  if [ -f "$dir/port" ] && curl -sf "http://127.0.0.1:$(cat "$dir/port")/v2/" >/dev/null; then
    echo "NANOFORGE_REGISTRY=127.0.0.1:$(cat "$dir/port")" >>"$env_file"; log "registry already running"; return
  fi
  mkdir -p "$dir/data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 45000)
  cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  echo $! >"$dir/started-pid"
  echo "$port" >"$dir/port"
  if wait_for 30 curl -sf "http://127.0.0.1:$port/v2/"; then
    echo "NANOFORGE_REGISTRY=127.0.0.1:$port" >>"$env_file"; log "registry on 127.0.0.1:$port"
  else
    echo "NANOFORGE_REGISTRY_UNAVAILABLE='registry did not answer (log: $dir/log)'" >>"$env_file"
  fi
}

stop_pid_file() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid; pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$file"
}

case "${1:-}" in
  start)
    : >"$env_file"
    start_docker
    start_podman
    start_registry
    cat "$env_file" >&2
    ;;
  stop)
    if [ "${NANOFORGE_KEEP_HARNESS:-}" = 1 ]; then log "NANOFORGE_KEEP_HARNESS=1: leaving components running"; exit 0; fi
    if [ -f "$HARNESS_DIR/docker/started-pid" ]; then
      DOCKER_HOST=unix://$HARNESS_DIR/docker/docker.sock docker ps -aq 2>/dev/null |
        xargs -r env DOCKER_HOST=unix://$HARNESS_DIR/docker/docker.sock docker rm -f >/dev/null 2>&1
    fi
    stop_pid_file "$HARNESS_DIR/docker/started-pid"
    stop_pid_file "$HARNESS_DIR/registry/started-pid"
    log "stopped"
    ;;
  *) echo "usage: harness.sh start|stop" >&2; exit 2 ;;
esac
exit 0
