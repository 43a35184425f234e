#!/usr/bin/env python3
"""Random RV64GC instruction-sequence generator for differential testing.

Every sequence is fully determined by one integer, its seed: the initial
integer/FP registers, fcsr, scratch-buffer contents and the instructions all
come from random.Random(seed). A program built by build_program() runs the
sequences seed, seed+1, ... in order; after each one it prints one line of
hex words (see STATE_LAYOUT) via the write syscall, then exits with 0.

Conventions inside a sequence:
  x2 (sp)  is never written: it points at the dump area / c.*sp scratch.
  x9 (s1)  is never written: it points into the middle of the scratch buffer,
           so every load/store is `off(s1)` with off in [-BUF_HALF, BUF_HALF).
  frm      only ever holds valid modes 0-4 (dyn with 5-7 is SIGILL, which
           is tested elsewhere), so `dyn` rounding is always legal.
Branches and jumps only go forward, so every sequence terminates.

Usage: gen_diff.py --seed N --count K [-o out.S] [--list]
"""
import argparse
import random
import sys

BUF_SIZE = 512
BUF_HALF = BUF_SIZE // 2
NUM_MEM_WORDS = BUF_SIZE // 8

# One output line per sequence: these 64-bit words, in this order.
STATE_LAYOUT = ["x%d" % i for i in range(1, 32)] + ["f%d" % i for i in range(32)] + ["fcsr"] + \
    ["mem[%d]" % (8 * i - BUF_HALF) for i in range(NUM_MEM_WORDS)]
# Words that are not compared: x2 is the host-chosen stack pointer.
UNCOMPARED = {"x2"}

SP, BASE = 2, 9
WRITABLE = [r for r in range(32) if r not in (SP, BASE)]   # x0 allowed: writes are dropped
COMPRESSED_REGS = [8, 10, 11, 12, 13, 14, 15]             # x8-x15 minus the base
COMPRESSED_FREGS = list(range(8, 16))

ROUNDING = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]

SPECIAL_INTS = [0, 1, -1, 2, -2, 7, -7, 0x7fffffffffffffff, -0x8000000000000000, 0x7fffffff,
                -0x80000000, 0x80000000, 0xffffffff, 0x100000000, 0x8000000000000001, 31, 32, 63, 64,
                0x3f800000, 0x7fc00000, 0x3ff0000000000000, 0x7ff8000000000000]
SPECIAL_SINGLES = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
                   0x7fc00000, 0x7fc12345, 0xffc00001, 0x7f800001, 0xff812345, 0x00000001,
                   0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f000000,
                   0x40200000, 0xc0200000, 0x3fc00000, 0x4f000000, 0xcf000000, 0x4f800000,
                   0x5f000000, 0xdf000000, 0x5f800000, 0x33800000, 0x3f800001, 0x3eaaaaab,
                   0x4b000000, 0x4b400001, 0x40490fdb, 0x00400000, 0x0dffffff]
SPECIAL_DOUBLES = [0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
                   0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff8000000012345,
                   0x7ff0000000000001, 0xfff0000000054321, 0x0000000000000001, 0x800fffffffffffff,
                   0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x3fe0000000000000,
                   0x4004000000000000, 0xc004000000000000, 0x3ff8000000000000, 0x41dfffffffe00000,
                   0x41e0000000000000, 0xc1e0000000000000, 0x41f0000000000000, 0x43e0000000000000,
                   0xc3e0000000000000, 0x43f0000000000000, 0x3ca0000000000000, 0x3ff0000000000001,
                   0x3fd5555555555555, 0x4330000000000000, 0x4340000000000001, 0x47efffffe0000000,
                   0x36a0000000000000, 0x3810000000000000, 0x400921fb54442d18]

M64 = (1 << 64) - 1


def _u64(v):
    return v & M64


