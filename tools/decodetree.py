#!/usr/bin/env python3
"""Instruction decoder generator for Rewind.

Reads instruction spec files (language described in docs/DECODETREE.md) and
writes C++ include files:

  decode-common.inc    argument structs, trans_ declarations, X-macros
  decode-<NAME>.inc    static bool decode_<NAME>(DisasContext*, uintW_t)
  encode-<NAME>.inc    static uint32_t encode_<NAME>_<insn>(const arg_<insn>&)

Every run checks that no two patterns can match the same instruction word
unless they sit in the same ordered group `{ }`; `--check` only does that.

Usage:
  decodetree.py --decoder insn32:32:insn32.decode --decoder insn16:16:insn16.decode \
                [--output-dir DIR | --check]
"""

import argparse
import os
import re
import sys

ILLEGAL = "illegal"  # pattern name that decodes to "no instruction"


class SpecError(Exception):
    pass


# ---------------------------------------------------------------------------
# Spec model

class Field:
    """A value assembled from instruction bits: segments MSB first."""

    def __init__(self, name, segments, shift=0, add=0):
        self.name = name
        self.segments = segments  # list of (pos, len, signed)
        self.shift = shift
        self.add = add

    def bits(self):
        m = 0
        for pos, length, _ in self.segments:
            m |= ((1 << length) - 1) << pos
        return m

    def total_len(self):
        return sum(length for _, length, _ in self.segments)


class ArgSet:
    def __init__(self, name, fields):
        self.name = name
        self.fields = fields


class Pattern:
    def __init__(self, name, mask, match, dont_care, ignored, args, argset, where):
        self.name = name
        self.mask = mask
        self.match = match
        self.dont_care = dont_care
        self.ignored = ignored
        self.args = args  # arg name -> Field or int constant
        self.argset = argset
        self.where = where

    def fixed(self):
        return self.mask, self.match

    def patterns(self):
        return [self]


class Group:
    """Ordered overlap group: the first matching member wins."""

    def __init__(self, where):
        self.members = []
        self.where = where

    def fixed(self):
        pats = self.patterns()
        mask = ~0
        for p in pats:
            mask &= p.mask
        first = pats[0].match if pats else 0
        for p in pats:
            mask &= ~((p.match ^ first) & mask)
        return mask, first & mask

    def patterns(self):
        out = []
        for m in self.members:
            out.extend(m.patterns())
        return out


class Spec:
    def __init__(self, name, width, path):
        self.name = name
        self.width = width
        self.path = path
        self.fields = {}
        self.formats = {}
        self.root = []


# ---------------------------------------------------------------------------
# Parsing

def parse_int(text, where):
    try:
        return int(text, 0)
    except ValueError:
        raise SpecError(f"{where}: bad number '{text}'")


SEGMENT = re.compile(r"^(\d+):(s?)(\d+)$")
INLINE_FIELD = re.compile(r"^([A-Za-z_]\w*):(s?)(\d+)$")
ASSIGN = re.compile(r"^([A-Za-z_]\w*)=(\S+)$")


def logical_lines(path):
    """Yields (where, tokens) with comments stripped and `\\` continuations joined."""
    with open(path) as f:
        pending, start = "", None
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].rstrip()
            if start is None:
                start = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = pending + line
            where = f"{path}:{start}"
            pending, start = "", None
            if text.strip():
                yield where, text.split()


def parse_field_def(spec, tokens, where):
    name = tokens[0][1:]
    segments, shift, add = [], 0, 0
    for tok in tokens[1:]:
        m = SEGMENT.match(tok)
        if m:
            pos, signed, length = int(m.group(1)), m.group(2) == "s", int(m.group(3))
            if signed and segments:
                raise SpecError(f"{where}: only the first (top) segment may be signed")
            if length == 0 or pos + length > spec.width:
                raise SpecError(f"{where}: segment {tok} outside a {spec.width}-bit word")
            segments.append((pos, length, signed))
        elif tok.startswith("<<"):
            shift = parse_int(tok[2:], where)
        elif tok.startswith("+"):
            add = parse_int(tok[1:], where)
        else:
            raise SpecError(f"{where}: bad field token '{tok}'")
    if not segments:
        raise SpecError(f"{where}: field %{name} has no bits")
    if name in spec.fields:
        raise SpecError(f"{where}: field %{name} defined twice")
    spec.fields[name] = Field(name, segments, shift, add)


