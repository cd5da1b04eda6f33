"""Set-up that cannot silently rot: every Debian package that the tests, the
benchmarks and the demo need is installed by the project's own lists
(TE_PKGS_TEST, TE_PKGS_BENCH, TE_PKGS_BUILD of scripts/lib.sh).

What is needed is found, not listed by hand:
- Python: every module that the files import (with ast, including the
  Python heredocs of shell scripts and the repository's own modules they
  import in turn) is imported with /usr/bin/python3, and every module file
  that this loads, the third-party modules' own imports included (e.g.
  gudhi.representations loads sklearn), is mapped to the Debian package
  that owns it with dpkg -S;
- commands: every word of the shell scripts (and every string of the
  Python files) that names an installed command, or a PostgreSQL program,
  is mapped to its package the same way; a word in command position that
  names no installed command is an error too.

A package counts as installed by the project when it is in the profile's
list, or is Essential, or is a Depends/Pre-Depends of one of those (what
apt-get install --no-install-recommends brings): a package that merely
happens to be on this machine does not count.

  python3 test/check/deps.py [LIB]     check against LIB (default scripts/lib.sh)

Run against the 0.1.0 lib.sh, which lacks python3-sklearn and python3-pot,
it must fail; the suite checks that too when git has that commit.
"""
import ast
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = os.environ.get("TE_PY", "/usr/bin/python3")
PGVER = os.environ.get("TE_PGVER", "15")
PGBIN_DEB = "/usr/lib/postgresql/%s/bin" % PGVER
OLD_RELEASE = "5c280a8"

# profiles: which list must provide what which files need
PROFILES = [
    ("TE_PKGS_TEST", ["test/**/*.py", "test/**/*.sh", "scripts/test.sh", "scripts/regress.sh", "scripts/lib.sh"]),
    ("TE_PKGS_BENCH", ["bench/*.py", "bench/*.sh", "scripts/lib.sh"]),
    ("TE_PKGS_BUILD", ["scripts/demo.sh", "scripts/lib.sh", "Makefile"]),
]

# commands used on purpose without installing them, and why
BY_DESIGN = {
    "sudo": "used only when not root, and then it must be there already (the README says so)",
    "apt-get": "the installer itself",
    "git": "optional: without it the check against the 0.1.0 lists says it is skipped",
}

SHELL_WORDS = set("""if then else elif fi for while until do done case esac in function select time exit
  return local export unset source shift break continue declare readonly trap wait eval exec set
  true false echo printf read cd pwd test type command builtin let getopts umask ulimit kill
  alias jobs fg bg hash help history pushd popd dirs shopt enable mapfile readarray caller
  compgen complete disown logout suspend times coproc""".split())


# This suite checks the packages that telib needs (numpy, psycopg2), so it
# imports nothing outside the standard library, telib included.
failed = 0
count = 0


def ok(cond, name, detail=None):
    global failed, count
    count += 1
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    if not cond:
        failed += 1
        if detail:
            print("#   " + str(detail).replace("\n", "\n#   "), flush=True)
    return cond


def files_of(patterns):
    out = []
    for p in patterns:
        out += glob.glob(os.path.join(ROOT, p), recursive=True)
    return sorted(set(f for f in out if os.path.isfile(f)))


