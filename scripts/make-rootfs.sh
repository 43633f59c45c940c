#!/usr/bin/env bash
# A Debian 12 root filesystem with systemd, for the tests that boot containers with systemd as PID 1
# (systemd-nspawn). Cached: built once into .cache/rootfs/bookworm and reused; containers boot it with
# --volatile=overlay, so it is never modified by a test.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
ROOTFS=${ROOTFS:-$root_dir/.cache/rootfs/bookworm}
[ -f "$ROOTFS/.complete" ] && exit 0

"$root_dir/scripts/install-deps.sh" systemd-container debootstrap >/dev/null
echo "make-rootfs: debootstrap bookworm into $ROOTFS (once)"
rm -rf "$ROOTFS.tmp" && mkdir -p "$(dirname "$ROOTFS")"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libssl3 bookworm "$ROOTFS.tmp" >"$ROOTFS.log" 2>&1 \
  || { tail -20 "$ROOTFS.log"; exit 1; }
# Debian's minbase has no /etc/hosts; units that resolve localhost need one.
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOTFS.tmp/etc/hosts"
# No getty on the container's console, nothing to wait for at boot.
rm -f "$ROOTFS.tmp/etc/systemd/system/getty.target.wants/"* 
touch "$ROOTFS.tmp/.complete"
rm -rf "$ROOTFS" && mv "$ROOTFS.tmp" "$ROOTFS"