class Body:
    """Bits and argument assignments of a format or a pattern line."""

    def __init__(self):
        self.bits = ""
        self.inline = []  # (name, start index in bit string, len, signed)
        self.args = {}
        self.argset = None
        self.format = None


def parse_body(spec, tokens, where, argsets):
    body = Body()
    for tok in tokens:
        if set(tok) <= set("01.-"):
            body.bits += tok
        elif INLINE_FIELD.match(tok):
            m = INLINE_FIELD.match(tok)
            length = int(m.group(3))
            body.inline.append((m.group(1), len(body.bits), length, m.group(2) == "s"))
            body.bits += "." * length
        elif tok.startswith("%"):
            fname = tok[1:]
            if fname not in spec.fields:
                raise SpecError(f"{where}: unknown field %{fname}")
            body.args[fname] = spec.fields[fname]
        elif tok.startswith("&"):
            if tok[1:] not in argsets:
                raise SpecError(f"{where}: unknown argument set {tok}")
            body.argset = argsets[tok[1:]]
        elif tok.startswith("@"):
            if tok[1:] not in spec.formats:
                raise SpecError(f"{where}: unknown format {tok}")
            body.format = spec.formats[tok[1:]]
        elif ASSIGN.match(tok):
            m = ASSIGN.match(tok)
            value = m.group(2)
            if value.startswith("%"):
                if value[1:] not in spec.fields:
                    raise SpecError(f"{where}: unknown field {value}")
                body.args[m.group(1)] = spec.fields[value[1:]]
            else:
                body.args[m.group(1)] = parse_int(value, where)
        else:
            raise SpecError(f"{where}: cannot parse '{tok}'")
    if body.bits and len(body.bits) != spec.width:
        raise SpecError(f"{where}: {len(body.bits)} bits given, expected {spec.width}")
    for name, start, length, signed in body.inline:
        pos = spec.width - start - length
        body.args[name] = Field(name, [(pos, length, signed)])
    return body


def bit_masks(bits, width):
    """Returns (fixed mask, fixed value, don't-care mask, ignored mask)."""
    mask = match = dont_care = ignored = 0
    for i, ch in enumerate(bits):
        bit = 1 << (width - 1 - i)
        if ch in "01":
            mask |= bit
            match |= bit if ch == "1" else 0
        elif ch == ".":
            dont_care |= bit
        else:
            ignored |= bit
    return mask, match, dont_care, ignored


def make_pattern(spec, name, body, where):
    fmt = body.format
    bits = body.bits or (fmt.bits if fmt else "")
    if not bits:
        raise SpecError(f"{where}: pattern {name} has no bits")
    mask, match, dont_care, ignored = bit_masks(bits, spec.width)
    args = {}
    argset = body.argset
    if fmt:
        fmask, fmatch, fcare, fign = bit_masks(fmt.bits or "." * spec.width, spec.width)
        if fmask & mask & (fmatch ^ match):
            raise SpecError(f"{where}: fixed bits contradict format")
        mask |= fmask
        match |= fmatch
        dont_care &= ~fmask
        ignored |= fign & ~mask
        dont_care &= ~ignored
        args.update(fmt.args)
        argset = argset or fmt.argset
    args.update(body.args)  # the pattern line overrides its format
    if argset is None:
        if args:
            raise SpecError(f"{where}: pattern {name} has fields but no &argset")
        argset = ArgSet("empty", [])
    if name == ILLEGAL:
        if args:
            raise SpecError(f"{where}: '{ILLEGAL}' patterns take no arguments")
    else:
        want, have = set(argset.fields), set(args)
        if want != have:
            raise SpecError(f"{where}: {name} fills {sorted(have)} but &{argset.name} "
                            f"needs {sorted(want)}")
    used = 0
    for value in args.values():
        if isinstance(value, Field):
            used |= value.bits()
    if dont_care & ~used:
        raise SpecError(f"{where}: {name}: bits {dont_care & ~used:#x} marked '.' "
                        f"but no argument reads them (use '-' for ignored bits)")
    if used & ignored:
        raise SpecError(f"{where}: {name}: bits {used & ignored:#x} marked '-' are read")
    return Pattern(name, mask, match, dont_care, ignored, args, argset, where)


