#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/make-rootfs.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EtcdBackupd.sln -c Release
# Tests start real etcd clusters; running fixtures one at a time keeps a 2-core machine honest.
log=$(mktemp)
status=0
dotnet test EtcdBackupd.sln -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line that any CI can read: "N passed, N failed".
awk '/^ +Passed: /{p+=$2} /^ +Failed: /{f+=$2} /^ +Skipped: /{s+=$2} END{printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$log"
rm -f "$log"
rm -rf "${TMPDIR:-/tmp}/etcd-backupd-tests"
exit "$status"
