"""extract --codebook (seeded) and label with a codebook (zero-shot), on the tiny corpus."""

import pandas as pd

from themes.model.codebook import Codebook, CodebookTheme
from themes.pipeline import extract, label
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter

KW = dict(text="answer", id="id", by=["role"], splitter=regex_splitter, phrases=simple_phrases)
BOOK = Codebook(themes=[
    CodebookTheme(id=7, name="Scorecard and regulators", description="national scorecard regulators hold boards account"),
    CodebookTheme(id=9, name="Consultants", description="external consultancy support consultants challenge",
                  examples=["We used external consultancy support."]),
])


def test_label_with_a_codebook_uses_only_its_themes(tiny_frame, fake_embedder, fast_settings):
    res = label(BOOK, tiny_frame, embedder=fake_embedder, settings=fast_settings, **KW)
    r = res.responses.set_index("response_id")
    assert res.themes["theme_id"].tolist() == [7, 9]
    assert set(r.loc[["R01", "R02", "R03"], "primary_theme_id"]) == {7}
    assert set(r.loc[["R04", "R05", "R06"], "primary_theme_id"]) == {9}
    assert res.themes["name"].tolist() == ["Scorecard and regulators", "Consultants"]


def test_label_with_a_codebook_file(tiny_frame, fake_embedder, fast_settings, tmp_path):
    from themes.model.codebook import write_codebook

    path = write_codebook(BOOK, tmp_path / "book.yaml")
    res = label(path, tiny_frame, embedder=fake_embedder, settings=fast_settings, **KW)
    assert res.run["model"]["kind"] == "centroid" and len(res.themes) == 2


def test_seeded_extract_keeps_codebook_themes_and_finds_new_ones(tiny_frame, fake_embedder, fast_settings):
    res = extract(tiny_frame, settings=fast_settings.replace(codebook_similarity=0.3), embedder=fake_embedder,
                  codebook=BOOK, n_themes=3, **KW)
    t = res.themes.set_index("theme_id")
    assert t.loc[[7, 9], "status"].tolist() == ["codebook", "codebook"]
    assert t.loc[[7, 9], "name"].tolist() == ["Scorecard and regulators", "Consultants"]
    new = t[t["status"] == "new"]
    assert len(new) >= 1 and new.index.min() == 10        # numbered after the codebook's ids
    r = res.responses.set_index("response_id")
    assert set(r.loc[["R01", "R02", "R03"], "primary_theme_id"]) == {7}
    assert set(r.loc[["R04", "R05", "R06"], "primary_theme_id"]) == {9}
    lived = set(r.loc[["R07", "R08", "R09"], "primary_theme_id"])
    assert len(lived) == 1 and lived <= set(new.index)     # staff networks: not in the codebook
    info = res.run["fit"]["codebook"]
    assert info["new_themes"] == len(new) and info["themes"] == 2
    saved = res.model.table.set_index("theme_id")
    assert saved.at[9, "examples"] == ["We used external consultancy support."]


def test_seeded_extract_with_a_codebook_of_one_question(fake_embedder, fast_settings, tiny_frame):
    frame = pd.concat([tiny_frame.assign(q="Q1"), tiny_frame.assign(q="Q2", id=tiny_frame["id"] + "b")])
    book = Codebook(themes=[CodebookTheme(id=1, name="Consultants", question="Q2",
                                          description="external consultancy support consultants challenge")])
    res = extract(frame, settings=fast_settings.replace(codebook_similarity=0.3), embedder=fake_embedder,
                  codebook=book, question="q", n_themes=3, **KW)
    r = res.responses.set_index("response_id")
    assert r.at["R04b", "primary_theme_id"] == 1 and r.at["R04", "primary_theme_id"] != 1
