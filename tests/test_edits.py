import numpy as np
import pytest

from themes.errors import ConfigError
from themes.model import edits
from themes.model.persist import load_model, save_model
from themes.pipeline import extract, label
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter

KW = dict(text="answer", id="id", by=["role"], splitter=regex_splitter, phrases=simple_phrases)


@pytest.fixture
def fitted(tiny_frame, fake_embedder, fast_settings):
    return extract(tiny_frame, settings=fast_settings, embedder=fake_embedder, n_themes=3, **KW)


def _label(model, frame, emb):
    return label(model, frame, embedder=emb, **KW)


def _theme_of(fitted, rid):
    return int(fitted.responses.set_index("response_id").at[rid, "primary_theme_id"])


def test_rename_is_recorded_and_survives_save_load_label(fitted, tiny_frame, fake_embedder, tmp_path):
    tid = _theme_of(fitted, "R04")
    m = edits.rename(fitted.model, tid, "Consultancy (renamed)")
    assert m.edits[-1]["op"] == "rename" and m.edits[-1]["old"] == fitted.model.table.at[tid - 1, "name"]
    save_model(m, tmp_path / "model")
    back = load_model(tmp_path / "model", embedder=fake_embedder)
    assert back.edits == m.edits
    res = _label(back, tiny_frame, fake_embedder)
    r = res.responses.set_index("response_id")
    assert r.loc[["R04", "R05", "R06"], "primary_theme"].tolist() == ["Consultancy (renamed)"] * 3
    assert "Consultancy (renamed)" in res.themes["name"].tolist()


def test_rename_refuses_a_name_in_use_and_an_unknown_id(fitted):
    taken = fitted.model.table.at[0, "name"]
    with pytest.raises(ConfigError, match="already called .* merge 1 ID"):
        edits.rename(fitted.model, 2, taken.upper())
    with pytest.raises(ConfigError, match="no theme 42 .* 1, 2, 3"):
        edits.rename(fitted.model, 42, "x")


def test_merge_pools_members_and_labelling_follows(fitted, tiny_frame, fake_embedder):
    a, b = _theme_of(fitted, "R01"), _theme_of(fitted, "R07")   # R11 holds both
    m = edits.merge(fitted.model, [a, b], name="Accountability and networks")
    t = m.table.set_index("theme_id")
    assert t.at[b, "status"] == "merged" and t.at[b, "merged_into"] == a and t.at[a, "status"] == "edited"
    assert np.array_equal(m.theme_set.centroids, fitted.model.theme_set.centroids)   # centres kept
    assert b not in m.sub.theme_ids.tolist()
    prim = fitted.responses.set_index("response_id")["primary_theme_id"]
    res = _label(m, tiny_frame, fake_embedder).responses.set_index("response_id")
    was_a_or_b = prim[prim.isin([a, b])].index
    assert (res.loc[was_a_or_b, "primary_theme"] == "Accountability and networks").all()
    assert res.at["R11", "theme_ids"] == str(a)   # two themes became one
    assert str(b) not in ";".join(res["theme_ids"]).split(";")
    # nothing moved to the third theme
    other = prim[~prim.isin([a, b])].index
    assert (res.loc[other, "primary_theme_id"] == prim[other]).all()


def test_merge_then_merge_again_and_delete_follow_the_chain(fitted, tiny_frame, fake_embedder):
    a, b, c = _theme_of(fitted, "R01"), _theme_of(fitted, "R04"), _theme_of(fitted, "R07")
    m = edits.merge(edits.merge(fitted.model, [a, b]), [c, a], name="Everything")
    res = _label(m, tiny_frame, fake_embedder)
    assert res.themes["theme_id"].tolist() == [c]
    assert set(res.responses["primary_theme"]) == {"Everything", ""}
    gone = _label(edits.delete(m, c), tiny_frame, fake_embedder)
    assert set(gone.responses["status"]) == {"unassigned", "no_content"} and gone.themes.empty


def test_split_makes_parts_with_new_ids(fitted, tiny_frame, fake_embedder):
    big = int(fitted.model.sub.theme_ids[np.argmax(np.bincount(fitted.model.sub.theme_ids))])
    rows = len(fitted.model.sub.rows_of(big))
    if rows < 2:
        with pytest.raises(ConfigError, match="too few"):
            edits.split(fitted.model, big)
        return
    m = edits.split(fitted.model, big)
    assert len(m.table) == 4 and m.table["theme_id"].tolist()[-1] == 4
    assert m.edits[-1]["op"] == "split" and m.edits[-1]["into"] == [big, 4]
    assert set(m.sub.theme_ids[np.isin(m.sub.theme_ids, [big, 4])].tolist()) == {big, 4}


