"""Anonymise texts: names, organisations and places become [PERSON], [ORGANISATION], [PLACE].

Three sources of spans, merged where they overlap:
- spaCy named entities (PERSON; ORG; GPE, LOC, FAC), minus the allow-list of national bodies and
  NHS terms (``allow_terms.txt``, extendable) and minus capitalised common words at the start of
  a sentence that the NER model mistakes for names ("Clearer", "Time");
- the user's terms (``--redact-terms FILE``: one per line, case-insensitive, whole words,
  optionally ``term => [LABEL]``), which are redacted even when allow-listed;
- every name the NER found anywhere, wherever else it appears (so a name tagged in one answer and
  missed in another is still redacted: consistent across the report).
Each hit keeps its original text for the redaction log, which no report includes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from themes.errors import InputError

LABELS = {"PERSON": "[PERSON]", "ORG": "[ORGANISATION]", "GPE": "[PLACE]", "LOC": "[PLACE]", "FAC": "[PLACE]"}
TERM_LABEL = "[REDACTED]"
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_WORDS = re.compile(r"(?<![\w'\u2019])[a-z][a-z]+(?![\w'\u2019])")
_CAPITAL = re.compile(r"(?<![\w'\u2019])[A-Z][a-z]+(?![\w'\u2019])")
_UPPER = re.compile(r"[A-Z]")
_EDGE = re.compile(r"^(?:the\s+)|(?:['\u2019]s?|[.,;:!?)]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    original: str
    replacement: str
    source: str  # ner | term | repeat | email


def default_allow() -> list[str]:
    text = resources.files("themes.report").joinpath("allow_terms.txt").read_text(encoding="utf-8")
    return _lines(text)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def read_terms(path: str | Path) -> dict[str, str]:
    """Terms to redact: one per line; ``term => [LABEL]`` sets the replacement (default [REDACTED])."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: terms file not found. Give a text file with one name or term per line.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text. Save the terms file as UTF-8, one term per line.") from None
    out: dict[str, str] = {}
    for k, line in enumerate(_lines(text), 1):
        term, _, label = line.partition("=>")
        term, label = term.strip(), label.strip() or TERM_LABEL
        if not re.fullmatch(r"\[[A-Z_]+\]", label):
            raise InputError(f"{path}, line {k}: replacement '{label}' should look like [PLACE] or [PERSON].")
        if len(term) < 2:
            raise InputError(f"{path}, line {k}: term '{term}' is too short to redact safely (2+ characters).")
        out[term] = label
    return out


