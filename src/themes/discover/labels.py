"""Theme names an analyst would write: support, contradiction and choice.

Names come from the segments nearest each theme's centre; the candidates and the filters are
themes.discover.name_phrases. ``support`` and ``contradicts`` (themes.discover.polarity) check a
phrase against the theme's own segments with its polarity: "no exams" is supported only by
segments that negate exams, and "timed exam" is rejected when the segments say there are no
exams. ``choose_names`` scores the survivors and falls back to keywords or a shortened central
sentence, never to "Theme N".
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from themes.discover.fallbacks import sentence_name, short_answer_name
from themes.discover.name_phrases import GENERIC, is_bad_name, spacy_name_phrases
from themes.discover.people import names_initial, titled_names
from themes.discover.polarity import (
    STOP,
    content_stems,
    contradicts_stems,
    match_stems,
    stem,
    stem_tokens,
)
from themes.text.stance import MIXED_SHARE, stance_labels, stance_shares, valence

NAME_SAMPLE = 40       # central segments parsed per theme
N_CANDIDATES = 30      # candidates per theme (most frequent first) that are scored in full
WEAK_SUPPORT = 0.05    # the weaker phrase rule: this share of the sample, and two segments at least
KEYWORD_TEXTS = 400    # segments per theme read for proper names (keywords that name no theme)
CONTRADICTION_TEXTS = 2000   # segments per theme a keyword name is checked against for polarity
NAMED_SHARE = 0.5      # a theme this share of whose sample names someone is about the people named
PEOPLE_NAME = "Individuals named"
RULES = ("phrase", "short answer", "weak phrase", "people named", "keywords", "sentence")
REDACTED_NAME = re.compile(r"\b(?:XXX+|xxx+)\b")   # "XXXX was lovely": the export's mark for a name
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'-]*")     # a word as written in lower case
_CAPITAL_WORD = re.compile(r"(?<![\w'’-])[A-Z][a-z'-]+")   # a word as written capitalised


# ---------------------------------------------------------------- choosing names

def _cap(name: str) -> str:
    return name[:1].upper() + name[1:] if name else name


def _case(keyword: str, texts: list[str]) -> str:
    """A keyword as the texts mostly write it when that is upper case (cqc -> CQC)."""
    forms = Counter(m.group() for t in texts for m in re.finditer(r"\b" + re.escape(keyword) + r"\b", t, re.IGNORECASE))
    top = min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0] if forms else keyword
    return " ".join(w if sum(c.isupper() for c in w) >= 2 else w.lower() for w in top.split())


def people_named(texts: list[str], extractor=None, context: list[str] | None = None) -> set[str]:
    """Lower-cased words of people's names in ``texts``: a capitalised word after a title
    ("Dr Schofield", "mrs Patel"), a name an export replaced by Xs ("XXXX was very helpful"), and a word of a PERSON entity (the extractor's ``people``, when it has one:
    themes.discover.name_phrases.spacy_name_phrases) that ``context`` (answers across the
    survey; ``texts`` by default) never writes in lower case: the small model tags words that
    open an answer ("Quicker", "Struggle", "Bipolar") as people, and other answers write them
    in lower case."""
    titled = {w for t in texts for w in titled_names(t)}
    titled |= {w.lower() for t in texts for w in REDACTED_NAME.findall(t)}   # a name an export blanked out
    finder = getattr(extractor, "people", None)
    if finder is None or not texts:
        return titled
    found = {w for ws in finder(list(texts)) for w in ws}
    lower = {w for t in (texts if context is None else [*texts, *context]) for w in _LOWER_WORD.findall(t)}
    return titled | (found - lower)


def names_someone(text: str, people: set[str]) -> bool:
    """Whether ``text`` holds a word of a person's name (``people_named``) or a title and an initial."""
    return names_initial(text) or (bool(people) and any(w in people for w in re.findall(r"[a-z][a-z'-]*", text.lower())))


PROPER_SHARE = 0.8     # a word capitalised this share of the times it is written is a proper name


