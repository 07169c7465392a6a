"""Candidate theme names from spaCy's parse, and the filters every name passes.

``name_candidates`` keeps what noun chunks lose: negation and quantity ("no idea how the tools
work", "not enough time"), prepositional complements ("lack of analytical capacity"), verb
phrases ("stop the lip service", "did not listen") and adjective predicates ("not sure").
``is_bad_name`` rejects people, places and organisations on their own, handles, links, e-mail
addresses, numbers and single generic words. ``spacy_name_phrases`` is the phrase extractor
(texts -> candidate names per text) that themes.discover.labels.choose_names scores.
"""

from __future__ import annotations

import re

from themes.discover.people import CAPITALISED, person_words
from themes.discover.polarity import (
    NEGATIONS,
    STOP,
)

QUANTIFIERS = {"little", "few", "fewer", "more", "less", "enough", "much", "many", "too", "any",
               "insufficient", "limited", "lack"}
#: Words too generic to name a theme on their own (survey answers use them everywhere).
GENERIC = {
    "staff", "trust", "trusts", "people", "person", "thing", "things", "way", "ways", "idea", "lot",
    "time", "work", "opinion", "sure", "concept", "discussion", "lack", "issue", "issues", "problem",
    "problems", "service", "services", "care", "nhs", "board", "boards", "question", "questions",
    "answer", "comment", "comments", "none", "nothing", "everything", "something", "anything",
    "n/a", "na", "yes", "no", "ok", "okay", "good", "bad", "great", "fine", "help", "support",
    "need", "needs", "level", "part", "area", "areas", "point", "fact", "case", "place", "stuff",
    "organisation", "organization", "team", "member", "members", "year", "years", "day", "kind",
}
ENTITY_LABELS = {"PERSON", "GPE", "LOC", "ORG", "FAC", "NORP"}
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|co|uk|io|gov|nhs)\b", re.IGNORECASE)
# what is left of a link in text whose punctuation was stripped ("bxscience edu bronx school")
_LINK_WORD = re.compile(r"\b(?:com|edu|gov|www|http|https|html|htm)\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_NUMBER = re.compile(r"^[\d\s.,%£$€#:/+-]+$")
_LEAD_POS = {"DET", "PRON", "ADP", "CCONJ", "SCONJ", "PUNCT", "PART", "AUX", "SPACE", "INTJ", "X", "SYM"}
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
_EDGE_CONTENT = {"VERB"}   # stop-listed verbs may start or end a name ("used a consultancy")
_NOUN_LEFT = {"amod", "compound", "nummod", "nmod", "quantmod", "punct", "cc", "conj", "advmod", "neg"}
_VERB_RIGHT = {"dobj", "prep", "dative", "xcomp", "advcl", "acomp", "oprd", "attr", "agent"}
_AMOUNTS = {"more", "enough", "less", "much"}   # an amount that ends what a verb says
_ARTICLES = {"a", "an", "the"}
# adverbs a name may skip without changing what it says ("the doctors were [all] very kind")
_ASIDES = {"also", "just", "really", "all", "always", "still", "even", "both", "then", "now", "again", "usually",
           "generally", "overall", "certainly", "definitely", "absolutely", "truly", "actually", "honestly"}
_CONTRACTIONS = {"n't": "not", "ca": "can", "wo": "will", "sha": "shall"}


def default_nlp():
    """The packaged English pipeline, shared with the sentence splitter (loaded once)."""
    from themes.text.segment import shared_spacy

    return shared_spacy()


def default_phrases(settings):
    """The name-candidate extractor a run uses: ``spacy_name_phrases`` with its per-text results
    cached unless the cache is off (or the extractor ``themes.config.use_components`` put in force)."""
    from themes.config import components
    from themes.text.cache import cached_spacy_step, sources_version

    if components().phrases is not None:
        return components().phrases(settings)
    extractor = spacy_name_phrases()
    if not settings.use_cache:
        return extractor
    # a change to these modules' source is a new cache namespace: no version number to bump
    sources = sources_version((__name__, "themes.discover.people", "themes.discover.polarity"))
    wrapped = cached_spacy_step(extractor, settings.cache_path, "phrases", sources)
    wrapped.people = cached_spacy_step(extractor.people, settings.cache_path, "people", sources)
    wrapped.word_classes = cached_spacy_step(extractor.word_classes, settings.cache_path, "wordclass", sources)
    return wrapped




# ---------------------------------------------------------------- candidate phrases

def _surface(tok) -> str:
    text = _CONTRACTIONS.get(tok.lower_, tok.text)
    if tok.pos_ == "PROPN" or sum(c.isupper() for c in text) >= 2 or text in ("I", "I'm", "I've", "I'd"):
        return text
    return text.lower()


def _stranded(tok) -> bool:
    """A preposition that ends a relative clause with no object of its own ("I spoke to")."""
    return tok.pos_ == "ADP" and not any(True for _ in tok.children) and tok.head.i < tok.i \
        and tok.head.pos_ == "VERB" and tok.head.dep_ in ("relcl", "acl")


def _finish(tokens) -> str | None:
    """Trim edge stop words (keeping negations, quantifiers and a negated auxiliary) and render
    the tokens as a phrase of 2-6 words, or None."""
    toks = sorted({t.i: t for t in tokens}.values(), key=lambda t: t.i)
    def keep_lead(i):
        t = toks[i]
        if t.lower_ in NEGATIONS or t.lower_ in QUANTIFIERS:
            return True
        return t.pos_ == "AUX" and i + 1 < len(toks) and toks[i + 1].lower_ in ("not", "n't", "never")
    def edge(t, lead=False):   # spaCy's stop list holds verbs and nouns too ("used", "keep", "doing", "part")
        if t.pos_ in _LEAD_POS:
            return True
        return t.is_stop and (t.pos_ not in _EDGE_CONTENT or (lead and t.lemma_ in ("be", "have", "do")))
    while toks and edge(toks[0], lead=True) and not keep_lead(0):
        toks.pop(0)
    while toks and (edge(toks[-1]) or toks[-1].lower_ in NEGATIONS):
        last = toks[-1]
        if last.lower_ in _AMOUNTS and last.dep_ in ("dobj", "advmod", "npadvmod") and last.head in toks:
            break   # "could not have done more", "did not help enough"
        if last.dep_ == "prt" and last.head.dep_ in ("pcomp", "pobj") and toks[-2:-1] == [last.head]:
            break   # "on time for pick up", not "for pick"
        if _stranded(last) and toks[0].i < last.head.i:
            break   # "the lady I spoke to", not "lady I spoke" (but "spoke to" alone says nothing)
        if last.dep_ in ("dobj", "pobj", "attr") and last.pos_ == "PRON":
            return None  # "to do it" -> "to do" says nothing
        if last.dep_ == "advmod" and last.head.pos_ in ("VERB", "AUX") and last.head in toks[:-1] \
                and all(last.is_ancestor(t) for t in toks if last.head.i < t.i < last.i):
            return None  # "you are doing really well" -> "you are doing" has lost what it says
        toks.pop()
    if any(_lost_in_gap(a, b, toks) for a, b in zip(toks, toks[1:]) if b.i - a.i > 1):
        return None
    words = [t for t in toks if not t.is_punct]
    if not 2 <= len(words) <= 6 or not any(t.pos_ in _CONTENT_POS for t in toks):
        return None
    if any(t.is_space or "\n" in t.text for t in toks):
        return None
    out = ""
    for j, t in enumerate(toks):
        if t.is_punct and t.text not in (",", "-", "/", "&"):
            continue
        sep = "" if j == 0 else (toks[j - 1].whitespace_ if toks[j - 1].i + 1 == t.i else " ")
        if t.lower_ == "n't":
            sep = " "
        out += sep + _surface(t)
    out = re.sub(r"\s+", " ", out).strip(" ,-/&").rstrip(".").rstrip(" ,-/&")   # "Hospital A&E." (one token)
    out = re.sub(r"^not any ", "no ", out)
    return out if re.search(r"[A-Za-z]", out) else None


def _lost_in_gap(a, b, kept) -> bool:
    """Whether the words skipped between two kept tokens change what the phrase says: a clause
    boundary ("helped [child a lot, her calm manner and explanations] to child") or how a kept
    word is meant ("did not wait [too long] on the return journey", "went [above and beyond] to
    help"). Skipped relative clauses and modifiers of a subject are fine ("paramedics [who came]
    were very helpful")."""
    gap = a.doc[a.i + 1:b.i]
    return any(t.is_punct for t in gap) or any(
        t.dep_ in ("advmod", "npadvmod") and t.head in kept and t.head.pos_ in ("VERB", "AUX", "ADJ")
        and t.lower_ not in _ASIDES for t in gap)


def _clause_neg(verb) -> list:
    """Negation on a verb: its ``neg`` children and "never", with an auxiliary just before."""
    negs = [c for c in verb.children if c.dep_ == "neg" or c.lower_ in ("never", "hardly")]
    if not negs:
        return []
    # the auxiliary just before the negation, and those between it and the verb ("could not
    # have done": "have" too, or the name would read "could not done")
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and (c.i == negs[0].i - 1 or negs[0].i < c.i < verb.i)]
    return aux + negs


def _noun_core(noun) -> list:
    """The noun with its contiguous left modifiers; a determiner only when it negates or counts."""
    core = [noun]
    for child in sorted(noun.lefts, key=lambda c: -c.i):
        if child.i != core[0].i - 1 and child.right_edge.i != core[0].i - 1:
            break
        if child.dep_ in ("det", "poss", "predet"):
            # a negating or counting determiner, and the article of a bare singular noun ("explained
            # in a manner", not "explained in manner"; a leading one is trimmed)
            if child.lower_ in NEGATIONS or child.lower_ in QUANTIFIERS or \
                    (child.lower_ in _ARTICLES and noun.tag_ == "NN" and core == [noun]):
                core[:0] = list(child.subtree)
            break
        if child.dep_ not in _NOUN_LEFT:
            break
        core[:0] = list(child.subtree)
    if noun.dep_ == "attr" and noun.head.pos_ in ("VERB", "AUX") and core[0].lower_ not in NEGATIONS:
        core[:0] = [t for t in _clause_neg(noun.head) if t.dep_ == "neg" or t.lower_ == "never"]
    return core


def _span(tok, limit: int = 5) -> list:
    sub = list(tok.subtree)
    if len([t for t in sub if not t.is_punct]) <= limit:
        return sub
    if tok.pos_ in ("NOUN", "PROPN"):
        return _noun_core(tok)
    if tok.dep_ == "prep":
        objs = [c for c in tok.children if c.dep_ == "pobj"]
        return [tok] + _noun_core(objs[0]) if objs else []
    return []


def _coordinated(adj) -> list:
    """The adjectives coordinated with ``adj`` and the words between them ("and", commas,
    "very"), or [] when anything else stands between or ``adj`` is itself a later conjunct."""
    conj = [c for c in adj.conjuncts if c.i > adj.i and c.pos_ == "ADJ"]
    if adj.dep_ == "conj" or not conj:
        return []
    between = adj.doc[adj.i + 1:max(c.i for c in conj) + 1]
    if any(t.pos_ not in ("ADJ", "CCONJ", "PUNCT", "ADV") or t.text in (".", "!", "?", ";") for t in between):
        return []
    return list(between)


def _object_gap(verb) -> bool:
    """A relative clause whose object is the noun it describes ("the support I got with ...")."""
    if verb.dep_ != "relcl" or any(c.dep_ in ("dobj", "ccomp", "xcomp", "advmod", "acomp", "attr") for c in verb.children):
        return False
    return any(c.dep_ == "nsubj" and c.lower_ not in ("who", "that", "which", "what") for c in verb.children)


def _doc_candidates(doc) -> list[str]:
    found: list[str] = []
    def add(tokens):
        phrase = _finish(tokens) if tokens else None
        if phrase and phrase.lower() not in {f.lower() for f in found}:
            found.append(phrase)
    for tok in doc:
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ != "compound":
            core = _noun_core(tok)
            add(core)
            for child in tok.rights:
                if child.dep_ == "prep" and any(c.dep_ == "pobj" for c in child.children):
                    add(core + _span(child))
                if child.dep_ in ("relcl", "acl") and tok.dep_ != "npadvmod":   # not "(last) time I called"
                    add(core + list(child.subtree))
        elif tok.pos_ == "VERB":
            if _object_gap(tok):
                continue   # "got with my mental health" has lost what was got
            neg = _clause_neg(tok)
            objs = [c for c in tok.rights if c.dep_ in _VERB_RIGHT]
            head = neg + [tok] + [c for c in tok.rights if c.dep_ == "prt"]
            if objs:
                first = _span(objs[0])
                add(head + first)
                if len(objs) > 1:
                    add(head + first + _span(objs[1]))
            elif neg:
                # what the verb says after it goes with it ("could not have done more"); when
                # that is too long, the bare verb says nothing ("do not think", of "I do not
                # think it could be any better", named a theme of praise)
                said = [c for c in tok.rights if c.dep_ in ("advmod", "npadvmod", "ccomp")]
                if not said:
                    add(head)
                elif more := _span(said[0]):
                    add(head + more)
        elif tok.pos_ == "ADJ" and tok.dep_ in ("acomp", "ROOT", "conj"):
            neg = _clause_neg(tok.head) if tok.dep_ == "acomp" else []
            neg += [c for c in tok.lefts if c.dep_ == "neg" or c.lower_ in ("never", "not")]
            adv = [c for c in tok.lefts if c.dep_ == "advmod"]
            if not neg and any(c.lower_ == "as" for c in adv):
                continue   # "service is as good" (as ever): half a comparison that says nothing
            comp = [c for c in tok.rights if c.dep_ in ("prep", "xcomp")]
            pred = neg + adv + [tok]
            add(pred)
            if comp:
                add(pred + _span(comp[0]))
            both = pred + _coordinated(tok)   # "polite and helpful", "kind, caring and helpful"
            if len(both) > len(pred):
                add(both)
            if tok.dep_ == "acomp":
                subj = [c for c in tok.head.lefts if c.dep_ == "nsubj" and c.pos_ in ("NOUN", "PROPN")]
                if subj:
                    # the subject, the modal before the verb ("food could be better", not "food be
                    # better") and the verb
                    said = _noun_core(subj[0]) + [c for c in tok.head.lefts if c.dep_ in ("aux", "auxpass")
                                                  and c.i > subj[0].i] + [tok.head]
                    add(said + pred)
                    if comp:   # "service is as good as ever", not "service is as good"
                        add(said + pred + _span(comp[0]))
                    if len(both) > len(pred):
                        add(said + both)
    return found


def name_candidates(docs) -> list[list[str]]:
    """Candidate names (2-6 words, negation, quantity and modifiers kept) for each parsed doc."""
    return [_doc_candidates(doc) for doc in docs]


# ---------------------------------------------------------------- filters

def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    return max(1, len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0))


