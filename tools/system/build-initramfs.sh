#!/usr/bin/env bash
# Builds the system-test initramfs: tests/system/init.c compiled as a static riscv64 /init,
# packed with tools/system/initramfs.list (which also creates /dev/console) into a gzip newc
# cpio by tools/system/mkcpio.py, no root needed.
# Cached in ${REWIND_CACHE:-$HOME/.cache/rewind}/system/initramfs-<key>/{initramfs.cpio.gz,init},
# <key> hashing init.c, the list, mkcpio.py, this script and the cross gcc version.
# Usage: build-initramfs.sh [OUTDIR]   (OUTDIR: also copy initramfs.cpio.gz and init there)
# Prints the path of initramfs.cpio.gz on stdout; `init` (the ELF) is beside it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../tests/system/init.c
list=$here/initramfs.list
mkcpio=$here/mkcpio.py
cc=riscv64-linux-gnu-gcc
cache=${REWIND_CACHE:-$HOME/.cache/rewind}/system
outdir=${1:-}

log() { echo "[build-initramfs] $*" >&2; }
die() { echo "build-initramfs: error: $*" >&2; exit 1; }

command -v $cc >/dev/null || die "$cc not found (tools/install-deps.sh)"
[ -f "$src" ] || die "$src not found"
key=$( { cat "$src" "$list" "$mkcpio" "$0"; $cc --version | sed -n 1p; } | sha256sum | cut -c1-16)
dest=$cache/initramfs-$key

publish() {
  local d=$dest
  if [ -n "$outdir" ]; then
    mkdir -p "$outdir"
    for f in initramfs.cpio.gz init; do
      cp "$dest/$f" "$outdir/$f.tmp.$$" && mv "$outdir/$f.tmp.$$" "$outdir/$f"
    done
    d=$outdir
  fi
  echo "$d/initramfs.cpio.gz"
}

mkdir -p "$cache"
exec 9>"$cache/.lock-initramfs"
flock 9
if [ -f "$dest/initramfs.cpio.gz" ]; then log "cached: $dest"; publish; exit 0; fi

tmp=$(mktemp -d "$cache/.tmp-initramfs-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
$cc -static -O2 -Wall -Wextra -Werror -o "$tmp/out/init" "$src" || die "compiling $src failed"
python3 "$mkcpio" --root "$tmp/out" "$list" "$tmp/out/initramfs.cpio.gz" || die "mkcpio.py failed"
mv -T "$tmp/out" "$dest"
log "built $dest"
publish
