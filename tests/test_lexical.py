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