def read_allow(path: str | Path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: allow-list file not found. Give a text file with one term per line.")
    return _lines(path.read_text(encoding="utf-8-sig"))


def _whole_words(terms, flags=0) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", flags)


def merge_hits(hits: list[Hit], text: str) -> list[Hit]:
    """Union of overlapping spans; the replacement of the longest part wins."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if out and h.start < out[-1].end:
            last = out[-1]
            if h.end > last.end:
                best = last if (last.end - last.start) >= (h.end - h.start) else h
                out[-1] = Hit(last.start, h.end, text[last.start:h.end], best.replacement, best.source)
            continue
        out.append(h)
    return out


def redact_text(text: str, hits: list[Hit], start: int = 0, end: int | None = None) -> str:
    """text[start:end] with the hits inside it (clipped to it) replaced."""
    end = len(text) if end is None else end
    parts, pos = [], start
    for h in hits:
        s, e = max(h.start, start), min(h.end, end)
        if e <= s:
            continue
        parts.append(text[pos:s])
        parts.append(h.replacement)
        pos = e
    parts.append(text[pos:end])
    return "".join(parts)


class Redactor:
    """Find what to redact in a list of texts (``scan``), then apply it with ``redact_text``."""

    def __init__(self, nlp=None, terms: dict[str, str] | None = None, allow=None, ner: bool = True):
        self.nlp = nlp
        self.ner = ner
        self.terms = dict(terms or {})
        self.allow = list(default_allow() if allow is None else allow)
        self._allow_lower = {a.lower() for a in self.allow}
        self._allow_re = _whole_words(self.allow, re.IGNORECASE)
        self._terms_re = _whole_words(self.terms, re.IGNORECASE)
        self._term_label = {t.lower(): label for t, label in self.terms.items()}
        self.found: dict[str, str] = {}

    def _pipeline(self):
        if self.nlp is None:
            from themes.text.segment import load_spacy

            nlp = load_spacy("full")
            if "senter" in nlp.disabled:
                nlp.enable_pipe("senter")
            nlp.select_pipes(disable=[p for p in ("parser", "lemmatizer") if p in nlp.pipe_names])
            self.nlp = nlp
        return self.nlp

    def allowed(self, span) -> bool:
        """True when a spaCy entity span is an allow-listed body or term (possibly with filler words)."""
        name = _EDGE.sub("", _EDGE.sub("", span.text.strip())).strip()
        low = name.lower()
        if not low or low in self._allow_lower:
            return True
        if any(re.search(r"(?<!\w)" + re.escape(low) + r"(?!\w)", a) for a in self._allow_lower):
            return True
        if self._allow_re is None:
            return False
        covered = [(m.start(), m.end()) for m in self._allow_re.finditer(span.text)]
        if not covered:
            return False
        for tok in span:
            s = tok.idx - span.start_char
            if any(a <= s < b for a, b in covered) or tok.is_punct or tok.is_stop:
                continue
            if tok.pos_ == "PROPN" or tok.is_upper:
                return False
        return True

    @staticmethod
    def _common_words(span, lower: Counter, capital: Counter) -> bool:
        """True when every word of the entity reads as an ordinary word: not tagged a proper noun
        and starting a sentence or also written in lower case ('Clearer targets...', 'Absolutely
        brilliant', 'ABSOLUTELY'), or used in lower case at least as often as capitalised
        ('Hospital', 'Mental Health'). Such entities name nobody."""
        words = [t for t in span if t.is_alpha and len(t) >= 2 and not t.is_stop]
        for tok in words:
            w = tok.text.lower()
            plain = tok.pos_ != "PROPN" and (tok.is_sent_start or lower[w] > 0)
            shouted = tok.is_upper and len(w) > 3 and lower[w] > 0  # 'ABSOLUTELY', not 'RVI'
            if not (plain or shouted or (lower[w] > 0 and lower[w] >= capital[w])):
                return False
        return True

    def scan(self, texts: list[str], derived: int = 0) -> list[list[Hit]]:
        """Hits per text, merged and in order. The last ``derived`` texts are made from the others
        (theme names, keywords: often lower case): they are not read by NER, and names found in
        the others match them in any case."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        hits: list[list[Hit]] = [[] for _ in texts]
        found: dict[str, str] = {}
        if self.ner:
            originals = texts[: len(texts) - derived]
            lower = Counter(w for t in originals for w in _WORDS.findall(t))
            capital = Counter(w.lower() for t in originals for w in _CAPITAL.findall(t))
            # NER reads the answers only: a derived text (a theme name such as "Complacency and
            # WRES") is too short for the model to tell a place from a capitalised word, and any
            # name in it came from the answers, so the repeat pass below finds it there
            for k, doc in enumerate(self._pipeline().pipe(originals, batch_size=128)):
                for ent in doc.ents:
                    label = LABELS.get(ent.label_)
                    if (label is None or not _UPPER.search(ent.text) or self.allowed(ent)
                            or self._common_words(ent, lower, capital)):
                        continue
                    hits[k].append(Hit(ent.start_char, ent.end_char, ent.text, label, "ner"))
                    found.setdefault(_EDGE.sub("", ent.text.strip()) or ent.text, label)
                    if ent.label_ == "PERSON" and len(ent) > 1:  # 'Okafor' alone, after 'Amara Okafor'
                        for tok in ent:
                            if len(tok.text) >= 3 and tok.is_title and not lower[tok.text.lower()]:
                                found.setdefault(tok.text, label)
        found = {f: lab for f, lab in found.items() if len(f) >= 2 and f.lower() not in self._term_label
                 and f.lower() not in self._allow_lower}
        self.found = found
        exact, loose = _whole_words(found), _whole_words(found, re.IGNORECASE)
        by_lower = {f.lower(): lab for f, lab in found.items()}
        for k, text in enumerate(texts):
            if self._terms_re is not None:
                for m in self._terms_re.finditer(text):
                    hits[k].append(Hit(m.start(), m.end(), m.group(), self._term_label[m.group().lower()], "term"))
            repeat_re = loose if k >= len(texts) - derived else exact
            if repeat_re is not None:
                for m in repeat_re.finditer(text):
                    hits[k].append(Hit(m.start(), m.end(), m.group(), by_lower[m.group().lower()], "repeat"))
            for m in EMAIL.finditer(text):
                hits[k].append(Hit(m.start(), m.end(), m.group(), "[EMAIL]", "email"))
            hits[k] = merge_hits(hits[k], text)
        return hits
