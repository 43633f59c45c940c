#!/usr/bin/env bash
# A real S3-compatible object store on loopback for the off-site tests and the demo: Ceph's RADOS
# Gateway from Debian trixie, in a chroot, as a one-node cluster (one monitor, one OSD on the
# in-memory memstore backend, radosgw in front). Nothing leaves 127.0.0.1.
#   prepare             debootstrap the chroot under .cache/ceph-trixie (once; ~1 min, ~700 MB)
#   start BASE          one store: monitor on BASE, S3 on http://127.0.0.1:$((BASE+1)), Ceph's own
#                       messenger ports BASE+2..BASE+29; prints the S3 endpoint
#   user BASE ACCESS SECRET   an S3 user with these keys
#   stop BASE           stops that store, removes its data; /proc is unmounted with the last one
# Several stores may run at once (one per test fixture), each on its own BASE.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${OBJECT_STORE_ROOT:-$root_dir/.cache/ceph-trixie}
packages="radosgw ceph-mon ceph-osd"

# One lock for the chroot: the /proc mount and the set of running stores change under it. The
# daemons must not inherit it (9>&- below): a flock lives as long as any holder of the file.
lock() { exec 9>"$ROOT.lock"; flock 9; }

prepare() {
  [ -f "$ROOT/.complete" ] && [ "$(cat "$ROOT/.complete")" = "$packages" ] && return 0
  "$root_dir/scripts/install-deps.sh" >/dev/null
  echo "object-store: debootstrap trixie with $packages into $ROOT (once)"
  rm -rf "$ROOT.tmp" && mkdir -p "$(dirname "$ROOT")"
  # The machine's own Debian mirror, as scripts/install-deps.sh and scripts/make-rootfs.sh use it.
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  debootstrap --variant=minbase trixie "$ROOT.tmp" ${mirror:+"$mirror"} >"$ROOT.log" 2>&1 \
    || { tail -20 "$ROOT.log"; exit 1; }
  mount -t proc proc "$ROOT.tmp/proc"
  trap 'umount "$ROOT.tmp/proc" 2>/dev/null || true' EXIT
  chroot "$ROOT.tmp" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $packages && apt-get clean" >>"$ROOT.log" 2>&1 || { tail -20 "$ROOT.log"; exit 1; }
  umount "$ROOT.tmp/proc"
  trap - EXIT
  echo "$packages" > "$ROOT.tmp/.complete"
  rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
}

start() {
  local base=$1 dir=/srv/s3/$1
  [ -f "$ROOT/.complete" ] || { echo "object-store: no chroot at $ROOT: run scripts/object-store.sh prepare" >&2; exit 1; }
  lock
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  rm -rf "$ROOT$dir" && mkdir -p "$ROOT$dir"/{mon,osd,run,log}
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  # Why each setting: auth none (loopback only, nothing to protect); "crc secure" or radosgw waits
  # 300 s for its monitor session; memstore keeps objects in RAM (1 GiB cap, OBJECT_STORE_BYTES overrides it for
  # benchmarks; gone at stop); pool
  # size 1 and 8 placement groups for one OSD; short paxos intervals start the monitor in ~1 s.
  cat > "$ROOT$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$base
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $((base + 2))
ms bind port max = $((base + 29))
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms client mode = crc secure
run dir = $dir/run
log file = $dir/log/\$name.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
mon data avail warn = 5
osd objectstore = memstore
memstore device bytes = ${OBJECT_STORE_BYTES:-1073741824}
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
paxos propose interval = 0.05
paxos min wait = 0.01
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$((base + 1))
CONF
  chroot "$ROOT" sh -ec "
    c=$dir/ceph.conf
    monmaptool --create --fsid $fsid --addv a '[v2:127.0.0.1:$base]' $dir/monmap >/dev/null
    ceph-authtool --create-keyring $dir/mon.keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-mon -c \$c --mkfs -i a --monmap $dir/monmap --keyring $dir/mon.keyring
    ceph-mon -c \$c -i a --pid-file $dir/run/mon.pid
    u=\$(cat /proc/sys/kernel/random/uuid); id=\$(timeout 60 ceph -c \$c osd new \$u)
    mkdir -p $dir/osd/ceph-\$id
    ceph-osd -c \$c -i \$id --mkfs --osd-uuid \$u
    ceph-osd -c \$c -i \$id --pid-file $dir/run/osd.pid
    radosgw -c \$c -n client.rgw --pid-file $dir/run/rgw.pid" </dev/null >"$ROOT$dir/log/start.log" 2>&1 9>&- \
    || { tail -20 "$ROOT$dir/log/start.log" >&2; exit 1; }
  for _ in $(seq 1 240); do
    (exec 3<>"/dev/tcp/127.0.0.1/$((base + 1))") 2>/dev/null && { echo "http://127.0.0.1:$((base + 1))"; return 0; }
    sleep 0.25
  done
  echo "object-store: radosgw did not listen on 127.0.0.1:$((base + 1)) within 60 s" >&2
  tail -20 "$ROOT$dir/log/client.rgw.log" >&2 || true
  exit 1
}

user() {
  local dir=/srv/s3/$1
  chroot "$ROOT" timeout 60 radosgw-admin -c "$dir/ceph.conf" user create --uid "$2" --display-name "$2" \
    --access-key "$2" --secret-key "$3" >/dev/null
}

# Stops a process by pid file and waits until it is gone (a zombie counts as gone).
stop_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  local dir=$ROOT/srv/s3/$1
  lock
  # radosgw first (it holds sessions to both), then the OSD, then the monitor.
  for daemon in rgw osd mon; do stop_pid "$dir/run/$daemon.pid"; done
  rm -rf "$dir"
  if [ -z "$(ls -A "$ROOT/srv/s3" 2>/dev/null)" ] && mountpoint -q "$ROOT/proc"; then
    umount "$ROOT/proc"
  fi
}

case "${1:-}" in
  prepare) prepare ;;
  start) start "$2" ;;
  user) user "$2" "$3" "$4" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 prepare | start BASE | user BASE ACCESS SECRET | stop BASE" >&2; exit 2 ;;
esac
