#!/usr/bin/env bash
# Push benchmark: nanoforge against `skopeo copy oci:... docker://...` on the same OCI layout,
# side by side, against a private docker-registry on loopback, then through the test proxy
# adding 50 ms to every request (a remote registry's round trips).
#
#   bench/push.sh [NANOFORGE_BINARY] [SIZE_MB]      (defaults: build-*/builder/nanoforge, 88)
#
# Rows: first push to an empty repository; unchanged re-push (blob bytes sent must be 0);
# push to a new repository of the same registry (mount); one image under 10 tags (blob
# bytes sent must be one image's). Both tools get their own fresh caches per row where a
# cache would change the meaning of the row.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/prelude.sh"
bench_nanoforge "${1:-}"
size_mb=${2:-88}
bench_require skopeo docker-registry python3 curl

work=$(mktemp -d /tmp/nanoforge-bench-push.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the layout: incompressible single-layer images, made with tar, gzip and sha256sum ---
# bench/image:1 for the first three rows; the 10-tag row of each network gets an image of its
# own that neither tool has seen, since skopeo's blob-info cache (/var/lib/containers/cache for
# root) would otherwise mount it from an earlier row instead of uploading.
layout=$work/oci
mkdir -p "$layout/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
put_blob() {  # put_blob FILE -> prints "digest size"
  local digest; digest=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$layout/blobs/sha256/$digest"; echo "$digest $(stat -c %s "$layout/blobs/sha256/$digest")"
}
index_entries=()
add_image() {  # add_image NAME:TAG
  mkdir -p "$work/rootfs"
  head -c $((size_mb * 1000 * 1000)) /dev/urandom >"$work/rootfs/payload.bin"
  tar -C "$work/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" payload.bin
  local diff_id layer layer_size config config_size manifest manifest_size
  diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -1 -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  read -r layer layer_size < <(put_blob "$work/layer.tar.gz")
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/payload.bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"bench"}]}' \
    "$diff_id" >"$work/config.json"
  read -r config config_size < <(put_blob "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
  read -r manifest manifest_size < <(put_blob "$work/manifest.json")
  index_entries+=("$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}' \
    "$manifest" "$manifest_size" "$1")")
  rm -rf "$work/rootfs" "$work/layer.tar"
  last_layer_size=$layer_size
}
add_image bench/image:1
add_image bench/ten-loopback:1
add_image bench/ten-latency50:1
(IFS=,; printf '{"schemaVersion":2,"manifests":[%s]}' "${index_entries[*]}") >"$layout/index.json"
layer_size=$last_layer_size

# --- a private registry, and the proxy adding latency in front of it ---
registry_port=$(free_port)
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<CONF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$registry_port
CONF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
pids+=($!)
python3 "$here/tests/tools/fault_proxy.py" --upstream 127.0.0.1:$registry_port --latency-ms 50 \
  --port-file "$work/proxy-port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$registry_port/v2/" >/dev/null 2>&1 && [ -f "$work/proxy-port" ] && break
  sleep 0.1
done
proxy=127.0.0.1:$(cat "$work/proxy-port")

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
proxy_bytes() { curl -s "http://$proxy/__proxy/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["body_bytes_in"])'; }

nf() {  # nf CACHE_NAME IMAGE REGISTRY ARGS... -> prints "seconds blob_bytes_sent"
  local cache=$work/cache-nf-$1 image=$2 target=$3; shift 3
  local start end out
  start=$(now)
  out=$(XDG_CACHE_HOME=$cache HOME=$work/home-nf "$nanoforge" --layout "$layout" --json push "$image" "$@" \
        --insecure-registry "$target" 2>"$work/nf.err") || { cat "$work/nf.err" >&2; exit 1; }
  end=$(now)
  echo "$(elapsed "$start" "$end") $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["blobBytesSent"])' "$out")"
}
sk() {  # sk HOME_NAME IMAGE DESTINATION... -> prints "seconds" (one skopeo copy per destination)
  local home=$work/home-sk-$1 image=$2; shift 2
  local start end
  start=$(now)
  for destination in "$@"; do
    HOME=$home skopeo copy --quiet --dest-tls-verify=false "oci:$layout:$image" "docker://$destination" \
      >"$work/sk.out" 2>&1 || { cat "$work/sk.out" >&2; exit 1; }
  done
  end=$(now)
  elapsed "$start" "$end"
}

rows=()
run_suite() {  # run_suite LABEL REGISTRY_ADDRESS
  local label=$1 target=$2 r
  local tags=() sk_tags=()
  for i in $(seq 0 8); do tags+=(--also-tag "t$i"); done
  for i in $(seq 0 9); do sk_tags+=("$target/$label-sk-ten:t$i"); done

  read -r nf_first nf_first_bytes < <(nf "$label-a" bench/image:1 "$target" "$target/$label-nf:1")
  read -r nf_again nf_again_bytes < <(nf "$label-a" bench/image:1 "$target" "$target/$label-nf:1")
  read -r nf_mount nf_mount_bytes < <(nf "$label-a" bench/image:1 "$target" "$target/$label-nf-copy:1")
  read -r nf_ten nf_ten_bytes < <(nf "$label-b" "bench/ten-$label:1" "$target" "$target/$label-nf-ten:t9" "${tags[@]}")

  local before after
  before=$(proxy_bytes); sk_first=$(sk "$label-a" bench/image:1 "$target/$label-sk:1"); after=$(proxy_bytes); sk_first_bytes=$((after - before))
  before=$(proxy_bytes); sk_again=$(sk "$label-a" bench/image:1 "$target/$label-sk:1"); after=$(proxy_bytes); sk_again_bytes=$((after - before))
  before=$(proxy_bytes); sk_mount=$(sk "$label-a" bench/image:1 "$target/$label-sk-copy:1"); after=$(proxy_bytes); sk_mount_bytes=$((after - before))
  before=$(proxy_bytes); sk_ten=$(sk "$label-b" "bench/ten-$label:1" "${sk_tags[@]}"); after=$(proxy_bytes); sk_ten_bytes=$((after - before))
  # Request-body bytes are only seen through the proxy; on loopback skopeo's are not counted.
  [ "$target" = "$proxy" ] || { sk_first_bytes=-; sk_again_bytes=-; sk_mount_bytes=-; sk_ten_bytes=-; }

  rows+=("$label|first push|$nf_first|$sk_first|$nf_first_bytes|$sk_first_bytes")
  rows+=("$label|unchanged re-push|$nf_again|$sk_again|$nf_again_bytes|$sk_again_bytes")
  rows+=("$label|new repository (mount)|$nf_mount|$sk_mount|$nf_mount_bytes|$sk_mount_bytes")
  rows+=("$label|10 tags, one new image|$nf_ten|$sk_ten|$nf_ten_bytes|$sk_ten_bytes")
}

echo "image: one gzip layer of $layer_size bytes ($size_mb MB random), registry 127.0.0.1:$registry_port, proxy $proxy (+50 ms/request)" >&2
run_suite loopback "127.0.0.1:$registry_port"
run_suite latency50 "$proxy"

printf '%-10s %-24s %14s %12s %18s %18s\n' network scenario "nanoforge s" "skopeo s" "nf blob bytes" "skopeo body bytes"
for row in "${rows[@]}"; do
  IFS='|' read -r network scenario a b c d <<<"$row"
  printf '%-10s %-24s %14s %12s %18s %18s\n' "$network" "$scenario" "$a" "$b" "$c" "$d"
done
