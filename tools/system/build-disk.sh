#!/usr/bin/env bash
# Builds the system-test disk: a small ext2 image (mke2fs -d, no root) holding
#   hello.txt   one known line (the boot test checks /init prints it)
#   data.bin    256 KiB of a fixed byte pattern (the boot test checks its FNV-1a hash)
# Cached in ${REWIND_CACHE:-$HOME/.cache/rewind}/system/disk-<key>/{disk.img,files/}, <key>
# hashing this script and the mke2fs version. The image is reproducible (fixed UUID, hash seed
# and times). `files/` keeps the tree the image was made from, for tests to compare against.
# Usage: build-disk.sh [OUTDIR]   (OUTDIR: also copy disk.img and files/ there)
# Prints the path of disk.img on stdout.
set -euo pipefail

cache=${REWIND_CACHE:-$HOME/.cache/rewind}/system
outdir=${1:-}

log() { echo "[build-disk] $*" >&2; }
die() { echo "build-disk: error: $*" >&2; exit 1; }

mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
debugfs=$(command -v debugfs || echo /sbin/debugfs)
{ [ -x "$mke2fs" ] && [ -x "$debugfs" ]; } || die "mke2fs/debugfs not found (install e2fsprogs: tools/install-deps.sh)"
key=$( { cat "$0"; "$mke2fs" -V 2>&1 | sed -n 1p; } | sha256sum | cut -c1-16)
dest=$cache/disk-$key

publish() {
  if [ -n "$outdir" ]; then
    mkdir -p "$outdir"
    cp "$dest/disk.img" "$outdir/disk.img.tmp.$$" && mv "$outdir/disk.img.tmp.$$" "$outdir/disk.img"
    rm -rf "$outdir/files" && cp -r "$dest/files" "$outdir/files"
    echo "$outdir/disk.img"
  else
    echo "$dest/disk.img"
  fi
}

mkdir -p "$cache"
exec 9>"$cache/.lock-disk"
flock 9
if [ -f "$dest/disk.img" ]; then log "cached: $dest/disk.img"; publish; exit 0; fi

tmp=$(mktemp -d "$cache/.tmp-disk-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out/files"
echo "Rewind test disk: hello from ext2" >"$tmp/out/files/hello.txt"
python3 -c '
import sys
sys.stdout.buffer.write(bytes((i * 7 + (i >> 8) * 13 + (i >> 16)) & 255 for i in range(256 * 1024)))
' >"$tmp/out/files/data.bin"
touch -d @1 "$tmp/out/files"/*
E2FSPROGS_FAKE_TIME=1 "$mke2fs" -q -F -t ext2 -b 1024 -L rewind-test \
  -U 0b1e5c1d-7e57-4d15-a000-000000000001 \
  -E hash_seed=0b1e5c1d-7e57-4d15-a000-000000000002,root_owner=0:0 \
  -d "$tmp/out/files" "$tmp/out/disk.img" 4M >"$tmp/mke2fs.log" 2>&1 \
  || { cat "$tmp/mke2fs.log" >&2; die "mke2fs failed"; }
# mke2fs -d copies each file's ctime (which touch cannot set): pin it for a reproducible image.
for f in "$tmp/out/files"/*; do echo "set_inode_field /${f##*/} ctime @1"; done >"$tmp/debugfs.cmd"
"$debugfs" -w -f "$tmp/debugfs.cmd" "$tmp/out/disk.img" >"$tmp/debugfs.log" 2>&1 \
  || { cat "$tmp/debugfs.log" >&2; die "debugfs failed"; }
mv -T "$tmp/out" "$dest"
log "built $dest/disk.img"
publish
