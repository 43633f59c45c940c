#!/usr/bin/env bash
# Benchmark (issue 6): `etcd-backupctl restore FILE --cluster --yes` of a ~1 GiB snapshot on three
# loopback masters (etcd 3.5 members run by Restore.Commands, each with its own etcd-backupd, Native AOT
# build, peers of each other through a loopback sshd) against one member's restore by etcd's own tool
# (`etcdutl snapshot restore` of the same file with the same flags). Goal: at most that plus 15 s.
# Usage: bench/restore/run.sh [RUNS] (default 3). Results: RESULTS.md beside this file. KEEP=1 keeps
# the loaded cluster in BENCH_DIR for the next run (about 10 GiB), which then skips the loading.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
work=${BENCH_DIR:-/var/tmp/etcd-backupd-restore-bench}
bin=$root/.cache/etcd-3.5/usr/bin
"$root/scripts/install-deps.sh" time >/dev/null
"$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupd=$root/bench/out/etcd-backupd
ctl=$root/bench/out/etcd-backupctl
[ -f "$work/loaded" ] || rm -rf "$work"
rm -rf "$work"/m*/snapshots "$work"/m*/etcd.before-restore-* "$work"/m*/*.sock "$work/scratch"
mkdir -p "$work" /run/sshd
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  for i in 1 2 3; do [ -f "$work/m$i/etcd.pid" ] && kill "$(cat "$work/m$i/etcd.pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

url() { echo "http://127.0.0.1:$1"; }
cluster="m1=$(url 47521),m2=$(url 47522),m3=$(url 47523)"
flags() { # member number
  echo "--name=m$1 --data-dir=$work/m$1/etcd --listen-client-urls=$(url 4751$1) --advertise-client-urls=$(url 4751$1)" \
    "--listen-peer-urls=$(url 4752$1) --initial-advertise-peer-urls=$(url 4752$1) --initial-cluster=$cluster" \
    "--initial-cluster-token=bench --initial-cluster-state=new --quota-backend-bytes=8589934592"
}

rm -f "$work/id_ed25519"* "$work/host"*
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$work/host"
cat > "$work/sshd.conf" <<CONF
Port 47530
ListenAddress 127.0.0.1
HostKey $work/host
AuthorizedKeysFile $work/id_ed25519.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
PidFile $work/sshd.pid
CONF
/usr/sbin/sshd -D -f "$work/sshd.conf" & pids+=($!)
echo "[127.0.0.1]:47530 $(cut -d' ' -f1,2 "$work/host.pub")" > "$work/known_hosts"

for i in 1 2 3; do
  mkdir -p "$work/m$i/snapshots"
  echo -e "[Service]\nExecStart=$bin/etcd $(flags $i)" > "$work/m$i/etcd.service"
  start="$bin/etcd $(flags $i) >>$work/m$i/etcd.log 2>&1 & echo \$! >$work/m$i/etcd.pid"
  stop="p=\$(cat $work/m$i/etcd.pid); kill \$p; while [ -e /proc/\$p ] && ! grep -q ') Z' /proc/\$p/stat; do sleep 0.05; done"
  bash -c "$start"
  targets=""
  for j in 1 2 3; do
    [ "$j" = "$i" ] && continue
    targets+="${targets:+,} { \"Host\": \"127.0.0.1\", \"Port\": 47530, \"Directory\": \"$work/m$j/snapshots\", \"ControlSocket\": \"$work/m$j/control.sock\", \"Backupctl\": \"$ctl\" }"
  done
  cat > "$work/m$i/config.json" <<JSON
{ "Etcd": { "Endpoints": ["$(url 4751$i)"] },
  "Snapshots": { "Directory": "$work/m$i/snapshots", "Schedules": ["0 5 1 1 *"] },
  "Metrics": { "TextfilePath": "off" }, "Logging": { "Target": "console" },
  "Control": { "SocketPath": "$work/m$i/control.sock" },
  "Peers": { "IdentityFile": "$work/id_ed25519", "KnownHostsFile": "$work/known_hosts", "TimeoutSeconds": 600, "Targets": [ $targets ] },
  "Restore": { "Tool": "$bin/etcdutl", "UnitFile": "$work/m$i/etcd.service", "ServiceControl": "commands", "HealthTimeoutSeconds": 300,
    "Commands": {
      "etcd.service": { "Start": "$start", "Stop": "$stop", "IsActive": "kill -0 \$(cat $work/m$i/etcd.pid)" },
      "kube-apiserver.service": { "Start": "touch $work/m$i/api", "Stop": "rm -f $work/m$i/api", "IsActive": "test -f $work/m$i/api" } } } }
JSON
done
export ETCDCTL_API=3
for _ in $(seq 1 150); do "$bin/etcdctl" --endpoints "$(url 47511)" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
if [ ! -f "$work/loaded" ]; then
  echo "loading about 1 GiB into the three-member cluster..."
  for v in 0 1 2 3; do head -c $((768 << 10)) /dev/urandom | base64 -w0 > "$work/value$v"; done
  for i in $(seq 0 1023); do "$bin/etcdctl" --endpoints "$(url 47511)" put "/registry/bench/object-$i" < "$work/value$((i % 4))" >/dev/null; done
  touch "$work/loaded"
fi
for i in 1 2 3; do "$backupd" --config "$work/m$i/config.json" > "$work/m$i/daemon.log" 2>&1 & pids+=($!); done
for _ in $(seq 1 100); do [ -S "$work/m1/control.sock" ] && [ -S "$work/m2/control.sock" ] && [ -S "$work/m3/control.sock" ] && break; sleep 0.2; done

snapshot=$("$ctl" --socket "$work/m1/control.sock" snapshot --json | sed -n 's/.*"path": "\([^"]*\)".*/\1/p')
size=$(stat -c %s "$snapshot")
echo "snapshot: $snapshot ($((size >> 20)) MiB), copied to m2 and m3 by the daemon"

