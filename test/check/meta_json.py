"""The PGXN metadata: META.json is valid JSON, follows the PGXN Meta Spec 1.0
(the mandatory fields and the forms of every field it uses), and its name,
versions and files agree with the Makefile, the control file, the Debian
changelog and the tree.  No server needed."""
import json
import os
import re

from telib import ROOT, done, ok

# PGXN Meta Spec 1.0.x: the fields of a distribution and the license strings
MANDATORY = ["name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"]
OPTIONAL = ["description", "generated_by", "tags", "no_index", "prereqs", "release_status", "resources"]
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd", "gfdl_1_2",
            "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1",
            "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay", "sun", "zlib", "open_source", "restricted",
            "unrestricted", "unknown"}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
TERM = re.compile(r"^[^/\\\s\x00-\x1f\x7f]{2,}$")
TAG = re.compile(r"^[^/\\\x00-\x1f\x7f]{2,255}$")
RANGE = re.compile(r"^(?:(?:[=!]=|[<>]=?)\s*)?(?:0|%s)$" % SEMVER.pattern[1:-1])
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}


def custom(key):
    return re.match(r"^[xX]_.", key) is not None


def version_range(v):
    """A PGXN version range: 0, a SemVer, or comma-joined comparisons."""
    if isinstance(v, int):
        return v == 0
    return isinstance(v, str) and all(RANGE.match(p.strip()) for p in v.split(","))


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def main():
    try:
        meta = json.loads(read("META.json"))
    except (OSError, ValueError) as e:
        ok(False, "META.json is valid JSON", str(e))
        done()
    ok(isinstance(meta, dict), "META.json is valid JSON: an object")

    missing = [k for k in MANDATORY if k not in meta]
    ok(not missing, "META.json has every field PGXN requires (%s)" % ", ".join(MANDATORY), "missing: %s" % missing)
    unknown = [k for k in meta if k not in MANDATORY + OPTIONAL and not custom(k)]
    ok(not unknown, "META.json has no field the spec does not know", "unknown: %s" % unknown)

    spec = meta.get("meta-spec", {})
    ok(isinstance(spec, dict) and re.match(r"^1\.0\.\d+$", str(spec.get("version", "")))
       and spec.get("url", "https://pgxn.org/meta/spec.txt") in ("https://pgxn.org/meta/spec.txt",
                                                               "http://pgxn.org/meta/spec.txt"),
       "meta-spec names version 1.0.x of the PGXN Meta Spec", spec)
    ok(isinstance(meta.get("name"), str) and TERM.match(meta["name"]), "name is a PGXN term", meta.get("name"))
    ok(isinstance(meta.get("version"), str) and SEMVER.match(meta["version"]), "version is a SemVer",
       meta.get("version"))
    ok(isinstance(meta.get("abstract"), str) and meta["abstract"].strip() != "", "abstract is a non-empty string")
    m = meta.get("maintainer")
    ok((isinstance(m, str) and m) or (isinstance(m, list) and m and all(isinstance(x, str) and x for x in m)
                                      and len(set(m)) == len(m)),
       "maintainer is a string or a list of distinct strings", m)
    lic = meta.get("license")
    ok((isinstance(lic, str) and lic in LICENSES)
       or (isinstance(lic, list) and lic and all(x in LICENSES for x in lic))
       or (isinstance(lic, dict) and lic and all(isinstance(u, str) and re.match(r"^https?://", u)
                                                 for u in lic.values())),
       "license is a license string of the spec (or names with URLs)", lic)

    provides = meta.get("provides", {})
    ok(isinstance(provides, dict) and provides and all(TERM.match(k) for k in provides),
       "provides names at least one extension", provides)
    bad = []
    for name, ext in provides.items():
        if not isinstance(ext, dict) or set(ext) - {"file", "version", "abstract", "docfile", "docpath"}:
            bad.append("%s: unknown keys" % name)
            continue
        for key in ("file", "version"):
            if key not in ext:
                bad.append("%s: no %s" % (name, key))
        if "version" in ext and not SEMVER.match(str(ext["version"])):
            bad.append("%s: version %r is not a SemVer" % (name, ext["version"]))
        for key in ("file", "docfile"):
            if key in ext and not os.path.isfile(os.path.join(ROOT, ext[key])):
                bad.append("%s: %s %s does not exist" % (name, key, ext[key]))
    ok(not bad, "every extension it provides has a file and a version, and its files exist", bad)

    prereqs = meta.get("prereqs", {})
    bad = []
    for phase, rels in prereqs.items():
        if phase not in PHASES and not custom(phase):
            bad.append("unknown phase %s" % phase)
            continue
        for rel, reqs in rels.items():
            if rel not in RELATIONS and not custom(rel):
                bad.append("unknown relation %s.%s" % (phase, rel))
                continue
            for name, v in reqs.items():
                if not TERM.match(name) or not version_range(v):
                    bad.append("%s.%s.%s = %r" % (phase, rel, name, v))
    ok(not bad, "prereqs use the spec's phases, relations and version ranges", bad)
    tags = meta.get("tags", ["ok"])
    ok(isinstance(tags, list) and tags and len(set(tags)) == len(tags) and all(TAG.match(t) for t in tags),
       "tags are distinct strings of 2 to 255 characters without slashes", tags)
    ok(meta.get("release_status", "stable") in ("stable", "testing", "unstable"), "release_status is known")
    no_index = meta.get("no_index", {"directory": []})
    paths = [p for v in no_index.values() for p in (v if isinstance(v, list) else [v])]
    ok(all(os.path.exists(os.path.join(ROOT, p)) for p in paths), "the no_index paths exist", paths)
    if "resources" in meta:
        res = meta["resources"]
        ok(isinstance(res, dict) and res and all(k in ("homepage", "bugtracker", "repository") or custom(k)
                                                 for k in res),
           "resources has the spec's keys", res)
    else:
        print("# META.json has no resources: the project has no public homepage, repository or bug tracker URL yet")

    # agreement with the rest of the tree
    makefile = read("Makefile")
    ext_name = re.search(r"^EXTENSION\s*=\s*(\S+)", makefile, re.M).group(1)
    ext_version = re.search(r"^EXTVERSION\s*=\s*(\S+)", makefile, re.M).group(1)
    control = read("%s.control" % ext_name)
    default = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M).group(1)
    changelog = re.match(r"^\S+ \(([^)]+)\)", read("debian/changelog")).group(1)
    ok(meta.get("name") == ext_name and ext_name in provides,
       "META.json's name and provided extension are the Makefile's EXTENSION (%s)" % ext_name)
    versions = {"META.json version": meta.get("version"), "provides version": provides.get(ext_name, {}).get("version"),
                "Makefile EXTVERSION": ext_version, "control default_version": default,
                "debian/changelog": changelog.split("-")[0]}
    ok(len(set(versions.values())) == 1, "the versions agree: %s" % ", ".join("%s %s" % kv for kv in versions.items()))
    ok(provides.get(ext_name, {}).get("file") == "sql/%s--%s.sql" % (ext_name, ext_version),
       "the provided file is the install script of this version", provides.get(ext_name, {}).get("file"))
    pg = prereqs.get("runtime", {}).get("requires", {}).get("PostgreSQL")
    major = int(os.environ.get("TE_PGVER", "15"))
    ok(pg is not None and int(str(pg).lstrip("<>=! ").split(".")[0]) <= major,
       "it requires PostgreSQL %s, which the tested version %d satisfies" % (pg, major))
    done()


main()
