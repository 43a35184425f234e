#!/usr/bin/env bash
# A deliberately wrong "emulator" for the harness self-test: runs the guest
# under qemu-riscv64 and corrupts register x3 in the 3rd sequence's output.
# run_diff.py must report this as a mismatch (the CTest test is WILL_FAIL).
set -o pipefail
args=()
for a in "$@"; do
  case "$a" in --tier=*) ;; *) args+=("$a") ;; esac
done
qemu-riscv64 "${args[@]}" | sed '3s/^\(.\{40\}\)[0-9a-f]/\1X/'
