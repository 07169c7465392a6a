"""label CODEBOOK's word match (themes.results.codes.lexical_scores): the codebook's own words,
stemmed, weighted by how few codes use them, beside the sentence model's cosine."""

import numpy as np

from themes.results.codes import lexical_scores
from themes.types import ThemeSet, theme_table


def _codes(descriptions, examples=None):
    k = len(descriptions)
    table = theme_table(ids=list(range(1, k + 1)), names=[f"Code {i}" for i in range(k)], descriptions=descriptions,
                        examples=examples or [[] for _ in range(k)])
    return ThemeSet(table=table, centroids=np.eye(k, 4, dtype=np.float32), threshold=0.2)


def test_an_answer_scores_highest_on_the_code_whose_words_it_uses_in_any_form():
    ts = _codes(["Waiting times for appointments and delays.", "Parking at the hospital and its cost.",
                 "Food and drink on the ward."])
    s = lexical_scores(["We waited ages for an appointment", "the car park charges", "cold meals", "it was fine"], ts)
    assert s.shape == (4, 3)
    assert s[0].argmax() == 0 and s[0, 0] > 0          # "waited" ~ "waiting", "appointment" ~ "appointments"
    assert s[2].argmax() == 2 or s[2].max() == 0
    assert s[3].max() == 0                              # no word of any code
    assert s[1, 1] > 0                                  # "park" ~ "parking"


def test_words_many_codes_use_count_less_and_stop_words_not_at_all():
    ts = _codes(["Staff attitude and kindness.", "Staff numbers and shortages.", "Staff training."])
    s = lexical_scores(["staff", "kindness", "the and of"], ts)
    assert s[0].min() > 0 and s[0].max() < s[1, 0]      # a word every code has counts less than one code's own
    assert s[1, 1:].max() == 0
    assert s[2].max() == 0


def test_examples_are_the_codes_words_too_and_a_codebook_of_stop_words_scores_zero():
    ts = _codes(["", ""], examples=[["the nurse was lovely"], ["no vegetarian option"]])
    s = lexical_scores(["a lovely nurse", "vegetarian food"], ts)
    assert s[0].argmax() == 0 and s[1].argmax() == 1
    empty = lexical_scores(["anything at all"], _codes(["the", "and"]))
    assert empty.shape == (1, 2) and not empty.any()


def test_a_codebook_in_the_tools_own_voice_is_matched_by_meaning_alone():
    from themes.results.codes import written_by_themes

    assert written_by_themes(["Respondents say the wait was long.", "Views are mixed: respondents point to food.",
                              "Parking costs."])
    assert not written_by_themes(["Waiting times.", "Respondents who mention food.", "Parking costs."])
    assert not written_by_themes([])


class SameVector:
    """Every text the same vector: the sentence model cannot tell the codes apart."""

    name, version, dimension = "same-vector", "1", 4

    def embed(self, texts):
        return np.tile(np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32), (len(texts), 1))


def test_label_codebook_uses_the_word_match_only_for_definitions_people_wrote(fast_settings):
    import pandas as pd

    from themes.model.codebook import Codebook, CodebookTheme
    from themes.pipeline import label

    answers = pd.DataFrame({"id": ["a", "b"], "text": ["We waited ages for the appointment letter.",
                                                       "Parking was expensive near the hospital."]})

    def coded(descriptions):
        book = Codebook(themes=[CodebookTheme(id=i + 1, name=n, description=d) for i, (n, d) in
                                enumerate(zip(["Access", "Site"], descriptions))])
        res = label(book, answers, text="text", id="id", settings=fast_settings, embedder=SameVector())
        return res.responses["primary_theme"].tolist(), res.segments["score"].round(5).tolist()

    people, people_scores = coded(["Waiting for an appointment or a letter.", "Parking and its cost at the hospital."])
    own, own_scores = coded(["Respondents say they waited for an appointment letter.",
                             "Respondents say parking at the hospital was expensive."])
    assert people == ["Access", "Site"]          # the words decide where the vectors cannot
    assert own == ["Access", "Access"]           # the tool's own definitions: the vectors alone (a tie: the first)
    assert people_scores == own_scores == [1.0, 1.0]   # segments.csv's score is the cosine either way
