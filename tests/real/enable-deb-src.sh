#!/usr/bin/env bash
# Makes `apt-get source` work: adds deb-src entries mirroring the machine's
# existing Debian `deb` entries (bookworm, bookworm-updates, bookworm-security)
# unless some deb-src entry for them is already configured.
# Idempotent; needs root (or sudo) only when it actually has to write the file.
set -euo pipefail
list=/etc/apt/sources.list.d/rewind-src.list

# Someone else's deb-src entry counts; our own file is always rewritten so a
# stale or broken copy from an older version of this script gets repaired.
has_foreign_deb_src() {
  grep -lsE '^[[:space:]]*(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -qv "^$list\$"
}
if has_foreign_deb_src; then
  exit 0
fi

# Prefer the URIs the machine already uses for binaries, so a mirror or proxy
# configured there keeps working for sources too.
main_uri=$(grep -rhsE '^URIs:.*debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
sec_uri=$(grep -rhsE '^URIs:.*debian-security/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
if [ -z "$main_uri" ]; then
  main_uri=$(grep -hsE '^deb .*/debian/? bookworm ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
fi
if [ -z "$sec_uri" ]; then
  sec_uri=$(grep -hsE '^deb .*debian-security/? bookworm-security' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
fi
# apt refuses two entries for the same URI with different Signed-By values,
# so reuse the key the existing deb entries name.
keyring=$(grep -rhsE '^Signed-By:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
opts=""
[ -n "$keyring" ] && opts="[signed-by=$keyring] "
main_uri=${main_uri:-http://deb.debian.org/debian}
sec_uri=${sec_uri:-http://deb.debian.org/debian-security}

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO tee "$list" >/dev/null <<LIST
# Written by tests/real/enable-deb-src.sh (Rewind): source packages for the real-program tests.
deb-src ${opts}$main_uri bookworm main
deb-src ${opts}$main_uri bookworm-updates main
deb-src ${opts}$sec_uri bookworm-security main
LIST
$SUDO apt-get update -qq
