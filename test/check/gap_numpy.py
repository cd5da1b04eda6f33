"""Cross-check of topembed.modality_gap against numpy on the real CLIP and
CLOOB embeddings of ../shared/data, in float64, to 1e-6."""
import json
import os

import numpy as np

from telib import DATA, close, done, fresh_db, load_csv, need_data, ok, read_pairs

TOL = 1e-6


def reference(img, txt, paired):
    """Every gap_stats field computed with numpy."""
    xi = img / np.linalg.norm(img, axis=1, keepdims=True)
    yt = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    gv = xi.mean(0) - yt.mean(0)

    def cone(z):
        g = z @ z.T
        n = len(z)
        return (g.sum() - np.trace(g)) / (n * (n - 1))

    out = {
        "n_image": len(xi), "n_text": len(yt), "dim": xi.shape[1],
        "gap": np.linalg.norm(gv), "gap_vector": gv,
        "image_centroid_norm": np.linalg.norm(xi.mean(0)),
        "text_centroid_norm": np.linalg.norm(yt.mean(0)),
        "image_cone": cone(xi), "text_cone": cone(yt),
    }
    if paired:
        c = np.sum(xi * yt, axis=1)
        out.update(paired_cosine_mean=c.mean(), paired_cosine_std=c.std(),
                   alignment=np.mean(np.sum((xi - yt) ** 2, axis=1)), n_pairs=len(c))
    return out


FIELDS = ["n_image", "n_text", "n_pairs", "dim", "gap", "gap_vector", "image_centroid_norm",
          "text_centroid_norm", "image_cone", "text_cone", "paired_cosine_mean",
          "paired_cosine_std", "alignment"]


def fetch(cur, sql, args=()):
    cur.execute("SELECT (s).* FROM (%s) q(s)" % sql, args)
    return dict(zip(FIELDS, cur.fetchone()))


def compare(label, got, ref, paired):
    for f in ["n_image", "n_text", "dim"]:
        ok(got[f] == ref[f], "%s: %s = %s" % (label, f, ref[f]), "got %r" % got[f])
    for f in ["gap", "image_centroid_norm", "text_centroid_norm", "image_cone", "text_cone"]:
        close(got[f], ref[f], TOL, "%s: %s matches numpy" % (label, f))
    gv = np.array(got["gap_vector"])
    ok(np.max(np.abs(gv - ref["gap_vector"])) <= TOL, "%s: gap_vector matches numpy" % label,
       "max error %.3g" % np.max(np.abs(gv - ref["gap_vector"])))
    if paired:
        ok(got["n_pairs"] == ref["n_pairs"], "%s: n_pairs" % label)
        for f in ["paired_cosine_mean", "paired_cosine_std", "alignment"]:
            close(got[f], ref[f], TOL, "%s: %s matches numpy" % (label, f))
    else:
        ok(all(got[f] is None for f in ["n_pairs", "paired_cosine_mean", "paired_cosine_std", "alignment"]),
           "%s: paired fields are NULL in the unpaired form" % label)


def check_set(cur, label, table, rows, model=None):
    """All fields, paired and unpaired, real[] and double precision[], of one set."""
    img = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "image"}
    txt = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "text"}
    ids = sorted(set(img) & set(txt))
    I = np.array([img[i] for i in ids])
    T = np.array([txt[i] for i in ids])
    pair_filter = " AND i.model = %(m)s AND t.model = %(m)s" if model else ""
    one_filter = " WHERE model = %(m)s" if model else ""
    args = {"m": model}
    paired_sql = ("SELECT topembed.modality_gap(i.embedding{cast}, t.embedding{cast}) FROM %s i JOIN %s t "
                  "ON i.pair_id = t.pair_id AND i.modality = 'image' AND t.modality = 'text'%s"
                  % (table, table, pair_filter))
    ref = reference(I, T, True)
    compare(label + " paired", fetch(cur, paired_sql.format(cast=""), args), ref, True)
    unpaired_sql = ("SELECT topembed.modality_gap(embedding, modality = 'image') FROM %s%s"
                    % (table, one_filter))
    compare(label + " unpaired", fetch(cur, unpaired_sql, args), reference(I, T, False), False)
    got8 = fetch(cur, paired_sql.format(cast="::float8[]"), args)
    close(got8["gap"], ref["gap"], TOL, label + " paired, double precision[] input")
    return ref