def _entities(doc_or_ents) -> list[tuple[str, str]]:
    ents = [] if doc_or_ents is None else getattr(doc_or_ents, "ents", doc_or_ents)
    return [(e.text, e.label_) if hasattr(e, "label_") else (str(e[0]), str(e[1]))
            for e in ents if hasattr(e, "label_") or isinstance(e, tuple)]


def is_bad_name(phrase: str, doc_or_ents=None) -> str | None:
    """Why ``phrase`` cannot name a theme, or None. ``doc_or_ents``: the spaCy Doc/Span it came
    from, or (text, label) entity pairs; a PERSON anywhere, or a GPE/LOC/ORG/FAC/NORP entity with
    only stop words around it, is rejected ("support from NHS England" is fine)."""
    text = phrase.strip()
    if not text or not re.search(r"[A-Za-z]", text):
        return "number" if _NUMBER.match(text or "x") else "empty"
    if _EMAIL.search(text):
        return "email"
    if _HANDLE.search(text):
        return "handle"
    if _URL.search(text) or _LINK_WORD.search(text):
        return "url"
    words = re.findall(r"[\w'/-]+", text)
    content = [w for w in words if w.lower() not in STOP and w.lower() not in NEGATIONS]
    rest = " " + text.lower() + " "
    for ent, label in _entities(doc_or_ents):
        if label not in ENTITY_LABELS or ent.lower() not in rest:
            continue
        if label == "PERSON":
            return "person"
        rest = rest.replace(ent.lower(), " ")
    if _entities(doc_or_ents) and not [w for w in re.findall(r"[\w'/-]+", rest)
                                       if w not in STOP and w not in NEGATIONS]:
        return "place or organisation"
    if len(content) >= 2 and all(w[0].isupper() for w in content) and any(not w.isupper() for w in content):
        return "proper name"
    if len(words) > 6:
        return "too long"
    if any(a.lower() == b.lower() for a, b in zip(words, words[1:])):
        return "repeated word"   # "military military", from text with its stop words stripped
    if len(words) == 1:
        w = words[0].lower()
        if w in GENERIC or w in STOP:
            return "generic word"
        if words[0].isupper() or _syllables(w) < 2:
            return "single word"
        return None
    if not content:
        return "stop words only"
    return None


