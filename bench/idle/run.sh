#!/usr/bin/env bash
# Idle cost of the daemon (Native AOT build): RSS and wake-ups between snapshots. Starts one etcd 3.4
# member on loopback, runs etcd-backupd with the runbook's daily schedule (it takes one catch-up snapshot
# at start), then watches it idle for IDLE seconds (default 60). Goal (issue 3): idle RSS <= 40 MiB.
# Then REQUESTS (default 500) status requests through etcd-backupctl, as a monitor asking once a minute
# would send in eight hours, and its memory after them.
# BACKUPD=PATH measures another build, e.g. the self-contained one from the compatible .deb (the
# etcd-backupctl beside it, or BACKUPCTL=PATH, sends the requests).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/daemon-config.sh"
idle=${1:-60}
requests=${REQUESTS:-500}
work=$(mktemp -d /var/tmp/etcd-backupd-idle.XXXXXX)
"$root/scripts/install-deps.sh" >/dev/null
backupd=${BACKUPD:-$root/bench/out/etcd-backupd}
[ -x "$backupd" ] || "$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupctl=${BACKUPCTL:-$(dirname "$backupd")/etcd-backupctl}

ep=http://127.0.0.1:48379
etcd --name idle --data-dir "$work/etcd" --listen-client-urls $ep --advertise-client-urls $ep \
  --listen-peer-urls http://127.0.0.1:48380 --initial-advertise-peer-urls http://127.0.0.1:48380 \
  --initial-cluster idle=http://127.0.0.1:48380 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
mkdir -p "$work/snapshots"
daemon_config "$ep" "$work" > "$work/config.json"
sleep 2
"$backupd" --config "$work/config.json" 2>"$work/daemon.log" &
daemon=$!
trap 'kill $daemon $etcd_pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do grep -q "saved and verified" "$work/daemon.log" && break; sleep 0.1; done
sleep 5
field() { awk -v f="$1" '$1 == f":" { print $2 }' "/proc/$daemon/status"; }
switches() { echo $(( $(field voluntary_ctxt_switches) + $(field nonvoluntary_ctxt_switches) )); }
cpu() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
start_switches=$(switches); start_cpu=$(cpu); peak=0
for _ in $(seq 1 $((idle / 5))); do
  sleep 5
  rss=$(field VmRSS); [ "$rss" -gt "$peak" ] && peak=$rss
done
echo "idle for $idle s after its start-up snapshot, watchdog off (not under systemd):"
echo "  RSS now $(( $(field VmRSS) / 1024 )) MiB, highest sample $((peak / 1024)) MiB (goal <= 40 MiB); threads $(field Threads)"
# RssFile is the program's and its libraries' pages, shared with the page cache; RssAnon is what this process alone holds.
echo "  of which anonymous (private) $(( $(field RssAnon) / 1024 )) MiB, file-backed $(( $(field RssFile) / 1024 )) MiB"
echo "  main-thread context switches while idle: $(( $(switches) - start_switches )); CPU ticks: $(( $(cpu) - start_cpu ))"
[ -x "$backupctl" ] || { echo "no etcd-backupctl at $backupctl: requests not sent"; exit 0; }
for _ in $(seq 1 "$requests"); do "$backupctl" --socket "$work/control.sock" status --json >/dev/null; done
sleep 2
echo "after $requests status requests:"
echo "  RSS $(( $(field VmRSS) / 1024 )) MiB, of which anonymous (private) $(( $(field RssAnon) / 1024 )) MiB; threads $(field Threads)"
