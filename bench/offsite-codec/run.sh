#!/usr/bin/env bash
# Benchmark: the off-site codec (zstd, then age to one X25519 recipient) on Kubernetes-like JSON, in a
# Native AOT program as the daemon is built. Encodes once, decodes once, checks the round trip, and
# reports wall time, CPU time, peak RSS (GNU time) and the compression ratio.
# Usage: bench/offsite-codec/run.sh [BYTES (default 1 GiB)] [ZSTD_LEVEL (default 3)]. Results: README.md beside this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
size=${1:-$((1 << 30))}
level=${2:-3}
work=${BENCH_DIR:-/var/tmp/offsite-codec-bench}
mkdir -p "$work"

"$root/scripts/install-deps.sh" time clang zlib1g-dev >/dev/null
dotnet publish "$root/bench/offsite-codec/tool" -c Release -r linux-x64 -o "$work/bin" -nologo -v quiet >/dev/null
tool=$work/bin/offsite-codec-bench

input=$work/input-$size
[ -f "$input" ] || "$tool" gen "$input" "$size"
[ -f "$work/operator.key" ] || age-keygen -o "$work/operator.key" 2>/dev/null
recipient=$(age-keygen -y "$work/operator.key")
trap 'rm -f "$work/copy.zst.age" "$work/restored"' EXIT

measure() { # name command... -> "wall_s cpu_s peak_rss_mib"
  local name=$1; shift
  sync
  /usr/bin/time -v -o "$work/$name.time" "$@" >/dev/null
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
              /User time/ { cpu += $2 } /System time/ { cpu += $2 } /Maximum resident set size/ { rss = $2 / 1024 }
              END { printf "%.2f %.2f %.1f\n", wall, cpu, rss }' "$work/$name.time"
}

read -r enc_wall enc_cpu enc_rss < <(measure encode "$tool" encode "$input" "$work/copy.zst.age" "$level" "$recipient")
encoded=$(stat -c %s "$work/copy.zst.age")
read -r dec_wall dec_cpu dec_rss < <(measure decode "$tool" decode "$work/copy.zst.age" "$work/restored" "$work/operator.key")
cmp "$input" "$work/restored"
# The standard tools read the same copy.
age -d -i "$work/operator.key" "$work/copy.zst.age" | zstd -d -q | cmp - "$input"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "input $(mib "$size") of Kubernetes-like JSON, zstd level $level + age (1 X25519 recipient): copy $(mib "$encoded"), ratio $(awk -v a="$size" -v b="$encoded" 'BEGIN { printf "%.2f", a / b }')"
printf '  encode: wall %s s, CPU %s s, peak RSS %s MiB, %.0f MiB/s\n' "$enc_wall" "$enc_cpu" "$enc_rss" "$(awk -v b="$size" -v t="$enc_wall" 'BEGIN { print b / 1048576 / t }')"
printf '  decode: wall %s s, CPU %s s, peak RSS %s MiB, %.0f MiB/s\n' "$dec_wall" "$dec_cpu" "$dec_rss" "$(awk -v b="$size" -v t="$dec_wall" 'BEGIN { print b / 1048576 / t }')"
echo "  round trip: ours and age -d | zstd -d both give back the input byte for byte"
