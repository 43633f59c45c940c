#!/usr/bin/env bash
# Benchmark: copying a ~1 GiB snapshot to a loopback sshd with `etcd-backupd push` (SSH.NET, Native AOT
# build) and with OpenSSH's `sftp` (`put`), alternating runs; then to two sshd at once, against twice a
# single push. Goal (issue 4): etcd-backupd's throughput at least 1.0x OpenSSH's.
# Usage: bench/peers/run.sh [RUNS] (default 5). Results: RESULTS.md beside this file.
# PEERS_UNDER=DIR puts the peers' directories under DIR (default: the work directory in /var/tmp); with
# /dev/shm the peers' disk is taken out of the comparison, leaving the transfer alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
work=$(mktemp -d /var/tmp/etcd-backupd-peers.XXXXXX)
peers=$(mktemp -d "${PEERS_UNDER:-$work}/peers.XXXXXX")
"$root/scripts/install-deps.sh" time xxd >/dev/null
"$root/packaging/publish.sh" aot "$root/bench/out" >/dev/null
backupd="$root/bench/out/etcd-backupd"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work" "$peers"' EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
mkdir -p /run/sshd "$work/local" "$peers/peer1" "$peers/peer2"
: > "$work/known_hosts"
for n in 1 2; do
  port=$((47720 + n))
  ssh-keygen -q -t ed25519 -N '' -f "$work/host$n"
  cat > "$work/sshd$n.conf" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host$n
AuthorizedKeysFile $work/id_ed25519.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
PidFile $work/sshd$n.pid
CONF
  /usr/sbin/sshd -D -f "$work/sshd$n.conf" & pids+=($!)
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host$n.pub")" >> "$work/known_hosts"
done
sleep 1

# A snapshot-shaped file of 1 GiB (random pages and their SHA-256) with a manifest, as the engine leaves them.
name=etcd-snapshot-20261124T050000Z-bench-r1.db
head -c $((1 << 30)) /dev/urandom > "$work/db"
sha_db=$(sha256sum "$work/db" | cut -d' ' -f1)
{ cat "$work/db"; printf '%s' "$sha_db" | xxd -r -p; } > "$work/local/$name"
rm "$work/db"
size=$(stat -c %s "$work/local/$name")
sha=$(sha256sum "$work/local/$name" | cut -d' ' -f1)
cat > "$work/local/${name%.db}.json" <<JSON
{ "fileName": "$name", "sha256": "$sha", "sizeBytes": $size, "etcdVersion": "3.4.23", "clusterId": "1", "memberId": "1",
  "memberName": "bench", "endpoint": "http://127.0.0.1:2379/", "revision": 1, "raftIndex": 1, "dbSizeBytes": $((size - 32)),
  "keyCount": 1, "createdAt": "2026-11-24T05:00:00+00:00", "host": "bench", "etcdBackupdVersion": "bench" }
JSON
config() { # targets...
  local targets=""
  for n in "$@"; do targets+="${targets:+,} { \"Host\": \"127.0.0.1\", \"Port\": $((47720 + n)), \"Directory\": \"$peers/peer$n\" }"; done
  echo "{ \"Snapshots\": { \"Directory\": \"$work/local\" }, \"Peers\": { \"IdentityFile\": \"$work/id_ed25519\", \"KnownHostsFile\": \"$work/known_hosts\", \"Targets\": [ $targets ] } }"
}
config 1 > "$work/one.json"; config 1 2 > "$work/two.json"
echo "put $work/local/$name $peers/peer1/$name" > "$work/batch"

timed() { # label command... ; prints wall seconds
  rm -f "$peers"/peer1/* "$peers"/peer2/*; sync
  /usr/bin/time -f "%e %U %S" -o "$work/t" "${@:2}" >/dev/null 2>"$work/$1.err" || { cat "$work/$1.err" >&2; exit 1; }
  cut -d" " -f1 "$work/t"; cut -d" " -f2,3 "$work/t" >> "$work/$1.cpu"
}
rm -f "$work"/*.times
for i in $(seq 1 "$runs"); do
  s=$(timed sftp sftp -q -b "$work/batch" -i "$work/id_ed25519" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes -P 47721 root@127.0.0.1)
  o=$(timed push "$backupd" push --config "$work/one.json")
  t=$(timed push2 "$backupd" push --config "$work/two.json")
  echo "$s" >> "$work/sftp.times"; echo "$o" >> "$work/one.times"; echo "$t" >> "$work/two.times"
  echo "run $i: sftp put $s s, etcd-backupd push $o s, etcd-backupd push to two peers $t s"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio=$(paste "$work/sftp.times" "$work/one.times" | awk '{ print $1 / $2 }' | median)
one=$(median < "$work/one.times"); two=$(median < "$work/two.times"); sftp=$(median < "$work/sftp.times")
echo
echo "client CPU (user+sys) medians: sftp $(awk "{print \$1+\$2}" "$work/sftp.cpu" | median) s, etcd-backupd $(awk "{print \$1+\$2}" "$work/push.cpu" | median) s"
echo "median over $runs alternating runs, $((size >> 20)) MiB snapshot to a loopback sshd:"
printf '  throughput ratio (etcd-backupd / OpenSSH sftp): %.2f   (goal >= 1.0)\n' "$ratio"
echo "  per-run ratios, lowest to highest: $(paste "$work/sftp.times" "$work/one.times" | awk '{ printf "%.2f\n", $1 / $2 }' | sort -n | tr '\n' ' ')"
printf '  one peer: etcd-backupd %.2f s (%.0f MB/s), sftp put %.2f s\n' "$one" "$(echo "$size $one" | awk '{ print $1 / $2 / 1e6 }')" "$sftp"
printf '  two peers at once: %.2f s, against twice a single push %.2f s\n' "$two" "$(echo "$one" | awk '{ print 2 * $1 }')"
