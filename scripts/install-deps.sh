#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmarks need on a fresh Debian 12 machine.
# Idempotent: every step checks first and does nothing when its result is already there.
#   etcd 3.4 (bookworm's etcd-server/etcd-client) at /usr/bin
#   etcd 3.5 (trixie's packages, extracted, never installed) under $ETCD35_ROOT
set -euo pipefail

root_dir=$(cd "$(dirname "$0")/.." && pwd)
ETCD35_ROOT=${ETCD35_ROOT:-$root_dir/.cache/etcd-3.5}
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

if [ ! -x "$ETCD35_ROOT/usr/bin/etcdutl" ]; then
  echo "install-deps: fetching etcd 3.5 from trixie into $ETCD35_ROOT"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial"
  # The machine's own Debian source, first stanza only, with its suites swapped for trixie.
  awk 'NF==0{exit} /^Suites:/{$0="Suites: trixie"} {print}' /etc/apt/sources.list.d/debian.sources > "$work/trixie.sources"
  opts=(-o "Dir::Etc::SourceList=$work/trixie.sources" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$work/lists" -o Debug::NoLocking=1)
  apt-get "${opts[@]}" update -q
  (cd "$work" && apt-get "${opts[@]}" download etcd-server etcd-client)
  rm -rf "$ETCD35_ROOT.tmp" && mkdir -p "$ETCD35_ROOT.tmp"
  for f in "$work"/*.deb; do dpkg -x "$f" "$ETCD35_ROOT.tmp"; done
  rm -rf "$ETCD35_ROOT" && mv "$ETCD35_ROOT.tmp" "$ETCD35_ROOT"
fi

etcd --version | sed -n 1p
"$ETCD35_ROOT/usr/bin/etcd" --version | sed -n 1p
