#!/usr/bin/env bash
# Builds etcd-backupd's packages into OUTDIR (default dist/): a .deb and an .rpm holding the daemon and
# etcd-backupctl as Native AOT binaries (no .NET runtime on the host), the unit, the example
# configuration as /etc/etcd-backupd/etcd-backupd.json (a config file an upgrade never overwrites),
# the snapshot directory (0700), the control socket's group, the man pages (packaging/man, gzipped).
#
# One build serves every distribution masters use: linked against Debian 11's C library with log and
# pow bound to their oldest versions (packaging/publish.sh), the binaries need GLIBC_2.17 at most, and
# each package declares the floor it measures with objdump:
#   etcd-backupd_V-1_amd64.deb        Debian 11+, Ubuntu 20.04+      Depends: libc6 (>= FLOOR)
#   etcd-backupd-V-1.x86_64.rpm       RHEL, Rocky, Alma 8 and 9      Requires: glibc >= FLOOR
# The version and the changelog come from packaging/CHANGELOG.md. Usage: packaging/build-packages.sh [OUTDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/dist}")
version=$(awk '/^## [0-9]+\.[0-9]+\.[0-9]+/ { print $2; exit }' "$root/packaging/CHANGELOG.md")
released=$(awk '/^## [0-9]+\.[0-9]+\.[0-9]+/ { gsub(/[()]/, "", $3); print $3; exit }' "$root/packaging/CHANGELOG.md")
[ -n "$version" ] || { echo "build-packages: no '## X.Y.Z' heading in packaging/CHANGELOG.md" >&2; exit 1; }
"$root/scripts/install-deps.sh" rpm binutils >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
maintainer="etcd-backupd maintainers <etcd-backupd@localhost>"
summary="verified etcd snapshots on every Kubernetes master, and a one-command restore"

# The changelog's entries as "version|date|item" lines, newest first.
entries() {
  awk '/^## [0-9]/ { v = $2; d = $3; gsub(/[()]/, "", d); next }
       v != "" && /^- / { sub(/^- /, ""); item = $0; next_item = 1; print v "|" d "|" item; next }
       v != "" && /^  / && next_item { sub(/^ +/, ""); printf "%s|%s|+%s\n", v, d, $0 }' "$root/packaging/CHANGELOG.md"
}

debian_changelog() { # debian-version
  entries | awk -F'|' -v rev="${1#*-}" -v who="$maintainer" '
    function close_entry() { if (last != "") printf "\n -- %s  %s\n\n", who, stamp }
    $1 != last { close_entry(); last = $1; cmd = "date -R -u -d " $2; cmd | getline stamp; close(cmd)
                 printf "etcd-backupd (%s-%s) stable; urgency=medium\n\n", $1, rev }
    $3 ~ /^\+/ { printf "    %s\n", substr($3, 2); next }
    { printf "  * %s\n", $3 }
    END { close_entry() }'
}

rpm_changelog() { # release
  entries | awk -F'|' -v rel="$1" -v who="$maintainer" '
    $1 != last { if (last != "") print ""; last = $1; cmd = "date -u +\"%a %b %d %Y\" -d " $2; cmd | getline day; close(cmd)
                 printf "* %s %s - %s-%s\n", day, who, $1, rel }
    $3 ~ /^\+/ { printf "  %s\n", substr($3, 2); next }
    { printf "- %s\n", $3 }'
}