def proper_words(texts: list[str]) -> set[str]:
    """Lower-cased words the texts write capitalised three times or more, and in at least
    ``PROPER_SHARE`` of the times they write them ("Angus", "Scott", "Rampton"): proper names,
    which the entity recogniser often misses in a short answer ("Angus is great."); on its own
    one names no theme. ``texts`` should span the survey, so that a word some answers open with
    ("Brilliant.") is seen written in lower case too."""
    capital = Counter(m.lower() for t in texts for m in _CAPITAL_WORD.findall(t))
    lower = Counter(w for t in texts for w in _LOWER_WORD.findall(t))
    return {w for w, n in capital.items() if n >= 3 and n >= PROPER_SHARE * (n + lower[w])}


def _keyword_people(keywords_by_theme, t: int, texts_by_theme, extractor, context) -> set[str]:
    """People named in the theme's answers that hold one of its top keywords (``people_named``
    over up to ``NAME_SAMPLE`` of them): a keyword may be a name the central sample lacks."""
    top = [k for k in (keywords_by_theme[t] if t < len(keywords_by_theme) else [])[:8] if k.strip()]
    if not top:
        return set()
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in top) + r")\b", re.IGNORECASE)
    holding = [x for x in texts_by_theme[t][:KEYWORD_TEXTS] if pattern.search(x)][:NAME_SAMPLE]
    return people_named(holding, extractor, context)


def _keyword_name(keywords: list[str], used: set[str], texts: list[str] = (),
                  avoid: set[str] = frozenset(), classes: dict[str, str] | None = None,
                  answers: list[str] | None = None) -> str | None:
    """A name from the keywords that are not generic (contractions left out), most specific
    first: two top keywords the answers write side by side ("lip service"), then "waiting times
    and parking" from the top two, then a keyword pair alone. A keyword holding a word of
    ``avoid`` (people's names, proper names: ``people_named``, ``proper_words``) is left out.
    Given each keyword's word class (``classes``, lower-cased keyword -> "noun" / "adj" /
    "other"), two keywords are joined by "and" only when both are nouns, or two adjectives the
    answers join so ("Gave and knowledgeable", "CPN and quickly", "Analytical and wrong" named
    themes), and two written side by side only when the second is a noun. A name that
    contradicts the answers (themes.discover.polarity.contradicts; all of the theme's
    ``answers``, up to CONTRADICTION_TEXTS, where given, else ``texts``) is passed over."""
    keywords = [_case(k, list(texts)) for k in keywords]
    good = [k for k in keywords if k.strip() and not all(w in GENERIC or w in STOP for w in k.lower().split())
            and "'" not in k and "\u2019" not in k
            and is_bad_name(k) not in ("handle", "url", "email", "number") and not names_someone(k, avoid)]
    low = " ".join(texts).lower()
    def related(a: str, b: str) -> bool:   # "informative" and "information" say one thing twice
        return any(x.startswith(y[:4]) or y.startswith(x[:4]) for x in {stem(w) for w in a.lower().split()}
                   for y in {stem(w) for w in b.lower().split()})
    def alike(a: str, b: str) -> bool:   # two adjectives only as the answers join them
        ca, cb = ("noun", "noun") if classes is None else (classes.get(a.lower()), classes.get(b.lower()))
        x, y = re.escape(a.lower()), re.escape(b.lower())
        return ca == cb == "noun" or (ca == cb == "adj" and bool(re.search(rf"\b(?:{x},? and {y}|{y},? and {x})\b", low)))
    # side by side, the second a noun ("lip service", "analytical capacity"; not "CPN gave")
    side_by_side = [f"{a} {b}" for a in good[:4] for b in good[:4]
                    if a != b and len(a.split()) == len(b.split()) == 1 and not related(a, b)
                    and (classes is None or classes.get(b.lower()) == "noun")
                    and re.search(r"\b" + re.escape(f"{a} {b}".lower()) + r"\b", low)]
    pairs = [[s] for s in side_by_side]
    pairs += [[good[i], good[j]] for i in range(len(good)) for j in range(i + 1, len(good))
              if not related(good[i], good[j]) and alike(good[i], good[j])]
    pairs += [[k] for k in good if len(k.split()) > 1]
    toks = [stem_tokens(t) for t in (texts if answers is None else answers[:CONTRADICTION_TEXTS])]
    for pair in pairs:
        name = " and ".join(pair)
        # keywords leave out "no", "not" and "nothing" (stop words): "Needs improved" of answers
        # that say "Nothing needs to be improved" contradicts them
        if name.lower() not in used and not contradicts_stems(name, toks):
            return name
    return None


