#!/usr/bin/env bash
# Makes Compose v2 (`docker compose`) available to the tests without touching the system:
# Debian 13's docker-compose package (Debian 12 has only v1), fetched from the Debian
# mirror this machine's apt sources name (never a hard-coded host), checked against the
# suite's signed InRelease, and its CLI plugin extracted into a private DOCKER_CONFIG.
#
#   tests/tools/compose-v2.sh [CACHE_DIR]
#
# Prints the directory to use as DOCKER_CONFIG (it holds cli-plugins/docker-compose).
# CACHE_DIR defaults to $NANOFORGE_HARNESS_DIR/compose-v2 (/tmp/nanoforge-harness/...); a
# plugin already there is reused. Exit status: 0 done, 77 cannot run here (no Debian mirror
# in the apt sources, it does not answer, no docker-compose in trixie; the reason is on
# stderr), 1 failed (a checksum or signature did not match, extraction failed).
set -euo pipefail
sources_dir=${NANOFORGE_APT_SOURCES_DIR:-/etc/apt/sources.list.d}
suite=trixie
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cache=${1:-${NANOFORGE_HARNESS_DIR:-/tmp/nanoforge-harness}/compose-v2}
plugin=$cache/cli-plugins/docker-compose

unavailable() { echo "compose-v2: $*" >&2; exit 77; }
fail() { echo "compose-v2: $*" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # two test programs may ask at once
if [ -x "$plugin" ]; then
  echo "$cache"
  exit 0
fi

# The URI of the main Debian archive in the apt sources: the entry for Debian 12's own suite
# (deb822 .sources stanzas and one-line .list files). The same mirror serves trixie.
debian_archive_uri() {
  local files=()
  for f in /etc/apt/sources.list "$sources_dir"/*.list "$sources_dir"/*.sources; do
    [ -r "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && uris != "") {
        n = split(uris, u, " "); m = split(suites, s, " ")
        for (j = 1; j <= m; j++) if (s[j] == "bookworm") { print u[1]; found = 1; exit } }
      types = uris = suites = "" }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^#/) next
      key = tolower($1); sub(/^[^:]*:[ \t]*/, "")
      if (key == "types:") types = $0; else if (key == "uris:") uris = $0
      else if (key == "suites:") suites = $0
      else if (key == "enabled:" && tolower($0) == "no") types = ""
      next }
    $1 == "deb" {
      i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) == "bookworm") { print $i; found = 1; exit } }
    END { if (!found) flush() }' "${files[@]}"
}

uri=$(debian_archive_uri)
[ -n "$uri" ] || unavailable "no Debian (bookworm) entry in the apt sources ($sources_dir)"
uri=${uri%/}
arch=$(dpkg --print-architecture)
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

get() {  # get URL FILE
  curl -fsS --retry 2 --connect-timeout 10 -o "$2" "$1"
}
sha256_of() { sha256sum "$1" | awk '{ print $1 }'; }

get "$uri/dists/$suite/InRelease" "$work/InRelease" ||
  unavailable "the mirror does not serve $suite ($uri/dists/$suite/InRelease)"
# Only what the archive key signed is read from here on.
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" ||
  { cat "$work/gpgv.log" >&2; fail "the signature of $suite's InRelease does not verify with $keyring"; }
index=main/binary-$arch/Packages.xz
index_sha=$(awk -v name="$index" '
  /^SHA256:/ { inside = 1; next } /^[^ ]/ { inside = 0 }
  inside && $3 == name { print $1; exit }' "$work/Release")
[ -n "$index_sha" ] || fail "$suite's Release lists no $index"
get "$uri/dists/$suite/$index" "$work/Packages.xz" || unavailable "cannot fetch $uri/dists/$suite/$index"
[ "$(sha256_of "$work/Packages.xz")" = "$index_sha" ] || fail "$index does not match its SHA-256 in the Release file"

read -r filename deb_sha < <(xz -dc "$work/Packages.xz" | awk '
  /^Package: / { inside = ($2 == "docker-compose"); file = sha = ""; next }
  inside && /^Filename: / { file = $2 }
  inside && /^SHA256: / { sha = $2 }
  inside && file != "" && sha != "" { print file, sha; exit }') ||
  unavailable "no docker-compose package in $suite ($arch)"
get "$uri/$filename" "$work/docker-compose.deb" || unavailable "cannot fetch $uri/$filename"
[ "$(sha256_of "$work/docker-compose.deb")" = "$deb_sha" ] || fail "$filename does not match its SHA-256 in Packages"
dpkg-deb -x "$work/docker-compose.deb" "$work/root"
[ -x "$work/root/usr/libexec/docker/cli-plugins/docker-compose" ] ||
  fail "$filename holds no usr/libexec/docker/cli-plugins/docker-compose"
mkdir -p "$cache/cli-plugins"
cp "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$plugin.new"
mv "$plugin.new" "$plugin"
echo "compose-v2: installed $(basename "$filename") into $cache (DOCKER_CONFIG)" >&2
echo "$cache"