# The installed tree, shared by both package formats: stage DIR BINARIES UNITDIR
stage() {
  local dir=$1 binaries=$2 unitdir=$3
  install -D -m 0755 "$binaries/etcd-backupd" "$dir/usr/bin/etcd-backupd"
  install -D -m 0755 "$binaries/etcd-backupctl" "$dir/usr/bin/etcd-backupctl"
  install -D -m 0644 "$root/etcd-backupd.service" "$dir$unitdir/etcd-backupd.service"
  install -D -m 0640 "$root/deploy/etcd-backupd.example.json" "$dir/etc/etcd-backupd/etcd-backupd.json"
  install -D -m 0644 "$root/README.md" "$dir/usr/share/doc/etcd-backupd/README.md"
  install -D -m 0644 "$root/docs/control-protocol.md" "$dir/usr/share/doc/etcd-backupd/control-protocol.md"
  install -D -m 0644 "$root/deploy/etcd-backupd.example.json" "$dir/usr/share/doc/etcd-backupd/etcd-backupd.example.json"
  # Each page's section is its suffix; its .TH line gets the version and date of the changelog's first heading.
  local page
  for page in "$root"/packaging/man/*.[1-8]; do
    local manpath="$dir/usr/share/man/man${page##*.}/$(basename "$page").gz"
    mkdir -p "$(dirname "$manpath")"
    sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$released/g" "$page" | gzip -9n > "$manpath"
    chmod 0644 "$manpath"
  done
}

# Shared by postinst and %post: the group, the directories. Never enables or starts the service: it
# needs this master's endpoints and peers first (the Ansible role writes them, then enables it).
read -r -d '' post_install <<'SH' || true
getent group etcd-backupd >/dev/null || groupadd --system etcd-backupd
install -d -m 0700 -o root -g root /var/lib/etcd-backupd /var/lib/etcd-backupd/snapshots
chgrp etcd-backupd /etc/etcd-backupd/etcd-backupd.json 2>/dev/null || true
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
SH
# Stops the service on removal; snapshots, keys and configuration stay (a purge removes the configuration only).
read -r -d '' pre_remove <<'SH' || true
if [ -d /run/systemd/system ]; then systemctl stop etcd-backupd.service >/dev/null 2>&1 || true; fi
SH

deb() { # binaries debian-version libc-floor
  local binaries=$1 debversion=$2 floor=$3 dir="$work/deb"
  stage "$dir" "$binaries" /lib/systemd/system
  mkdir -p "$dir/DEBIAN"
  debian_changelog "$debversion" | gzip -9n > "$dir/usr/share/doc/etcd-backupd/changelog.Debian.gz"
  cat > "$dir/DEBIAN/control" <<CONTROL
Package: etcd-backupd
Version: $debversion
Architecture: amd64
Maintainer: $maintainer
Depends: libc6 (>= $floor), libssl3 | libssl1.1, passwd
Recommends: openssh-server
Section: admin
Priority: optional
Installed-Size: $(du -sk "$dir" | cut -f1)
Homepage: file:///usr/share/doc/etcd-backupd/README.md
Description: $summary
 A systemd daemon that keeps a Kubernetes cluster's etcd recoverable: scheduled, verified snapshots
 with a retention window that never deletes the last good ones, copies on the other masters over
 SFTP with pinned host keys, an audit trail in the journal, and etcd-backupctl for ad-hoc snapshots,
 status and a restore of one member or the whole cluster in the runbook's order, with rollback.
 This build needs glibc $floor or newer.
CONTROL
  echo /etc/etcd-backupd/etcd-backupd.json > "$dir/DEBIAN/conffiles"
  printf '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then\n%s\nfi\n' "$post_install" > "$dir/DEBIAN/postinst"
  printf '#!/bin/sh\nset -e\nif [ "$1" = remove ] || [ "$1" = deconfigure ]; then\n%s\nfi\n' "$pre_remove" > "$dir/DEBIAN/prerm"
  chmod 0755 "$dir/DEBIAN/postinst" "$dir/DEBIAN/prerm"
  dpkg-deb --root-owner-group -Zxz --build "$dir" "$out/etcd-backupd_${debversion}_amd64.deb" >/dev/null
}

rpm_package() { # binaries glibc-floor
  local binaries=$1 floor=$2 top="$work/rpm"
  mkdir -p "$top"/{BUILD,RPMS,SPECS,SOURCES,BUILDROOT}
  stage "$top/tree" "$binaries" /usr/lib/systemd/system
  cat > "$top/SPECS/etcd-backupd.spec" <<SPEC
Name: etcd-backupd
Version: $version
Release: 1
Summary: $summary
License: Proprietary
URL: file:///usr/share/doc/etcd-backupd/README.md
Requires: glibc >= $floor, openssl-libs, shadow-utils
AutoReqProv: no
%global debug_package %{nil}
%global __strip /bin/true
%global __os_install_post %{nil}

%description
A systemd daemon that keeps a Kubernetes cluster's etcd recoverable: scheduled, verified snapshots,
copies on the other masters over SFTP with pinned host keys, an audit trail in the journal, and
etcd-backupctl for ad-hoc snapshots, status and a restore of one member or the whole cluster in the
runbook's order, with rollback. This build needs glibc $floor or newer.

%install
cp -a $top/tree/. %{buildroot}/
install -d -m 0700 %{buildroot}/var/lib/etcd-backupd/snapshots

%post
$post_install

%preun
if [ "\$1" = 0 ]; then
$pre_remove
fi

%files
%attr(0755,root,root) /usr/bin/etcd-backupd
%attr(0755,root,root) /usr/bin/etcd-backupctl
/usr/lib/systemd/system/etcd-backupd.service
%dir %attr(0755,root,root) /etc/etcd-backupd
%config(noreplace) %attr(0640,root,root) /etc/etcd-backupd/etcd-backupd.json
%dir %attr(0700,root,root) /var/lib/etcd-backupd
%dir %attr(0700,root,root) /var/lib/etcd-backupd/snapshots
%doc /usr/share/doc/etcd-backupd
%attr(0644,root,root) /usr/share/man/man5/*
%attr(0644,root,root) /usr/share/man/man8/*

%changelog
$(rpm_changelog 1)
SPEC
  rpmbuild -bb --quiet --define "_topdir $top" --define "_build_id_links none" --target x86_64 "$top/SPECS/etcd-backupd.spec" >/dev/null
  cp "$top"/RPMS/x86_64/*.rpm "$out/"
}

echo "build-packages: etcd-backupd $version into $out"
"$root/packaging/publish.sh" aot "$work/aot" >/dev/null
# The highest GLIBC_ symbol version either binary needs is the floor both packages declare.
floor=$(objdump -T "$work/aot/etcd-backupd" "$work/aot/etcd-backupctl" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
deb "$work/aot" "$version-1" "$floor"
rpm_package "$work/aot" "$floor"
ls -l "$out"