def parse_spec(spec, argsets):
    stack = [spec.root]
    groups = []
    for where, tokens in logical_lines(spec.path):
        head = tokens[0]
        if head == "{":
            group = Group(where)
            stack[-1].append(group)
            stack.append(group.members)
            groups.append(group)
            if len(tokens) > 1:
                raise SpecError(f"{where}: '{{' must be alone on its line")
        elif head == "}":
            if len(stack) == 1:
                raise SpecError(f"{where}: unmatched '}}'")
            stack.pop()
            groups.pop()
        elif head.startswith("%"):
            parse_field_def(spec, tokens, where)
        elif head.startswith("&"):
            name = head[1:]
            fields = tokens[1:]
            if name in argsets and argsets[name].fields != fields:
                raise SpecError(f"{where}: &{name} redefined differently")
            argsets[name] = ArgSet(name, fields)
        elif head.startswith("@"):
            name = head[1:]
            if name in spec.formats:
                raise SpecError(f"{where}: format @{name} defined twice")
            body = parse_body(spec, tokens[1:], where, argsets)
            if body.format:
                raise SpecError(f"{where}: formats cannot reference formats")
            spec.formats[name] = body
        else:
            if not re.match(r"^[A-Za-z_]\w*$", head):
                raise SpecError(f"{where}: bad pattern name '{head}'")
            body = parse_body(spec, tokens[1:], where, argsets)
            stack[-1].append(make_pattern(spec, head, body, where))
    if len(stack) != 1:
        raise SpecError(f"{spec.path}: unclosed '{{' opened at {groups[-1].where}")


# ---------------------------------------------------------------------------
# Overlap checking

def overlaps(p, q):
    return ((p.match ^ q.match) & p.mask & q.mask) == 0


def shadows(earlier, later):
    """True when every word `later` matches is already taken by `earlier`."""
    return (earlier.mask & ~later.mask) == 0 and \
        ((earlier.match ^ later.match) & earlier.mask) == 0


def find_overlaps(entries):
    problems = []
    for i, a in enumerate(entries):
        for b in entries[i + 1:]:
            for p in a.patterns():
                for q in b.patterns():
                    if overlaps(p, q):
                        problems.append(f"overlap: {p.name} ({p.where}) and {q.name} "
                                        f"({q.where}) both match {p.match | q.match:#x}")
    for entry in entries:
        if isinstance(entry, Group):
            pats = entry.patterns()
            for i, later in enumerate(pats):
                for earlier in pats[:i]:
                    if shadows(earlier, later):
                        problems.append(f"unreachable: {later.name} ({later.where}) is "
                                        f"hidden by {earlier.name} ({earlier.where})")
    return problems


# ---------------------------------------------------------------------------
# C++ emission

def hexw(value, width):
    return f"0x{value:0{width // 4}x}u"


def field_expr(field, word):
    """C++ expression (int64_t) extracting `field` from the variable `word`."""
    parts, remaining = [], field.total_len()
    for pos, length, signed in field.segments:
        remaining -= length
        if signed:
            seg = f"decode_sextract({word}, {pos}, {length})"
        else:
            seg = f"decode_extract({word}, {pos}, {length})"
        parts.append(f"({seg} << {remaining})" if remaining else seg)
    expr = " | ".join(parts)
    if field.shift:
        expr = f"({expr}) << {field.shift}"
    expr = f"(int64_t)({expr})"
    if field.add:
        expr = f"{expr} + {field.add}"
    return expr


def arg_value(value, word):
    return str(value) if isinstance(value, int) else field_expr(value, word)


