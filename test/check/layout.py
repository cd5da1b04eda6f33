"""The floor plan of docs/architecture.md, held against the code.

Checks, on the source tree and the objects that make builds:
- the core's modules form no circle: file A depends on file B when A's
  object calls or reads a symbol that B's object alone defines (nm), and
  the graph of src/core/*.o has no cycle; the core never calls the face;
- private headers live beside their sources in src/core and end in
  _internal.h (sort_template.h, a template, is the one other header);
  include/topembed holds no private header and includes only its own
  headers and libc; no face file includes a private header of the core;
- the core sorts through sort_template.h alone: no qsort, no heap of its
  own;
- every function of src/core and src/pg has a comment right above it
  (or above its PG_FUNCTION_INFO_V1 line), and one longer than
  LONG_LINES lines says why in that comment ("Long ... because").

  python3 test/check/layout.py
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from telib import ok, done  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LONG_LINES = 120


def rel(path):
    return os.path.relpath(path, ROOT)


def symbols(obj):
    """(defined, undefined) global symbols of one object file"""
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, undefined


def object_graph(objs):
    """file -> the files whose symbols it uses"""
    info = {o: symbols(o) for o in objs}
    owner = {}
    for o, (defined, _) in info.items():
        for s in defined:
            owner.setdefault(s, set()).add(o)
    graph = {}
    for o, (_, undefined) in info.items():
        graph[o] = {next(iter(owner[s])) for s in undefined if len(owner.get(s, ())) == 1} - {o}
    return graph


def cycles(graph):
    """the strongly connected components of more than one file (Tarjan)"""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check_objects():
    core = sorted(glob.glob(os.path.join(ROOT, "src/core/*.o")))
    face = sorted(glob.glob(os.path.join(ROOT, "src/pg/*.o")))
    srcs = glob.glob(os.path.join(ROOT, "src/core/*.c"))
    if len(core) != len(srcs) or not face:
        ok(False, "the objects of src/core and src/pg are built (run make first)",
           "%d core objects for %d sources" % (len(core), len(srcs)))
        return
    graph = object_graph(core + face)
    core_set = set(core)
    found = cycles({o: {w for w in ws if w in core_set} for o, ws in graph.items() if o in core_set})
    ok(not found, "the core's files call each other in no circle (nm of src/core/*.o)",
       "; ".join(" <-> ".join(rel(f) for f in c) for c in found))
    up = sorted("%s -> %s" % (rel(o), rel(w)) for o in core for w in graph[o] if w not in core_set)
    ok(not up, "no core file uses a symbol of the face", ", ".join(up))
    # the test must be able to fail: a cycle planted in a copy of the graph is found
    planted = {o: {w for w in ws if w in core_set} for o, ws in graph.items() if o in core_set}
    a = os.path.join(ROOT, "src/core/rips.o")
    b = os.path.join(ROOT, "src/core/rips_graph.o")
    if a in planted and b in planted:
        planted[b] = planted[b] | {a}
        ok(any(a in c and b in c for c in cycles(planted)),
           "the circle check finds a call planted from rips_graph.o back up to rips.o")
    rips = {rel(w) for w in graph.get(a, ())}
    for phase in ("rips_h0.o", "rips_collapse.o", "rips_reduce.o"):
        p = os.path.join(ROOT, "src/core", phase)
        ok("src/core/" + phase in rips and a not in graph.get(p, ()),
           "rips.c drives %s, which never calls back into rips.c" % phase.replace(".o", ".c"))


INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def check_headers():
    private = sorted(os.path.basename(h) for h in glob.glob(os.path.join(ROOT, "src/core/*.h")))
    odd = [h for h in private if not h.endswith("_internal.h") and h != "sort_template.h"]
    ok(not odd, "every private header of src/core ends in _internal.h (or is sort_template.h)", odd)
    for h in private:
        if h.endswith("_internal.h"):
            base = h[: -len("_internal.h")]
            ok(os.path.exists(os.path.join(ROOT, "src/core", base + ".c")),
               "src/core/%s sits beside its source %s.c" % (h, base))
    public = sorted(glob.glob(os.path.join(ROOT, "include/topembed/*.h")))
    ok(public and not [p for p in public if p.endswith("_internal.h")],
       "include/topembed holds no private header")
    for p in public:
        bad = [name for kind, name in INCLUDE.findall(open(p).read())
               if kind == '"' and not name.startswith("topembed/")]
        ok(not bad, "%s includes only public headers and libc" % rel(p), bad)
    for f in sorted(glob.glob(os.path.join(ROOT, "src/pg/*.[ch]"))):
        bad = [name for kind, name in INCLUDE.findall(open(f).read())
               if name.endswith("_internal.h") or name == "sort_template.h"]
        ok(not bad, "%s includes no private header of the core" % rel(f), bad)


FUNC = re.compile(r"^([A-Za-z_]\w*)\(")


def functions(path):
    """(name, first line, line count, comment above) of each function"""
    lines = open(path).read().split("\n")
    out = []
    for i, line in enumerate(lines):
        m = FUNC.match(line)
        if not m or i == 0:
            continue
        typ = lines[i - 1]
        if not typ or typ.startswith(("#", "}", "/", " ", "\t")) or typ.rstrip().endswith((";", ",", "{", "\\")):
            continue
        # the definition: the header's lines up to a '{' alone on a line
        j = i
        while j < len(lines) and lines[j] != "{":
            if lines[j].rstrip().endswith(";"):
                break
            j += 1
        if j >= len(lines) or lines[j] != "{":
            continue
        end = j
        while end < len(lines) and lines[end] != "}":
            end += 1
        k = i - 2
        while k >= 0 and re.match(r"^PG_FUNCTION_INFO_V1\(", lines[k]):
            k -= 1
        # a static function declared first (for its attributes): the comment
        # sits above the declaration
        if k >= 1 and lines[k] == "" and re.search(r"\b%s\(.*;$" % re.escape(m.group(1)), lines[k - 1]):
            k -= 2
        comment = ""
        if k >= 0 and lines[k].rstrip().endswith("*/"):
            top = k
            while top >= 0 and "/*" not in lines[top]:
                top -= 1
            comment = "\n".join(lines[top:k + 1])
        out.append((m.group(1), i, end - (i - 1) + 1, comment))
    return out


def check_functions():
    files = sorted(glob.glob(os.path.join(ROOT, "src/core/*.c")) + glob.glob(os.path.join(ROOT, "src/pg/*.c")))
    total = 0
    bare, long_ = [], []
    for f in files:
        for name, line, count, comment in functions(f):
            total += 1
            where = "%s:%d %s" % (rel(f), line + 1, name)
            if not comment:
                bare.append(where)
            if count > LONG_LINES and not re.search(r"\bLong\b.*\bbecause\b", comment, re.S | re.I):
                long_.append("%s (%d lines)" % (where, count))
    ok(total > 500, "the function scan finds the functions (%d)" % total)
    ok(not bare, "every function of src/core and src/pg has a comment above it", ", ".join(bare))
    ok(not long_, "no function runs over %d lines without a reason above it" % LONG_LINES, ", ".join(long_))


SORT_COPY = re.compile(r"\bqsort(_r)?\s*\(|\bheapsort\s*\(|^(static\s+\w+\s*\n)?sift\w*\(", re.M)


def check_sorts():
    """the core sorts with sort_template.h only (glibc's qsort may allocate
    behind the TeEnv allocator and cannot be interrupted)"""
    bad = []
    for f in sorted(glob.glob(os.path.join(ROOT, "src/core/*.c"))):
        text = open(f).read()
        for m in SORT_COPY.finditer(text):
            bad.append("%s:%d" % (rel(f), text.count("\n", 0, m.start()) + 1))
    ok(not bad, "the core sorts only through sort_template.h (no qsort, no hand-written heap)", ", ".join(bad))


def main():
    check_headers()
    check_sorts()
    check_functions()
    check_objects()
    done()


if __name__ == "__main__":
    main()
