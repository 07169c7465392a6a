"""Stance per segment: positive / negative / neutral, and for / against a proposal.

Polarity is VADER's compound score (vaderSentiment 3.3.2, a rule-based lexicon
shipped inside the package: nothing is downloaded) with a short survey lexicon
on top for phrases VADER misses or misreads ("lack of", "could be better",
"no concerns"). No question text is used: "Nothing." is neutral here even when
it answers "what could improve?".
"""

from __future__ import annotations

import math
import re

_NEGATORS = (
    r"no|not|never|none|nothing|without|hardly|nobody|cannot|"
    r"\w+n't|aint|cant|dont|didnt|doesnt|isnt|wasnt|werent|wont|wouldnt"
)
_NEGATOR = re.compile(rf"^(?:{_NEGATORS})$")
_WORD = re.compile(r"[\w']+")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()]|\bbut\b")
_OK_PUNCT = re.compile(r"\b(ok)([.!?,;:]+)", re.IGNORECASE)
_OPEN = r"(?:^|(?<=[.!?;] ))"  # the start of the text or of a sentence in it
MIXED_SHARE = 0.2  # each side's share for a theme's views to count as mixed (describe_stance)
_NEGATION_WINDOW = 3  # words before a cue that can negate it, as in VADER
_FLIP = -0.74  # VADER's N_SCALAR: a negated cue keeps 74% of its strength, reversed
_ALPHA = 15.0  # VADER's normalisation constant

