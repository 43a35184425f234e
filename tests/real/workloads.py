"""Workloads for the real programs (xz, sqlite3, mawk).

A workload is a list of steps run in one working directory that starts with
generated input files. Every step runs a guest program; its stdout goes to a
file, so everything a workload produces is a file that can be compared byte
for byte between the reference emulator and the emulator under test.
`scale` multiplies input sizes: the tests use 1, the benchmark more.

Inputs are generated from fixed seeds, never downloaded.
"""
import random

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
         "sigma tau upsilon phi chi psi omega rewind riscv emulator guest host branch load store "
         "vector scalar float double integer compressed atomic fence").split()


def text_corpus(size, seed):
    """Word-like text with numbers: compressible, but not trivially."""
    rng = random.Random(seed)
    out = []
    n = 0
    line = 0
    while n < size:
        line += 1
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
        nums = "%d %.3f %d" % (rng.randint(-5000, 5000), rng.uniform(-100, 100), line)
        s = "%s %s\n" % (" ".join(words), nums)
        out.append(s)
        n += len(s)
    return "".join(out).encode()[:size]


def binary_blob(size, seed):
    rng = random.Random(seed)
    # half random bytes, half runs: exercises both literal and match coding
    chunks = []
    n = 0
    while n < size:
        if rng.random() < 0.5:
            c = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512)))
        else:
            c = bytes([rng.getrandbits(8)]) * rng.randint(1, 2048)
        chunks.append(c)
        n += len(c)
    return b"".join(chunks)[:size]


SQL_SCRIPT = """
.bail on
.headers on
.mode list
PRAGMA page_size = 4096;
CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL, budget REAL);
CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER REFERENCES dept(id),
                 salary REAL, hired TEXT);
CREATE INDEX emp_dept ON emp(dept);
INSERT INTO dept(name, budget) VALUES ('eng', 1.5e6), ('ops', 250000.25), ('sales', 777777.7),
                                      ('research', 3.14159e5), ('empty', 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
INSERT INTO emp(name, dept, salary, hired)
  SELECT 'emp' || i, 1 + (i * 7919) % 4, 30000 + ((i * 104729) % 90000) / 3.0,
         date('2000-01-01', '+' || ((i * 31) % 8000) || ' days')
  FROM n;
SELECT d.name, count(e.id) AS n, printf('%.2f', avg(e.salary)) AS avg_salary,
       printf('%.4e', sum(e.salary)) AS total, min(e.hired), max(e.hired)
  FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.id ORDER BY d.name;
SELECT name, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r
  FROM emp WHERE id % 97 = 0 ORDER BY dept, r LIMIT 25;
SELECT strftime('%Y', hired) AS year, count(*), printf('%.3f', stddev) FROM
  (SELECT hired, salary, (salary - (SELECT avg(salary) FROM emp)) / 1000.0 AS stddev FROM emp)
  GROUP BY year ORDER BY year LIMIT 10;
SELECT printf('%.17g', 0.1 + 0.2), printf('%.10f', 1.0 / 3), printf('%e', 6.02214076e23),
       round(2.5), round(-2.5), 7 / 2, 7 % 3, -7 / 2, 1e308 * 10, abs(-9223372036854775807);
SELECT sqrt(2), pow(2, 0.5), exp(1), ln(10), sin(1), floor(-1.5), ceil(-1.5);
SELECT hex('rewind'), length(zeroblob(1000)), upper('mixed Case'), instr('hello', 'll'),
       substr('abcdefgh', 3, 4), replace('a-b-c', '-', '+'), quote('it''s');
CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO kv SELECT 'key' || (id % 500), salary FROM emp WHERE 1 ON CONFLICT(k) DO UPDATE SET v = v + excluded.v;
SELECT count(*), printf('%.3f', sum(v)) FROM kv;
SELECT json_object('a', 1, 'b', 2.5, 'c', json_array(1, 2, 'x'));
DELETE FROM emp WHERE salary > 100000;
UPDATE emp SET salary = salary * 1.1 WHERE dept = 2;
SELECT count(*), printf('%.6f', total(salary)) FROM emp;
VACUUM;
PRAGMA integrity_check;
"""

