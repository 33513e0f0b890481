#!/usr/bin/env bash
# Installs every package nanoforge needs to build and test, from Debian's archive.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
build_packages=(
  build-essential cmake pkg-config
  libarchive-dev libzstd-dev zlib1g-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libcurl4-openssl-dev catch2 libyaml-cpp-dev
)
runtime_packages=(
  gpgv debian-archive-keyring ca-certificates binutils busybox-static
)
test_packages=(
  docker.io podman runc podman-compose docker-compose docker-registry skopeo umoci
  buildah mmdebstrap patchelf pigz zstd hyperfine curl openssl apache2-utils
  uidmap slirp4netns fuse-overlayfs python3-yaml python3-ruamel.yaml python3-jsonschema
)
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
want=("${build_packages[@]}" "${runtime_packages[@]}")
[ "${1:-}" = "--with-test-tools" ] && want+=("${test_packages[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The example's WebUI is bundled with npm (venv.webui: build); any Node.js with npm will do.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_if_needed apt-get update -q
  sudo_if_needed apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