# Survey cues as (regex, valence) on VADER's lexicon scale (about -4 .. +4; "good"
# is +1.9, "bad" -2.5). Earlier rules win where matches overlap. A cue preceded by
# a negator within three words of the same clause is flipped ("no concerns",
# "not too long", "nothing needs to change"), and the negator is used up.
# Only cues VADER misses or misreads are listed; "rude", "ignored", "worried",
# "comfortable", "happy to" are already in its lexicon, with negation.
POLARITY_RULES: list[tuple[str, float]] = [
    # Nothing to improve: VADER reads the "improve" as praise of something else.
    (r"\bnothing (?:much |really |at all )?(?:to|i would|i'd|that needs to) (?:improve|change)\b", 2.0),
    # A leading "Nothing." (to "what could improve?") is no opinion, but VADER, which ignores
    # punctuation, lets it negate the praise after it: "Nothing. Excellent service." was critical.
    (r"^\W*(?:nothing|none|no|nope|n/a|not really)(?: (?:really|at all|else|more|extra|much))?\s*[.,!;:\-]+"
     r"|^\W*nothing(?: (?:else|extra|more))?(?= (?:all|needed|for me|to add|i can think of)\b)"
     r"|^\W*(?:no|nothing|none)\W*(?=everything\b|(?:i think |i thought )?(?:it was|it went|they were|all was)\b)", 0.0),
    # "Nothing apart from the wait": something to improve after all ("nothing but praise" is not).
    (r"^\W*(?:nothing|not much|none) (?:really |much |else )?(?:apart from|except(?: for)?|other than|besides|aside from)\b", -1.0),
    # "Could not have done any better", "couldn't fault": praise phrased as a negation.
    (r"\b(?:could|can)(?:n't| ?not)(?: have)? (?:do(?:ne)?|be(?:en)?|ask(?:ed)? for|wish(?:ed)? for)"
     r"(?: it| them| any| anything| much| a)? (?:better|more)\b|\bask(?:ed)? for no better\b"
     r"|\b(?:can(?:no|')?t|could(?:n't| ?not)|couldnt|unable to)(?: (?:really|honestly))?(?: find(?: any| a)?)? (?:fault|improve on)"
     r"|\b(?:hard|difficult) to (?:find (?:any |a )?faults?|fault)\b|\bnothing to fault\b|\bcould(?: have|'ve) done nothing better\b|\bnothing but (?:praise|good|positive|admiration|respect|thanks|gratitude|the best)\b", 2.0),
    # ... and as nothing left to improve: "can't think of anything that could have been better",
    # "nothing could be improved", "no improvements needed".
    (r"\b(?:can(?:no|')?t|could(?:n't| ?not)|couldnt|unable to) think of (?:a thing|anything|any ?thing)[^.!?]*?"
     r"\b(?:better|improved?|change[ds]?|differently)\b"
     r"|\bnothing (?:\w+ )?(?:could|can|would|should)(?: have)? (?:be(?:en)? )?(?:improved?|changed?|better|done better)\b"
     r"|\bno (?:improvements?|changes?) (?:needed|required|necessary)\b|^\W*no suggestions?\b", 2.0),
    (r"\beverything (?:can|could|needs to|should) be (?:improved|better|changed)\b", -1.5),
    # Short waits and quick help are praise VADER has no words for ("quick", "promptly",
    # "on time" are not in its lexicon); they come before the long-wait cues they overlap.
    (r"\b(?:did(?:n't| not|nt)|no need to|never) (?:have to |had to |need to )?wait(?: (?:very|too|that|so))? long\b"
     r"|\b(?:wait(?:ing)?(?: time)?|it) (?:was(?:n't| not)|wasnt|is(?:n't| not)) (?:too |very |that )?long\b"
     r"|\b(?:with(?:out| no|in) )?(?:no|little|hardly any|minimal) (?:wait(?:ing)?|delay)(?: time)?\b(?! room| list)"
     r"|\b(?:arrived|came|answered|responded|attended|seen|dealt with|sorted(?: out)?|assessed|treated|called back)"
     r"(?: (?:very|really|so|extremely|incredibly|fairly|pretty|quite))? (?:quickly|promptly|swiftly|rapidly"
     r"|on time|in no time|within minutes|straight away|immediately|right away)\b"
     r"|\b(?:quick|prompt|swift|speedy|fast|rapid|timely|immediate) (?:response|service|arrival|attention|action"
     r"|treatment|reply|care|assessment|appointment|referral|help)s?\b"
     r"|\b(?:very|so|really|extremely|incredibly) (?:quickly|promptly|swiftly)\b", 1.8),
    # Refusal and unwillingness: VADER has no "consider", and "would not" alone is empty.
    (r"\bwould(?:n't| not| never) (?:\w+ )?(?:consider|recommend|want|choose|use)\b", -1.5),
    # Willingness: "would consider" is openness; "happy to" is already in VADER.
    (r"\bwould (?:\w+ )?consider\b", 1.0),
    # "like" as a comparison or a wish is no praise: "feels like lip service", "like a
    # conveyor belt", "I would like more updates" (VADER scores every "like" +2.0).
    # A wish for what was missing is a request: "would have liked more information", "could do
    # with easier transport" ("I would like to thank the staff" is not).
    (r"\b(?:would|'d|should)(?: have|'ve)? (?:really )?(?:liked?) (?!to (?:thank|say|praise|commend|express|compliment"
     r"|add|mention|congratulate|give))(?:more|better|less|fewer|some|an?|the|someone|somebody|them|it if"
     r"|to (?:have|see|be|get|know|hear|receive|speak|talk))\b[^.!?;]*|\bcould(?: have|'ve)? (?:done|do) with\b[^.!?;]*", -1.5),
    (r"\b(?:feels?|felt|feeling|looks?|looked|seems?|seemed|sounds?|sounded|treated|things?|something"
     r"|anything|nothing|more|less|just) like\b|\blike (?:a|an|when|if)\b"
     r"|\b(?:would|'d|should) (?:really )?like\b", 0.0),
    # "less" lowers the praise after it: "less helpful", "less useful than hoped".
    (r"\bless (?:\w+ )?(?:helpful|useful|good|effective|supportive|friendly|clear|informative|responsive|caring)\b", -1.2),
    # Criticism VADER has no words for: "lip service", "box-ticking", "nothing changes".
    (r"\blip[- ]service\b|\b(?:box|tick)[- ]?(?:ticking|box(?:ing)?|exercises?)\b|\btokenis(?:m|tic)\b|\bperformative\b"
     r"|\bnothing (?:ever |really )?(?:changes|changed|happens|happened|improves|improved|gets done)\b"
     r"|\b(?:fell|falls?|falling) short\b|\blet (?:me |us |them |him |her |patients |people )?down\b", -1.5),
    # Praise VADER has no words for: "made all the difference".
    (r"\bmade (?:all the|a (?:real |big |huge |massive )?|such a )difference\b", 1.5),
    # Worry nouns VADER lacks; negated they reassure ("no concerns", "no issues").
    (r"\bconcern(?:s|ed|ing)?\b|\bissues?\b|\bcomplaints?\b|\bworries\b", -1.2),
    # Need, lack and deficit: criticism phrased without a negative word.
    (r"\black(?:s|ed|ing)?(?: of)?\b|\bnot enough\b|\binsufficient\b|\binadequate\b", -1.5),
    (r"\btoo (?:little|few|much|many|long|slow|late|short|expensive|complicated|difficult|hard)\b", -1.5),
    (r"\bno (?:support|help|feedback|information|communication|follow[- ]up|one (?:listened|called|explained|told))\b", -1.5),
    (r"\bneeds? (?:to (?:improve|change|be (?:better|improved|changed))|more|improv\w*|work)\b", -1.5),
    # What staff or the service should do is a request too: "Doctors need to listen".
    (r"\b(?:need|needs|should|must|ought to) (?:to )?(?:really )?(?:listen|take|have|get|make|give|provide|explain|tell"
     r"|treat|see|stop|start|ensure|check|read|answer|respond|communicate|learn|train|understand|consider|look|offer"
     r"|involve|speak|talk|call|contact|update|inform|keep)\b", -1.2),
    (r"\bcould (?:be|have been|do) (?:much |a lot |far )?better\b|\bshould(?: have|'ve)\b", -1.5),
    (r"\bwait(?:ed|ing)? (?:far |way |so )?(?:too )?long\b|\bto (?:long|slow)\b", -1.5),
    (r"\b(?:long|lengthy|longer) (?:wait|waits|waiting|delays?)\b|\bkept (?:\w+ )?waiting\b|\bon hold for\b"
     r"|\bwait(?:ed|ing)? (?:for )?(?:quite |such |a very |a really )?(?:a )?(?:long time|long while|while)\b"
     r"|\b(?:a )?(?:long|very long) time (?:to|before|for)\b|\b\d[\d.]* ?(?:hours?|hrs?|minutes?|mins?) (?:wait|delay)\b", -1.2),
    # Long waits stated as a fact: "waited 2 hours", "kept waiting over an hour", "took ages".
    (r"\b(?:wait(?:ed|ing)?|took|takes|taking)(?: for)?(?: over| nearly| almost| about| around| more than| up to)?"
     r" (?:\d[\d./ ]*(?:and [\d/]+ )?|an? |one |two |three |four |five |six |several |many )"
     r"(?:hours?|hrs?|days?|weeks?|months?)\b|\b(?:took|takes|taking)(?: a| so| such a)? (?:long time|ages|forever)\b"
     r"|\bfor ages\b", -1.2),
    # Requests for change say the present falls short ("More activities", "Arrive sooner",
    # "Would be nice if ..."), though they hold no negative word; "better than expected" and
    # "more than happy" are praise.
    (r"\b(?:would|it'd|it would) (?:have been|be) (?:so |really |very )?(?:nice|good|better|great|helpful) (?:if|to)\b", -1.2),
    (_OPEN + r"(?:a (?:little |bit )?|a lot |much )?(?:more|less|fewer|better|quicker|faster|sooner|shorter|cheaper"
     r"|warmer|cleaner|clearer|easier|bigger|longer|closer|earlier|friendlier|larger|nicer)\b"
     r"(?! than\b| of the same\b)(?: [\w']+)?", -1.0),
    # ... and so do answers that open with a change to make ("Improve waiting times"), where
    # VADER reads "improve" as praise.
    (_OPEN + r"\W*(?:please )?(?:improve|improving|reduce|reducing|decrease|increase|shorten|speed up|cut down|fix|change)\b"
     r"(?! (?:nothing|anything|a thing)\b)", -1.0),
    # ... or with what should have been done more or better: "Be more helpful", "Send a better
    # driver", "Listened more", "Answered the phone quicker".
    (_OPEN + r"\W*(?:to |please |maybe |perhaps |just )?(?:be|have|get|got|give|send|make|try|provide|offer|listen(?:ed)?"
     r"|explain(?:ed)?|answer(?:ed)?|arrived?|ensure|employ|hire|put|allow|treat(?:ed)?|call(?:ed)?|contact(?:ed)?"
     r"|communicated?|inform(?:ed)?|updated?|kept|respond(?:ed)?|come|came)\b(?: [\w']+){0,4}? "
     r"(?:more|better|quicker|faster|sooner|earlier|less|fewer|shorter)\b(?! than\b)(?: [\w']+)?", -1.0),
    (r"\b(?:arrive[ds]?|arriving|came|come|respond(?:ed)?|react(?:ed)?|answer(?:ed)?|seen|see me|call(?:ed)? back|get|got)"
     r" (?:a (?:little |bit )?|much |far )?(?:sooner|quicker|faster|earlier|more (?:quickly|promptly))\b(?! than\b)", -1.2),
    # Asking that things stay as they are is praise.
    (r"\bkeep (?:on |up )?(?:doing|going|up the good)\b|\bcarry on (?:as|doing)\b|\b(?:don't|do not) change (?:a thing|anything)\b"
     r"|\bkeep (?:it |things |everything )?(?:the same|as it is|as they are)\b", 1.5),
    # A sentence that opens with a request ("Explain the rules to patients", "Treat me with
    # respect", "Re-train staff to read records") asks for what was missing: the whole sentence
    # is the cue, so the praise words in what is asked for ("respect", "better") are not read as
    # praise. Only plain imperatives: "Listened to me" (past) is a description.
    (_OPEN + r"\W*(?:please |maybe |perhaps |also |and )?(?:explain|respect|treat|re-?train|train|update|invest|stop"
     r"|start|ensure|make sure|check|introduce|bring back|hire|employ|recruit|listen|provide|offer|add|review|allow"
     r"|let|tell|inform|communicate|read|ask|try|look at|consider|remember|reply|respond|return|follow up|get|bring"
     r"|involve|keep|close|if anything|(?:could|can|would) you)\b[^.!?;]*", -1.5),
    # Words people use to judge a service that VADER's lexicon lacks (it has "helpful", "kind",
    # "caring", "rude"; not "professional", "polite", "unhelpful", "dismissive"). Negated they flip:
    # "not very professional". "patient" and "understanding" are nouns too often to count alone.
    (r"\b(?:professional(?:ly|ism)?|informative|knowledgeable|attentive(?:ly)?|thorough(?:ly)?|polite(?:ly)?"
     r"|punctual|spotless|seamless(?:ly)?|exceptional(?:ly)?|first[- ]class|impeccable|impeccably|promptly"
     r"|speedy|timely|tidy|approachable|listened(?: to)?|explained (?:everything|things|it|clearly|well|fully)|(?:very|so|really|extremely|was|were|is|are) (?:patient|understanding))\b", 1.8),
    (r"\b(?:unhelpful+|uncaring|dismissive|dismissed|rushed|overcrowded|under-?staffed|disorgani[sz]ed|unorgani[sz]ed"
     r"|patroni[sz]ing|condescending|abrupt|unclean|filthy|unsafe|uninterested|disinterested|inattentive)\b", -1.8),
]
_POLARITY_RULES = [(re.compile(p), v) for p, v in POLARITY_RULES]

