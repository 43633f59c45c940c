#!/usr/bin/env bash
# Benchmark: `etcd-backupd snapshot` (Native AOT build) against `etcdctl snapshot save` on the same
# loopback etcd 3.4 member holding about 1 GiB, alternating runs. Reports the median ratio of wall
# time and CPU time (ours / etcdctl's) and each one's median peak RSS. Goals (issue 2): wall <= 0.85x,
# peak RSS <= 48 MiB. Usage: bench/snapshot/run.sh [RUNS] (default 5). Results: RESULTS.md beside this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
work=${BENCH_DIR:-/var/tmp/etcd-backupd-bench}
port=47379
mkdir -p "$work/out"

"$root/scripts/install-deps.sh" time >/dev/null
"$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupd="$root/bench/out/etcd-backupd"

export ETCDCTL_API=3
ep=http://127.0.0.1:$port
etcd --name bench --data-dir "$work/etcd" --quota-backend-bytes $((8 << 30)) \
  --listen-client-urls "$ep" --advertise-client-urls "$ep" \
  --listen-peer-urls http://127.0.0.1:47380 --initial-advertise-peer-urls http://127.0.0.1:47380 \
  --initial-cluster bench=http://127.0.0.1:47380 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null || true; rm -rf "$work/out"' EXIT
for _ in $(seq 1 100); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done

db_size() { etcdctl --endpoints "$ep" endpoint status -w json | sed -n 's/.*"dbSize":\([0-9]*\).*/\1/p'; }
# Load once; the data directory is kept between runs of the benchmark.
if [ "$(db_size)" -lt $((1000 << 20)) ]; then
  echo "loading about 1 GiB into etcd (once)..."
  for v in 0 1 2 3; do head -c $((768 << 10)) /dev/urandom | base64 -w0 > "$work/value$v"; done  # 1 MiB of text each
  for i in $(seq 0 1023); do etcdctl --endpoints "$ep" put "/registry/bench/object-$i" < "$work/value$((i % 4))" >/dev/null; done
fi
echo "etcd database: $(( $(db_size) >> 20 )) MiB"

cat > "$work/config.json" <<JSON
{ "Etcd": { "Endpoints": ["$ep"] }, "Snapshots": { "Directory": "$work/out" } }
JSON

measure() { # name command... -> appends "wall cpu rss_kib" to $work/name.times
  local name=$1; shift
  rm -f "$work"/out/*
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$work/one.time" "$@" >/dev/null 2>"$work/$name.stderr" \
    || { echo "$name failed:"; cat "$work/$name.stderr"; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/one.time" >> "$work/$name.times"
}
rm -f "$work"/*.times
for i in $(seq 1 "$runs"); do
  measure etcdctl etcdctl --endpoints "$ep" snapshot save "$work/out/etcdctl.db"
  measure backupd "$backupd" snapshot --config "$work/config.json"
  echo "run $i: etcdctl $(tail -1 "$work/etcdctl.times")  etcd-backupd $(tail -1 "$work/backupd.times")  (wall s, cpu s, peak RSS KiB)"
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratios() { paste "$work/backupd.times" "$work/etcdctl.times" | awk -v c="$1" '{ print $(c) / $(c + 3) }' | median; }
echo
echo "median over $runs alternating runs, $(( $(db_size) >> 20 )) MiB database:"
printf '  wall ratio (etcd-backupd / etcdctl): %.2f   (goal <= 0.85)\n' "$(ratios 1)"
printf '  CPU ratio  (etcd-backupd / etcdctl): %.2f\n' "$(ratios 2)"
printf '  wall: etcd-backupd %.2f s, etcdctl %.2f s\n' "$(cut -d' ' -f1 "$work/backupd.times" | median)" "$(cut -d' ' -f1 "$work/etcdctl.times" | median)"
printf '  peak RSS: etcd-backupd %.1f MiB (goal <= 48), etcdctl %.1f MiB\n' \
  "$(cut -d' ' -f3 "$work/backupd.times" | median | awk '{ print $1 / 1024 }')" \
  "$(cut -d' ' -f3 "$work/etcdctl.times" | median | awk '{ print $1 / 1024 }')"
