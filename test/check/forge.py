"""Reading and forging topembed's stored values (test helper, not a suite).

The text and binary forms (src/pg/blob.c): a 4-byte magic, an int32 format
version, the fields in network byte order (doubles as their 64-bit
patterns), then a 64-bit FNV-1a checksum of everything before it; the text
form is "<type>/v<version>:" and the base64 of that.  A forged value here
carries a valid checksum, so only the invariants can refuse it."""
import base64
import struct

FNV_INIT = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3


def fnv1a64(data):
    h = FNV_INIT
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def sign(body):
    """body followed by its checksum"""
    return body + struct.pack(">Q", fnv1a64(body))


def moments_blob(dim, n, lo, hi, mean, packed, version=1):
    """the binary form of a moments sketch (packed: upper triangle, row by row)"""
    assert len(mean) == dim and len(packed) == dim * (dim + 1) // 2
    body = b"TEmo" + struct.pack(">iiqdd", version, dim, n, lo, hi)
    body += struct.pack(">%dd" % (dim + len(packed)), *(list(mean) + list(packed)))
    return sign(body)


def moments_rows_blob(dim, rows, lo, hi, width=8, count=None):
    """the binary form of a moments sketch in its rows form (format 2): the
    rows themselves as 4- or 8-byte floats; count overrides the row count"""
    vals = [v for r in rows for v in r]
    body = b"TEmo" + struct.pack(">iiqddi", 2, dim, len(rows) if count is None else count, lo, hi, width)
    body += struct.pack(">%d%s" % (len(vals), "f" if width == 4 else "d"), *vals)
    return sign(body)


def gap_blob(dim, flags, n_image, n_text, n_pairs, cos_mean, cos_m2, sums, version=1):
    """the binary form of a gap_state (sums: dim image sums, then dim text sums)"""
    assert len(sums) == 2 * dim
    body = b"TEgs" + struct.pack(">iiiqqqdd", version, dim, flags, n_image, n_text, n_pairs, cos_mean, cos_m2)
    body += struct.pack(">%dd" % (2 * dim), *sums)
    return sign(body)


def text_of(prefix, blob):
    version = struct.unpack(">i", blob[4:8])[0]
    return "%s/v%d:%s" % (prefix, version, base64.b64encode(blob).decode())


def blob_of(text):
    return base64.b64decode(text.split(":", 1)[1])


def parse_moments(blob):
    """dict of the fields of a moments blob (the rows form: 'rows' and 'width')"""
    version, dim, n, lo, hi = struct.unpack(">iiqdd", blob[4:36])
    if version == 2:
        width = struct.unpack(">i", blob[36:40])[0]
        vals = struct.unpack(">%d%s" % (n * dim, "f" if width == 4 else "d"), blob[40:40 + width * n * dim])
        return {"version": version, "dim": dim, "n": n, "lo": lo, "hi": hi, "width": width,
                "rows": [list(vals[i * dim:(i + 1) * dim]) for i in range(n)]}
    k = dim + dim * (dim + 1) // 2
    vals = struct.unpack(">%dd" % k, blob[36:36 + 8 * k])
    return {"version": version, "dim": dim, "n": n, "lo": lo, "hi": hi,
            "mean": list(vals[:dim]), "packed": list(vals[dim:])}


def parse_gap(blob):
    version, dim, flags, ni, nt, npairs, cm, m2 = struct.unpack(">iiiqqqdd", blob[4:56])
    sums = struct.unpack(">%dd" % (2 * dim), blob[56:56 + 16 * dim])
    return {"version": version, "dim": dim, "flags": flags, "n_image": ni, "n_text": nt, "n_pairs": npairs,
            "cos_mean": cm, "cos_m2": m2, "sums": list(sums)}


def moments_text(f):
    return text_of("moments", moments_blob(f["dim"], f["n"], f["lo"], f["hi"], f["mean"], f["packed"],
                                           f.get("version", 1)))


def gap_text(f):
    return text_of("gap_state", gap_blob(f["dim"], f["flags"], f["n_image"], f["n_text"], f["n_pairs"],
                                         f["cos_mean"], f["cos_m2"], f["sums"], f.get("version", 1)))


def packed_index(dim, i, j):
    """index of (i, j), i <= j, in the packed upper triangle"""
    return i * dim - i * (i - 1) // 2 + (j - i)


def sqlstate(cur, sql, args=None):
    """None if sql succeeds on cur's connection, else its SQLSTATE (telib.sqlstate_of)"""
    from telib import sqlstate_of
    return sqlstate_of(cur.connection, sql, args)[0]


MASK = 0xFFFFFFFFFFFFFFFF


def point_hash(vec):
    """the engine's point hash: FNV-1a of the float64 values, then splitmix64's finaliser"""
    h = fnv1a64(struct.pack("<%dd" % len(vec), *vec))
    h ^= h >> 30
    h = (h * 0xbf58476d1ce4e5b9) & MASK
    h ^= h >> 27
    h = (h * 0x94d049bb133111eb) & MASK
    return h ^ (h >> 31)
