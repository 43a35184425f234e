#!/usr/bin/env bash
# Cross-builds a small riscv64 Linux `Image` for the `virt` board from Debian's linux-source-6.1:
#   tinyconfig + tools/system/linux-virt.config (merge_config.sh) + olddefconfig, then `make Image`.
# Every CONFIG_...=y of the fragment must be =y in the final .config, or the build fails.
# Cached in ${REWIND_CACHE:-$HOME/.cache/rewind}/system/linux-<key>/{Image,vmlinux,config}, where <key>
# hashes the fragment, the linux-source-6.1 package version, this script and the cross gcc version;
# a cached Image is reused as is. Cold build: several minutes on 2 cores.
# vmlinux (with DWARF debug info) sits beside the Image, for gdb sessions against the kernel.
# Usage: build-linux.sh [OUTDIR]   (OUTDIR: also copy Image, vmlinux and config there)
# Prints the path of the Image on stdout (progress goes to stderr).
# Environment: REWIND_CACHE, JOBS (default: nproc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/linux-virt.config
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
cross=riscv64-linux-gnu-
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
cache=${REWIND_CACHE:-$HOME/.cache/rewind}/system
outdir=${1:-}

log() { echo "[build-linux] $*" >&2; }
die() { echo "build-linux: error: $*" >&2; exit 1; }

[ -f "$tarball" ] || die "$tarball not found (install $srcpkg: tools/install-deps.sh)"
command -v ${cross}gcc >/dev/null || die "${cross}gcc not found (tools/install-deps.sh)"
for t in make flex bison bc; do command -v $t >/dev/null || die "$t not found (tools/install-deps.sh)"; done

version=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || die "package $srcpkg is not installed"
key=$( { cat "$fragment" "$0"; echo "$version"; ${cross}gcc --version | sed -n 1p; } | sha256sum | cut -c1-16)
dest=$cache/linux-$key

mkdir -p "$cache"
publish() {
  if [ -n "$outdir" ]; then
    mkdir -p "$outdir"
    cp "$dest/Image" "$outdir/Image.tmp.$$" && mv "$outdir/Image.tmp.$$" "$outdir/Image"
    cp "$dest/config" "$outdir/config.tmp.$$" && mv "$outdir/config.tmp.$$" "$outdir/config"
    cp "$dest/vmlinux" "$outdir/vmlinux.tmp.$$" && mv "$outdir/vmlinux.tmp.$$" "$outdir/vmlinux"
    echo "$outdir/Image"
  else
    echo "$dest/Image"
  fi
}
if [ -f "$dest/Image" ] && [ -f "$dest/vmlinux" ]; then log "cached: $dest/Image"; publish; exit 0; fi

# One build at a time per cache; re-check once we hold the lock.
exec 9>"$cache/.lock-linux"
flock 9
if [ -f "$dest/Image" ] && [ -f "$dest/vmlinux" ]; then log "cached: $dest/Image"; publish; exit 0; fi

tmp=$(mktemp -d "$cache/.tmp-linux-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
mkdir -p "$src" "$tmp/out"
start=$(date +%s)
log "unpacking $tarball ($srcpkg $version)"
tar -xJf "$tarball" -C "$src" --strip-components=1

# Reproducible: the same inputs give the same Image (and the same boot banner).
export ARCH=riscv CROSS_COMPILE=$cross
export KBUILD_BUILD_USER=rewind KBUILD_BUILD_HOST=rewind KBUILD_BUILD_VERSION=1
# The build date shown is the source tarball's (fixed per package version).
KBUILD_BUILD_TIMESTAMP=$(LC_ALL=C date -u -d "@$(stat -c %Y "$tarball")" '+%a %b %e %H:%M:%S UTC %Y')
export KBUILD_BUILD_TIMESTAMP
mk() { make -C "$src" -s "$@"; }

log "configuring: tinyconfig + $(basename "$fragment")"
mk tinyconfig >"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "make tinyconfig failed"; }
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") >>"$tmp/config.log" 2>&1 \
  || { cat "$tmp/config.log" >&2; die "merge_config.sh failed"; }
mk olddefconfig >>"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "make olddefconfig failed"; }

missing=()
while IFS= read -r line; do
  grep -qxF "$line" "$src/.config" && continue
  sym=${line%%=*}
  got=$(grep -E "^$sym=|^# $sym is not set" "$src/.config" || echo "(absent: no such option, or its dependencies are off)")
  missing+=("$line -> $got")
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=y$' "$fragment")
if [ "${#missing[@]}" -ne 0 ]; then
  printf '  %s\n' "${missing[@]}" >&2
  die "${#missing[@]} required option(s) of $(basename "$fragment") did not end up =y (listed above)"
fi

log "building Image and vmlinux with -j$jobs (several minutes)"
if ! mk -j"$jobs" Image vmlinux >"$tmp/build.log" 2>&1; then
  tail -40 "$tmp/build.log" >&2
  die "kernel build failed (last lines above)"
fi
cp "$src/arch/riscv/boot/Image" "$tmp/out/Image"
cp "$src/vmlinux" "$tmp/out/vmlinux"
cp "$src/.config" "$tmp/out/config"
echo "$srcpkg $version, built in $(( $(date +%s) - start )) s with -j$jobs" >"$tmp/out/BUILD-INFO"
# Atomic publish: a reader sees either no directory or a complete one.
mv -T "$tmp/out" "$dest"
log "built $dest/Image in $(( $(date +%s) - start )) s"
publish