# A past negation of a plain fact reads as a complaint ("never called back",
# "wasn't told", "didn't listen"). Skipped when a VADER lexicon word follows within
# three words: VADER negates that word itself ("wasn't helpful", "never bad").
BARE_NEGATION = re.compile(r"\b(?:never|wasn't|wasnt|weren't|werent|didn't|didnt|did not|was not|were not|hadn't|had not)\b")
BARE_NEGATION_VALENCE = -1.0

# for / against cues as (regex, +1 for / -1 against); negation flips, as above.
# Against-cues that contain a for-word come first ("not in favour", "disagree").
FOR_AGAINST_RULES: list[tuple[str, int]] = [
    (r"\bdisagree\w*\b|\boppos(?:e|ed|es|ing|ition)\b|\bagainst\b|\bobject(?:s|ed|ion)?\b|\breject\w*\b", -1),
    # "would" is part of the cue so that "I don't think I would consider it" is negated.
    (r"\b(?:would (?:(?!not\b|never\b)\w+ )?)?consider\b|\bagree[ds]?\b|\bsupport(?:s|ed|ive)?\b|\bin fav(?:ou)?r\b|\bapprove[ds]?\b", 1),
    (r"\bhappy to\b|\bwilling to\b|\bgood idea\b|\bfor it\b|\byes\b|\byeah\b|\byep\b", 1),
    (r"^(?:no|nope|nah)\b(?! (?:one|concerns?|problems?|issues?|worries|objections?)\b)", -1),
    # "I wouldn't." with no cue after it: a refusal.
    (r"\bwould(?:n't| not| never)\b|\bwon't\b|\bwill not\b", -1),
]
_FOR_AGAINST_RULES = [(re.compile(p), v) for p, v in FOR_AGAINST_RULES]

