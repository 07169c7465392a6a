"""``--describe local``: a small local model writes each theme's name and definition, and every
text it writes must pass the checks the extractive names and definitions pass, or the
extractive one stays.

The prompt gives the question, the theme's keywords, its stance mix and its most typical
answers (nearest its centre, distinct). The model replies with JSON ``{"name", "definition"}``.

A generated **name** is kept only if it is 2-6 words; is no person, place or organisation alone,
handle, URL or lone generic word (``is_bad_name``, with spaCy's entities of the name and of the
answers it came from); is supported by the theme's central answers (its content words, with the
same polarity, in at least ``MIN_SUPPORT`` of them, half of them and the head word counting);
does not contradict them (``contradicts_stems``); keeps the extractive name's negation; and is
distinct within its question. A generated **definition** is kept only if it starts with
"Respondents", runs 6-``MAX_DEFINITION_WORDS`` words, names no person, keeps the extractive
definition's negation, and at least ``MIN_GROUNDING`` of its content words occur in the theme's
answers (the rest is the model's, not the respondents'), and a codebook of the names and
definitions gives back at least as many of the run's segments with it as with the extractive one
(``judge``: themes.discover.sharpen), since a coder applying such a codebook needs exactly that.
A theme described as mixed keeps "Views are mixed:" in front. Titles the model writes in Title Case are put in sentence case,
keeping a capital only where the answers have one mid-sentence (NHS, ICB, England).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter

from themes.discover.name_phrases import is_bad_name
from themes.discover.polarity import NEGATIONS, STOP, content_stems, contradicts_stems, match_stems, stem_tokens

QUOTES = 8                 # typical answers in the prompt
QUOTE_WORDS = 45           # each cut to this many words
MIN_SUPPORT = 0.10
MIN_GROUNDING = 0.6
MAX_DEFINITION_WORDS = 45
MIXED = "Views are mixed: "

PROMPT = """Survey question: {question}
Answers that were grouped into one theme, most typical first:
{quotes}
Keywords of the theme: {keywords}
Stance of its answers: {stance}

Write the theme's name and definition as a careful qualitative analyst would.
- name: 2 to 6 words, specific to these answers, in sentence case; keep any negation ("Not enough time").
- definition: one sentence a coder could apply, starting "Respondents", saying what these answers say; use their words; add nothing they do not say.
Reply with JSON only: {{"name": "...", "definition": "..."}}"""


def build_prompt(question: str, quotes: list[str], keywords: str, stance: str) -> str:
    cut = [" ".join(q.split()[:QUOTE_WORDS]) for q in quotes]
    return PROMPT.format(question=question.strip() or "(not given)", quotes="\n".join(f"- {q}" for q in cut),
                         keywords=keywords or "(none)", stance=stance or "not known")


def parse_reply(text: str) -> tuple[str, str]:
    """(name, definition) from the model's reply (JSON, possibly in a code fence); empty if none."""
    m = re.search(r"\{.*\}", text or "", flags=re.DOTALL)
    if not m:
        return "", ""
    try:
        data = json.loads(m.group(0))
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    name, definition = data.get("name"), data.get("definition")
    definition = " ".join(definition.split()) if isinstance(definition, str) else ""
    first = re.match(r".+?[.!?](?=\s+[A-Z]|$)", definition)   # one sentence: a second is the model's comment
    return (" ".join(name.split()) if isinstance(name, str) else "", first.group(0) if first else definition)


def sentence_case(name: str, texts: list[str]) -> str:
    """Title Case -> sentence case, keeping acronyms and words the answers mostly capitalise
    mid-sentence (a name, "England"; not "Equality" of one "Race Equality Framework")."""
    upper: dict[str, int] = {}
    lower: dict[str, int] = {}
    for t in texts:
        for w in re.findall(r"(?<=[\w,;] )[\w'-]+", t):
            bucket = upper if w[:1].isupper() else lower
            bucket[w.lower()] = bucket.get(w.lower(), 0) + 1
    kept = {w for w, n in upper.items() if n > lower.get(w, 0)}
    words = name.strip().strip(".\"'").split()
    out = []
    for i, w in enumerate(words):
        core = re.sub(r"[^\w'-]", "", w)
        if i == 0 or (core.isupper() and len(core) > 1) or core.lower() in kept:
            out.append(w[:1].upper() + w[1:] if i == 0 else w)
        else:
            out.append(w.lower())
    return " ".join(out)


def _negated(text: str) -> bool:
    return any(t in NEGATIONS or t == "lack" for t in stem_tokens(text))


def _persons(text: str, nlp) -> list[tuple[str, str]]:
    return [] if nlp is None else [(e.text, e.label_) for e in nlp(text).ents]


