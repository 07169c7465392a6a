import pandas as pd
import pytest

from themes.pipeline import extract
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter


def _run(frame, emb, settings, **kw):
    return extract(frame, text="answer", id="id", by=["role", "trust_type"], settings=settings, embedder=emb,
                   splitter=regex_splitter, phrases=simple_phrases, **kw)


def test_every_row_once_in_order(tiny_frame, fake_embedder, fast_settings):
    res = _run(tiny_frame, fake_embedder, fast_settings)
    assert res.responses["response_id"].tolist() == tiny_frame["id"].tolist()
    status = dict(zip(res.responses["response_id"], res.responses["status"]))
    assert status["R10"] == status["R12"] == "no_content"
    assert all(s == "labelled" for r, s in status.items() if r not in ("R10", "R12"))


def test_three_obvious_themes(tiny_frame, fake_embedder, fast_settings):
    res = _run(tiny_frame, fake_embedder, fast_settings, n_themes=3)
    prim = res.responses.set_index("response_id")["primary_theme_id"]
    groups = [["R01", "R02", "R03"], ["R04", "R05", "R06"], ["R07", "R08", "R09"]]
    assert all(prim[g].nunique() == 1 for g in groups)
    assert len({prim[g[0]] for g in groups}) == 3
    # the two-point answer holds two themes
    both = res.responses.set_index("response_id").loc["R11", "theme_ids"].split(";")
    assert set(map(int, both)) == {prim["R01"], prim["R07"]}
    assert res.themes["name"].is_unique


def test_quotes_and_crosstab(tiny_frame, fake_embedder, fast_settings):
    res = _run(tiny_frame, fake_embedder, fast_settings, n_themes=3)
    q = res.quotes
    assert {"role", "trust_type", "attribution", "quote", "response_id"} <= set(q.columns)
    merged = q.merge(tiny_frame, left_on="response_id", right_on="id", suffixes=("", "_in"))
    assert (merged["role"] == merged["role_in"]).all()
    assert (merged["attribution"] == merged["role"] + ", " + merged["trust_type"]).all()
    assert q["response_id"].is_unique
    ct = res.crosstab
    row = ct[(ct["attribute"] == "role") & (ct["group"] == "Chair")].iloc[0]
    assert row["n_group"] == 6  # chairs who answered
    assert row["pct"] == pytest.approx(100 * row["n"] / row["n_group"], abs=0.05)


def test_unassigned_when_far_from_every_theme(tiny_frame, fake_embedder, fast_settings):
    frame = pd.concat([tiny_frame, pd.DataFrame({"id": ["R13"], "role": ["NED"], "trust_type": ["Acute trust"],
                                                 "answer": ["Quantum chromodynamics lattice gauge bosons"]})])
    res = _run(frame, fake_embedder, fast_settings.replace(min_similarity=0.5), n_themes=3)
    assert res.responses.set_index("response_id").loc["R13", "status"] == "unassigned"


def test_same_seed_same_tables(tiny_frame, fake_embedder, fast_settings):
    a = _run(tiny_frame, fake_embedder, fast_settings)
    b = _run(tiny_frame, fake_embedder, fast_settings)
    for name in ("themes", "responses", "segments", "quotes", "crosstab"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_cache_is_reused(tiny_frame, fake_embedder, fast_settings):
    _run(tiny_frame, fake_embedder, fast_settings)
    calls = fake_embedder.calls
    _run(tiny_frame, fake_embedder, fast_settings.replace(n_themes=2))
    assert fake_embedder.calls <= calls + 1  # at most the new theme-name phrases, no segment embedding


def test_fully_cached_run_embeds_nothing(tiny_frame, fake_embedder, fast_settings):
    _run(tiny_frame, fake_embedder, fast_settings)
    calls = fake_embedder.calls
    _run(tiny_frame, fake_embedder, fast_settings)
    assert fake_embedder.calls == calls  # segments and name phrases both come from the cache


def test_per_question_themes(tiny_frame, fake_embedder, fast_settings):
    frame = tiny_frame.assign(q=["Q1"] * 6 + ["Q2"] * 6)
    res = extract(frame, text="answer", id="id", question="q", settings=fast_settings, embedder=fake_embedder,
                  splitter=regex_splitter, phrases=simple_phrases)
    assert set(res.themes["question"]) == {"Q1", "Q2"}
    themes_q = dict(zip(res.themes["theme_id"], res.themes["question"]))
    for r in res.responses.dropna(subset=["primary_theme_id"]).itertuples():
        assert themes_q[r.primary_theme_id] == r.question


def test_label_reproduces_extract_and_lists_new_candidates(tiny_frame, fake_embedder, fast_settings, tmp_path):
    from themes.model.persist import load_model, save_model
    from themes.pipeline import label

    res = _run(tiny_frame, fake_embedder, fast_settings, n_themes=3)
    save_model(res.model, tmp_path / "model")
    model = load_model(tmp_path / "model", embedder=fake_embedder)
    lab = label(model, tiny_frame, text="answer", id="id", by=["role", "trust_type"], embedder=fake_embedder,
                splitter=regex_splitter, phrases=simple_phrases, cache_dir=str(tmp_path / "c"))
    pd.testing.assert_series_equal(lab.responses["primary_theme_id"], res.responses["primary_theme_id"])
    new = pd.DataFrame({"id": ["N1", "N2"], "role": ["NED", "Chair"], "trust_type": ["Acute trust"] * 2,
                        "answer": ["Quantum chromodynamics lattice gauge bosons", "Gauge bosons quantum lattice"]})
    lab2 = label(model, new, text="answer", id="id", by=["role", "trust_type"], embedder=fake_embedder,
                 splitter=regex_splitter, phrases=simple_phrases, cache_dir=str(tmp_path / "c"), min_similarity=0.5)
    cand = lab2.extra_tables["new_candidates.csv"]
    assert lab2.responses["status"].tolist() == ["unassigned", "unassigned"]
    assert cand["response_id"].tolist() == ["N1", "N2"]
