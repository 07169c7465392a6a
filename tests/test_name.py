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


def test_phrase_hits_match_a_scan_of_every_segment():
    """The index only skips segments that cannot match: the hits equal match_stems on each segment."""
    import numpy as np

    from themes.discover.labels import phrase_hits, stem_index
    from themes.discover.polarity import content_stems, match_stems, stem_tokens

    texts = ["Not enough time for the board", "enough time and money", "time", "money for staff training",
             "no staff training at all", "board time is short", "staff, training, time and money", ""]
    toks = [stem_tokens(t) for t in texts]
    index = stem_index(toks)
    for phrase in ["Not enough time", "enough time", "staff training", "time and money for staff training",
                   "board", "no training", "nothing"]:
        stems, negated = content_stems(phrase)
        scan = np.array([m[0] and m[1] == negated for m in (match_stems(stems, tk) for tk in toks)])
        assert (phrase_hits(stems, negated, toks, index) == scan).all(), phrase


def test_term_counts_equal_a_count_over_every_segment():
    """Issue 18: term_counts counts each distinct text once, weighted by how often a theme holds
    it; the counts must be those of a plain count over every segment (repeats included)."""
    from collections import Counter

    from themes.discover.naming import term_counts
    from themes.text.phrases import count_terms

    rng = np.random.default_rng(3)
    pool = ["the wait was long", "staff were kind and kind", "parking was awful", "long wait, kind staff",
            "nothing", "the food was cold", "kind staff at the desk"]
    themes = [[pool[i] for i in rng.integers(len(pool), size=n)] for n in (9, 4, 0, 13)]
    counts, vocab = term_counts(themes)
    for t, texts in enumerate(themes):
        plain = Counter(term for text in texts for term in next(iter(count_terms([text]))))
        got = {vocab[j]: counts[t, j] for j in counts[t].nonzero()[1]}
        assert got == plain
    empty, none = term_counts([[], []])
    assert none == [] and empty.shape == (2, 0)
