#!/usr/bin/env bash
# Benchmark: `etcd-backupd snapshot` (Native AOT build) against `etcdctl snapshot save` on one loopback
# etcd 3.4 member, at several database sizes, with alternating runs. For each size it reports the median
# ratio of wall time and of CPU time (ours / etcdctl's) and each program's median peak RSS; for the
# largest size it also samples both programs' RSS every second during one more run of each.
# Goals (issue 18): peak RSS at every size <= etcdctl's and <= 4 MiB apart smallest vs largest; wall <= 0.80x.
#
# Usage: bench/snapshot/run.sh [RUNS] [SIZES_GIB...]   (default: 5 runs; sizes 0.5 2 5 8)
# One data directory, grown from one size to the next (values are only ever added), is kept between
# invocations under $BENCH_DIR (default /var/tmp/etcd-backupd-bench): a later run loads only what is
# missing. `BENCH_CLEAN=1` removes it at the end. Results: RESULTS.md beside this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(0.5 2 5 8)
work=${BENCH_DIR:-/var/tmp/etcd-backupd-bench}
port=47379
mkdir -p "$work/out"

"$root/scripts/install-deps.sh" time >/dev/null
"$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupd="$root/bench/out/etcd-backupd"

export ETCDCTL_API=3
ep=http://127.0.0.1:$port
# 12 GiB of quota (etcd warns above 8 GiB) so that an 8 GiB database still takes writes; a WAL snapshot
# every 1,000 writes so that old WAL files are released instead of holding every 1 MiB value twice.
etcd --name bench --data-dir "$work/etcd" --quota-backend-bytes $((12 << 30)) --snapshot-count 1000 \
  --listen-client-urls "$ep" --advertise-client-urls "$ep" \
  --listen-peer-urls http://127.0.0.1:47380 --initial-advertise-peer-urls http://127.0.0.1:47380 \
  --initial-cluster bench=http://127.0.0.1:47380 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
cleanup() {
  kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null || true
  rm -rf "$work/out"
  if [ "${BENCH_CLEAN:-0}" = 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done

db_size() { etcdctl --endpoints "$ep" endpoint status -w json | sed -n 's/.*"dbSize":\([0-9]*\).*/\1/p'; }
mib() { echo $(( $1 >> 20 )); }

# Adds 1 MiB values (text: 768 KiB of random bytes in base64) under new keys until the database holds
# $1 bytes; the number of values put so far is kept beside the data directory.
load_to() {
  local target=$1 next started=$SECONDS
  for v in 0 1 2 3; do [ -s "$work/value$v" ] || head -c $((768 << 10)) /dev/urandom | base64 -w0 > "$work/value$v"; done
  next=$(cat "$work/loaded" 2>/dev/null || echo 0)
  while [ "$(db_size)" -lt "$target" ]; do
    for _ in $(seq 1 32); do
      etcdctl --endpoints "$ep" put "/registry/bench/object-$next" < "$work/value$((next % 4))" >/dev/null
      next=$((next + 1))
    done
    echo "$next" > "$work/loaded"
  done
  echo "loaded to $(mib "$(db_size)") MiB ($next values) in $((SECONDS - started)) s"
}

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

sample_rss() { # name command... -> $work/rss-name.tsv: seconds, VmRSS, RssAnon, RssFile (KiB), every second
  local name=$1 pid t=0; shift
  rm -f "$work"/out/*
  sync
  "$@" >/dev/null 2>"$work/$name.stderr" &
  pid=$!
  printf 'seconds\tVmRSS_KiB\tRssAnon_KiB\tRssFile_KiB\n' > "$work/rss-$name.tsv"
  while kill -0 $pid 2>/dev/null; do
    awk -v t=$t '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } END { if (r) printf "%d\t%s\t%s\t%s\n", t, r, a, f }' \
      "/proc/$pid/status" >> "$work/rss-$name.tsv" 2>/dev/null || true
    sleep 1
    t=$((t + 1))
  done
  wait $pid
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratios() { paste "$work/backupd.times" "$work/etcdctl.times" | awk -v c="$1" '{ print $(c) / $(c + 3) }' | median; }
peak_mib() { cut -d' ' -f3 "$work/$1.times" | median | awk '{ printf "%.1f", $1 / 1024 }'; }

summary=$work/summary.txt
: > "$summary"
for size in "${sizes[@]}"; do
  load_to "$(awk -v g="$size" 'BEGIN { printf "%.0f", g * 1073741824 }')"
  db=$(mib "$(db_size)")
  rm -f "$work"/*.times
  for i in $(seq 1 "$runs"); do
    measure etcdctl etcdctl --endpoints "$ep" snapshot save "$work/out/etcdctl.db"
    measure backupd "$backupd" snapshot --config "$work/config.json"
    echo "$size GiB run $i: etcdctl $(tail -1 "$work/etcdctl.times")  etcd-backupd $(tail -1 "$work/backupd.times")  (wall s, cpu s, peak RSS KiB)"
  done
  line=$(printf '%s GiB (%s MiB): wall ratio %.2f, CPU ratio %.2f, wall %.2f s vs %.2f s, peak RSS etcd-backupd %s MiB, etcdctl %s MiB' \
    "$size" "$db" "$(ratios 1)" "$(ratios 2)" \
    "$(cut -d' ' -f1 "$work/backupd.times" | median)" "$(cut -d' ' -f1 "$work/etcdctl.times" | median)" \
    "$(peak_mib backupd)" "$(peak_mib etcdctl)")
  echo "$line" | tee -a "$summary"
done

largest=${sizes[${#sizes[@]}-1]}
sample_rss etcdctl etcdctl --endpoints "$ep" snapshot save "$work/out/etcdctl.db"
sample_rss backupd "$backupd" snapshot --config "$work/config.json"
echo
echo "medians over $runs alternating runs (goals: wall ratio <= 0.80, CPU ratio <= 0.50, peak RSS <= etcdctl's):"
cat "$summary"
echo "RSS every second at $largest GiB: $work/rss-backupd.tsv and $work/rss-etcdctl.tsv"