def spacy_name_phrases(nlp=None, batch_size: int = 128):
    """A phrase extractor (texts -> one list of candidate names per text) from spaCy's parse:
    ``name_candidates`` less those ``is_bad_name`` rejects given the text's own entities. Its
    ``people`` attribute (texts -> the words of people's names in each, ``person_words``) lets
    themes.discover.labels keep a name found in one answer out of every theme's name; it parses
    only the answers with a capitalised word."""
    state = {"nlp": nlp}
    # the person words of each text ``extract`` parsed: choose_names asks ``people`` for the same
    # texts straight after, and parsing them twice was a third of naming's parse (2,118 central
    # segments of 10,000 distinct answers: about 3 s of 10)
    parsed: dict[str, list[str]] = {}

    def parser():
        if state["nlp"] is None:
            state["nlp"] = default_nlp()
        return state["nlp"]

    def extract(texts: list[str]):
        texts = list(texts)
        for text, doc in zip(texts, parser().pipe(texts, batch_size=batch_size)):
            if CAPITALISED.search(text):
                parsed[text] = person_words(doc)
            yield [c for c in _doc_candidates(doc) if not is_bad_name(c, doc)]

    def people(texts: list[str]):
        texts = list(texts)
        worth = list(dict.fromkeys(t for t in texts if CAPITALISED.search(t) and t not in parsed))
        found = dict(zip(worth, (person_words(d) for d in parser().pipe(worth, batch_size=batch_size)))) \
            if worth else {}
        for t in texts:
            yield parsed[t] if t in parsed else found.get(t, [])

    def word_classes(texts: list[str]):
        """"noun", "adj" or "other" per text (a keyword): its head word's part of speech as spaCy
        tags the keyword alone, in "It was ___." and in "It was the ___." (alone, most single
        words come out nouns: "analytical" was one, and "Data and analytical" named a theme; in
        the first frame many nouns come out adjectives: "referral", "nurse")."""
        texts = list(texts)
        single = [t for t in texts if len(t.split()) == 1]   # the frames are read for one word only
        was = parser().pipe([f"It was {t}." for t in single], batch_size=batch_size)
        the = parser().pipe([f"It was the {t}." for t in single], batch_size=batch_size)
        frames = dict(zip(single, zip(was, the)))
        for text, doc in zip(texts, parser().pipe(texts, batch_size=batch_size)):
            heads = [t for t in doc if t.dep_ == "ROOT"] or list(doc)
            pos = heads[0].pos_ if heads else ""
            a, b = frames.get(text, ((), ()))
            one = len(doc) == 1 and len(a) > 2 and len(b) > 3
            noun = pos in ("NOUN", "PROPN") and (not one or b[3].pos_ in ("NOUN", "PROPN"))
            adj = (a[2].pos_ == "ADJ" and (b[3].pos_ == "ADJ" or pos in ("ADJ", "ADV", "VERB"))) if one else pos == "ADJ"
            yield ["noun" if noun else "adj" if adj else "other"]

    extract.people = people
    extract.word_classes = word_classes
    return extract
