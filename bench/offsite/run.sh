#!/usr/bin/env bash
# Benchmark: the off-site uploader (zstd level 3 + age to one X25519 recipient, multipart, read back and
# checked, manifest beside it) against `s3cmd put` of the raw snapshot, to the same loopback Ceph RADOS
# Gateway, alternating runs. Reports medians of wall time, CPU (user+system) and peak RSS (GNU time),
# and the bytes stored against the raw file. Goals (issue 17): wall <= 1.0x s3cmd, peak RSS <= 48 MiB.
# The snapshot (Kubernetes-like objects in a real etcd 3.5, saved with etcdctl) is made once and kept
# under bench/offsite/.data. The store keeps objects in RAM (memstore), and the gateway frees a deleted
# multipart object's parts only in its garbage collection, hours later: the script sizes the store at one
# raw copy per run, plus one, plus 1 GiB (RUNS=5 at 1 GiB: about 7 GiB of RAM). The harness is a Release
# build on the JIT, or with BENCH_AOT=1 published with Native AOT as the daemon is (SKIP_PUBLISH=1 reuses it).
# Usage: bench/offsite/run.sh [RUNS (default 3)] [BYTES of objects to load (default 128 MiB)]. Results: RESULTS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
size=${2:-$((128 << 20))}
data=$root/bench/offsite/.data
work=$data/work
port=27379 store=27400
export ETCD35_ROOT=${ETCD35_ROOT:-$root/.cache/etcd-3.5} OBJECT_STORE_ROOT=${OBJECT_STORE_ROOT:-$root/.cache/ceph-trixie}
mkdir -p "$data" "$work"

if [ "${BENCH_AOT:-0}" = 1 ]; then  # Native AOT, as the daemon is packaged
  "$root/scripts/install-deps.sh" time clang zlib1g-dev >/dev/null
  [ "${SKIP_PUBLISH:-0}" = 1 ] || dotnet publish "$root/bench/offsite/tool" -c Release -r linux-x64 -o "$data/aot" -nologo -v quiet >/dev/null
  tool=$data/aot/offsite-bench
else  # Release build on the JIT
  "$root/scripts/install-deps.sh" time >/dev/null
  dotnet build "$root/bench/offsite/tool" -c Release -o "$data/bin" -nologo -v quiet >/dev/null
  tool=$data/bin/offsite-bench
fi

