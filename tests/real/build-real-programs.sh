#!/usr/bin/env bash
# Cross-builds the "real program" guests from Debian source packages:
#   xz   (xz-utils, static)    mawk (mawk, static)    sqlite3 (sqlite3, dynamic)
# Binaries are cached per package version in
#   ${REWIND_CACHE:-$HOME/.cache/rewind}/real/<pkg>/<version>/
# so a second run only checks versions and copies (seconds).
# Usage: build-real-programs.sh [OUTDIR]   (default: <cache>/real/current)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${REWIND_CACHE:-$HOME/.cache/rewind}/real
out=${1:-$cache/current}
host=riscv64-linux-gnu
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$cache/src" "$out"

# One build at a time per cache (parallel CTest runs from several build trees).
exec 9>"$cache/.lock"
flock 9

log() { echo "[build-real-programs] $*" >&2; }

source_version() {
  # Highest version of the source package apt knows about; empty if none.
  apt-cache showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -1
}

resolve_version() {
  local pkg=$1 v
  v=$(source_version "$pkg")
  if [ -z "$v" ]; then
    log "no deb-src entry for $pkg yet: enabling source repositories"
    "$here/enable-deb-src.sh" >&2
    v=$(source_version "$pkg")
  fi
  if [ -z "$v" ]; then
    # Offline or no apt sources: fall back to the newest cached build.
    v=$(ls "$cache/$pkg" 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$v" ] && log "apt does not know $pkg; using cached version $v"
  fi
  [ -n "$v" ] || { log "cannot determine a version for source package $pkg"; exit 1; }
  echo "$v"
}

# Unpacks the source of $1=$2 into $3 (downloads once into $cache/src).
unpack_source() {
  local pkg=$1 version=$2 dest=$3 dsc
  local nover=${version#*:}
  dsc="$cache/src/${pkg}_${nover}.dsc"
  if [ ! -f "$dsc" ]; then
    log "downloading source $pkg=$version"
    (cd "$cache/src" && apt-get source --download-only -qq "$pkg=$version" >&2)
  fi
  dpkg-source --no-check -x "$dsc" "$dest" >/dev/null
}

build_xz() {  # static
  local src=$1 dest=$2
  (cd "$src" && ./configure --host=$host --disable-shared --enable-static --disable-nls --disable-doc \
      --disable-scripts --disable-lzmainfo --disable-lzmadec --disable-xzdec --disable-threads \
      CFLAGS=-O2 >/dev/null &&
    make -j"$jobs" -C src/liblzma >/dev/null &&
    make -j"$jobs" -C src/xz LDFLAGS=-all-static >/dev/null)
  cp "$src/src/xz/xz" "$dest/xz"
}

build_mawk() {  # static
  local src=$1 dest=$2
  (cd "$src" && ./configure --host=$host CC=$host-gcc CFLAGS=-O2 LDFLAGS=-static >/dev/null &&
    make -j"$jobs" mawk >/dev/null)
  cp "$src/mawk" "$dest/mawk"
}

build_sqlite3() {  # dynamically linked
  # The amalgamation generator needs tclsh and host tools, so generate
  # sqlite3.c/shell.c natively, then cross-compile just those two files.
  local src=$1 dest=$2
  mkdir -p "$src/native"
  (cd "$src/native" && ../configure --disable-tcl --disable-readline --disable-editline >/dev/null &&
    make -j"$jobs" sqlite3.c shell.c >/dev/null)
  $host-gcc -O2 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_ENABLE_MATH_FUNCTIONS \
    -I"$src/native" "$src/native/sqlite3.c" "$src/native/shell.c" -o "$dest/sqlite3" -lm
}

build_package() {
  local pkg=$1 prog=$2 builder=$3 version dir work
  version=$(resolve_version "$pkg")
  dir="$cache/$pkg/$version"
  if [ ! -f "$dir/.complete" ]; then
    log "building $pkg $version (cold cache)"
    work=$(mktemp -d "${TMPDIR:-/tmp}/rewind-real-$pkg.XXXXXX")
    unpack_source "$pkg" "$version" "$work/src"
    rm -rf "$dir"
    mkdir -p "$dir"
    "$builder" "$work/src" "$dir"
    "$host-strip" --strip-debug "$dir/$prog" 2>/dev/null || true
    echo "$version" >"$dir/.complete"
    rm -rf "$work"
  fi
  cp -f "$dir/$prog" "$out/$prog"
  echo "$pkg $version" >"$out/$prog.version"
  log "$prog: $pkg $version"
}

command -v $host-gcc >/dev/null || { log "$host-gcc missing (tools/install-deps.sh)"; exit 1; }
command -v dpkg-source >/dev/null || { log "dpkg-source missing (package dpkg-dev)"; exit 1; }

build_package xz-utils xz build_xz
build_package mawk mawk build_mawk
build_package sqlite3 sqlite3 build_sqlite3
log "binaries in $out"