def _word_classes(extractor, keywords: list[str]) -> dict[str, str] | None:
    """lower-cased keyword -> its word class, from the extractor's ``word_classes`` (None
    without one: every pair may then be joined)."""
    classify = getattr(extractor, "word_classes", None)
    words = list(dict.fromkeys(k.lower() for k in keywords if k.strip()))
    if classify is None or not words:
        return None
    return {w: (c[0] if c else "other") for w, c in zip(words, classify(words))}


JUDGED_VALENCE = 1.5   # VADER valence of a word that passes judgement ("good" 1.9, "helpful" 1.7, "calm" 1.3)
NOT_JUDGING = {"like", "better"}   # in VADER's lexicon, but in names a comparison ("feels like") or a request ("better food")


def _against(side: str, shares: dict[str, float], name: str = "") -> bool:
    """A name of stance ``side`` would contradict a theme whose segments (``shares``:
    themes.text.stance.stance_shares) are mostly, at least half and twice the other side, of the
    opposite stance; and a name that passes judgement on its side (a word of VADER's lexicon at
    JUDGED_VALENCE or more that way: "useless", "good", "helpful") would take a side in a theme whose views are mixed
    (each side at least MIXED_SHARE) when its own side is under half ("Useless service" named
    answers 49% critical and 42% positive). Requests and topics ("Listen to patients", "Better
    support", "Lack of contact") may still name mixed themes: without them the names left were
    keyword pairs ("Lip and stop")."""
    if side not in ("positive", "negative"):
        return False
    opposite = "positive" if side == "negative" else "negative"
    if shares[opposite] >= 0.5 and shares[opposite] >= 2 * shares[side]:
        return True
    mixed = shares[opposite] >= MIXED_SHARE and shares[side] >= MIXED_SHARE
    sign = 1 if side == "positive" else -1
    judged = any(sign * valence(w) >= JUDGED_VALENCE for w in re.findall(r"[a-z]+", name.lower()) if w not in NOT_JUDGING)
    return mixed and judged and shares[side] < 0.5


def stem_index(toks: list[list[str]]) -> dict[str, list[int]]:
    """stem -> the segments (positions in ``toks``) that hold it."""
    index: dict[str, list[int]] = {}
    for i, tk in enumerate(toks):
        for s in set(tk):
            index.setdefault(s, []).append(i)
    return index


