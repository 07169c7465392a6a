"""Theme definitions a coder can apply, and prevalence in plain words.

``define`` is extractive: it takes the first segments it is given (the caller puts the most
typical first), cleans them (quotes, "I think", "In my view", long tails cut at
a clause boundary near 25 words), turns first person into reported speech (I/we -> they,
my/our -> their) and composes "Respondents say <clause>; others say <clause>." from one or two
central segments that are not near-duplicates (token Jaccard <= 0.6). It never writes the old
"Answers that mention ..." template.

``prevalence_words`` turns counts into the words an analyst would use. Bands of the share
n / base: almost all >= 90%; most >= 60%; over half > 50%; about half 40-50%; about a third
28-40%; about a quarter 20-28%; some 10-20%; few < 10% (and "no" for zero).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

MAX_WORDS = 25
CENTRAL = 8           # segments (nearest the centre) a definition may quote
JACCARD_MAX = 0.6
_SIDES = ("positive", "negative")

_OPENER = re.compile(
    r"^(?:(?:honestly|personally|frankly|to be (?:honest|fair)|in my (?:view|opinion|experience)"
    r"|in our (?:view|opinion|experience)|for me|for us|i (?:really |do |would )?(?:think|feel|believe|suppose|guess)"
    r"|we (?:think|feel|believe)|i would say|i'd say|my (?:view|feeling|sense) is|overall|generally)\b[,:]?\s*(?:that\s+)?"
    r"|(?:yes|no|well|ok|okay|so|again)\s*[,:;.!-]\s*)", re.IGNORECASE)
_PRONOUNS = [
    (r"\bi wasn'?t\b", "they weren't"), (r"\bi was not\b", "they were not"),
    (r"\bi'm\b", "they are"), (r"\bi am\b", "they are"), (r"\bi was\b", "they were"),
    (r"\bi've\b", "they have"), (r"\bi'd\b", "they would"), (r"\bi'll\b", "they will"),
    (r"\bwe're\b", "they are"), (r"\bwe've\b", "they have"), (r"\bwe'd\b", "they would"),
    (r"\bwe'll\b", "they will"), (r"\bmyself\b", "themselves"), (r"\bourselves\b", "themselves"),
    (r"\bi\b", "they"), (r"\bwe\b", "they"), (r"\bme\b", "them"), (r"\bmy\b", "their"),
    (r"\bour\b", "their"), (r"\bours\b", "theirs"), (r"\bmine\b", "theirs"),
]
_IMPERATIVE = {"make", "give", "stop", "start", "put", "provide", "fund", "invest", "ensure", "hold",
               "use", "focus", "set", "let", "keep", "allow", "bring", "publish", "create", "build",
               "include", "require", "take", "listen", "treat", "offer", "mandate", "tie", "link",
               "measure", "train", "appoint", "pay", "share", "scrap", "reduce", "increase"}
_NOT_IMPERATIVE_NEXT = {"is", "was", "are", "were", "has", "have", "had", "from", "of", "for", "and",
                        "been", "would", "will", "can", "could", "should", "must", "seems"}
_FINITE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|am|has|have|had|do|does|did|can|could|should|would|will|"
    r"must|may|might|shall|need|needs|needed|seems?|feels?|felt|gets?|got|makes?|made|takes?|took|"
    r"gives?|gave|goes|went|says?|said|know|knows|want|wants|helps?|works?|came|comes?|saw|told|left|"
    r"kept|found|thought|knew|brought|ran|sat|spoke|heard|paid|lost|began|became|stood|understood|met|"
    r"sent|spent|meant|wrote|sought|caught|taught|fell|held|led|holds|keeps|lacks|means|shows|tells|"
    r"treats|looks|sees|thinks|runs|asks|leads|matters|happens|depends|exists|remains|stays|sits|"
    r"puts|pays|costs|tends|fails|tries|cares|listens|supports|provides|includes|offers|expects|"
    r"uses|likes|loves|hates)\b|'re\b|'ve\b|'ll\b|\w+ed\b|'s\b|n't\b", re.IGNORECASE)
_BOUNDARY_WORDS = {"but", "and", "which", "because", "although", "while", "so", "as", "whereas", "though"}
_FRAGMENT_START = {"of", "and", "or", "to", "with", "for", "from", "by", "at", "in", "on", "but", "which", "that"}
#: Subordinators that, opening a sentence with no comma in it, leave it without a main clause
#: ("Since I was in distress.", "Because they could not help me any more").
_SUBORDINATE_START = {"since", "because", "cos", "coz", "as", "although", "though", "whereas", "unless"}
_VERDICT = re.compile(r"^(?:(?:very|really|quite|extremely|fairly|mostly|generally|largely|not very|so|too)\s+)?"
                      r"([a-z]+)(?=\s*(?:,|;|$)|\s+(?:though|but|and|as|up to|overall|if|for|in|at)\b)", re.IGNORECASE)
_VERDICT_WORDS = {"good", "great", "poor", "fine", "ok", "okay", "excellent", "useful", "helpful", "generic",
                  "expensive", "slow", "quick", "brilliant", "fantastic", "amazing", "superb", "thorough",
                  "patchy", "limited", "variable", "disappointing", "challenging", "valuable", "worthwhile",
                  "informative", "professional", "pointless", "costly", "basic", "superficial", "practical"}
#: First-person verbs an answer often opens with, its "I" left out ("Felt safe", "Had to wait").
_SUBJECTLESS = {"felt", "feel", "love", "loved", "like", "liked", "enjoy", "enjoyed", "appreciate", "appreciated",
                "hate", "hated", "found", "got", "had", "received", "needed", "wanted", "waited",
                "think", "thought", "believe", "know", "knew", "did", "didn't", "couldn't",
                "would've", "went", "came", "saw", "spoke", "asked", "called", "rang", "phoned"}
_ADJECTIVE_ENDINGS = ("ful", "ive", "able", "ible", "ous", "ent", "ant", "ic", "ing", "less")
_SUBJECTS = {"they", "it", "there", "this", "that", "these", "those", "he", "she", "you", "everyone", "nobody"}
_WORD = re.compile(r"[\w'’-]+")
_ANAPHORA = re.compile(r"\b(?:that|this|those|these)\s*$|\b(?:do|did|change|pilot|try|tried|fix|done)\s+"
                       r"(?:that|this|those|these)\b", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+|\s+[-\u2022*]\s+", text.strip())
    return [p.strip() for p in parts if p and p.strip()]


def _clean(sentence: str) -> str:
    s = re.sub(r"^[\s\-\u2022*>\d.)]+(?=\D)", "", sentence.strip())
    s = re.sub(r"[\"\u201c\u201d\u2018\u2019`]", lambda m: "'" if m.group() in "\u2018\u2019" else "", s)
    s = s.strip(" '")
    for _ in range(3):
        s2 = _OPENER.sub("", s).strip()
        if s2 == s:
            break
        s = s2
    words = s.split()
    if len(words) > MAX_WORDS:
        cut = None
        for i in range(6, MAX_WORDS):
            if words[i - 1][-1:] in ",;:" or words[i].lower() in _BOUNDARY_WORDS or words[i] in ("-", "\u2013", "\u2014"):
                cut = i
        s = " ".join(words[:cut or MAX_WORDS])
    s = s.rstrip(" ,;:.!?-\u2013\u2014").replace(";", ",")
    return s


@lru_cache(maxsize=8192)
def _reported(s: str) -> str:
    for pattern, repl in _PRONOUNS:
        s = re.sub(pattern, repl, s, flags=re.IGNORECASE)
    return re.sub(r"\b[uU]s\b", "them", s)   # not "US"


def _lower_first(s: str, texts: list[str]) -> str:
    """Lower-case the first word unless it is an acronym or a proper noun (capitalised inside a
    sentence somewhere in ``texts``)."""
    m = _WORD.match(s)
    if not m:
        return s
    word = m.group()
    if (len(word) >= 2 and word.isupper()) or word == "I":
        return s
    if word[:1].isupper() and word[1:].islower() and _proper(word, tuple(sorted(texts))):
        return s
    return word.lower() + s[len(word):]


@lru_cache(maxsize=8192)
def _proper(word: str, texts: tuple[str, ...]) -> bool:
    """Whether ``texts`` write ``word`` capitalised inside a sentence more often than in lower
    case (a name; "the" is not). Cached: the options of one theme's definition ask it of the
    same texts (themes.discover.fit)."""
    inside = re.compile(r"[a-z,;:]\s+" + re.escape(word) + r"\b")
    lower = re.compile(r"\b" + re.escape(word.lower()) + r"\b")
    capitalised = sum(len(inside.findall(t)) for t in texts)
    return bool(capitalised) and capitalised > sum(len(lower.findall(t)) for t in texts)


def _short_key(text: str) -> str:
    return " ".join(_WORD.findall(_clean(text).lower()))


def answer_counts(texts: list[str]) -> Counter:
    """How often each answer was given among ``texts``, by its words (case and punctuation
    aside): what ``define`` quotes beside a short answer. Count once per theme and hand the
    result to every ``define`` of that theme (themes.discover.fit makes up to 137 per theme).
    Each distinct text is keyed once (50,000 answers drawn from the FFT comments: 56,808
    segments, 8,097 distinct; keying every segment was 1.4 s of a 17 s warm run)."""
    counts: Counter = Counter()
    for text, n in Counter(texts).items():
        counts[_short_key(text)] += n
    return counts


@lru_cache(maxsize=8192)
def _statement(text: str) -> tuple[tuple[str, ...], str | None]:
    """(its short answers, lower-cased, then its first statement, cleaned, or None) of one text:
    its sentences in order up to the first of four words or more that is not a fragment, a
    subordinate clause alone or an anaphora. Cached: themes.discover.fit asks ``define`` for up
    to 137 definitions of one theme from the same typical segments."""
    shorts: list[str] = []
    for sent in _sentences(text):
        clause = _clean(sent)
        words = clause.split()
        if words[:1] and words[0].lower() in _FRAGMENT_START:
            continue
        if words[:1] and words[0].lower() in _SUBORDINATE_START and "," not in clause:
            continue
        if _ANAPHORA.search(clause):   # "the board has to change that": of what, the reader cannot tell
            continue
        if len(words) < 4:
            if words and clause.lower() not in shorts:
                shorts.append(clause.lower())
            continue
        return tuple(shorts), clause
    return tuple(shorts), None


def _jaccard(a: str, b: str) -> float:
    x, y = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(x & y) / len(x | y) if x | y else 1.0


def _evaluation(clause: str) -> bool:
    """A clause that opens with a verdict and no subject: "Useful, though the sessions needed
    more follow up", "Very helpful and knowledgeable", "Expensive but thorough"."""
    from themes.text.stance import valence

    m = _VERDICT.match(clause)
    if not m:
        return False
    word = m.group(1).lower()
    return word in _VERDICT_WORDS or (valence(word) != 0 and word.endswith(_ADJECTIVE_ENDINGS))


