#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs, builds, tests.
# --fast: only the in-process tier (NUnit category Fast: no etcd, sshd, journald, systemd or packages),
# so nothing is installed or built but the solution. Other arguments go to dotnet test.
set -euo pipefail
cd "$(dirname "$0")/.."

fast=0
arguments=()
for argument in "$@"; do
  if [ "$argument" = --fast ]; then fast=1; else arguments+=("$argument"); fi
done

./scripts/require-dotnet.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ "$fast" = 1 ]; then
  arguments+=(--filter TestCategory=Fast)
else
  # ansible-core runs the playbook in the system test; rpm, cpio and binutils read the built packages,
  # groff-base renders their man pages.
  ./scripts/install-deps.sh ansible-core rpm cpio binutils groff-base
  ./scripts/make-rootfs.sh
  # The off-site tests' Ceph RADOS Gateway chroot (once, cached under .cache/ceph-trixie).
  ./scripts/object-store.sh prepare
  # The .deb and .rpm packages the packaging tests read and the system test installs (SKIP_PACKAGES=1
  # reuses the last ones, for a quicker local run).
  export BACKUPD_TEST_PACKAGES=$PWD/.cache/dist
  if [ "${SKIP_PACKAGES:-0}" != 1 ] || ! ls "$BACKUPD_TEST_PACKAGES"/*.deb >/dev/null 2>&1; then
    rm -rf "$BACKUPD_TEST_PACKAGES"
    ./packaging/build-packages.sh "$BACKUPD_TEST_PACKAGES"
  fi
fi
dotnet build EtcdBackupd.sln -c Release
# Tests start real etcd clusters; running fixtures one at a time keeps a 2-core machine honest.
log=$(mktemp)
status=0
if [ "$fast" = 1 ] || printf '%s\n' "${arguments[@]}" | grep -q -- '--filter'; then
  dotnet test EtcdBackupd.sln -c Release --no-build --logger "console;verbosity=normal" "${arguments[@]}" 2>&1 | tee "$log" || status=$?
else
  # The memory test counts allocations and RssAnon for the whole process: it runs alone, in a test
  # process of its own, after the rest (about half a minute).
  dotnet test EtcdBackupd.sln -c Release --no-build --logger "console;verbosity=normal" --filter "TestCategory!=Memory" \
    "${arguments[@]}" 2>&1 | tee "$log" || status=$?
  dotnet test tests/EtcdBackupd.Tests -c Release --no-build --logger "console;verbosity=normal" --filter "TestCategory=Memory" \
    "${arguments[@]}" 2>&1 | tee -a "$log" || status=$?
fi
# CI keeps only the end of the output: repeat each failure there, its message first and short.
awk '/^  Failed /{on=1; n=0; print "\n=== " $0} /^  (Passed|Skipped) /{on=0} on && !/^  Failed / && n++ < 60 {print}' "$log"
# One plain closing line that any CI can read: "N passed, N failed".
awk '/^ +Passed: /{p+=$2} /^ +Failed: /{f+=$2} /^ +Skipped: /{s+=$2} END{printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$log"
rm -f "$log"
# The fast tier's tests remove their own directories and mount nothing; leaving the scratch area alone
# keeps a fast run from pulling it from under a full run on the same machine.
if [ "$fast" = 0 ]; then
  rm -rf "${TMPDIR:-/tmp}/etcd-backupd-tests"
fi
exit "$status"
