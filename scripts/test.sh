#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: installs what it needs, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EtcdBackupd.sln -c Release
# Tests start real etcd clusters; running fixtures one at a time keeps a 2-core machine honest.
dotnet test EtcdBackupd.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
rm -rf "${TMPDIR:-/tmp}/etcd-backupd-tests"