class Sequence:
    """One random sequence: initial state plus assembly lines."""

    def __init__(self, seed, length=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.lines = []
        self.label_counter = 0
        self.length = length or self.rng.randint(8, 40)
        self.int_init = [self._rand_int() for _ in range(32)]
        self.fp_init = [self._rand_fp() for _ in range(32)]
        self.fcsr_init = (self.rng.randint(0, 4) << 5) | self.rng.randint(0, 31)
        self.mem_init = [self._rand_int() for _ in range(NUM_MEM_WORDS)]
        self._generate()

    # ---- operand helpers ----------------------------------------------------
    def _rand_int(self):
        r = self.rng.random()
        if r < 0.35:
            return _u64(self.rng.choice(SPECIAL_INTS))
        if r < 0.55:
            return _u64(self.rng.randint(-300, 300))
        if r < 0.7:
            return _u64(self.rng.randint(-2**31, 2**31 - 1))
        return self.rng.getrandbits(64)

    def _rand_fp(self):
        r = self.rng.random()
        if r < 0.4:   # properly NaN-boxed single
            s = self.rng.choice(SPECIAL_SINGLES) if self.rng.random() < 0.8 else self.rng.getrandbits(32)
            return 0xffffffff00000000 | s
        if r < 0.85:
            return self.rng.choice(SPECIAL_DOUBLES) if self.rng.random() < 0.8 else self.rng.getrandbits(64)
        if r < 0.93:  # improperly boxed single: reads as canonical NaN in .s ops
            return self.rng.choice(SPECIAL_SINGLES) | (self.rng.getrandbits(32) & 0x7fffffff) << 32
        return self.rng.getrandbits(64)

    def x(self):
        return "x%d" % self.rng.choice(WRITABLE)

    def xs(self):
        """any source register but sp: the stack address is chosen by each emulator"""
        return "x%d" % self.rng.choice([r for r in range(32) if r != SP])

    def f(self):
        return "f%d" % self.rng.randrange(32)

    def rm(self):
        return self.rng.choice(ROUNDING)

    def label(self):
        self.label_counter += 1
        return ".Ls%d_%d" % (self.seed, self.label_counter)

    def mem_offset(self, size, aligned=None):
        if aligned is None:
            aligned = self.rng.random() < 0.75
        lo, hi = -BUF_HALF, BUF_HALF - size
        off = self.rng.randint(lo, hi)
        if aligned:
            off -= off % size
        return off

    def emit(self, line):
        self.lines.append(line)

    # ---- instruction classes ----------------------------------------------
    def gen_alu_rr(self):
        op = self.rng.choice(["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
                              "addw", "subw", "sllw", "srlw", "sraw"])
        self.emit("%s %s, %s, %s" % (op, self.x(), self.xs(), self.xs()))

    def gen_alu_imm(self):
        op = self.rng.choice(["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw",
                              "slli", "srli", "srai", "slliw", "srliw", "sraiw", "lui", "auipc"])
        if op in ("slli", "srli", "srai"):
            imm = self.rng.randrange(64)
        elif op in ("slliw", "srliw", "sraiw"):
            imm = self.rng.randrange(32)
        elif op in ("lui", "auipc"):
            self.emit("%s %s, 0x%x" % (op, self.x(), self.rng.getrandbits(20)))
            return
        else:
            imm = self.rng.choice([0, 1, -1, 2047, -2048, self.rng.randint(-2048, 2047)])
        self.emit("%s %s, %s, %d" % (op, self.x(), self.xs(), imm))

    def gen_muldiv(self):
        op = self.rng.choice(["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
                              "mulw", "divw", "divuw", "remw", "remuw"])
        a, b = self.xs(), self.xs()
        if self.rng.random() < 0.15:
            b = "x0"      # division by zero
        self.emit("%s %s, %s, %s" % (op, self.x(), a, b))

    def gen_load(self):
        op, size = self.rng.choice([("lb", 1), ("lh", 2), ("lw", 4), ("ld", 8), ("lbu", 1), ("lhu", 2),
                                    ("lwu", 4), ("flw", 4), ("fld", 8)])
        rd = self.f() if op.startswith("f") else self.x()
        self.emit("%s %s, %d(x%d)" % (op, rd, self.mem_offset(size), BASE))

    def gen_store(self):
        op, size = self.rng.choice([("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8), ("fsw", 4), ("fsd", 8)])
        rs = self.f() if op.startswith("f") else self.xs()
        self.emit("%s %s, %d(x%d)" % (op, rs, self.mem_offset(size), BASE))

    def _filler(self, n):
        for _ in range(n):
            self.rng.choice([self.gen_alu_rr, self.gen_alu_imm])()

    def gen_branch(self):
        op = self.rng.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
        a = self.xs()
        b = a if self.rng.random() < 0.2 else self.xs()
        target = self.label()
        self.emit("%s %s, %s, %s" % (op, a, b, target))
        self._filler(self.rng.randint(1, 3))
        self.emit(target + ":")

    def gen_jump(self):
        target = self.label()
        kind = self.rng.random()
        if kind < 0.4:
            self.emit("jal %s, %s" % (self.x(), target))
        else:
            tmp = "x%d" % self.rng.choice([r for r in WRITABLE if r != 0])
            # jalr to a known label; odd displacements check that bit 0 is cleared
            bias = self.rng.choice([0, 8, -4, 12])
            odd = self.rng.choice([0, 1])
            self.emit("lla %s, %s%+d" % (tmp, target, odd - bias))
            self.emit("jalr %s, %d(%s)" % (self.x(), bias, tmp))
        self._filler(self.rng.randint(1, 3))
        self.emit(target + ":")

    def _aligned_addr_reg(self, size):
        tmp = "x%d" % self.rng.choice([r for r in WRITABLE if r != 0])
        off = self.rng.randint(-BUF_HALF // size, BUF_HALF // size - 1) * size
        self.emit("addi %s, x%d, %d" % (tmp, BASE, off))
        return tmp

    def gen_amo(self):
        width = self.rng.choice(["w", "d"])
        order = self.rng.choice(["", ".aq", ".rl", ".aqrl"])
        addr = self._aligned_addr_reg(4 if width == "w" else 8)
        if self.rng.random() < 0.3:
            # LR/SC pair with only register ops between: SC must succeed.
            rd = "x%d" % self.rng.choice([r for r in WRITABLE if "x%d" % r != addr])
            self.emit("lr.%s%s %s, (%s)" % (width, self.rng.choice(["", ".aq"]), rd, addr))
            for _ in range(self.rng.randint(0, 2)):
                self.emit("addi %s, %s, %d" % (rd, rd, self.rng.randint(-50, 50)))
            self.emit("sc.%s%s %s, %s, (%s)" % (width, self.rng.choice(["", ".rl"]), self.x(), rd, addr))
            return
        op = self.rng.choice(["amoswap", "amoadd", "amoxor", "amoand", "amoor",
                              "amomin", "amomax", "amominu", "amomaxu"])
        self.emit("%s.%s%s %s, %s, (%s)" % (op, width, order, self.x(), self.xs(), addr))

    def gen_fp_arith(self):
        p = self.rng.choice(["s", "d"])
        kind = self.rng.random()
        if kind < 0.45:
            op = self.rng.choice(["fadd", "fsub", "fmul", "fdiv"])
            self.emit("%s.%s %s, %s, %s, %s" % (op, p, self.f(), self.f(), self.f(), self.rm()))
        elif kind < 0.55:
            self.emit("fsqrt.%s %s, %s, %s" % (p, self.f(), self.f(), self.rm()))
        elif kind < 0.75:
            op = self.rng.choice(["fmadd", "fmsub", "fnmadd", "fnmsub"])
            self.emit("%s.%s %s, %s, %s, %s, %s" % (op, p, self.f(), self.f(), self.f(), self.f(), self.rm()))
        elif kind < 0.88:
            op = self.rng.choice(["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"])
            a = self.f()
            b = a if self.rng.random() < 0.15 else self.f()
            self.emit("%s.%s %s, %s, %s" % (op, p, self.f(), a, b))
        else:
            op = self.rng.choice(["feq", "flt", "fle"])
            self.emit("%s.%s %s, %s, %s" % (op, p, self.x(), self.f(), self.f()))

    def gen_fp_convert(self):
        kind = self.rng.random()
        p = self.rng.choice(["s", "d"])
        if kind < 0.35:
            it = self.rng.choice(["w", "wu", "l", "lu"])
            self.emit("fcvt.%s.%s %s, %s, %s" % (it, p, self.x(), self.f(), self.rm()))
        elif kind < 0.6:
            it = self.rng.choice(["w", "wu", "l", "lu"])
            if p == "d" and it in ("w", "wu"):   # always exact: the assembler takes no rm
                self.emit("fcvt.d.%s %s, %s" % (it, self.f(), self.xs()))
            else:
                self.emit("fcvt.%s.%s %s, %s, %s" % (p, it, self.f(), self.xs(), self.rm()))
        elif kind < 0.72:
            self.emit("fcvt.s.d %s, %s, %s" % (self.f(), self.f(), self.rm()))
        elif kind < 0.8:
            self.emit("fcvt.d.s %s, %s" % (self.f(), self.f()))
        elif kind < 0.88:
            self.emit("fclass.%s %s, %s" % (p, self.x(), self.f()))
        else:
            op = self.rng.choice(["fmv.x.w", "fmv.x.d", "fmv.w.x", "fmv.d.x"])
            if op.startswith("fmv.x"):
                self.emit("%s %s, %s" % (op, self.x(), self.f()))
            else:
                self.emit("%s %s, %s" % (op, self.f(), self.xs()))

    def gen_csr(self):
        csr = self.rng.choice(["fflags", "frm", "fcsr"])
        rd = self.x()
        kind = self.rng.random()
        if csr == "frm":
            # only ever store valid modes 0-4
            if kind < 0.3:
                self.emit("csrr %s, frm" % rd)
            elif kind < 0.65:
                self.emit("csrrwi %s, frm, %d" % (rd, self.rng.randint(0, 4)))
            else:
                tmp = "x%d" % self.rng.choice([r for r in WRITABLE if r != 0])
                self.emit("li %s, %d" % (tmp, self.rng.randint(0, 4)))
                self.emit("csrrw %s, frm, %s" % (rd, tmp))
            return
        limit = 31 if csr == "fflags" else 0x9f
        value = self.rng.randint(0, limit)
        if csr == "fcsr" and (value >> 5) > 4:
            value &= 0x1f
        op = self.rng.choice(["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "csrr"])
        if csr == "fcsr" and op in ("csrrs", "csrrsi"):
            value &= 0x1f   # setting frm bits could create an invalid mode
        if op == "csrr":
            self.emit("csrr %s, %s" % (rd, csr))
        elif op.endswith("i"):
            self.emit("%s %s, %s, %d" % (op, rd, csr, value & 31))
        else:
            tmp = "x%d" % self.rng.choice([r for r in WRITABLE if r != 0])
            self.emit("li %s, %d" % (tmp, value))
            self.emit("%s %s, %s, %s" % (op, rd, csr, tmp))

    def gen_compressed(self):
        cr = lambda: "x%d" % self.rng.choice(COMPRESSED_REGS)  # noqa: E731
        full = lambda: "x%d" % self.rng.choice([r for r in WRITABLE if r != 0])  # noqa: E731
        small = lambda: self.rng.randint(-32, 31)  # noqa: E731
        nonzero_small = lambda: self.rng.choice([i for i in range(-32, 32) if i])  # noqa: E731
        k = self.rng.randrange(17)
        if k == 0:
            self.emit("c.li %s, %d" % (full(), small()))
        elif k == 1:
            self.emit("c.addi %s, %d" % (full(), nonzero_small()))
        elif k == 2:
            self.emit("c.addiw %s, %d" % (full(), small()))
        elif k == 3:
            rd = "x%d" % self.rng.choice([r for r in WRITABLE if r not in (0,)])
            v = self.rng.choice([i for i in range(1, 32)] + [i for i in range(0xfffe0, 0x100000)])
            self.emit("c.lui %s, 0x%x" % (rd, v))
        elif k == 4:
            self.emit("%s %s, %d" % (self.rng.choice(["c.srli", "c.srai"]), cr(), self.rng.randint(1, 63)))
        elif k == 5:
            self.emit("c.andi %s, %d" % (cr(), small()))
        elif k == 6:
            op = self.rng.choice(["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"])
            self.emit("%s %s, x%d" % (op, cr(), self.rng.choice(COMPRESSED_REGS + [BASE])))
        elif k == 7:
            self.emit("c.slli %s, %d" % (full(), self.rng.randint(1, 63)))
        elif k == 8:
            self.emit("c.mv %s, %s" % (full(), full()))
        elif k == 9:
            self.emit("c.add %s, %s" % (full(), full()))
        elif k == 10:
            op, size, reg = self.rng.choice([("c.lw", 4, cr), ("c.ld", 8, cr), ("c.sw", 4, cr), ("c.sd", 8, cr),
                                             ("c.fld", 8, None), ("c.fsd", 8, None)])
            r = reg() if reg else "f%d" % self.rng.choice(COMPRESSED_FREGS)
            off = self.rng.randrange(0, (124 if size == 4 else 248) // size + 1) * size
            self.emit("%s %s, %d(x%d)" % (op, r, off, BASE))
        elif k == 11:
            # sp-relative store then load of the same slot (the slot is ours)
            off = self.rng.randrange(0, 63) * 8
            if self.rng.random() < 0.5:
                self.emit("c.sdsp %s, %d(sp)" % (self.xs(), off))
                self.emit("c.ldsp %s, %d(sp)" % (full(), off))
            elif self.rng.random() < 0.5:
                off //= 2
                self.emit("c.swsp %s, %d(sp)" % (self.xs(), off))
                self.emit("c.lwsp %s, %d(sp)" % (full(), off))
            else:
                self.emit("c.fsdsp %s, %d(sp)" % (self.f(), off))
                self.emit("c.fldsp %s, %d(sp)" % (self.f(), off))
        elif k == 12:
            target = self.label()
            op = self.rng.choice(["c.beqz", "c.bnez"])
            self.emit("%s x%d, %s" % (op, self.rng.choice(COMPRESSED_REGS + [BASE]), target))
            self._filler(self.rng.randint(1, 2))
            self.emit(target + ":")
        elif k == 13:
            target = self.label()
            self.emit("c.j " + target)
            self._filler(self.rng.randint(1, 2))
            self.emit(target + ":")
        elif k == 14:
            target = self.label()
            tmp = full()
            self.emit("lla %s, %s" % (tmp, target))
            self.emit(self.rng.choice(["c.jr %s", "c.jalr %s"]) % tmp)
            self._filler(1)
            self.emit(target + ":")
        elif k == 15:
            # sp-derived values differ between emulators: only keep differences
            # from sp, and always restore sp.
            rd = cr()
            adj = self.rng.choice([i for i in range(-496, 497, 16) if i])
            self.emit("c.addi16sp sp, %d" % adj)
            self.emit("c.addi4spn %s, sp, %d" % (rd, self.rng.randrange(1, 256) * 4))
            self.emit("sub %s, %s, sp" % (rd, rd))
            self.emit("c.addi16sp sp, %d" % -adj)
        else:
            self.emit(self.rng.choice(["c.nop", "fence", "fence.i", "fence rw, rw", "nop"]))

    def _generate(self):
        classes = [(self.gen_alu_rr, 12), (self.gen_alu_imm, 12), (self.gen_muldiv, 8), (self.gen_load, 8),
                   (self.gen_store, 7), (self.gen_branch, 5), (self.gen_jump, 3), (self.gen_amo, 6),
                   (self.gen_fp_arith, 16), (self.gen_fp_convert, 10), (self.gen_csr, 4),
                   (self.gen_compressed, 9)]
        funcs = [c for c, _ in classes]
        weights = [w for _, w in classes]
        for _ in range(self.length):
            self.rng.choices(funcs, weights)[0]()

    def listing(self):
        return "\n".join(("    " + l) if not l.endswith(":") else l for l in self.lines)


def build_program(first_seed, count):
    """Assembly text for sequences first_seed .. first_seed+count-1."""
    out = ['/* generated by gen_diff.py --seed %d --count %d */' % (first_seed, count),
           "  .text", "  .globl sequences", "sequences:"]
    data = ["  .data", "  .balign 8"]
    for seed in range(first_seed, first_seed + count):
        seq = Sequence(seed)
        out.append("/* ---- sequence seed %d ---- */" % seed)
        out.append("  lla t6, init_%d" % seed)
        out.append("  jal ra, load_state")
        out.append("  ld ra, 8*0(t6)")
        out.append("  ld t6, 8*30(t6)")
        out.extend("  " + l if not l.endswith(":") else l for l in seq.lines)
        out.append("  sd ra, 8*0(sp)")
        out.append("  jal ra, dump_state")
        data.append("init_%d:" % seed)
        words = seq.int_init[1:] + seq.fp_init + [seq.fcsr_init] + seq.mem_init
        for i in range(0, len(words), 4):
            data.append("  .dword " + ", ".join("0x%016x" % w for w in words[i:i + 4]))
    out.append("  j finish")
    return "\n".join(out + data) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("-o", "--output", help="write the .S here (default stdout)")
    ap.add_argument("--list", action="store_true", help="print the instruction listings only")
    opts = ap.parse_args()
    if opts.list:
        for seed in range(opts.seed, opts.seed + opts.count):
            print("seed %d:\n%s" % (seed, Sequence(seed).listing()))
        return 0
    text = build_program(opts.seed, opts.count)
    if opts.output:
        with open(opts.output, "w") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