def phrase_hits(stems: list[str], negated: bool, toks: list[list[str]], index: dict[str, list[int]]) -> np.ndarray:
    """Which segments hold the phrase's content words with its polarity: ``match_stems`` on each
    segment, asked only of those that hold enough of the stems (``index``) to match at all."""
    hits = np.zeros(len(toks), dtype=bool)
    counts = Counter(i for s in dict.fromkeys(stems) for i in index.get(s, ()))
    need = len(stems) if len(stems) <= 2 else -(-len(stems) // 2)
    for i, c in counts.items():
        if c >= need:
            found, neg = match_stems(stems, toks[i])
            hits[i] = found and neg == negated
    return hits


def choose_names(texts_by_theme: list[list[str]], centroids, embedder, extractor=None,
                 keywords_by_theme: list[list[str]] | None = None,
                 min_support: float = 0.15, scores_out: list | None = None,
                 questions: list[str] | None = None,
                 stances: list[list[str]] | None = None) -> tuple[list[str], list[str]]:
    """(names, rules) for themes whose segment texts are listed nearest the centre first.

    Each theme's first ``NAME_SAMPLE`` segments are parsed; a candidate scores
    0.3 x support + 0.3 x cosine of its embedding with the centroid + 0.3 x distinctiveness
    (share of its supporting segments, over all themes, that lie in this theme) + 0.1 for 2-5
    words. A phrase found in over half of the themes (when there are four or more) is
    the survey's topic and is skipped, as is one whose content words all come from the
    theme's question (``questions``: "Race equality" for "What would help your board make
    faster progress on race equality?"), and, given each theme's segment ``stances``, one whose
    own stance opposes a theme that is mostly the other way ("Less helpful" for answers 60%
    positive). Support here is ``support`` (share of the sample, polarity kept) with each segment
    weighted by the share of the phrase's content words it holds, and must reach
    ``min_support``. Filtered, contradicting and under-supported
    candidates drop out; names are distinct within a question (case-insensitive), the higher score keeping a
    contested one. Rules (``RULES``): "phrase"; else "short answer" (a theme of mostly short
    answers is named by its commonest one, said twice at least: "Nothing at all"); else "weak
    phrase" (the best phrase with ``WEAK_SUPPORT`` of the sample and two segments that holds
    one of the theme's three top keywords, so a side topic of two answers cannot name it); else
    "people named" (``PEOPLE_NAME``, for a theme at least ``NAMED_SHARE`` of whose sample names
    someone: answers that thank staff by name); else "keywords" (top two non-generic keywords);
    else "sentence" (the most central segment, shortened). No rule gives a name that holds a
    word of a person's name found in the answers (``people_named``); the keyword rule also
    leaves out proper names (``proper_words``)."""
    extractor = extractor if extractor is not None else spacy_name_phrases()
    keywords_by_theme = keywords_by_theme or [[] for _ in texts_by_theme]
    samples = [[t for t in texts if t and t.strip()][:NAME_SAMPLE] for texts in texts_by_theme]
    flat = [t for s in samples for t in s]
    cand_lists = [list(c) for c in extractor(flat)] if flat else []
    toks = [stem_tokens(t) for t in flat]
    context = [x for texts in texts_by_theme for x in texts[:KEYWORD_TEXTS]]
    people = people_named(flat, extractor, context)
    proper: list[set[str]] = []   # proper_words(context), worked out when the keyword rule is reached
    owner = np.repeat(np.arange(len(samples)), [len(s) for s in samples])
    holding = stem_index(toks)

    per_theme: list[list[tuple[str, str]]] = []   # (key, display) of each theme's most frequent candidates
    pos = 0
    for s in samples:
        counts: Counter = Counter()
        first: dict[str, str] = {}
        for cands in cand_lists[pos:pos + len(s)]:
            for c in cands:
                counts[c.lower()] += 1
                first.setdefault(c.lower(), c)
        pos += len(s)
        # ties go to the phrase of the more central segment (counts keeps first-seen order), not
        # to the alphabet: "used a consultancy" of the second-nearest answer was cut for "academy"
        top = sorted(counts, key=lambda k: -counts[k])[:N_CANDIDATES]
        per_theme.append([(k, first[k]) for k in top])

    scored: list[tuple[float, str, int, str]] = []   # (score, key, theme, display)
    keep: list[tuple[int, str, str, float, float]] = []
    asked = [set(stem_tokens(q)) if q else set() for q in (questions or [""] * len(samples))]
    for t, cands in enumerate(per_theme):
        mine = [toks[i] for i in np.flatnonzero(owner == t)]
        for key, display in cands:
            # the extractor checked each phrase against its own parse; these checks need none
            if is_bad_name(display) or names_someone(display, people) or contradicts_stems(display, mine):
                continue
            stems, negated = content_stems(display)
            if stems and set(stems) <= asked[t]:
                continue   # the question's own words tell the reader nothing
            good = [tk for tk in mine if match_stems(stems, tk) == (True, negated)]
            if not good:
                continue
            # a supporting segment that holds only part of the content words counts for that part
            sup = sum(len(set(stems) & set(tk)) for tk in good) / (len(mine) * len(stems))
            strong = sup >= min_support
            if not strong and (sup < WEAK_SUPPORT or len(good) < 2):
                continue
            hits = phrase_hits(stems, negated, toks, holding)
            distinct = float(hits[owner == t].sum() / max(hits.sum(), 1))
            spread = len(set(owner[hits].tolist()))
            if len(samples) >= 4 and spread > 0.5 * len(samples):
                continue   # the survey's topic ("race equality"), not this theme's
            keep.append((t, key, display, sup, distinct, strong))
    if keep and stances is not None:
        leans = [stance_shares(stances[t]) if t < len(stances) else stance_shares([]) for t in range(len(samples))]
        keep = [k for k, side in zip(keep, stance_labels([k[2] for k in keep])) if not _against(side, leans[k[0]], k[2])]
    if keep:
        vecs = np.asarray(embedder.embed([k[2] for k in keep]), dtype=np.float32)
        cents = np.asarray(centroids, dtype=np.float32)
        for (t, key, display, sup, distinct, strong), v in zip(keep, vecs):
            n_words = len(display.split())
            score = 0.3 * sup + 0.3 * float(v @ cents[t]) + 0.3 * distinct + (0.1 if n_words <= 5 else 0.0)
            scored.append((score, key, t, display, strong))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    if scores_out is not None:
        scores_out.extend((t, round(score, 4), display) for score, _, t, display, strong in scored if strong)

    names: list[str | None] = [None] * len(samples)
    rules = [""] * len(samples)
    of_question = questions or [""] * len(samples)
    used_in: dict[str, set[str]] = {}   # names are distinct within a question (codebooks allow the same across)
    for _score, key, t, display, strong in scored:
        used = used_in.setdefault(of_question[t], set())
        if strong and names[t] is None and key not in used:
            names[t], rules[t] = _cap(display), "phrase"
            used.add(key)
    for t in range(len(samples)):   # fallbacks, in RULES order
        if names[t] is not None:
            continue
        used = used_in.setdefault(of_question[t], set())
        short = short_answer_name(samples[t], used, embedder, [toks[i] for i in np.flatnonzero(owner == t)])
        short = None if short and names_someone(short, people) else short
        top = {stem(w) for k in (keywords_by_theme[t][:3] if t < len(keywords_by_theme) else []) for w in k.split()}
        weak = next((s for s in scored if s[2] == t and not s[4] and s[1] not in used
                     and top & set(content_stems(s[3])[0])), None) if not short else None
        named = not (short or weak) and PEOPLE_NAME.lower() not in used and bool(samples[t]) \
            and np.mean([names_someone(x, people) for x in samples[t]]) >= NAMED_SHARE
        kw = None
        if not (short or weak or named):
            proper = proper or [proper_words(context)]
            mine_kw = keywords_by_theme[t] if t < len(keywords_by_theme) else []
            kw = _keyword_name(mine_kw, used, samples[t],
                               people | proper[0] | _keyword_people(keywords_by_theme, t, texts_by_theme, extractor,
                                                                    context), _word_classes(extractor, mine_kw),
                               answers=texts_by_theme[t])
        if short:
            name, rules[t] = short, "short answer"
        elif weak:
            name, rules[t] = weak[3], "weak phrase"
        elif named:
            name, rules[t] = PEOPLE_NAME, "people named"
        elif kw:
            name, rules[t] = kw, "keywords"
        else:
            anonymous = [x for x in samples[t] if not names_someone(x, people)]
            name, rules[t] = sentence_name(anonymous or samples[t], used, people), "sentence"
        names[t] = _cap(name)
        used.add(name.lower())
    return [n or "" for n in names], rules