def _verb(clause: str, first: bool) -> str:
    words = clause.split()
    if _evaluation(clause):
        return ("Respondents" if first else "others") + " describe it as"
    if words and words[0].lower() in _SUBJECTLESS:   # "Felt listened to" -> "they felt listened to"
        return ("Respondents" if first else "others") + " say they"
    if words and words[0].lower() in _IMPERATIVE and (len(words) < 2 or words[1].lower() not in _NOT_IMPERATIVE_NEXT):
        return ("Respondents" if first else "others") + " call to"
    if not _FINITE.search(clause) and (not words or words[0].lower() not in _SUBJECTS):
        return ("Respondents" if first else "others") + " point to"
    return ("Respondents" if first else "others") + " say"


def define(texts: list[str], name: str, stances: list[str] | None = None, mixed: bool = False,
           max_sentences: int = 2, all_texts: list[str] | Counter | None = None) -> str:
    """One or two clauses defining a theme from its segments, most typical first (the caller
    orders them: themes.discover.fit puts the central segments that sit furthest from every
    other theme first). With ``mixed`` (its answers are split on stance and the theme was kept
    together) the definition says so and, given ``stances`` (one per text), quotes one positive
    and one critical clause, the side more of the texts take first, looking past the
    ``CENTRAL`` most typical texts for a side they lack: "Views are mixed: respondents say ...;
    others say ...". The stance
    shares themselves are in the theme's own ``stance`` column, not in its definition. A theme of
    short answers is defined by quoting them, with how often each was given among ``all_texts``
    (the theme's segments, or their ``answer_counts``) when given."""
    stances = list(stances) if stances is not None else [""] * len(texts)
    picked: list[tuple[str, str]] = []   # (cleaned clause, its stance), most typical first
    short: list[str] = []
    given = [(t, s) for t, s in zip(texts, stances) if t and t.strip()]
    for n, (text, stance) in enumerate(given):
        # the CENTRAL most typical texts; past them, for a mixed theme, the first statement of a
        # side they lack, so that "Views are mixed" never quotes two answers of one side
        if n >= CENTRAL and not (mixed and stance in _SIDES and stance not in {st for _, st in picked}):
            continue
        shorts, clause = _statement(text)
        if n < CENTRAL:
            short.extend(a for a in shorts if a not in short)
        if clause is not None:
            picked.append((clause, stance))
    lead = "Views are mixed: " if mixed else ""

    # with all the theme's texts, each quoted answer says how often it was given ("nothing at
    # all" (212)), so two themes of short answers are told apart by more than their words; the
    # answers given most often are the ones quoted (the most typical first on a tie)
    keys = all_texts if isinstance(all_texts, Counter) else answer_counts(all_texts) if short and all_texts else Counter()
    said = {a: keys[_short_key(a)] for a in short}
    short.sort(key=lambda a: -said[a])

    def short_answers(shown: list[str]) -> str:
        return " or ".join(f'"{a}"' + (f" ({said[a]:,})" if said.get(a, 0) > 1 else "") for a in shown)

    if not picked:
        body = "Respondents give short answers such as " + short_answers(short[:2] or [name.lower()]) + "."
        return lead + (body[0].lower() + body[1:] if lead else body)
    order = list(range(len(picked)))
    if mixed:
        # the side more of the given texts take first ("Views are mixed: respondents say <the
        # larger side>; others say <the smaller>"), positive first on a tie
        count = {side: sum(st == side for _, st in given) for side in _SIDES}
        sides = [next((i for i, (_, st) in enumerate(picked) if st == side), None)
                 for side in sorted(_SIDES, key=lambda side: -count[side])]
        first = [i for i in sides if i is not None]
        order = first + [i for i in order if i not in first]
        max_sentences = max(max_sentences, len(first))   # both sides, even where one was asked for
    chosen: list[str] = []
    for i in order:
        clause = picked[i][0]
        if all(_jaccard(clause, c) <= JACCARD_MAX for c in chosen):
            chosen.append(clause)
        if len(chosen) >= max(1, max_sentences):
            break
    parts = [f"{_verb(c, j == 0)} {c}" for j, c in enumerate(_lower_first(_reported(c), texts) for c in chosen)]
    if len(chosen) < max(1, max_sentences) and short:   # one statement: the short answers say the rest
        parts.append("others give short answers such as " + short_answers(short[:2]))
    body = "; ".join(parts) + "."
    return lead + (body[0].lower() + body[1:] if lead else body)