_analyzer_instance = None


def _analyzer():
    """The one SentimentIntensityAnalyzer, loaded on first use (reads its lexicon file)."""
    global _analyzer_instance
    if _analyzer_instance is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer_instance = SentimentIntensityAnalyzer()
    return _analyzer_instance


def _prepare(text: str) -> str:
    """Lower case with straight apostrophes, so the rules see one spelling."""
    return str(text or "").lower().replace("\u2019", "'").replace("\u2018", "'")


def _negator_before(text: str, start: int, taken: list[bool]) -> tuple[int, int] | None:
    """Span of a free negator among the three words before ``start`` in its clause."""
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    offset = start - len(clause)
    words = list(_WORD.finditer(clause))[-_NEGATION_WINDOW:]
    for m in reversed(words):
        a, b = m.start() + offset, m.end() + offset
        if _NEGATOR.match(m.group()) and not any(taken[a:b]):
            return a, b
    return None


def _match_rules(text: str, rules: list) -> tuple[list[float], list[bool]]:
    """Valences of the cues found in ``text`` (prepared) and the characters they took."""
    taken = [False] * len(text)
    values: list[float] = []
    for pattern, value in rules:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            neg = _negator_before(text, m.start(), taken)
            if neg is not None:
                for i in range(*neg):
                    taken[i] = True
                value_here = value * _FLIP
            else:
                value_here = value
            values.append(value_here)
    return values, taken