def lists(lib):
    """The TE_PKGS_* variables of a lib.sh."""
    script = 'source "$1" >/dev/null 2>&1; for v in TE_PKGS_BUILD TE_PKGS_TEST TE_PKGS_BENCH; do echo "$v="${!v}; done'
    r = subprocess.run(["bash", "-c", script, "bash", lib], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition("=")
        out[k] = v.split()
    return out


def installed_db():
    """Installed packages: name -> (essential, depends alternatives), and provides."""
    r = subprocess.run(["dpkg-query", "-W", "-f",
                        "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Provides}\t${Pre-Depends}\t${Depends}\n"],
                       capture_output=True, text=True)
    pkgs, provides = {}, {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 6 or not parts[1].startswith("ii"):
            continue
        name, _, ess, prov, pre, dep = parts[:6]
        alts = []
        for group in (pre + ("," if pre and dep else "") + dep).split(","):
            names = [re.sub(r"[\s(].*$", "", a.strip()).split(":")[0] for a in group.split("|") if a.strip()]
            if names:
                alts.append(names)
        pkgs[name] = (ess == "yes", alts)
        for p in prov.split(","):
            p = re.sub(r"[\s(].*$", "", p.strip())
            if p:
                provides.setdefault(p, set()).add(name)
    return pkgs, provides


def closure(roots, pkgs, provides):
    """The listed packages, the Essential ones, and what they depend on."""
    todo = [p for p in roots] + [p for p, (ess, _) in pkgs.items() if ess]
    seen = set()
    while todo:
        p = todo.pop()
        for real in ([p] if p in pkgs else []) + sorted(provides.get(p, ())):
            if real in seen:
                continue
            seen.add(real)
            for group in pkgs[real][1]:
                todo.extend(group)
    return seen


_owner_cache = {}


def owners(paths):
    """Debian package of each path (None when no package owns it)."""
    out = {p: _owner_cache[p] for p in paths if p in _owner_cache}
    todo = sorted(set(paths) - set(out))
    for i in range(0, len(todo), 200):
        chunk = todo[i:i + 200]
        r = subprocess.run(["dpkg", "-S"] + chunk, capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            pkg, _, path = line.partition(": ")
            if path in chunk:
                out[path] = pkg.split(",")[0].strip().split(":")[0]
    for p in todo:
        if p in out:
            continue
        # merged /usr: a file may be packaged under /lib or /usr/lib, or under its real path
        for alt in (os.path.realpath(p), re.sub(r"^/usr(/s?bin|/lib)", r"\1", p),
                    re.sub(r"^/(s?bin|lib)", r"/usr/\1", p)):
            if alt != p:
                r = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True)
                if r.returncode == 0:
                    out[p] = r.stdout.split(":")[0].split(",")[0].strip()
                    break
        out.setdefault(p, None)
    _owner_cache.update(out)
    return out


# ---- what the files need ----

def python_sources(path):
    """Python source texts of a file: the file itself, or the Python heredocs of a shell script."""
    text = open(path, errors="replace").read()
    if path.endswith(".py"):
        return [text]
    out = []
    for m in re.finditer(r"(?:\$\{?(?:TE_)?PY\}?|python3)\b[^\n]*<<-?\s*'?(\w+)'?[^\n]*\n(.*?)\n\1\n", text, re.S):
        out.append(m.group(2))
    return out


def imports_of(src):
    """Dotted module names a Python source imports, and the commands it runs:
    the first element of a literal argument list of subprocess.run & co.,
    shutil.which("x"), and programs joined to a directory ("psql")."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return set(), set()
    mods, commands = set(), set()

    def const(n):
        return n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
        elif isinstance(node, ast.Call):
            f = node.func
            fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if fname in ("run", "Popen", "call", "check_call", "check_output") and node.args:
                a = node.args[0]
                if isinstance(a, (ast.List, ast.Tuple)) and a.elts and const(a.elts[0]):
                    commands.add(const(a.elts[0]))
            elif fname == "which" and node.args and const(node.args[0]):
                commands.add(const(node.args[0]))
            elif fname == "join" and node.args and const(node.args[-1]):
                commands.add(const(node.args[-1]))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                re.match(r"^/usr/(s?bin|lib/postgresql)/", node.value):
            commands.add(node.value)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and const(node.right) and \
                re.match(r"^/[\w.+-]+$", const(node.right)):
            commands.add(const(node.right)[1:])     # PGBIN + "/pg_dump"
    return mods, commands


def local_modules():
    """The repository's own Python modules: name -> path."""
    return {os.path.splitext(os.path.basename(p))[0]: p
            for p in glob.glob(os.path.join(ROOT, "**", "*.py"), recursive=True)}


def shell_code(text):
    """Shell text with the literal text of quotes blanked out and arithmetic
    removed, keeping command substitutions inside double quotes."""
    out, i, n = [], 0, len(text)
    stack = ["code"]
    while i < n:
        c = text[i]
        state = stack[-1]
        if state in ("code", "paren"):
            if c == "'":
                j = text.find("'", i + 1)
                j = n if j < 0 else j
                out.append("''")
                i = j + 1
                continue
            if c == '"':
                stack.append("dq")
                out.append('"')
            elif text.startswith("$((", i) or text.startswith("((", i):
                depth, j = 0, i + 1
                while j < n:
                    depth += {"(": 1, ")": -1}.get(text[j], 0)
                    if depth == 0:
                        break
                    j += 1
                out.append("0")
                i = j + 1
                continue
            elif c == "(":
                stack.append("paren")
                out.append("(")
            elif c == ")" and len(stack) > 1:
                stack.pop()
                out.append(")")
            elif text.startswith("$(", i):
                stack.append("code")
                out.append("$(")
                i += 2
                continue
            elif c == "\\" and i + 1 < n:
                out.append(" ")
                i += 2
                continue
            elif c == "#" and (i == 0 or text[i - 1] in " \t\n;"):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            else:
                out.append(c)
            i += 1
        else:
            if c == '"':
                stack.pop()
                out.append('"')
            elif text.startswith("$(", i) and not text.startswith("$((", i):
                stack.append("code")
                out.append("$(")
                i += 2
                continue
            elif c == "\\":
                i += 2
                continue
            elif c == "\n":
                out.append("\n")
            i += 1
    return "".join(out)


def shell_words(path):
    """(program words: absolute paths and $TE_PGBIN/x, the words in command
    position, the functions the script defines) of a shell script or Makefile."""
    text = open(path, errors="replace").read()
    # heredocs are data (Python is read separately)
    text = re.sub(r"<<-?\s*'?(\w+)'?([^\n]*)\n.*?\n\1\n", r"\2\n", text, flags=re.S)
    raw = "\n".join(re.sub(r"(^|\s)#.*$", r"\1", l) for l in text.split("\n"))
    words = set(re.findall(r"(?<![\w$])(/usr/[\w/.+-]+|/bin/[\w.+-]+)", raw))
    words |= set(re.findall(r"\$\{?(?:TE_)?PGBIN\}?/([\w.+-]+)", raw))
    functions = set(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", raw, re.M))
    if path.endswith("Makefile"):
        code = "\n".join(l[1:] for l in raw.split("\n") if l.startswith("\t"))
    else:
        code = shell_code(text)
    # case patterns ("a | b)") are not commands
    code = re.sub(r"(?m)^[ \t]*[\w*.?|\s-]+\)(?=[ \t]|$)", " ", code)
    code = re.sub(r"\bin[ \t]+[\w*.?| \t-]+\)(?=[ \t]|$)", "in ", code)
    cmd = set()
    for seg in re.split(r"\|\||&&|[|;&\n]|\$\(|`|(?<![\w-])(?:then|do|else|if|while|until)(?![\w-])|\(", code):
        toks = seg.strip().split()
        while toks and (re.match(r"^\w+=", toks[0]) or toks[0] in ("!", "{", "}", "exec", "command", "timeout",
                                                                  "nohup", "env", "-v") or
                        re.match(r"^-|^\d+$", toks[0])):
            if toks[0] in ("timeout", "nohup", "env"):
                cmd.add(toks[0])
            toks = toks[1:]
        if toks and re.match(r"^[a-z][\w.+-]*$", toks[0]):
            cmd.add(toks[0])
    return words, cmd - functions - SHELL_WORDS, functions


def resolve(word):
    """The file a command word runs, or None."""
    if word.startswith("/"):
        return word if os.path.isfile(word) and os.access(word, os.X_OK) else None
    for d in (PGBIN_DEB,):
        p = os.path.join(d, word)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    # the system's programs, not a user's shims in /usr/local or ~
    w = shutil.which(word, path="/usr/sbin:/usr/bin:/sbin:/bin")
    return os.path.abspath(w) if w else None


_module_cache = {}


def loaded_module_files(modules):
    """Import each module in a fresh /usr/bin/python3; the files loaded per module, or the error."""
    prog = r'''
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
res = {}
for name in sys.argv[1:]:
    before = set(sys.modules)
    try:
        importlib.import_module(name)
    except Exception as e:
        res[name] = {"error": "%s: %s" % (type(e).__name__, e)}
        continue
    files = []
    for m in set(sys.modules) - before | {name}:
        f = getattr(sys.modules.get(m), "__file__", None)
        if f:
            files.append(f)
    res[name] = {"files": sorted(set(files))}
print(json.dumps(res))
'''
    out = {m: _module_cache[m] for m in modules if m in _module_cache}
    for name in sorted(set(modules) - set(out)):
        # one interpreter per module, so that each gets every file it loads
        # SETUPTOOLS_USE_DISTUTILS=stdlib: setuptools' .pth hook, active only where setuptools
        # happens to be installed, must not load setuptools in place of the standard distutils
        r = subprocess.run([PY, "-c", prog, name], capture_output=True, text=True, cwd=tempfile.gettempdir(),
                           env=dict(os.environ, SETUPTOOLS_USE_DISTUTILS="stdlib"))
        try:
            out.update(json.loads(r.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            out[name] = {"error": r.stderr.strip()[-300:]}
        _module_cache[name] = out[name]
    return out


def needs(patterns, local):
    """What the files of a profile need: python modules (dotted) and command words."""
    mods, words, cmds, functions = set(), set(), set(), set()
    own = files_of(patterns)
    todo = list(own)
    seen = set()
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        if not f.endswith(".py"):
            w, c, fn = shell_words(f)
            words |= w | c
            functions |= fn
            cmds |= {(x, os.path.relpath(f, ROOT)) for x in c}
        for src in python_sources(f):
            m, s = imports_of(src)
            # the commands of a module imported from elsewhere run only if
            # the profile calls them; its imports always run
            if f in own:
                words |= s
            for name in m:
                top = name.split(".")[0]
                if top in local:
                    todo.append(local[top])
                else:
                    mods.add(name)
    words = {w for w in words - functions if re.match(r"^[A-Za-z][\w.+-]*$|^/usr/[\w/.+-]+$", w)}
    cmds = {(c, where) for c, where in cmds if c not in functions}
    return mods, words, cmds


def check(lib, verbose=True):
    """Check every profile against the lists of lib; the problems found (strings)."""
    pk = lists(lib)
    pkgs, provides = installed_db()
    local = local_modules()
    stdlib = set(sys.stdlib_module_names) if hasattr(sys, "stdlib_module_names") else set()
    problems = []

    def note(cond, name, detail=None):
        if verbose:
            ok(cond, name, detail)
        if not cond:
            problems.append(name + ("" if detail is None else ": " + str(detail)))

    for var, patterns in PROFILES:
        listed = pk.get(var, [])
        note(bool(listed), "%s is defined in %s" % (var, os.path.relpath(lib, ROOT) if lib.startswith(ROOT) else lib))
        have = closure(listed, pkgs, provides)
        mods, words, cmds = needs(patterns, local)

        # python modules and every file they load
        third = {m for m in mods if m.split(".")[0] not in stdlib}
        loaded = loaded_module_files(mods)
        allfiles = sorted({f for r in loaded.values() for f in r.get("files", [])})
        own = owners(allfiles)
        for name in sorted(mods):
            r = loaded[name]
            if "error" in r:
                note(False, "%s: python module %s imports with %s" % (var, name, PY), r["error"])
                continue
            pk_of = {}
            for f in r["files"]:
                # setuptools' hook on distutils, active wherever setuptools happens to be installed
                if "/_distutils_hack/" in f:
                    continue
                pk_of.setdefault(own.get(f), []).append(f)
            orphans = pk_of.pop(None, [])
            missing = sorted(p for p in pk_of if p not in have)
            what = "python module %s%s" % (name, "" if name in third else " (standard library)")
            note(not orphans and not missing,
                 "%s installs what %s loads (%s)" % (var, what, ", ".join(sorted(pk_of)) or "built in"),
                 ("not installed by %s: %s" % (var, ", ".join(
                     "%s (e.g. %s)" % (p, pk_of[p][0]) for p in missing)) if missing else "") +
                 (("; no Debian package owns: " + ", ".join(orphans[:5])) if orphans else ""))

        # commands
        resolved = {}
        for w in sorted(words):
            if w in SHELL_WORDS or w in BY_DESIGN:
                continue
            p = resolve(w)
            if p:
                resolved[w] = p
        own = owners(resolved.values())
        for w, p in sorted(resolved.items()):
            pkg = own.get(p)
            note(pkg is not None and pkg in have, "%s installs command %s (%s)" % (var, w, pkg),
                 "%s is not installed by %s" % (pkg, var) if pkg else "no Debian package owns %s" % p)
        for w, where in sorted(cmds):
            if w in resolved or w in BY_DESIGN or w in SHELL_WORDS:
                continue
            note(resolve(w) is not None, "%s: %s calls %s, an installed command" % (var, where, w),
                 "no command %s on this machine: which package provides it?" % w)
    return problems


def main():
    global failed
    lib = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "scripts", "lib.sh")
    check(lib)
    for cmd, why in sorted(BY_DESIGN.items()):
        print("# not required on purpose: %s (%s)" % (cmd, why))

    # the check has teeth: the 0.1.0 lists lacked what the GUDHI and POT cross-checks load
    if len(sys.argv) == 1:
        r = subprocess.run(["git", "-C", ROOT, "show", OLD_RELEASE + ":scripts/lib.sh"], capture_output=True, text=True)
        if r.returncode != 0:
            ok(True, "# SKIP the check against the 0.1.0 lib.sh: no git history of %s here" % OLD_RELEASE)
        else:
            with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
                f.write(r.stdout)
            probs = check(f.name, verbose=False)
            os.unlink(f.name)
            ok(any("python3-sklearn" in p for p in probs) and any("python3-pot" in p for p in probs),
               "the same check fails on 0.1.0's lib.sh (%d problems), naming python3-sklearn and python3-pot"
               % len(probs), "\n".join(probs))
    if count == 0:
        print("not ok - no checks ran")
        sys.exit(1)
    sys.exit(1 if failed else 0)


main()
