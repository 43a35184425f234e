#!/usr/bin/env python3
"""Writes a gzip-compressed "newc" cpio archive (a Linux initramfs) without root.

The entries come from a list file in the kernel's gen_init_cpio syntax (subset):
    dir   NAME MODE UID GID
    file  NAME SOURCE MODE UID GID        (SOURCE relative to --root, or absolute)
    nod   NAME MODE UID GID c|b MAJ MIN
    slink NAME TARGET MODE UID GID
Blank lines and lines starting with '#' are ignored. MODE is octal.

The output is reproducible: mtimes are 0, inode numbers count up from 1, and the gzip header
carries no name and no time.
Usage: mkcpio.py [--root DIR] LIST OUT.cpio.gz
"""
import argparse
import gzip
import os
import stat
import sys


def die(msg):
    sys.exit(f"mkcpio: error: {msg}")


class Writer:
    def __init__(self, out):
        self.out = out
        self.ino = 0
        self.pos = 0

    def _put(self, data):
        self.out.write(data)
        self.pos += len(data)

    def _pad(self):
        if self.pos % 4:
            self._put(b"\0" * (4 - self.pos % 4))

    def entry(self, name, mode, uid=0, gid=0, data=b"", nlink=1, rmaj=0, rmin=0):
        self.ino += 1
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, uid, gid, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name_b), 0]
        self._put(b"070701" + b"".join(b"%08X" % f for f in fields))
        self._put(name_b)
        self._pad()
        self._put(data)
        self._pad()

    def trailer(self):
        self.ino = -1  # the trailer's inode number is 0
        self.entry("TRAILER!!!", 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".", help="directory that relative file SOURCEs are in")
    ap.add_argument("list")
    ap.add_argument("out")
    args = ap.parse_args()

    entries = []
    with open(args.list) as f:
        for lineno, line in enumerate(f, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            kind, where = words[0], f"{args.list}:{lineno}"
            want = {"dir": 5, "file": 6, "nod": 8, "slink": 6}.get(kind)
            if want is None:
                die(f"{where}: unknown entry type {kind!r}")
            if len(words) != want:
                die(f"{where}: {kind} takes {want - 1} fields, got {len(words) - 1}")
            entries.append((where, words))

    tmp = args.out + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        w = Writer(gz)
        for where, words in entries:
            kind, name = words[0], words[1].lstrip("/")
            if kind == "dir":
                mode, uid, gid = int(words[2], 8), int(words[3]), int(words[4])
                w.entry(name, stat.S_IFDIR | mode, uid, gid, nlink=2)
            elif kind == "file":
                src = os.path.join(args.root, words[2])
                try:
                    with open(src, "rb") as s:
                        data = s.read()
                except OSError as e:
                    die(f"{where}: {e}")
                mode, uid, gid = int(words[3], 8), int(words[4]), int(words[5])
                w.entry(name, stat.S_IFREG | mode, uid, gid, data=data)
            elif kind == "nod":
                mode, uid, gid = int(words[2], 8), int(words[3]), int(words[4])
                if words[5] not in ("c", "b"):
                    die(f"{where}: device type must be c or b")
                ftype = stat.S_IFCHR if words[5] == "c" else stat.S_IFBLK
                w.entry(name, ftype | mode, uid, gid, rmaj=int(words[6]), rmin=int(words[7]))
            else:  # slink
                mode, uid, gid = int(words[3], 8), int(words[4]), int(words[5])
                w.entry(name, stat.S_IFLNK | mode, uid, gid, data=words[2].encode())
        w.trailer()
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