def _masked(text: str, taken: list[bool]) -> str:
    return "".join(" " if t else ch for ch, t in zip(text, taken))


def _raw(compound: float) -> float:
    """Invert VADER's normalisation: the valence sum that gives this compound."""
    c = max(-0.9999, min(0.9999, compound))
    return c * math.sqrt(_ALPHA / (1.0 - c * c))


def _score(text: str) -> float:
    analyzer = _analyzer()
    prepared = _prepare(text)
    values, taken = _match_rules(prepared, _POLARITY_RULES)
    rest = _masked(prepared, taken)
    for m in BARE_NEGATION.finditer(rest):
        following = _WORD.findall(rest[m.end() :])[:_NEGATION_WINDOW]
        if not any(w in analyzer.lexicon for w in following):
            values.append(BARE_NEGATION_VALENCE)
    # VADER reads the original casing and punctuation, minus the spans rules took.
    original = str(text or "")
    if len(original) == len(prepared):
        rest = "".join(" " if t else ch for ch, t in zip(original, taken))
    # VADER strips punctuation from a word only when more than two letters are left, so "ok."
    # and "ok!" were no words of its lexicon; a space keeps "ok" a word (only "ok": its other
    # two-letter entries are chat slang such as "dx" and "po", which surveys use otherwise).
    compound = analyzer.polarity_scores(_OK_PUNCT.sub(r"\1 \2", rest))["compound"]
    if not values:
        return compound
    total = _raw(compound) + sum(values)
    return round(total / math.sqrt(total * total + _ALPHA), 4)