_OF = {"over half": " of", "about half": " of", "about a third": " of", "about a quarter": " of"}


def _band(share: float) -> str:
    """The bands of the module docstring (a share of exactly 50% is "about half")."""
    if share >= 0.9:
        return "almost all"
    if share >= 0.6:
        return "most"
    if share > 0.5:
        return "over half"
    for floor, words in ((0.4, "about half"), (0.28, "about a third"), (0.2, "about a quarter"), (0.1, "some")):
        if share >= floor:
            return words
    return "few"


def _plural(group: str) -> str:
    g = group.strip()
    head, sep, tail = g.partition(" of ")
    words = head.split()
    if not words:
        return g
    last = words[-1]
    if last.isupper():
        plural = last + "s"
    elif re.search(r"(s|x|ch|sh)$", last.lower()):
        plural = last + "es"
    elif re.search(r"[^aeiou]y$", last.lower()):
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    words[-1] = plural
    def keep(w):
        return w if w.isupper() or w[:-1].isupper() else w.lower()

    out = " ".join(keep(w) for w in words)
    return out + (sep + " ".join(keep(w) for w in tail.split()) if sep else "")


MAX_GROUPS = 3   # groups a summary names at most (the ones that stand out most)
Z_NAMED = 2.0    # a group is named when its count is this many standard deviations from the expected
#: Group labels that say the attribute is missing: a summary never names them.
UNSTATED = {"(not stated)", "not stated", "unknown", "not known", "missing", "n/a", "na", "none", "blank", ""}


