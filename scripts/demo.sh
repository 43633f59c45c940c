#!/usr/bin/env bash
# The main job on a fresh machine: a three-member etcd cluster on loopback, Kubernetes-like data in it,
# the etcd-backupd daemon protecting it (verified snapshots, copies on two loopback "masters" over
# SFTP, etcd-backupctl), and a snapshot brought back by etcd's own restore tool.
# Everything it starts is stopped on exit; its files are under $DEMO_DIR (default /tmp/etcd-backupd-demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DEMO_DIR=${DEMO_DIR:-/tmp/etcd-backupd-demo}

step() { printf '\n== %s\n' "$*"; }

./scripts/install-deps.sh >/dev/null
step "Building etcd-backupd"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EtcdBackupd.sln -c Release -v quiet -nologo | tail -1
backupd() { dotnet "$root/src/EtcdBackupd/bin/Release/net10.0/etcd-backupd.dll" "$@"; }
backupctl() { dotnet "$root/src/EtcdBackupctl/bin/Release/net10.0/etcd-backupctl.dll" --socket "$DEMO_DIR/control.sock" "$@"; }

rm -rf "$DEMO_DIR" && mkdir -p "$DEMO_DIR/snapshots"
chmod 0700 "$DEMO_DIR/snapshots"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

export ETCDCTL_API=3
cluster="m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380"
step "Starting a three-member etcd $(etcd --version | awk 'NR==1{print $3}') cluster on loopback"
for i in 1 2 3; do
  etcd --name "m$i" --data-dir "$DEMO_DIR/m$i" \
    --listen-client-urls "http://127.0.0.1:${i}2379" --advertise-client-urls "http://127.0.0.1:${i}2379" \
    --listen-peer-urls "http://127.0.0.1:${i}2380" --initial-advertise-peer-urls "http://127.0.0.1:${i}2380" \
    --initial-cluster "$cluster" --initial-cluster-token demo --initial-cluster-state new \
    >"$DEMO_DIR/m$i.log" 2>&1 &
  pids+=($!)
done
endpoints=http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379
for _ in $(seq 1 50); do etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
etcdctl --endpoints "$endpoints" endpoint status -w table

step "Writing Kubernetes-like objects under /registry/"
for ns in default kube-system; do
  for i in $(seq 1 25); do
    etcdctl --endpoints "$endpoints" put "/registry/pods/$ns/pod-$i" "{\"kind\":\"Pod\",\"name\":\"pod-$i\"}" >/dev/null
  done
done
echo "$(etcdctl --endpoints "$endpoints" get /registry/ --prefix --keys-only | grep -c .) keys written"

step "Two loopback sshd play the other masters; their host keys are pinned, not trusted on first use"
ssh-keygen -q -t ed25519 -N '' -f "$DEMO_DIR/id_ed25519"
mkdir -p /run/sshd
: >"$DEMO_DIR/known_hosts"
for n in 2 3; do
  mkdir -p "$DEMO_DIR/master$n"
  ssh-keygen -q -t ed25519 -N '' -f "$DEMO_DIR/master$n-host-key"
  cat >"$DEMO_DIR/master$n-sshd.conf" <<CONF
Port ${n}2222
ListenAddress 127.0.0.1
HostKey $DEMO_DIR/master$n-host-key
AuthorizedKeysFile $DEMO_DIR/id_ed25519.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
PidFile $DEMO_DIR/master$n-sshd.pid
CONF
  /usr/sbin/sshd -D -f "$DEMO_DIR/master$n-sshd.conf" &
  pids+=($!)
  echo "[127.0.0.1]:${n}2222 $(cut -d' ' -f1,2 "$DEMO_DIR/master$n-host-key.pub")" >>"$DEMO_DIR/known_hosts"
done
cat "$DEMO_DIR/known_hosts"

cat >"$DEMO_DIR/etcd-backupd.json" <<JSON
{
  "Etcd": { "Endpoints": ["http://127.0.0.1:12379", "http://127.0.0.1:22379", "http://127.0.0.1:32379"] },
  "Snapshots": { "Directory": "$DEMO_DIR/snapshots", "Schedules": ["0 5 * * *"], "TakenBy": "every" },
  "Peers": {
    "IdentityFile": "$DEMO_DIR/id_ed25519", "KnownHostsFile": "$DEMO_DIR/known_hosts",
    "Targets": [ { "Host": "127.0.0.1", "Port": 22222, "Directory": "$DEMO_DIR/master2" },
                 { "Host": "127.0.0.1", "Port": 32222, "Directory": "$DEMO_DIR/master3" } ]
  },
  "Control": { "SocketPath": "$DEMO_DIR/control.sock" },
  "Metrics": { "TextfilePath": "$DEMO_DIR/etcd_backupd.prom" },
  "Logging": { "Target": "console" }
}
JSON
step "Starting the daemon: etcd-backupd --config $DEMO_DIR/etcd-backupd.json (log in $DEMO_DIR/daemon.log)"
dotnet "$root/src/EtcdBackupd/bin/Release/net10.0/etcd-backupd.dll" --config "$DEMO_DIR/etcd-backupd.json" 2>"$DEMO_DIR/daemon.log" &
pids+=($!)
for _ in $(seq 1 200); do [ -S "$DEMO_DIR/control.sock" ] && [ "$(grep -c "Copied" "$DEMO_DIR/daemon.log")" -ge 2 ] && break; sleep 0.1; done
grep -E "started|Control socket|saved and verified|Copied" "$DEMO_DIR/daemon.log" | cut -c1-200

step "etcd-backupctl status"
backupctl status
step "etcd-backupctl snapshot (before an upgrade, say): verified, then copied to both peers"
backupctl snapshot
step "etcd-backupctl list"
backupctl list
snapshot=$(backupctl list --json | sed -n 's/^    "path": "\(.*\)",$/\1/p' | head -1)
step "The copies on the other masters"
ls -l "$DEMO_DIR/master2" "$DEMO_DIR/master3"
step "etcd's own tool checks the newest snapshot"
etcdctl snapshot status "$snapshot" -w table

step "A bad endpoint is a clear error, and nothing is left behind"
cat >"$DEMO_DIR/bad.json" <<JSON
{ "Etcd": { "Endpoints": ["http://127.0.0.1:1"] }, "Snapshots": { "Directory": "$DEMO_DIR/snapshots" } }
JSON
backupd snapshot --config "$DEMO_DIR/bad.json" || echo "(exit code $?)"

step "Restoring the snapshot with etcd's own tool into a new member, and reading the objects back"
etcdctl snapshot restore "$snapshot" --name r1 --data-dir "$DEMO_DIR/restored" \
  --initial-cluster r1=http://127.0.0.1:42380 --initial-advertise-peer-urls http://127.0.0.1:42380 2>&1 | tail -1
etcd --name r1 --data-dir "$DEMO_DIR/restored" \
  --listen-client-urls http://127.0.0.1:42379 --advertise-client-urls http://127.0.0.1:42379 \
  --listen-peer-urls http://127.0.0.1:42380 --initial-advertise-peer-urls http://127.0.0.1:42380 \
  --initial-cluster r1=http://127.0.0.1:42380 >"$DEMO_DIR/restored.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do etcdctl --endpoints http://127.0.0.1:42379 endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
echo "$(etcdctl --endpoints http://127.0.0.1:42379 get /registry/ --prefix --keys-only | grep -c .) keys restored"
step "Done: the demo's etcd processes are stopped; files stay in $DEMO_DIR"