def test_split_needs_sub_groups(fitted):
    tiny = edits.SubCentroids(means=fitted.model.sub.means[:1], theme_ids=fitted.model.sub.theme_ids[:1],
                              counts=fitted.model.sub.counts[:1])
    from dataclasses import replace

    with pytest.raises(ConfigError, match="Cannot split theme"):
        edits.split(replace(fitted.model, sub=tiny), int(tiny.theme_ids[0]))
    with pytest.raises(ConfigError, match="no sub-groups"):
        edits.split(replace(fitted.model, sub=None), 1)


def test_split_on_a_larger_fit(fake_embedder, fast_settings):
    import pandas as pd

    words = ["scorecard regulators accountability boards", "consultancy consultants external challenge",
             "staff networks lived experience stories"]
    rng = np.random.default_rng(0)
    texts = [f"{words[i % 3]} {w}" for i in range(60) for w in [rng.choice(["alpha", "beta", "gamma", "delta"])]]
    frame = pd.DataFrame({"id": [f"R{i}" for i in range(60)], "answer": texts, "role": "NED"})
    res = extract(frame, settings=fast_settings, embedder=fake_embedder, n_themes=3, **KW)
    m = edits.split(res.model, 1, parts=2)
    assert m.table["theme_id"].tolist() == [1, 2, 3, 4]
    assert m.table["name"].iat[0].endswith("(part 1)") and m.table["name"].iat[3].endswith("(part 2)")
    assert sum(m.edits[-1]["sizes"]) == int(res.model.sub.counts[res.model.sub.theme_ids == 1].sum())


def test_delete_leaves_its_answers_unassigned(fitted, tiny_frame, fake_embedder):
    m = edits.delete(fitted.model, 2)
    res = _label(m, tiny_frame, fake_embedder)
    r = res.responses.set_index("response_id")
    prim = fitted.responses.set_index("response_id")["primary_theme_id"]
    only_2 = [rid for rid, ids in fitted.responses.set_index("response_id")["theme_ids"].items() if ids == "2"]
    assert only_2 and (r.loc[only_2, "status"] == "unassigned").all()
    assert 2 not in res.themes["theme_id"].tolist() and len(res.themes) == 2
    assert (r.loc[prim[prim == 1].index, "primary_theme_id"] == 1).all()
    with pytest.raises(ConfigError, match="no theme 2"):
        edits.rename(m, 2, "back")


def test_merge_refuses_themes_of_different_questions(tiny_frame, fake_embedder, fast_settings):
    frame = tiny_frame.assign(q=["A"] * 6 + ["B"] * 6)
    res = extract(frame, settings=fast_settings, embedder=fake_embedder, n_themes=2, question="q", **KW)
    qs = res.model.table.set_index("theme_id")["question"]
    a, b = int(qs[qs == "A"].index[0]), int(qs[qs == "B"].index[0])
    with pytest.raises(ConfigError, match="different questions"):
        edits.merge(res.model, [a, b])


def test_split_after_merge_replaces_the_merged_centres(fake_embedder, fast_settings):
    import pandas as pd

    words = ["scorecard regulators accountability boards", "consultancy consultants external challenge",
             "staff networks lived experience stories"]
    texts = [f"{words[i % 3]} {['alpha', 'beta', 'gamma', 'delta'][i % 4]}" for i in range(60)]
    frame = pd.DataFrame({"id": [f"R{i}" for i in range(60)], "answer": texts, "role": "NED"})
    res = extract(frame, settings=fast_settings, embedder=fake_embedder, n_themes=3, **KW)
    m = edits.split(edits.merge(res.model, [1, 2]), 1, parts=2)
    assert m.table["theme_id"].tolist() == [1, 3, 4]          # theme 2's centre went with the merge
    assert (m.table["status"] != "merged").all()
    out = label(m, frame, embedder=fake_embedder, **KW)
    assert set(out.responses["primary_theme_id"].dropna()) <= {1, 3, 4}