timed() { # label command...
  sync
  /usr/bin/time -f "%e" -o "$work/t" "${@:2}" >"$work/$1.out" 2>&1 || { cat "$work/$1.out" >&2; exit 1; }
  cat "$work/t"
}
rm -f "$work"/*.times
for r in $(seq 1 "$runs"); do
  rm -rf "$work/scratch"
  one=$(timed etcdutl "$bin/etcdutl" snapshot restore "$snapshot" --name m1 --initial-cluster "$cluster" --initial-cluster-token bench \
    --initial-advertise-peer-urls "$(url 47521)" --data-dir "$work/scratch" --bump-revision 1000000000 --mark-compacted)
  rm -rf "$work/scratch"
  # The same tool's work for all three members at once, on this one machine (what the cluster restore
  # itself runs, competing for these cores and this disk), as a second reference.
  three=$(timed etcdutl3 bash -c 'for m in 1 2 3; do "$0" snapshot restore "$1" --name m$m --initial-cluster "$2" --initial-cluster-token bench \
    --initial-advertise-peer-urls http://127.0.0.1:4752$m --data-dir "$3$m" --bump-revision 1000000000 --mark-compacted & done; wait' \
    "$bin/etcdutl" "$snapshot" "$cluster" "$work/scratch")
  rm -rf "$work"/scratch*
  all=$(timed cluster "$ctl" --socket "$work/m1/control.sock" restore "$(basename "$snapshot")" --cluster --yes)
  rm -rf "$work"/m*/etcd.before-restore-*  # the kept old data, 1 GiB per member per run
  echo "$one" >> "$work/one.times"; echo "$three" >> "$work/three.times"; echo "$all" >> "$work/all.times"
  echo "run $r: one member by etcdutl $one s, three at once $three s, the cluster by etcd-backupctl restore --cluster $all s"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
one=$(median < "$work/one.times"); three=$(median < "$work/three.times"); all=$(median < "$work/all.times")
echo
echo "the last cluster restore's steps:"; sed 's/^/  /' "$work/cluster.out"
echo
echo "median over $runs runs, $((size >> 20)) MiB snapshot, three members on one $(nproc)-core machine:"
printf '  one member restored by etcdutl: %.1f s; the whole cluster by etcd-backupctl restore --cluster: %.1f s\n' "$one" "$all"
printf '  overhead: %.1f s over one member'"'"'s restore (goal <= 15 s)\n' "$(echo "$all $one" | awk '{ print $1 - $2 }')"
printf '  three members restored by etcdutl at once on this machine: %.1f s; overhead over that: %.1f s\n' "$three" "$(echo "$all $three" | awk '{ print $1 - $2 }')"
