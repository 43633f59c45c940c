#!/usr/bin/env bash
# Publishes etcd-backupd and etcd-backupctl as programs that need no .NET runtime on the host.
#   packaging/publish.sh aot OUTDIR             Native AOT: small and lean; linked against Debian 11's C library
#                                               with log and pow bound to old versions: runs on glibc 2.17+
#   packaging/publish.sh self-contained OUTDIR  single-file with the runtime inside: larger, runs on glibc 2.27+
# KEEP_SYMBOLS=1 keeps the Native AOT programs' symbol files (NAME.dbg) beside them (bench/layout/record.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:?usage: publish.sh aot|self-contained OUTDIR}
out=$(realpath -m "${2:?usage: publish.sh aot|self-contained OUTDIR}")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

case "$flavour" in
  aot)
    # The AOT linker step calls clang; it links against a Debian 11 sysroot (glibc 2.31) instead of this
    # machine's glibc, and packaging/glibc-compat.c keeps log and pow at their oldest versions.
    "$root/scripts/install-deps.sh" clang zlib1g-dev >/dev/null
    "$root/scripts/make-rootfs.sh" bullseye-sysroot >/dev/null
    sysroot=$root/.cache/rootfs/bullseye-sysroot
    mkdir -p "$root/.cache/obj"
    clang -O2 -fPIC --sysroot="$sysroot" -c "$root/packaging/glibc-compat.c" -o "$root/.cache/obj/glibc-compat.o"
    props=(-p:PublishAot=true -p:StripSymbols=true -p:SysRoot="$sysroot" -p:GlibcCompatObject="$root/.cache/obj/glibc-compat.o")
    ;;
  self-contained)
    props=(--self-contained -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=false -p:PublishTrimmed=true)
    ;;
  *) echo "publish.sh: unknown flavour '$flavour' (aot or self-contained)" >&2; exit 2 ;;
esac

for project in EtcdBackupd EtcdBackupctl; do
  dotnet publish "$root/src/$project" -c Release -r linux-x64 "${props[@]}" -o "$out" -nologo -v quiet
done
[ "${KEEP_SYMBOLS:-0}" = 1 ] || rm -f "$out"/*.dbg
rm -f "$out"/*.pdb "$out"/*.xml
ls -l "$out"
