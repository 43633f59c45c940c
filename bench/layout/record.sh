#!/usr/bin/env bash
# Records which of etcd-backupd's managed functions run in a one-shot snapshot and in the daemon, and
# writes them to src/EtcdBackupd/function-order.txt, the order the Native AOT compiler lays code out in
# (IlcOrderFile in src/EtcdBackupd/EtcdBackupd.csproj). Run it again after larger changes: a name the
# code no longer has is skipped by the compiler, and a function not listed still works, it is only
# placed among the cold code.
#
# Why: the kernel maps a program's file pages 64 KiB at a time around each one touched, so the code a
# snapshot runs (1.1 MiB), scattered through the daemon's 10.8 MiB of managed code, had 8 MiB of it mapped.
# Listed first, it fills 18 such blocks; 2.5 MiB of code is resident (bench/snapshot/RESULTS.md, seventh step).
#
# Root, Linux 6.6 or later (bench/layout/trace-calls.py counts calls with one BPF multi-uprobe link).
# Starts its own etcd 3.4 member on loopback (port 49379), about a minute in all.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/daemon-config.sh"
work=$(mktemp -d /var/tmp/etcd-backupd-layout.XXXXXX)
etcd_pid=
trap 'kill $etcd_pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
"$root/scripts/install-deps.sh" >/dev/null
KEEP_SYMBOLS=1 "$root/packaging/publish.sh" aot "$work/bin" >/dev/null
backupd=$work/bin/etcd-backupd

ep=http://127.0.0.1:49379
etcd --name layout --data-dir "$work/etcd" --listen-client-urls $ep --advertise-client-urls $ep \
  --listen-peer-urls http://127.0.0.1:49380 --initial-advertise-peer-urls http://127.0.0.1:49380 \
  --initial-cluster layout=http://127.0.0.1:49380 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints $ep endpoint health >/dev/null 2>&1 && break; sleep 0.1; done
# 96 values of 1 MiB: a stream long enough for the collections and writeback a large one goes through.
head -c $((768 << 10)) /dev/urandom | base64 -w0 > "$work/value"
for i in $(seq 1 96); do ETCDCTL_API=3 etcdctl --endpoints $ep put "/registry/layout/object-$i" < "$work/value" >/dev/null; done

mkdir -p "$work/snapshots" "$work/oneshot"
# The one-shot snapshot as cron runs it: nothing configured but etcd and the directory (its own: a
# snapshot there would spare the daemon its catch-up one).
cat > "$work/oneshot.json" <<JSON
{ "Etcd": { "Endpoints": ["$ep"] }, "Snapshots": { "Directory": "$work/oneshot" } }
JSON
daemon_config "$ep" "$work" > "$work/config.json"
trace() { python3 "$root/bench/layout/trace-calls.py" --section __managedcode "$backupd" "$backupd.dbg" "$@"; }

trace "$work/snapshot.txt" -- "$backupd" snapshot --config "$work/oneshot.json" >/dev/null
# The daemon: start, its catch-up snapshot, the questions a monitor asks, SIGTERM. Interrupted, the
# daemon is stopped too; without its catch-up snapshot, nothing is written.
trace "$work/daemon.txt" -- bash -c '
  set -e
  "$1" --config "$2/config.json" 2>"$2/daemon.log" & daemon=$!
  trap "kill $daemon 2>/dev/null || true" EXIT INT TERM
  for _ in $(seq 1 300); do grep -q "saved and verified" "$2/daemon.log" && break; sleep 0.1; done
  grep -q "saved and verified" "$2/daemon.log" || { echo "record.sh: the daemon took no snapshot:" >&2; cat "$2/daemon.log" >&2; exit 1; }
  for verb in status list; do "$3" --socket "$2/control.sock" $verb --json >/dev/null || true; done
  kill -TERM $daemon; wait $daemon' _ "$backupd" "$work" "$work/bin/etcd-backupctl"

out=$root/src/EtcdBackupd/function-order.txt
{
  echo "# Written by bench/layout/record.sh: the managed functions a one-shot snapshot runs, then those only the"
  echo "# daemon adds. The Native AOT compiler places them first, in this order; lines naming no function are skipped."
  cat "$work/snapshot.txt"
  grep -vxFf "$work/snapshot.txt" "$work/daemon.txt" || true
} > "$out"
echo "$(grep -vc '^#' "$out") functions written to $out"