class Emitter:
    def __init__(self, spec):
        self.spec = spec
        self.lines = []

    def out(self, depth, text):
        self.lines.append("    " * depth + text)

    def emit_match(self, pattern, known, depth):
        test = pattern.mask & ~known
        inner = depth + 1
        if test:
            self.out(depth, f"if ((insn & {hexw(test, self.spec.width)}) == "
                            f"{hexw(pattern.match & test, self.spec.width)}) {{")
        elif pattern.name == ILLEGAL:
            self.out(depth, "return false;")
            return
        else:
            self.out(depth, "{")  # scopes `a` so sibling patterns can reuse the name
        if pattern.name == ILLEGAL:
            self.out(inner, "return false;")
        else:
            self.out(inner, f"arg_{pattern.name} a;")
            for arg in pattern.argset.fields:
                self.out(inner, f"a.{arg} = {arg_value(pattern.args[arg], 'insn')};")
            self.out(inner, f"return trans_{pattern.name}(ctx, &a);")
        self.out(depth, "}")

    def emit_entry(self, entry, known, depth):
        if isinstance(entry, Pattern):
            self.emit_match(entry, known, depth)
            return
        mask, match = entry.fixed()
        test = mask & ~known
        inner = depth
        if test:
            self.out(depth, f"if ((insn & {hexw(test, self.spec.width)}) == "
                            f"{hexw(match & test, self.spec.width)}) {{")
            inner += 1
        self.out(inner, f"// group at {os.path.basename(entry.where)}: first match wins")
        for member in entry.members:
            self.emit_entry(member, known | test, inner)
        if test:
            self.out(depth, "}")

    def emit_tree(self, entries, known, depth):
        """Switches on bits fixed in every entry, then tests the rest in order."""
        common = ~0
        for e in entries:
            common &= e.fixed()[0]
        common &= ~known & ((1 << self.spec.width) - 1)
        if len(entries) <= 1 or not common:
            for e in entries:
                self.emit_entry(e, known, depth)
            return
        buckets = {}
        for e in entries:
            buckets.setdefault(e.fixed()[1] & common, []).append(e)
        if len(buckets) == 1:
            value = next(iter(buckets))
            self.out(depth, f"if ((insn & {hexw(common, self.spec.width)}) == "
                            f"{hexw(value, self.spec.width)}) {{")
            self.emit_tree(entries, known | common, depth + 1)
            self.out(depth, "}")
            return
        self.out(depth, f"switch (insn & {hexw(common, self.spec.width)}) {{")
        for value, group in buckets.items():
            self.out(depth, f"case {hexw(value, self.spec.width)}: {{")
            self.emit_tree(group, known | common, depth + 1)
            self.out(depth + 1, "break;")
            self.out(depth, "}")
        self.out(depth, "}")


def all_patterns(entries):
    out = []
    for e in entries:
        out.extend(e.patterns())
    return out


def word_type(width):
    return "uint16_t" if width == 16 else "uint32_t"


HEADER = "// Generated by tools/decodetree.py from {src}. Do not edit.\n"


def emit_common(specs, argsets):
    trans = {}
    for spec in specs:
        for p in all_patterns(spec.root):
            if p.name == ILLEGAL:
                continue
            if p.name in trans and trans[p.name].name != p.argset.name:
                raise SpecError(f"{p.where}: {p.name} uses &{p.argset.name} but elsewhere "
                                f"&{trans[p.name].name}")
            trans.setdefault(p.name, p.argset)
    src = ", ".join(os.path.basename(s.path) for s in specs)
    o = [HEADER.format(src=src).rstrip(),
         "// Shared by every decode-*.inc; DisasContext must be declared before including.",
         "#ifndef REWIND_DECODE_COMMON_INC", "#define REWIND_DECODE_COMMON_INC", "",
         "#include <cstdint>", "",
         "[[maybe_unused]] static inline uint64_t decode_extract(uint32_t word, int pos, int len) {",
         "    return (word >> pos) & ((uint64_t{1} << len) - 1);", "}",
         "// Sign-extends bits [pos, pos+len) of word to 64 bits.",
         "[[maybe_unused]] static inline uint64_t decode_sextract(uint32_t word, int pos, int len) {",
         "    return (uint64_t)((int64_t)((uint64_t)word << (64 - pos - len)) >> (64 - len));",
         "}", ""]
    for a in argsets.values():
        members = " ".join(f"int64_t {f};" for f in a.fields)
        o.append(f"struct arg_{a.name} {{ {members} }};" if members else f"struct arg_{a.name} {{}};")
    o.append("")
    for name, a in trans.items():
        o.append(f"typedef arg_{a.name} arg_{name};")
    o.append("")
    for name in trans:
        o.append(f"static bool trans_{name}(DisasContext* ctx, arg_{name}* a);")
    o.append("")
    o.append("// X(insn, argset) for every trans_ function any decoder calls.")
    o.append("#define DECODE_FOREACH_TRANS(X) \\")
    o.extend(f"    X({name}, {a.name}) \\" for name, a in trans.items())
    o.append("    /* end of list */")
    o.append("")
    o.append("// X(argset) for every argument set; DECODE_ARGSET_FIELDS_<set>(F) lists its fields.")
    o.append("#define DECODE_FOREACH_ARGSET(X) \\")
    o.extend(f"    X({a.name}) \\" for a in argsets.values())
    o.append("    /* end of list */")
    o.append("")
    for a in argsets.values():
        o.append(f"#define DECODE_ARGSET_FIELDS_{a.name}(F) " + " ".join(f"F({f})" for f in a.fields))
    o += ["", "#endif  // REWIND_DECODE_COMMON_INC", ""]
    return "\n".join(o)


