#!/usr/bin/env bash
# Installs every Debian package Rewind needs to build, test and benchmark.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  build-essential cmake ninja-build python3 pkg-config git
  libgtest-dev libgmock-dev
  capnproto libcapnp-dev liblz4-dev libxxhash-dev
  libelf-dev libcli11-dev libfmt-dev libxbyak-dev libfdt-dev
  gcc-riscv64-linux-gnu g++-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user
  clang libclang-rt-14-dev
  dpkg-dev
  tcl xz-utils  # tests/real: tclsh generates the sqlite3 amalgamation; dpkg-source unpacks .tar.xz
  # tools/system, tests/system: the guest Linux kernel (built from linux-source-6.1 with flex,
  # bison, bc; this tiny config signs nothing and runs no objtool, so neither libssl-dev nor
  # libelf-dev is needed for it), firmware (opensbi, u-boot-qemu), the QEMU reference machine,
  # and the initramfs/disk tools (cpio to inspect, e2fsprogs' mke2fs -d/debugfs to build)
  linux-source-6.1 bc flex bison
  opensbi u-boot-qemu qemu-system-misc
  cpio e2fsprogs
  # tests/system/gdb_session.py and the kernel gdb test: a real gdb that speaks RISC-V
  gdb-multiarch
  llvm-19-dev  # jit/llvm: the hot tier (ORC LLJIT)
  lldb-19  # tests/system/lldb_session.py: LLDB against the stub (forward; lldb-19 has no reverse)
)
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
