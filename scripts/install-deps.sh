#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmarks need on a fresh Debian 12 machine.
# Idempotent: every step checks first and does nothing when its result is already there.
#   etcd 3.4 (bookworm's etcd-server/etcd-client) at /usr/bin
#   etcd 3.5 (trixie's packages, extracted, never installed) under $ETCD35_ROOT
#   etcd 3.5 >= 3.5.20 (sid's etcd-server: etcd and etcdutl, extracted) under $ETCD35SID_ROOT
set -euo pipefail

root_dir=$(cd "$(dirname "$0")/.." && pwd)
ETCD35_ROOT=${ETCD35_ROOT:-$root_dir/.cache/etcd-3.5}
ETCD35SID_ROOT=${ETCD35SID_ROOT:-$root_dir/.cache/etcd-3.5-sid}
extra_packages=("$@")

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v openssl >/dev/null || need+=(openssl)
command -v mount >/dev/null || need+=(mount)
# OpenSSH: sshd on loopback is the peer in the copy tests; ssh-keygen and sftp for keys and the benchmark.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
# socat plays the hostile clients of the control socket tests (sends without ever reading).
command -v socat >/dev/null || need+=(socat)
# systemd-journald (started standalone by the journal tests) and journalctl come with systemd.
[ -x /lib/systemd/systemd-journald ] && command -v journalctl >/dev/null || need+=(systemd)
# promtool tests the shipped alert rules; node_exporter reads the metrics file as it does on a master.
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
# The off-site tests' object store: debootstrap builds its chroot (scripts/object-store.sh), s3cmd is
# the second client that reads back what the daemon wrote.
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v s3cmd >/dev/null || need+=(s3cmd)
# age and zstd decrypt and decompress off-site copies in the codec tests, and make copies for ours to read.
command -v age >/dev/null && command -v age-keygen >/dev/null || need+=(age)
command -v zstd >/dev/null || need+=(zstd)
for p in "${extra_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # etcd-server's maintainer scripts try to start a service; without systemd as PID 1 they just skip it.
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# Extracts (never installs) PACKAGES of Debian SUITE into ROOT: the machine's own Debian source, first
# stanza only, with its suites swapped; a private list directory, so the machine's apt state is untouched.
# Valid-Until is not checked: sid's Release file on a mirror snapshot may be past it; the hashes still are.
extract_from_suite() {
  local suite=$1 root=$2; shift 2
  local work; work=$(mktemp -d)
  mkdir -p "$work/lists/partial"
  awk -v s="$suite" 'NF==0{exit} /^Suites:/{$0="Suites: " s} {print}' /etc/apt/sources.list.d/debian.sources > "$work/$suite.sources"
  local opts=(-o "Dir::Etc::SourceList=$work/$suite.sources" -o Dir::Etc::SourceParts=/nonexistent
              -o "Dir::State::Lists=$work/lists" -o Debug::NoLocking=1 -o Acquire::Check-Valid-Until=false)
  apt-get "${opts[@]}" update -q
  (cd "$work" && apt-get "${opts[@]}" download "$@")
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  for f in "$work"/*.deb; do dpkg -x "$f" "$root.tmp"; done
  rm -rf "$root" && mv "$root.tmp" "$root"
  rm -rf "$work"
}

if [ ! -x "$ETCD35_ROOT/usr/bin/etcdutl" ]; then
  echo "install-deps: fetching etcd 3.5 from trixie into $ETCD35_ROOT"
  extract_from_suite trixie "$ETCD35_ROOT" etcd-server etcd-client
fi

# A newer 3.5 from sid (3.5.30 when written; sid moves, so any 3.5 from 3.5.20 on is accepted).
# etcd-server ships etcd and etcdutl; the tests of the restore need no etcdctl from it.
sid_version() { "$ETCD35SID_ROOT/usr/bin/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p'; }
sid_ok() {
  local v; v=$(sid_version)
  [[ $v =~ ^3\.5\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 20 ] && [ -x "$ETCD35SID_ROOT/usr/bin/etcdutl" ]
}
if ! sid_ok; then
  echo "install-deps: fetching etcd 3.5 (>= 3.5.20) from sid into $ETCD35SID_ROOT"
  extract_from_suite sid "$ETCD35SID_ROOT" etcd-server
  if ! sid_ok; then
    echo "install-deps: sid's etcd-server is '$(sid_version)', not a 3.5 from 3.5.20 on" >&2
    exit 1
  fi
fi

etcd --version | sed -n 1p
"$ETCD35_ROOT/usr/bin/etcd" --version | sed -n 1p
echo "etcd from sid: $(sid_version)"
