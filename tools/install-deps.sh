#!/usr/bin/env bash
# Installs every Debian package Rewind needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  build-essential cmake ninja-build python3 pkg-config git
  libgtest-dev libgmock-dev
  capnproto libcapnp-dev liblz4-dev
  libelf-dev libcli11-dev libfmt-dev libxbyak-dev libfdt-dev
  gcc-riscv64-linux-gnu g++-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user
  dpkg-dev
)
export DEBIAN_FRONTEND=noninteractive
if ! dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -qv 'install ok installed' \
   && [ "$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | wc -l)" -eq "${#packages[@]}" ]; then
  exit 0
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