def valence(word: str) -> float:
    """VADER's lexicon valence of one lower-case word (0.0 when it has none)."""
    return float(_analyzer().lexicon.get(word.lower(), 0.0))


def stance_scores(texts: list[str]) -> list[float]:
    """Compound polarity in [-1, 1] per text: VADER plus the survey cues.

    The survey cues are added to VADER's own valence sum before its normalisation
    ``x / sqrt(x^2 + 15)``, as if they were lexicon entries VADER lacks; the spans
    they match are hidden from VADER so nothing is counted twice. This was chosen
    over averaging (which halves a cue VADER did not see: "lack of staff" would
    drop towards neutral) and over the larger magnitude (which drops one side of
    a mixed answer: "no concerns but the wait was too long"). A text with no cue
    scores exactly VADER's compound. Deterministic: same text, same score.
    """
    return [_score(t) for t in texts]


def stance_labels(texts: list[str], threshold: float = 0.05) -> list[str]:
    """"positive" (score >= threshold), "negative" (<= -threshold) or "neutral".

    0.05 is VADER's own recommended cut-off.
    """
    out = []
    for s in stance_scores(texts):
        out.append("positive" if s >= threshold else "negative" if s <= -threshold else "neutral")
    return out


def for_against(texts: list[str]) -> list[str]:
    """"for", "against" or "" per answer about a proposal or a choice.

    Cues from FOR_AGAINST_RULES are summed (+1 for, -1 against, flipped when
    negated: "would not consider", "not in favour", "don't disagree"); a positive
    sum is "for", a negative one "against", no cue or a tie "".
    """
    out = []
    for text in texts:
        values, _ = _match_rules(_prepare(text).strip(), _FOR_AGAINST_RULES)
        total = sum(values)
        out.append("for" if total > 0 else "against" if total < 0 else "")
    return out


def stance_shares(labels: list[str]) -> dict[str, float]:
    """Share of "positive", "negative" and "neutral" labels (all 0.0 when empty)."""
    counts = {"positive": 0, "negative": 0, "neutral": 0}
    for label in labels:
        if label not in counts:
            raise ValueError(f"unknown stance label {label!r}")
        counts[label] += 1
    n = len(labels)
    return {k: (v / n if n else 0.0) for k, v in counts.items()}


def describe_stance(shares: dict[str, float]) -> str:
    """Words for a theme's stance shares; "negative" is worded "critical".

    - "mostly positive (71% positive)": positive >= 50% and at least twice critical;
    - "mostly critical (62% critical)": the same the other way round;
    - "mostly neutral": neutral >= 50% and positive and critical each under 25%;
    - "mixed (45% positive, 40% critical)": positive and critical each >= 20%;
    - "somewhat positive (40% positive, 10% critical)" / "somewhat critical (...)":
      the rest, by the larger of the two; "mostly neutral" if they are equal;
    - "no answers" when every share is zero.
    """
    p = shares.get("positive", 0.0)
    n = shares.get("negative", 0.0)
    u = shares.get("neutral", 0.0)
    both = f"{p:.0%} positive, {n:.0%} critical"
    if p + n + u <= 0:
        return "no answers"
    if p >= 0.5 and p >= 2 * n:
        return f"mostly positive ({p:.0%} positive)"
    if n >= 0.5 and n >= 2 * p:
        return f"mostly critical ({n:.0%} critical)"
    if u >= 0.5 and p < 0.25 and n < 0.25:
        return "mostly neutral"
    if p >= MIXED_SHARE and n >= MIXED_SHARE:
        return f"mixed ({both})"
    if p > n:
        return f"somewhat positive ({both})"
    if n > p:
        return f"somewhat critical ({both})"
    return "mostly neutral"