AWK_WORDFREQ = r"""
{ for (i = 1; i <= NF; i++) if ($i ~ /^[a-z]+$/) count[$i]++; lines++ }
END {
  n = 0
  for (w in count) { n++; total += count[w] }
  printf "lines %d distinct %d words %d\n", lines, n, total
  for (w in count) printf "%-10s %6d %8.4f%%\n", w, count[w], 100.0 * count[w] / total
}
"""

AWK_NUMBERS = r"""
{ s += $(NF-2); f += $(NF-1); if ($(NF-1) > mx || NR == 1) mx = $(NF-1)
  sq += $(NF-1) * $(NF-1) }
NR % 500 == 0 { printf "%d %.6f %.3e %s\n", NR, f / NR, sq, substr($0, 1, 20) }
END { printf "sum %d fsum %.4f max %.3f rms %.6g\n", s, f, mx, sqrt(sq / NR)
      printf "%d %o %x %c %5.1f|%-8s|%s\n", 255, 255, 255, 65, 3.14159, "pad", sprintf("%08.3f", -2.5) }
"""

AWK_TEXT = r"""
BEGIN { FS = " " }
{ line = $0
  n = gsub(/a/, "A", line); subs += n
  if (match(line, /[0-9]+\.[0-9]+/)) found++
  split(line, parts, /[ ]+/); fields += length(parts)
  out = toupper(substr(line, 1, 10)) tolower(substr(line, 11, 10))
  if (NR % 700 == 1) print NR ": " out
}
END { print "substitutions", subs, "matches", found, "fields", fields
      print index("rewinding", "wind"), length("hello"), 2 ^ 10, 10 % 3, int(-3.7), -7 % 3 }
"""


def xz_workload(scale=1):
    text = text_corpus(256 * 1024 * scale, 1)
    blob = binary_blob(64 * 1024 * scale, 2)
    return {
        "inputs": {"text.txt": text, "blob.bin": blob},
        "steps": [
            {"prog": "xz", "args": ["-6", "-c", "text.txt"], "stdout": "text.txt.xz"},
            {"prog": "xz", "args": ["-dc", "text.txt.xz"], "stdout": "text.roundtrip"},
            {"prog": "xz", "args": ["-1e", "--check=sha256", "-c", "blob.bin"], "stdout": "blob.bin.xz"},
            {"prog": "xz", "args": ["-dc", "blob.bin.xz"], "stdout": "blob.roundtrip"},
            {"prog": "xz", "args": ["--format=lzma", "-3", "-c", "text.txt"], "stdout": "text.lzma"},
            {"prog": "xz", "args": ["-t", "-v", "text.txt.xz"], "stdout": "test.out"},
            {"prog": "xz", "args": ["-l", "--robot", "text.txt.xz", "blob.bin.xz"], "stdout": "list.out"},
        ],
        # files that must equal each other within one run (roundtrips)
        "same": [("text.txt", "text.roundtrip"), ("blob.bin", "blob.roundtrip")],
    }


def sqlite_workload(scale=1):
    return {
        "inputs": {"script.sql": SQL_SCRIPT.replace("{rows}", str(3000 * scale)).encode()},
        "steps": [
            {"prog": "sqlite3", "args": ["test.db"], "stdin": "script.sql", "stdout": "query.out"},
            {"prog": "sqlite3", "args": ["test.db", "SELECT count(*), printf('%.2f', avg(salary)) FROM emp;"],
             "stdout": "reopen.out"},
        ],
        "same": [],
    }


def mawk_workload(scale=1):
    text = text_corpus(512 * 1024 * scale, 3)
    return {
        "inputs": {"text.txt": text, "freq.awk": AWK_WORDFREQ.encode(), "num.awk": AWK_NUMBERS.encode(),
                   "str.awk": AWK_TEXT.encode()},
        "steps": [
            {"prog": "mawk", "args": ["-f", "freq.awk", "text.txt"], "stdout": "freq.out"},
            {"prog": "mawk", "args": ["-f", "num.awk", "text.txt"], "stdout": "num.out"},
            {"prog": "mawk", "args": ["-f", "str.awk", "text.txt"], "stdout": "str.out"},
            {"prog": "mawk", "args": ["BEGIN { for (i = 0; i < 20; i++) printf \"%.15g \", "
                                      "sin(i) * exp(i / 7) ; print \"\"; srand(42); print rand() < 1 }"],
             "stdout": "math.out"},
        ],
        "same": [],
    }


WORKLOADS = {"xz": xz_workload, "sqlite3": sqlite_workload, "mawk": mawk_workload}
