"""Redaction that keeps a survey readable: product names and acronyms are not people or places,
theme names stay names (issue 15, item 10)."""

import pytest

from themes.report.build import readable_names
from themes.report.redact import default_allow

PRODUCTS = ["Zoom", "Teams", "Blackboard", "Respondus", "Moodle", "Excel", "AI", "IT", "HR", "Turnitin", "Panopto"]
PLANTED = [
    "Zoom was fine but Dr Amara Okafor said Teams kept crashing during the Blackboard quiz.",
    "Respondus flagged students in Leeds who looked away; Priya Sharma complained to IT.",
    "We moved marking into Excel and Moodle, and HR never answered.",
    "Turnitin and Panopto worked. AI tools worried Professor Gareth Llewellyn, who teaches in Cardiff.",
    "Blackboard Collaborate breakout rooms were better than Zoom for seminars.",
]
PEOPLE_AND_PLACES = ["Amara Okafor", "Priya Sharma", "Gareth Llewellyn", "Leeds", "Cardiff"]


def test_products_and_acronyms_are_allow_listed():
    allow = {a.lower() for a in default_allow()}
    assert {p.lower() for p in PRODUCTS} <= allow


def test_theme_names_never_a_placeholder_and_never_shared():
    names = readable_names(["[PERSON] poll", "Marking in [PLACE]", "Marking in [PLACE]", "Exams"],
                           ["poll; feedback; [PERSON]", "marking; excel", "marking; deadlines", "exams"], [1, 2, 3, 4])
    assert names[0] == "Poll and feedback"
    assert names[1] == "Marking and excel" and names[2] == "Marking and deadlines"
    assert len({n.lower() for n in names}) == len(names)
    assert readable_names(["Exams", "Exams"], ["", ""], [4, 7]) == ["Exams", "Exams (theme 7)"]


@pytest.mark.slow
def test_planted_corpus_real_ner_keeps_products_redacts_people():
    from themes.report.redact import Redactor, redact_text

    red = Redactor()
    hits = red.scan(PLANTED)
    out = [redact_text(t, h) for t, h in zip(PLANTED, hits)]
    joined = "\n".join(out)
    for name in PEOPLE_AND_PLACES:
        assert name not in joined, (name, joined)
    for product in PRODUCTS:
        assert product in joined, (product, joined)
