import numpy as np

from themes.discover.naming import ctfidf, keywords, name_themes
from themes.text.phrases import simple_phrases


def test_ctfidf_prefers_distinctive_terms():
    counts = np.array([[5, 5, 0], [5, 0, 5]])
    w = ctfidf(counts)
    assert w[0, 1] > w[0, 0] and w[1, 2] > w[1, 0]


def test_keywords_are_distinctive():
    kw = keywords([["national scorecard for boards", "scorecard and regulators", "regulators and scorecard"],
                   ["staff networks at board", "staff networks stories", "lived experience of staff networks"]])
    assert "scorecard" in " ".join(kw[0])
    assert "networks" in " ".join(kw[1])
    assert not any("networks" in k for k in kw[0])


def test_names_unique_and_readable(fake_embedder):
    texts = [["external consultancy support helped", "external consultancy support was useful"]] * 2
    cents = fake_embedder.embed(["external consultancy support", "external consultancy support"])
    names, _, rules = name_themes(texts, cents, fake_embedder, simple_phrases)
    assert all(r in ("phrase", "keywords", "sentence") for r in rules)
    assert len(set(names)) == 2
    assert all(n and n[0].isupper() for n in names)