def check_name(name: str, extractive: str, toks: list[list[str]], nlp, ents) -> str | None:
    """Why a generated name cannot stand, or None."""
    words = name.split()
    if not 2 <= len(words) <= 6:
        return "length"
    why = is_bad_name(name, _persons(name, nlp) + ents)
    if why:
        return why
    stems, negated = content_stems(name)
    if not stems:
        return "no content words"
    good = sum(1 for tk in toks if match_stems(stems, tk, loose=True) == (True, negated))
    if not toks or good / len(toks) < MIN_SUPPORT:
        return "unsupported"
    if contradicts_stems(name, toks):
        return "contradicts"
    if _negated(extractive) != negated and _negated(extractive):
        return "negation"
    return None


def check_definition(definition: str, extractive: str, vocab: set[str], nlp) -> str | None:
    """Why a generated definition cannot stand, or None."""
    words = definition.split()
    if not definition.startswith("Respondents") or not 6 <= len(words) <= MAX_DEFINITION_WORDS:
        return "form"
    if any(label == "PERSON" for _, label in _persons(definition, nlp)):
        return "person"
    if _negated(extractive) and not _negated(definition):
        return "negation"
    content = [t for t in stem_tokens(definition)[1:] if t not in STOP and t not in NEGATIONS and len(t) > 2]
    if content and sum(t in vocab for t in content) / len(content) < MIN_GROUNDING:
        return "ungrounded"
    return None


def describe_themes(table, texts_by_theme: list[list[str]], stances: list[str], questions: dict[str, str],
                    generator, nlp=None, judge=None) -> tuple[list[str], list[str], dict]:
    """(names, definitions, info) for the themes of ``table`` (name, description, keywords,
    question columns): the generated ones where they pass, the table's own elsewhere. ``questions``
    maps a question key to its text (the key itself when absent); ``stances`` is each theme's
    stance mix in words ("62% critical"). ``judge(names, options)`` (themes.discover.fit: the
    sharpening rule of themes.discover.sharpen) gets each theme's candidate definitions, the
    generated one first, and returns the one to keep: a generated definition stays only if a
    names-and-definitions codebook gives back at least as many of the run's segments with it as
    with the extractive one."""
    names, definitions = list(table["name"]), list(table["description"])
    extractive = list(definitions)
    refused: Counter = Counter()
    generated: list[int] = []   # themes whose definition was generated and passed the checks
    n_names = 0
    question_of = [str(q) for q in table["question"]]
    start = time.perf_counter()
    for p, texts in enumerate(texts_by_theme):
        q = question_of[p]
        quotes = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))[:QUOTES]
        if not quotes:
            continue
        reply = generator.generate(build_prompt(questions.get(q, q), quotes, str(table["keywords"].iloc[p]),
                                                stances[p]))
        name, definition = parse_reply(reply)
        sample = [t for t in texts if t and t.strip()][:40]
        toks = [stem_tokens(t) for t in sample]
        ents = _persons(" ".join(quotes[:4]), nlp)
        name = sentence_case(name, sample) if name else ""
        why = check_name(name, names[p], toks, nlp, ents) if name else "no reply"
        if why is None and name.lower() in {n.lower() for i, n in enumerate(names) if i != p and question_of[i] == q}:
            why = "duplicate"   # another theme of the question has it (generated, or extractive and kept so far)
        if why is None:
            names[p] = name
            n_names += 1
        else:
            refused[f"name: {why}"] += 1
        vocab = {t for tk in (stem_tokens(x) for x in texts[:200]) for t in tk}
        why = check_definition(definition, extractive[p], vocab, nlp) if definition else "no reply"
        if why is None:
            definitions[p] = definition
            generated.append(p)
        else:
            refused[f"definition: {why}"] += 1
    for p in generated:   # a mixed theme keeps saying so
        if extractive[p].startswith(MIXED):
            definitions[p] = MIXED + definitions[p][0].lower() + definitions[p][1:]
    if judge is not None and generated:
        kept = judge(names, [[definitions[p], extractive[p]] if p in generated else [extractive[p]]
                             for p in range(len(names))])
        for p in list(generated):
            if kept[p] != definitions[p]:
                definitions[p] = extractive[p]
                generated.remove(p)
                refused["definition: gives back fewer answers"] += 1
    info = {"model": getattr(generator, "name", "local"), "themes": len(names),
            "names": n_names, "definitions": len(generated),
            "kept_extractive": dict(refused), "seconds": round(time.perf_counter() - start, 2)}
    return names, definitions, info


def local_describer(settings):
    """The describer ``name_theme_set`` calls under ``--describe local``: the packaged model (or the
    generator put in force with ``themes.config.use_components``), spaCy for the entity checks
    (none when a stand-in phrase finder is in force, as in the fast tests). Fails at once, before
    any slow work, when the extra is not installed."""
    from themes.config import components
    from themes.discover.name_phrases import default_nlp
    from themes.embed.generator import new_generator, require_runtime

    if components().generator is None:
        require_runtime()
    generator = new_generator(settings)
    nlp = default_nlp() if components().phrases is None else None

    def describe(table, texts_by_theme, stances, questions=None, judge=None):
        return describe_themes(table, texts_by_theme, stances, questions or {}, generator, nlp, judge)

    return describe
