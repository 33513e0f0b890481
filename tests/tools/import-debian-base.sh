#!/usr/bin/env bash
# Imports a debian:bookworm-slim look-alike into a Docker daemon without any registry: a
# minbase bookworm tree from the Debian mirror this machine's apt sources name (never a
# hard-coded host), slimmed the way the official slim image is (no docs, man pages or
# locales), piped into `docker import`. Dockerfile.multi-instance builds FROM it.
#
#   tests/tools/import-debian-base.sh [--force] [TAG]    (TAG default: debian:bookworm-slim)
#   tests/tools/import-debian-base.sh --add-host-flags   (prints --add-host MIRROR:IP ...)
#
# The daemon is the one DOCKER_HOST names. An existing TAG is kept (the import takes a
# minute) unless --force is given. `--add-host-flags` prints what `docker build` needs so
# its RUN steps reach the same mirror: one `--add-host HOST:IP` per mirror host.
# Exit status: 0 done, 77 cannot run here (mmdebstrap missing, no mirror in the apt
# sources, the mirror does not resolve; the reason is on stderr), 1 failed.
set -euo pipefail
sources_dir=${NANOFORGE_APT_SOURCES_DIR:-/etc/apt/sources.list.d}
suite=bookworm

unavailable() { echo "import-debian-base: $*" >&2; exit 77; }

# One-line "deb URI SUITE COMPONENTS" entries for the bookworm suites in the machine's apt
# sources (deb822 .sources stanzas and one-line .list files).
debian_sources() {
  local files=()
  for f in /etc/apt/sources.list "$sources_dir"/*.list "$sources_dir"/*.sources; do
    [ -r "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$suite" '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && uris != "")
        { n = split(uris, u, " "); m = split(suites, s, " ");
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
            if (s[j] == suite || index(s[j], suite "-") == 1)
              print "deb " u[i] " " s[j] " " (components == "" ? "main" : components) }
      types = uris = suites = components = "" }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      if ($0 ~ /^#/) next
      key = tolower($1); sub(/^[^:]*:[ \t]*/, "")
      if (key == "types:") types = $0; else if (key == "uris:") uris = $0
      else if (key == "suites:") suites = $0; else if (key == "components:") components = $0
      else if (key == "enabled:" && tolower($0) == "no") types = ""
      next }
    $1 == "deb" {
      i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) == suite || index($(i + 1), suite "-") == 1) {
        line = "deb " $i " " $(i + 1); for (k = i + 2; k <= NF; k++) line = line " " $k; print line } }
    END { flush() }' "${files[@]}"
}

mirror_hosts() { debian_sources | awk '{ split($2, p, "/"); print p[3] }' | sed 's/:[0-9]*$//' | sort -u; }

add_host_flags() {
  local host ip
  for host in $(mirror_hosts); do
    ip=$(getent hosts "$host" | awk '{ print $1; exit }')
    [ -n "$ip" ] || unavailable "the mirror host $host does not resolve"
    printf -- '--add-host %s:%s\n' "$host" "$ip"
  done
}

force=
tag=debian:bookworm-slim
case "${1:-}" in
  --add-host-flags)
    [ -n "$(debian_sources)" ] || unavailable "no $suite entry in the apt sources ($sources_dir)"
    add_host_flags
    exit 0 ;;
  --force) force=1; shift ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -gt 0 ] && tag=$1

command -v mmdebstrap >/dev/null || unavailable "mmdebstrap is not installed"
command -v docker >/dev/null || unavailable "the docker client is not installed"
docker version >/dev/null 2>&1 || unavailable "no Docker daemon answers at ${DOCKER_HOST:-the default socket}"
if [ -z "$force" ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "import-debian-base: $tag is already in the daemon" >&2
  exit 0
fi
mapfile -t entries < <(debian_sources)
[ ${#entries[@]} -gt 0 ] || unavailable "no $suite entry in the apt sources ($sources_dir)"
add_host_flags >/dev/null

# merged-usr: set up /usr-merge without the usrmerge package (which drags in perl), as the
# official image is. The path filters stay in /etc/dpkg/dpkg.cfg.d, so packages a
# Dockerfile installs later are slimmed the same way.
log=$(mktemp /tmp/import-debian-base.XXXXXX.log)
trap 'rm -f "$log"' EXIT
if ! mmdebstrap --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
      --aptopt='Acquire::Languages "none"' \
      "$suite" - "${entries[@]}" 2>"$log" |
    docker import --change 'CMD ["bash"]' - "$tag" >/dev/null; then
  tail -20 "$log" >&2
  echo "import-debian-base: mmdebstrap | docker import of $tag failed (mirror: ${entries[0]})" >&2
  exit 1
fi
echo "import-debian-base: imported $tag from ${entries[0]}" >&2
