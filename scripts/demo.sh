#!/usr/bin/env bash
# The main job on a fresh machine: three "masters" on loopback, each with an etcd member (started and
# stopped by shell commands, in place of systemd), a kube-apiserver stand-in (kube-apiserver is not
# packaged here), OpenSSH and its own etcd-backupd. Kubernetes-like data goes in; a verified snapshot
# is copied to the other masters; then the runbook's disaster, every member's data lost, and one
# `etcd-backupctl restore FILE --cluster --yes` that brings the cluster back.
# Everything it starts is stopped on exit; its files are under $DEMO_DIR (default /tmp/etcd-backupd-demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DEMO_DIR=${DEMO_DIR:-/tmp/etcd-backupd-demo}

step() { printf '\n== %s\n' "$*"; }

./scripts/require-dotnet.sh
./scripts/install-deps.sh >/dev/null
step "Building etcd-backupd"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EtcdBackupd.sln -c Release -v quiet -nologo | tail -1
daemon_dll=$root/src/EtcdBackupd/bin/Release/net10.0/etcd-backupd.dll
ctl_dll=$root/src/EtcdBackupctl/bin/Release/net10.0/etcd-backupctl.dll
ctl() { local m=$1; shift; dotnet "$ctl_dll" --socket "$DEMO_DIR/m$m/control.sock" "$@"; }

rm -rf "$DEMO_DIR"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for i in 1 2 3; do [ -f "$DEMO_DIR/m$i/etcd.pid" ] && kill "$(cat "$DEMO_DIR/m$i/etcd.pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # The members are not our children (the restore started them); a leader may take seconds to give up.
  for i in 1 2 3; do
    p=$(cat "$DEMO_DIR/m$i/etcd.pid" 2>/dev/null) || continue
    for _ in $(seq 1 150); do [ -e "/proc/$p" ] && ! grep -q ') Z' "/proc/$p/stat" || break; sleep 0.1; done
  done
}
trap cleanup EXIT

export ETCDCTL_API=3
cluster="m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380"
endpoints=http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379
flags() { # the runbook's flags for member $1
  echo "--name=m$1 --data-dir=$DEMO_DIR/m$1/etcd --listen-client-urls=http://127.0.0.1:${1}2379" \
    "--advertise-client-urls=http://127.0.0.1:${1}2379 --listen-peer-urls=http://127.0.0.1:${1}2380" \
    "--initial-advertise-peer-urls=http://127.0.0.1:${1}2380 --initial-cluster=$cluster" \
    "--initial-cluster-token=demo --initial-cluster-state=new"
}
start() { echo "etcd $(flags "$1") >>$DEMO_DIR/m$1/etcd.log 2>&1 & echo \$! >$DEMO_DIR/m$1/etcd.pid"; }
# A process that has exited counts as stopped even before whatever reaps orphans here collects it.
stop() { echo "p=\$(cat $DEMO_DIR/m$1/etcd.pid); kill \$p; while [ -e /proc/\$p ] && ! grep -q ') Z' /proc/\$p/stat; do sleep 0.05; done"; }
leaders() { etcdctl --endpoints "$endpoints" endpoint status -w json | grep -o '"leader":[0-9]*' | sort -u | wc -l; }

step "Three masters, each with an etcd $(etcd --version | awk 'NR==1{print $3}') member as in the runbook's unit, and a kube-apiserver stand-in"
for i in 1 2 3; do
  mkdir -p "$DEMO_DIR/m$i/snapshots" && chmod 0700 "$DEMO_DIR/m$i/snapshots"
  printf '[Service]\nType=notify\nExecStart=/usr/bin/etcd %s\n' "$(flags $i)" >"$DEMO_DIR/m$i/etcd.service"
  bash -c "$(start $i)"
  touch "$DEMO_DIR/m$i/kube-apiserver.active"
done
for _ in $(seq 1 50); do etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
etcdctl --endpoints "$endpoints" endpoint status -w table

step "Writing Kubernetes-like objects under /registry/"
for ns in default kube-system; do
  for i in $(seq 1 25); do
    etcdctl --endpoints "$endpoints" put "/registry/pods/$ns/pod-$i" "{\"kind\":\"Pod\",\"name\":\"pod-$i\"}" >/dev/null
  done
done
echo "$(etcdctl --endpoints "$endpoints" get /registry/ --prefix --keys-only | grep -c .) keys written"

step "OpenSSH on each master; the daemons' key is let in and every host key is pinned, not trusted on first use"
ssh-keygen -q -t ed25519 -N '' -f "$DEMO_DIR/id_ed25519"
mkdir -p /run/sshd
: >"$DEMO_DIR/known_hosts"
for i in 1 2 3; do
  ssh-keygen -q -t ed25519 -N '' -f "$DEMO_DIR/m$i/host-key"
  cat >"$DEMO_DIR/m$i/sshd.conf" <<CONF
Port ${i}2222
ListenAddress 127.0.0.1
HostKey $DEMO_DIR/m$i/host-key
AuthorizedKeysFile $DEMO_DIR/id_ed25519.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
PidFile $DEMO_DIR/m$i/sshd.pid
CONF
  /usr/sbin/sshd -D -f "$DEMO_DIR/m$i/sshd.conf" &
  pids+=($!)
  echo "[127.0.0.1]:${i}2222 $(cut -d' ' -f1,2 "$DEMO_DIR/m$i/host-key.pub")" >>"$DEMO_DIR/known_hosts"