def main():
    if not need_data("the gap against numpy and the published values", "reference_values.json",
                     "mscoco_clip_vitb16.csv", "mscoco_clip_random_init.csv", "mscoco100_clip_vs_cloob.csv"):
        done()
    refs = json.load(open(os.path.join(DATA, "reference_values.json")))
    conn = fresh_db("te_gap_numpy")
    cur = conn.cursor()

    for name in ["mscoco_clip_vitb16", "mscoco_clip_random_init"]:
        path = os.path.join(DATA, name + ".csv")
        load_csv(conn, name, path)
        ref = check_set(cur, name, name, read_pairs(path))
        published = refs[name]["gap_norm_float32"]
        close(ref["gap"], published, TOL, "%s: numpy gap equals the published %.6f" % (name, published))
        got = fetch(cur, "SELECT topembed.modality_gap(embedding, modality = 'image') FROM %s" % name)
        close(got["gap"], published, TOL, "%s: topembed gap equals the published %.6f" % (name, published))

    path = os.path.join(DATA, "mscoco100_clip_vs_cloob.csv")
    load_csv(conn, "cloob", path)
    rows = read_pairs(path)
    for model in sorted(set(r["model"] for r in rows)):
        sub = [r for r in rows if r["model"] == model]
        check_set(cur, "mscoco100 " + model, "cloob", sub, model)
        got = fetch(cur, "SELECT topembed.modality_gap(embedding, modality = 'image') FROM cloob WHERE model = %s",
                    (model,))
        published = refs[model]["gap_distance"]
        close(got["gap"], published, TOL,
              "mscoco100 %s: gap equals Amumo's gap_distance %.4f" % (model, published))

    # extreme magnitudes: every row scaled by its own 10^k, k from -300 to 300;
    # the gap statistics depend on directions only, so numpy's on the rows as
    # they were is the reference
    rows = read_pairs(os.path.join(DATA, "mscoco_clip_vitb16.csv"))
    img = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "image"}
    txt = {r["pair_id"]: r["vec"] for r in rows if r["modality"] == "text"}
    ids = sorted(set(img) & set(txt))[:200]
    rng = np.random.default_rng(3)
    scales = 10.0 ** rng.integers(-300, 301, size=(len(ids), 2))
    cur.execute("CREATE TABLE extreme (pair_id int, image float8[], text float8[])")
    cur.executemany("INSERT INTO extreme VALUES (%s, %s, %s)",
                    [(i, [float(v) for v in img[i] * s[0]], [float(v) for v in txt[i] * s[1]])
                     for i, s in zip(ids, scales)])
    I = np.array([img[i] for i in ids])
    T = np.array([txt[i] for i in ids])
    compare("rows scaled by 1e-300..1e300, paired", fetch(cur, "SELECT topembed.modality_gap(image, text) FROM extreme"),
            reference(I, T, True), True)
    compare("rows scaled by 1e-300..1e300, unpaired",
            fetch(cur, "SELECT topembed.modality_gap(e, im) FROM extreme, LATERAL (VALUES (image, true), "
                       "(text, false)) v(e, im)"), reference(I, T, False), False)
    got = fetch(cur, "SELECT topembed.modality_gap((SELECT topembed.moments(topembed.l2_normalize(image)) FROM extreme), "
                     "(SELECT topembed.moments(topembed.l2_normalize(text)) FROM extreme))")
    close(got["gap"], reference(I, T, True)["gap"], TOL,
          "rows scaled by 1e-300..1e300: the gap of two sketches of l2_normalize matches numpy")
    done()


main()