def _stands_out(k: int, total: int, share: float, overall: str, min_cell: int) -> tuple[str, float] | None:
    """(the group's band, how far it stands out) when its band differs from the overall band and
    its count is at least ``Z_NAMED`` binomial standard deviations from what the overall share
    predicts (so a group of six is not named for one answer more or less), else None."""
    if total < min_cell or total <= 0:
        return None
    g = k / total
    band = "no" if k <= 0 else _band(g)
    sd = (total * share * (1 - share)) ** 0.5
    z = (k - total * share) / sd if sd > 0 else 0.0
    if band == overall or abs(z) < Z_NAMED:
        return None
    return band, abs(z)


def prevalence_words(n: int, base: int, group_counts: dict[str, tuple[int, int]] | None = None,
                     min_cell: int = 5, other_groups: list[dict[str, tuple[int, int]]] | None = None) -> str:
    """"about a third of respondents; most chairs, few chief executives". ``group_counts``:
    group -> (respondents in the theme, respondents in the group) of the first attribute (roles:
    named in the plural); ``other_groups``: the same for further attributes, named as
    "respondents in <group>". Groups with fewer than ``min_cell`` respondents are never named
    (small-cell rule), nor are labels of a missing value (``UNSTATED``); a group is named only
    when its band differs from the overall band and its count is beyond chance
    (``_stands_out``); at most ``MAX_GROUPS``, those furthest from the overall share, listed most
    common first."""
    share = n / base if base else 0.0
    overall = "no" if n <= 0 else _band(share)
    text = f"{overall}{_OF.get(overall, '')} respondents"
    standout = []
    for j, groups in enumerate([group_counts or {}] + list(other_groups or [])):
        for group, (k, total) in groups.items():
            found = _stands_out(k, total, share, overall, min_cell)
            if found is None or group.strip().lower() in UNSTATED:
                continue
            band, far = found
            who = _plural(group) if j == 0 else f"respondents in {' '.join(group.split())}"
            standout.append((-far, -k / total, group, f"{band}{_OF.get(band, '')} {who}"))
    chosen = sorted(sorted(standout)[:MAX_GROUPS], key=lambda s: (s[1], s[2]))
    return text + ("; " + ", ".join(s[3] for s in chosen) if chosen else "")