def emit_decoder(spec):
    e = Emitter(spec)
    wt = word_type(spec.width)
    e.lines += [HEADER.format(src=os.path.basename(spec.path)).rstrip(),
                '#include "decode-common.inc"', "",
                f"[[maybe_unused]] static bool decode_{spec.name}(DisasContext* ctx, {wt} insn) {{"]
    e.emit_tree(spec.root, 0, 1)
    e.lines += ["    return false;", "}", ""]
    return "\n".join(e.lines)


def encode_deposit(field, value_expr, fixed_mask, width):
    """Statements that place `value_expr` into `word`, inverse of field_expr."""
    lines = [f"    v = (uint64_t)({value_expr} - ({field.add})) >> {field.shift};"]
    keep = hexw(~fixed_mask & ((1 << width) - 1), width)
    for i, (pos, length, _) in enumerate(reversed(field.segments)):
        if i:
            lines.append(f"    v >>= {prev_length};")
        lines.append(f"    word |= (uint32_t)((v & {(1 << length) - 1:#x}) << {pos}) & {keep};")
        prev_length = length
    return lines


def emit_encoder(spec):
    o = [HEADER.format(src=os.path.basename(spec.path)).rstrip(),
         "// Builds the instruction word of a pattern from its arguments (tests use",
         "// this to cross-check decoders); constant arguments are not checked.",
         '#include "decode-common.inc"', ""]
    seen = {}
    for p in all_patterns(spec.root):
        if p.name == ILLEGAL:
            continue
        if p.name in seen:
            raise SpecError(f"{p.where}: encoder needs one pattern per name; {p.name} "
                            f"also at {seen[p.name]}")
        seen[p.name] = p.where
        o.append(f"[[maybe_unused]] static uint32_t encode_{spec.name}_{p.name}"
                 f"(const arg_{p.name}& a) {{")
        o.append(f"    uint32_t word = {hexw(p.match, spec.width)};")
        fields = [(arg, v) for arg, v in p.args.items() if isinstance(v, Field)]
        if fields:
            o.append("    uint64_t v;")
        for arg, field in fields:
            o.extend(encode_deposit(field, f"a.{arg}", p.mask, spec.width))
        o += ["    return word;", "}", ""]
    o.append(f"#define DECODE_FOREACH_{spec.name.upper()}_ENCODER(X) \\")
    o.extend(f"    X({name}) \\" for name in seen)
    o.append("    /* end of list */")
    o.append("")
    return "\n".join(o)


def write_file(path, text):
    # Always rewritten so the build system sees outputs newer than inputs.
    with open(path, "w") as f:
        f.write(text)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decoder", action="append", required=True, metavar="NAME:WIDTH:SPEC",
                    help="decoder name, word width (16 or 32) and spec file; repeatable")
    ap.add_argument("--output-dir", help="where to write the .inc files")
    ap.add_argument("--check", action="store_true",
                    help="only parse and report overlapping patterns")
    opts = ap.parse_args(argv)
    if not opts.check and not opts.output_dir:
        ap.error("need --output-dir or --check")
    specs, argsets = [], {}
    try:
        for d in opts.decoder:
            name, width, path = d.split(":", 2)
            if width not in ("16", "32"):
                raise SpecError(f"width of {name} must be 16 or 32")
            spec = Spec(name, int(width), path)
            parse_spec(spec, argsets)
            specs.append(spec)
        problems = []
        for spec in specs:
            problems.extend(find_overlaps(spec.root))
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            return 1
        common = emit_common(specs, argsets)
        if opts.check:
            print("no overlaps")
            return 0
        os.makedirs(opts.output_dir, exist_ok=True)
        write_file(os.path.join(opts.output_dir, "decode-common.inc"), common)
        for spec in specs:
            write_file(os.path.join(opts.output_dir, f"decode-{spec.name}.inc"),
                             emit_decoder(spec))
            write_file(os.path.join(opts.output_dir, f"encode-{spec.name}.inc"),
                             emit_encoder(spec) if spec.width == 32 else
                             "// 16-bit patterns have no encoders.\n")
    except (SpecError, OSError, ValueError) as err:
        print(f"decodetree: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
