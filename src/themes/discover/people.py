"""People's names in answers: a title before a capitalised word or an initial ("Dr Schofield",
"Dr S"), and the words of the PERSON entities spaCy finds. themes.discover.name_phrases and
themes.discover.labels use them to keep a name found in one answer out of every theme's name."""

from __future__ import annotations

import re

from themes.discover.polarity import STOP

# a title before a capitalised word: that word is a person's name ("Dr Schofield", "mrs Patel");
# case-sensitive, so that "MS nurse" and "miss appointments" hold no title
TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "doctor", "nurse", "sister", "sir", "madam"}
_TITLED = re.compile(r"\b(?:Dr|dr|DR|Mr|mr|MR|Mrs|mrs|MRS|Ms|Miss|Mx|Prof|prof)\b\.?\s+([A-Z][a-z]+(?:['’-][A-Za-z]+)?)")
# a title before an initial is a person too ("Dr S has really listened" named a theme); not
# "the Dr I saw"
_TITLED_INITIAL = re.compile(r"\b(?:Dr|DR|Mr|MR|Mrs|MRS|Ms|Miss|Mx|Prof)\b\.?\s+[A-HJ-Z]\b(?![’'-]\w{2}|&)")
# a capitalised word: the only answers worth the entity recogniser's time
CAPITALISED = re.compile(r"\b[A-Z][a-z]+")


def titled_names(text: str) -> list[str]:
    """Capitalised words that follow a title in ``text`` ("Dr Schofield", "mrs Patel"), lower-cased
    (``_TITLED`` wants a lower-case letter after the capital, so "Dr I've" holds none)."""
    return [w.lower() for w in _TITLED.findall(text) if w.lower() not in STOP and w.lower() not in TITLES]


def names_initial(text: str) -> bool:
    """Whether ``text`` names someone by a title and an initial ("Dr S", "Mr P's")."""
    return bool(_TITLED_INITIAL.search(text))


def person_words(doc) -> list[str]:
    """The words of the PERSON entities spaCy finds in a parsed text, lower-cased: capitalised
    words only ("Michelle", "O'Neil"; not "MH"), titles themselves ("Dr" of "Dr P") and stop
    words left out. Names after a title are themes.discover.labels.people_named's to add."""
    found = [w.lower() for e in doc.ents if e.label_ == "PERSON" for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", e.text)
             if re.fullmatch(r"[A-Z][a-z]+(?:['’-][A-Za-z]+)?", w)]
    return list(dict.fromkeys(w for w in found if w not in STOP and w not in TITLES))
