#!/usr/bin/env bash
# Benchmark: `etcd-backupd snapshot` (Native AOT build) against `etcdctl snapshot save` on the same
# loopback etcd 3.4 member, alternating runs, at one or more database sizes. For each size: the median
# ratio of wall time and CPU time (ours / etcdctl's) and each one's median peak RSS; for the last run of
# each size, RssAnon sampled every 0.5 s (rss-SIZE.txt under the work directory).
# Goals (issue 18): wall <= 0.80x, CPU <= 0.5x, peak RSS <= etcdctl's and within 4 MiB from smallest to largest.
#
# Usage: bench/snapshot/run.sh [RUNS] [SIZE_GIB...]   (default: 5 runs, size 1; e.g. `run.sh 5 0.5 2 5 8`)
# Sizes run in the order given; one data directory serves them all and only grows, so ascending sizes
# load each byte once and a later invocation with the same or a larger size loads only what is missing.
# A size below what is loaded starts the data directory afresh. Results: RESULTS.md beside this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1)
work=${BENCH_DIR:-/var/tmp/etcd-backupd-bench}
port=47379
mkdir -p "$work/out"

"$root/scripts/install-deps.sh" time >/dev/null
[ "${SKIP_PUBLISH:-0}" = 1 ] && [ -x "$root/bench/out/etcd-backupd" ] || "$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupd="$root/bench/out/etcd-backupd"

export ETCDCTL_API=3
ep=http://127.0.0.1:$port
etcd_pid=
start_etcd() {
  # 10 GiB quota: room for the 8 GiB size; --snapshot-count 1000 lets etcd drop WAL files as it goes.
  etcd --name bench --data-dir "$work/etcd" --quota-backend-bytes $((10 << 30)) --snapshot-count 1000 \
    --listen-client-urls "$ep" --advertise-client-urls "$ep" \
    --listen-peer-urls http://127.0.0.1:47380 --initial-advertise-peer-urls http://127.0.0.1:47380 \
    --initial-cluster bench=http://127.0.0.1:47380 >>"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 150); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && return; sleep 0.2; done
  echo "etcd did not start: see $work/etcd.log" >&2; exit 1
}
stop_etcd() { [ -z "$etcd_pid" ] || { kill "$etcd_pid" 2>/dev/null; wait "$etcd_pid" 2>/dev/null || true; etcd_pid=; }; }
trap 'stop_etcd; rm -rf "$work/out"' EXIT

db_size() { etcdctl --endpoints "$ep" endpoint status -w json | sed -n 's/.*"dbSize":\([0-9]*\).*/\1/p'; }
keys() { etcdctl --endpoints "$ep" get /registry/bench/ --prefix --keys-only | grep -c '^/registry/bench/' || true; }

# Fills etcd with 1 MiB values (text, as Kubernetes objects are) until the database reaches TARGET bytes.
load_to() {
  local target=$1 started have
  started=$(date +%s)
  for v in 0 1 2 3; do [ -s "$work/value$v" ] || head -c $((768 << 10)) /dev/urandom | base64 -w0 > "$work/value$v"; done
  have=$(keys); have=${have:-0}
  while [ "$(db_size)" -lt "$target" ]; do
    # 64 values per round, four puts at a time: etcd's fsync per write sets the pace.
    seq "$have" $((have + 63)) | xargs -P 4 -I{} sh -c \
      'etcdctl --endpoints "$1" put "/registry/bench/object-$2" < "$3/value$(($2 % 4))" >/dev/null' _ "$ep" {} "$work"
    have=$((have + 64))
  done
  echo "loaded to $(( $(db_size) >> 20 )) MiB ($have values) in $(( $(date +%s) - started )) s"
}

measure() { # name sample-file command... -> appends "wall cpu rss_kib" to $work/name.times
  local name=$1 samples=$2; shift 2
  rm -f "$work"/out/*
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$work/one.time" "$@" >/dev/null 2>"$work/$name.stderr" &
  local timer=$! child=
  if [ -n "$samples" ]; then
    : > "$samples"
    local t=0
    while kill -0 "$timer" 2>/dev/null; do
      child=${child:-$(pgrep -P "$timer" || true)}
      [ -n "$child" ] && awk -v t="$t" '/^RssAnon:/ { print t, $2 }' "/proc/$child/status" >> "$samples" 2>/dev/null || true
      sleep 0.5; t=$(awk -v t="$t" 'BEGIN { print t + 0.5 }')
    done
  fi
  wait "$timer" || { echo "$name failed:"; cat "$work/$name.stderr"; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/one.time" >> "$work/$name.times"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratios() { paste "$work/backupd.times" "$work/etcdctl.times" | awk -v c="$1" '{ print $(c) / $(c + 3) }' | median; }
mib() { cut -d' ' -f3 "$work/$1.times" | median | awk '{ printf "%.1f", $1 / 1024 }'; }

cat > "$work/config.json" <<JSON
{ "Etcd": { "Endpoints": ["$ep"] }, "Snapshots": { "Directory": "$work/out" } }
JSON

start_etcd
for size in "${sizes[@]}"; do
  target=$(awk -v s="$size" 'BEGIN { printf "%.0f", s * 1073741824 }')
  if [ "$(db_size)" -gt $((target + (target >> 2) + (64 << 20))) ]; then
    echo "size $size GiB: the loaded database is larger; starting the data directory afresh"
    stop_etcd; rm -rf "$work/etcd"; start_etcd
  fi
  load_to "$target"
  db=$(( $(db_size) >> 20 ))
  rm -f "$work"/*.times
  for i in $(seq 1 "$runs"); do
    measure etcdctl "" etcdctl --endpoints "$ep" snapshot save "$work/out/etcdctl.db"
    sample=; [ "$i" = "$runs" ] && sample="$work/rss-$size.txt"
    measure backupd "$sample" "$backupd" snapshot --config "$work/config.json"
    echo "  run $i: etcdctl $(tail -1 "$work/etcdctl.times")  etcd-backupd $(tail -1 "$work/backupd.times")  (wall s, cpu s, peak RSS KiB)"
  done
  echo "size $size GiB ($db MiB database), median of $runs alternating runs"
  printf '  wall ratio %.2f (goal <= 0.80), CPU ratio %.2f (goal <= 0.50); wall etcd-backupd %.2f s, etcdctl %.2f s\n' \
    "$(ratios 1)" "$(ratios 2)" "$(cut -d' ' -f1 "$work/backupd.times" | median)" "$(cut -d' ' -f1 "$work/etcdctl.times" | median)"
  echo "  peak RSS etcd-backupd $(mib backupd) MiB, etcdctl $(mib etcdctl) MiB; RssAnon over the last run (s KiB): $work/rss-$size.txt"
  echo "  uptime: $(uptime)"
done
