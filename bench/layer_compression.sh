#!/usr/bin/env bash
# Packs a large tree into a gzip and a zstd layer with nanoforge's layer writer and, in the
# same run, times the shell pipelines that do the same job with the standard tools:
#   tar --sort=name -C DIR -cf - . | pigz -6 -p$(nproc) | sha256sum
#   tar --sort=name -C DIR -cf - . | zstd -3 -T0 | sha256sum
# Usage: bench/layer_compression.sh [DIR]   (default: the CPython 3.12.1 install of pyenv)
# Environment: BUILD_DIR (default build), LAYER_BENCH (path of layer_bench), ROUNDS (default 1;
# the best of ROUNDS runs is reported for each row).
# Timings on a shared machine are noisy: compare the rows of one run, never across runs.
# CPU seconds (user+system of every process and thread involved) are printed beside wall time
# because they do not depend on what else the machine is doing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
dir=${1:-}
if [[ -z "$dir" ]]; then
  dir=$(pyenv prefix 3.12.1 2>/dev/null) || { echo "no DIR given and pyenv has no 3.12.1" >&2; exit 2; }
fi
[[ -d "$dir" ]] || { echo "not a directory: $dir" >&2; exit 2; }
bench=${LAYER_BENCH:-${BUILD_DIR:-$root/build}/bench/layer_bench}
[[ -x "$bench" ]] || { echo "layer_bench not built: $bench (cmake --build BUILD --target layer_bench)" >&2; exit 2; }
for tool in tar pigz zstd sha256sum; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
rounds=${ROUNDS:-1}
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Warm the page cache so every row reads the tree from memory.
tar --sort=name -C "$dir" -cf - . | cat >/dev/null
tar_bytes=$(tar --sort=name -C "$dir" -cf - . | wc -c)
files=$(find "$dir" | wc -l)

# Runs a command, prints "<wall seconds> <cpu seconds>" (CPU of the command and its children).
timed() {
  local start end cpu_before cpu_after me=$BASHPID
  cpu_before=$(awk '{print $14+$15+$16+$17}' /proc/$me/stat)
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  # Children's CPU (cutime+cstime) is counted once they have been waited for.
  cpu_after=$(awk '{print $14+$15+$16+$17}' /proc/$me/stat)
  awk -v s="$start" -v e="$end" -v b="$cpu_before" -v a="$cpu_after" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.3f %.2f\n", e - s, (a - b) / hz }'
}

pigz_pipeline() { tar --sort=name -C "$dir" -cf - . | pigz -6 -p"$cores" | sha256sum; }
zstd_pipeline() { tar --sort=name -C "$dir" -cf - . | zstd -3 -T0 -q | sha256sum; }
nanoforge_gzip() { "$bench" "$dir" gzip --level 6 --blobs "$work/blobs" >"$work/gzip.out"; }
nanoforge_zstd() { "$bench" "$dir" zstd --level 3 --blobs "$work/blobs" >"$work/zstd.out"; }

# Best wall time of ROUNDS runs (and the CPU of that run), in a subshell per run.
best() {
  local best_line="" line
  for ((round = 0; round < rounds; round++)); do
    line=$( (timed "$@") )
    if [[ -z "$best_line" ]] || awk -v a="${line%% *}" -v b="${best_line%% *}" 'BEGIN { exit !(a < b) }'; then
      best_line=$line
    fi
  done
  echo "$best_line"
}

read -r gzip_wall gzip_cpu < <(best nanoforge_gzip)
read -r pigz_wall pigz_cpu < <(best pigz_pipeline)
read -r zstd_wall zstd_cpu < <(best nanoforge_zstd)
read -r zcli_wall zcli_cpu < <(best zstd_pipeline)
gzip_size=$(awk '{print $3}' "$work/gzip.out")
zstd_size=$(awk '{print $3}' "$work/zstd.out")
pigz_size=$(tar --sort=name -C "$dir" -cf - . | pigz -6 -p"$cores" | wc -c)
zcli_size=$(tar --sort=name -C "$dir" -cf - . | zstd -3 -T0 -q | wc -c)

echo "tree: $dir ($files files, tar $((tar_bytes / 1000000)) MB), $cores cores, best of $rounds"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %8s %8s %8s %8s %10s\n' "pipeline" "seconds" "cpu s" "MB/s" "ratio" "vs tools"
row() {  # name wall cpu compressed_size baseline_wall
  awk -v n="$1" -v w="$2" -v c="$3" -v z="$4" -v b="$5" -v t="$tar_bytes" 'BEGIN {
    printf "%-44s %8.2f %8.2f %8.1f %8.2f %9.2fx\n", n, w, c, t / 1e6 / w, t / z, w / b }'
}
row "nanoforge gzip -6 ($cores threads)" "$gzip_wall" "$gzip_cpu" "$gzip_size" "$pigz_wall"
row "tar | pigz -6 -p$cores | sha256sum" "$pigz_wall" "$pigz_cpu" "$pigz_size" "$pigz_wall"
row "nanoforge zstd -3 ($cores workers)" "$zstd_wall" "$zstd_cpu" "$zstd_size" "$zcli_wall"
row "tar | zstd -3 -T0 | sha256sum" "$zcli_wall" "$zcli_cpu" "$zcli_size" "$zcli_wall"
echo "ratio = tar bytes / compressed bytes; vs tools = seconds / the tool pipeline's seconds"
echo "targets: gzip <= 1.00x pigz, zstd <= 1.20x zstd"