# The snapshot, once per size.
snapshot=$(ls "$data"/snap-"$size"/*.db 2>/dev/null | head -1 || true)
if [ -z "$snapshot" ]; then
  echo "loading about $((size >> 20)) MiB of Kubernetes-like objects into etcd 3.5 (once)..."
  rm -rf "$data/etcd" "$data/snap-$size" && mkdir -p "$data/snap-$size"
  ep=http://127.0.0.1:$port
  "$ETCD35_ROOT/usr/bin/etcd" --name bench --data-dir "$data/etcd" --quota-backend-bytes $((8 << 30)) \
    --listen-client-urls "$ep" --advertise-client-urls "$ep" \
    --listen-peer-urls http://127.0.0.1:$((port + 1)) --initial-advertise-peer-urls http://127.0.0.1:$((port + 1)) \
    --initial-cluster bench=http://127.0.0.1:$((port + 1)) >"$data/etcd.log" 2>&1 &
  etcd_pid=$!
  trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do ETCDCTL_API=3 "$ETCD35_ROOT/usr/bin/etcdctl" --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
  "$tool" load "$ep" "$size"
  ETCDCTL_API=3 "$ETCD35_ROOT/usr/bin/etcdctl" --endpoints "$ep" snapshot save "$data/snap-$size/etcdctl.db" >/dev/null
  kill $etcd_pid; wait $etcd_pid 2>/dev/null || true; trap - EXIT
  rm -rf "$data/etcd"
  snapshot=$("$tool" name "$data/snap-$size/etcdctl.db")
fi
raw=$(stat -c %s "$snapshot")
[ -f "$data/operator.key" ] || age-keygen -o "$data/operator.key" 2>/dev/null
recipient=$(age-keygen -y "$data/operator.key")

# The object store, with the test suite's user (tests/EtcdBackupd.Tests/Support/ObjectStore.cs) and a bucket.
access=AKIAOFFSITETEST00001 secret=offsitetestsecret000000000000000000000001
"$root/scripts/object-store.sh" stop $store >/dev/null 2>&1 || true
endpoint=$(OBJECT_STORE_BYTES=$(((runs + 1) * raw + (1 << 30))) "$root/scripts/object-store.sh" start $store | tail -1)
trap '"$root/scripts/object-store.sh" stop $store >/dev/null 2>&1 || true' EXIT
"$root/scripts/object-store.sh" user $store $access $secret >/dev/null
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' $access $secret > "$data/credentials"
chmod 600 "$data/credentials"
s3cmd_args=(--access_key=$access --secret_key=$secret --host=127.0.0.1:$((store + 1)) --host-bucket=127.0.0.1:$((store + 1)) --no-ssl --config=/dev/null)
s3() { s3cmd "${s3cmd_args[@]}" "$@"; }
s3 mb s3://bench >/dev/null

measure() { # name command... -> appends "wall cpu rss_kib" to $work/name.times
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$work/one.time" "$@" >/dev/null 2>"$work/$name.stderr" \
    || { echo "$name failed:"; cat "$work/$name.stderr"; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/one.time" >> "$work/$name.times"
}
rm -f "$work"/*.times
echo "snapshot $(basename "$snapshot"), $((raw >> 20)) MiB, uploader $([ "${BENCH_AOT:-0}" = 1 ] && echo "Native AOT" || echo "JIT (Release)"); uptime before: $(uptime)"
for i in $(seq 1 "$runs"); do
  measure s3cmd s3cmd "${s3cmd_args[@]}" put "$snapshot" "s3://bench/raw-$i/$(basename "$snapshot")"
  measure backupd "$tool" upload "$snapshot" "$endpoint" bench "ours-$i/" "$data/credentials" "$recipient"
  # The store keeps objects in RAM (scripts/object-store.sh): only the first run's copy of ours stays.
  [ "$i" = 1 ] && s3raw=$(s3 ls "s3://bench/raw-1/" | awk '{ print $3 }')
  s3 del --recursive --force "s3://bench/raw-$i/" >/dev/null
  [ "$i" = 1 ] || s3 del --recursive --force "s3://bench/ours-$i/" >/dev/null
  echo "run $i: s3cmd $(tail -1 "$work/s3cmd.times")  uploader $(tail -1 "$work/backupd.times")  (wall s, cpu s, peak RSS KiB); $(uptime)"
done
stored=$(s3 ls "s3://bench/ours-1/" | awk '/\.age$/ { print $3 }')
# The stored object opens with the standard tools into the snapshot, byte for byte.
s3 get --force "s3://bench/ours-1/$(basename "$snapshot").zst.age" "$work/object" >/dev/null
age -d -i "$data/operator.key" "$work/object" | zstd -d -q | cmp - "$snapshot"
rm -f "$work/object"

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { cut -d' ' -f"$2" "$work/$1.times" | median; }
ratio() { paste -d' ' "$work/backupd.times" "$work/s3cmd.times" | awk -v c="$1" '{ print $(c) / $(c + 3) }' | median; }
echo
echo "median over $runs alternating runs, snapshot $((raw >> 20)) MiB (raw $raw bytes):"
printf '  wall: uploader %.2f s, s3cmd %.2f s, ratio %.2f (goal <= 1.0)\n' "$(col backupd 1)" "$(col s3cmd 1)" "$(ratio 1)"
printf '  CPU (user+sys): uploader %.2f s, s3cmd %.2f s, ratio %.2f\n' "$(col backupd 2)" "$(col s3cmd 2)" "$(ratio 2)"
printf '  peak RSS: uploader %.1f MiB (goal <= 48), s3cmd %.1f MiB\n' "$(col backupd 3 | awk '{ print $1 / 1024 }')" "$(col s3cmd 3 | awk '{ print $1 / 1024 }')"
printf '  stored: uploader %s bytes (%.1f%% of raw, ratio %.2f), s3cmd %s bytes\n' "$stored" "$(awk -v a="$stored" -v b="$raw" 'BEGIN { print 100 * a / b }')" "$(awk -v a="$stored" -v b="$raw" 'BEGIN { print b / a }')" "$s3raw"
echo "  round trip: s3cmd get | age -d | zstd -d gives back the snapshot byte for byte"
echo "uptime after: $(uptime)"
