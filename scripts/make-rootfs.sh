#!/usr/bin/env bash
# Debian root filesystems for the tests that boot or enter containers (systemd-nspawn). Cached under
# .cache/rootfs/SUITE, rebuilt only when missing or when the package list below changes; containers
# use them with --volatile=overlay, so a test never modifies them.
#   bookworm: systemd as PID 1, and what a master runs: OpenSSH, etcd 3.4 (bookworm's), python3 for
#             Ansible. etcd and sshd are not enabled: each container configures its own.
#   bullseye: glibc 2.31, Debian 11; only for "does the package install and start there".
#   bullseye-sysroot: Debian 11's C library and headers, the sysroot packaging/publish.sh links the
#             Native AOT binaries against, so they run on older distributions than this machine.
# Usage: scripts/make-rootfs.sh [SUITE...] (default: bookworm and bullseye)
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm bullseye)

packages() {
  case "$1" in
    bookworm) echo systemd,systemd-sysv,dbus,libssl3,openssh-server,etcd-server,etcd-client,python3,python3-apt,procps ;;
    bullseye) echo libssl1.1 ;;
    bullseye-sysroot) echo libc6-dev,libgcc-10-dev,libstdc++-10-dev,zlib1g-dev ;;
    *) echo "make-rootfs: unknown suite '$1'" >&2; exit 2 ;;
  esac
}

for suite in "${suites[@]}"; do
  rootfs=${ROOTFS_DIR:-$root_dir/.cache/rootfs}/$suite
  include=$(packages "$suite")
  [ -f "$rootfs/.complete" ] && [ "$(cat "$rootfs/.complete")" = "$include" ] && continue

  "$root_dir/scripts/install-deps.sh" systemd-container debootstrap >/dev/null
  echo "make-rootfs: debootstrap $suite into $rootfs (once; packages: $include)"
  rm -rf "$rootfs.tmp" && mkdir -p "$(dirname "$rootfs")"
  # The machine's own Debian mirror.
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  debootstrap --variant=minbase --include="$include" "${suite%-sysroot}" "$rootfs.tmp" ${mirror:+"$mirror"} >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log"; exit 1; }
  # Debian's minbase has no /etc/hosts; units that resolve localhost need one.
  printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs.tmp/etc/hosts"
  # No getty on the container's console, nothing to wait for at boot.
  rm -f "$rootfs.tmp/etc/systemd/system/getty.target.wants/"*
  # Containers share the host's network: etcd and sshd start only where a test configures them, and
  # every container makes its own SSH host keys (none are shared through this image).
  rm -f "$rootfs.tmp/etc/systemd/system/multi-user.target.wants/"{etcd,ssh}.service "$rootfs.tmp/etc/systemd/system/sshd.service"
  rm -f "$rootfs.tmp/etc/ssh/ssh_host_"*
  # A linker looks inside a sysroot: absolute symbolic links (/lib64/ld-linux-x86-64.so.2 -> /lib/...)
  # must point inside it, not at this machine's files.
  if [[ $suite == *-sysroot ]]; then
    while IFS= read -r link; do
      ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$rootfs.tmp$(readlink "$link")")" "$link"
    done < <(find "$rootfs.tmp" -type l -lname '/*')
  fi
  echo "$include" > "$rootfs.tmp/.complete"
  rm -rf "$rootfs" && mv "$rootfs.tmp" "$rootfs"
done
