#!/usr/bin/env bash
# Checks that the .NET 10 SDK that global.json asks for is on PATH, so a script that builds stops at
# once with what is missing and how to get it, rather than deep inside a restore or a build.
# Run it (exit 1 when missing), or source it from a script with `set -e`.
set -euo pipefail

require_dotnet_help="install the .NET 10 SDK with Microsoft's script (curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --channel 10.0, then add ~/.dotnet to PATH) or the distribution's package (dotnet-sdk-10.0; on Debian 12 from packages.microsoft.com), then run this again"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "$(basename "$0"): dotnet is not on PATH; $require_dotnet_help" >&2
  exit 1
fi
# `dotnet --list-sdks` prints "10.0.401 [/usr/share/dotnet/sdk]" per SDK; a runtime-only install prints none.
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  found=$(dotnet --list-sdks 2>/dev/null | awk '{print $1}' | paste -sd, -)
  echo "$(basename "$0"): $(command -v dotnet) has no .NET 10 SDK (SDKs found: ${found:-none}); $require_dotnet_help" >&2
  exit 1
fi
