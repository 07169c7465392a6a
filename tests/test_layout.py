import numpy as np

from themes.results.layout import classical_mds, segment_layout


def _clusters(seed=0, k=4, per=30, dim=16):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    pos = np.repeat(np.arange(k), per)
    vecs = centres[pos] + 0.05 * rng.standard_normal((k * per, dim))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs.astype(np.float32), pos, centres.astype(np.float32)


def test_mds_keeps_distances_of_planar_points():
    pts = np.array([[0, 0, 0], [3, 0, 0], [0, 4, 0], [3, 4, 0]], dtype=float)
    xy = classical_mds(pts)
    d_in = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    d_out = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    assert np.allclose(d_in, d_out, atol=1e-6)


def test_themes_form_separate_clouds_and_layout_is_deterministic():
    vecs, pos, cents = _clusters()
    xy = segment_layout(vecs, pos, cents)
    assert xy.shape == (len(vecs), 2) and np.isfinite(xy).all()
    assert np.array_equal(xy, segment_layout(vecs, pos, cents))
    means = np.array([xy[pos == k].mean(axis=0) for k in range(4)])
    # every point is closer to its own theme's middle than to any other theme's middle
    d = np.linalg.norm(xy[:, None, :] - means[None], axis=2)
    assert (d.argmin(axis=1) == pos).mean() > 0.95


def test_unassigned_sit_near_nearest_centre_and_edge_cases():
    vecs, pos, cents = _clusters()
    pos = pos.copy()
    pos[:5] = -1  # from theme 0, left unassigned
    xy = segment_layout(vecs, pos, cents)
    middle0 = xy[pos == 0].mean(axis=0)
    others = [xy[pos == k].mean(axis=0) for k in (1, 2, 3)]
    for p in xy[:5]:
        assert np.linalg.norm(p - middle0) < min(np.linalg.norm(p - o) for o in others)
    assert segment_layout(vecs[:0], pos[:0], cents).shape == (0, 2)
    one = segment_layout(vecs[:10], np.zeros(10, dtype=int), cents[:1])
    assert one.shape == (10, 2) and np.isfinite(one).all()
    none = segment_layout(vecs[:10], -np.ones(10, dtype=int), cents[:0])
    assert none.shape == (10, 2) and np.isfinite(none).all()


def test_each_question_laid_out_on_its_own():
    import pandas as pd

    from themes.results.layout import layout_segments
    from themes.types import Segments, ThemeSet

    vecs, pos, cents = _clusters(k=4, per=10)
    question = np.where(pos < 2, "q1", "q2")
    segs = Segments(frame=pd.DataFrame({"question": question}))
    table = pd.DataFrame({"theme_id": [1, 2, 3, 4], "question": ["q1", "q1", "q2", "q2"]})
    xy = layout_segments(segs, vecs, pos, ThemeSet(table=table, centroids=cents, threshold=0.1))
    for q, themes in (("q1", (0, 1)), ("q2", (2, 3))):
        alone = segment_layout(vecs[question == q], pos[question == q] - themes[0], cents[list(themes)])
        assert np.allclose(xy[question == q], alone)


def test_separate_pushes_coinciding_places_apart_and_keeps_far_ones():
    from themes.results.layout import separate

    places = np.array([[0.0, 0.0], [0.0, 0.0], [0.001, 0.0], [5.0, 0.0], [0.0, 5.0]])
    out = separate(places)
    d = np.linalg.norm(out[:, None] - out[None], axis=2)
    np.fill_diagonal(d, np.inf)
    assert d.min() > 0.5
    assert np.linalg.norm(out[3] - places[3]) < 1.0 and out[3, 0] > out[0, 0]
    assert np.array_equal(out, separate(places))