done
cat "$DEMO_DIR/known_hosts"

step "Starting etcd-backupd on every master (each with its own configuration, control socket and snapshot directory)"
for i in 1 2 3; do
  targets=""
  for j in 1 2 3; do
    [ "$j" = "$i" ] && continue
    targets+="${targets:+, }{ \"Host\": \"127.0.0.1\", \"Port\": ${j}2222, \"Directory\": \"$DEMO_DIR/m$j/snapshots\", \"ControlSocket\": \"$DEMO_DIR/m$j/control.sock\", \"Backupctl\": \"dotnet $ctl_dll\" }"
  done
  cat >"$DEMO_DIR/m$i/etcd-backupd.json" <<JSON
{
  "Etcd": { "Endpoints": ["http://127.0.0.1:${i}2379"] },
  "Snapshots": { "Directory": "$DEMO_DIR/m$i/snapshots", "Schedules": ["0 5 * * *"] },
  "Peers": { "IdentityFile": "$DEMO_DIR/id_ed25519", "KnownHostsFile": "$DEMO_DIR/known_hosts", "Targets": [ $targets ] },
  "Control": { "SocketPath": "$DEMO_DIR/m$i/control.sock" },
  "State": { "Directory": "$DEMO_DIR/m$i/state" },
  "Metrics": { "TextfilePath": "$DEMO_DIR/m$i/etcd_backupd.prom" },
  "Logging": { "Target": "console" },
  "Restore": {
    "Tool": "/usr/bin/etcdctl", "UnitFile": "$DEMO_DIR/m$i/etcd.service", "ServiceControl": "commands",
    "Commands": {
      "etcd.service": { "Start": "$(start $i)", "Stop": "$(stop $i)", "IsActive": "p=\$(cat $DEMO_DIR/m$i/etcd.pid); [ -e /proc/\$p ] && ! grep -q ') Z' /proc/\$p/stat" },
      "kube-apiserver.service": { "Start": "touch $DEMO_DIR/m$i/kube-apiserver.active", "Stop": "rm -f $DEMO_DIR/m$i/kube-apiserver.active", "IsActive": "test -f $DEMO_DIR/m$i/kube-apiserver.active" }
    }
  }
}
JSON
  dotnet "$daemon_dll" --config "$DEMO_DIR/m$i/etcd-backupd.json" 2>"$DEMO_DIR/m$i/daemon.log" &
  pids+=($!)
done
for _ in $(seq 1 200); do [ -S "$DEMO_DIR/m1/control.sock" ] && [ -S "$DEMO_DIR/m2/control.sock" ] && [ -S "$DEMO_DIR/m3/control.sock" ] && break; sleep 0.1; done
grep -hE "started|Control socket" "$DEMO_DIR"/m*/daemon.log | cut -c1-160

step "etcd-backupctl status (master1): exit 1 until this master holds a verified snapshot, and HEALTH says why"
ctl 1 status || echo "(status exited $?: unhealthy, as it should be before the first snapshot)"
step "etcd-backupctl snapshot on master1 (before an upgrade, say): verified, then copied to master2 and master3"
ctl 1 snapshot
snapshot=$(ctl 1 list --json | sed -n 's/^    "path": "\(.*\)",$/\1/p' | head -1)
name=$(basename "$snapshot")
step "etcd-backupctl list on master3: the copy is there"
ctl 3 list
step "etcd's own tool checks the snapshot"
etcdctl snapshot status "$snapshot" -w table

step "A bad endpoint is a clear error, and nothing is left behind"
cat >"$DEMO_DIR/bad.json" <<JSON
{ "Etcd": { "Endpoints": ["http://127.0.0.1:1"] }, "Snapshots": { "Directory": "$DEMO_DIR/m1/snapshots" } }
JSON
dotnet "$daemon_dll" snapshot --config "$DEMO_DIR/bad.json" || echo "(exit code $?)"

step "The disaster: a write after the snapshot, then the data lost on every master (mv member member.lost)"
etcdctl --endpoints "$endpoints" put /registry/pods/default/written-after-the-snapshot '{}' >/dev/null
for i in 1 2 3; do mv "$DEMO_DIR/m$i/etcd/member" "$DEMO_DIR/m$i/etcd/member.lost"; done
echo "moved aside on m1, m2, m3"

step "etcd-backupctl restore $name --cluster --dry-run: the plan, every member's exact command"
ctl 1 restore "$name" --cluster --dry-run --json | grep -E '"(member|command|copy)"'
step "etcd-backupctl restore $name --cluster --yes: every master, in the runbook's order, from master1"
ctl 1 restore "$name" --cluster --yes >"$DEMO_DIR/restore.txt"

step "The cluster is back"
etcdctl --endpoints "$endpoints" endpoint status -w table
echo "$(etcdctl --endpoints "$endpoints" get /registry/ --prefix --keys-only | grep -c .) keys under /registry/, $(leaders) leader"
echo "the write after the snapshot is gone: $(etcdctl --endpoints "$endpoints" get /registry/pods/default/written-after-the-snapshot --keys-only | grep -c . || true) key"
ls -d "$DEMO_DIR"/m*/etcd.before-restore-* | sed 's/^/old data kept: /'
ls "$DEMO_DIR"/m*/kube-apiserver.active | sed 's/^/API server stand-in running again: /'
step "Done: the demo's processes are stopped; files stay in $DEMO_DIR"
