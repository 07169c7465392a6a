"""Text normalisation for embedding, keywords and naming.

Outputs of the tool always keep the respondent's original text; this module only
returns a cleaned *copy* used for the models. Steps, in order:

1. HTML entities unescaped (``&nbsp;``, ``&amp;``, ``&#39;``, ...), repeatedly, so
   that double-escaped text (``&amp;lt;``) ends up fully unescaped.
2. Line breaks unified (``\\r\\n``, ``\\r``, U+2028 and U+0085 become ``\\n``,
   U+2029 becomes a paragraph break ``\\n\\n``).
3. ``#hashtag`` becomes ``hashtag`` (not after a letter, digit, ``&`` or ``#``:
   ``C#`` is kept).
4. HTML tags removed: ``<br>`` becomes a line break, ``</p>`` a paragraph break,
   any other tag (``<p>``, ``<b>``, ``<a href=...>``) and comments a space. Only
   ``<`` followed by a letter, ``/`` or ``!`` starts a tag, so ``a < b`` and ``<3``
   are kept.
   Markup an export left as words when it stripped punctuation from escaped HTML (``&lt;a
   href=...&gt;`` became ``lt a href http www reuters com ... gt``) goes too: a lower-case
   ``lt`` followed by a tag name (``a``, ``href``, ``b``, ``strong``, ``font``, ``cite``, ...)
   and, within 30 words on the same line, ``gt``; an empty ``lt gt`` (a closing tag); and the
   entity words ``quot`` and ``nbsp``. "Lt Col" (capitalised) and "lt" with no tag name after it
   are kept.
5. URLs (``http://``, ``https://``, ``www.``) removed, trailing punctuation kept.
6. E-mail addresses removed, then @mentions (``@USAirways thanks`` -> ``thanks``), then
   the editors' marks survey exports carry in square brackets: ``[name redacted]``,
   ``[word unreadable]``, ``[Redacted for data protection]`` (a bracket a sentence split cut
   off counts: ``name redacted]`` at the start of a segment, ``[name redacted`` at its end).
   Without this, answers clustered by their redactions and a theme was named "Word redacted".
7. Emoji and pictographic symbols removed: characters of Unicode category So/Sk
   at or above U+2000, with the emoji joiners (ZWJ inside an emoji sequence),
   presentation selectors U+FE0E/U+FE0F, the keycap U+20E3 and tag characters.
   Letters of any script are kept, and so are symbols below U+2000 (``°``, ``©``,
   ASCII ``^`` and backquote) and a ZWJ between letters (used by Indic scripts).
8. Control characters, lone surrogates and zero-width spaces become spaces.
9. Runs of ``!``, ``?``, ``,`` or ``;`` collapse to one; four or more dots to ``...``.
10. A capital ``I`` typed for every ``i`` inside words (an export's find-and-replace of "i" by
    "I": "NothIng", "receIvIng", "TImed vIsIt") is a small ``i`` again: in a word of lower-case
    letters, or of one capital and lower-case letters, each ``I`` after its first letter with a
    lower-case letter beside it. "I", "It", "IT", "HIV", "AI" and "McIntosh" are kept.
11. Whitespace (non-breaking spaces included) collapsed to one space within each
    line, lines stripped, at most one blank line kept between paragraphs, and the
    whole text stripped. A single ``\\n`` stays.

Every removal leaves a space, never nothing, so removing one thing cannot glue
two fragments into a new entity, URL or tag. ``normalise`` is idempotent and never
raises on a string.
"""

from __future__ import annotations

import html
import re
import unicodedata

NORMALISER_VERSION = 4

_MAX_PASSES = 16  # a safety net: after the first pass no step lengthens the text

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\x85]")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w)")
_TAG_BR = re.compile(r"<br\s*/?\s*>", re.IGNORECASE)
_TAG_P_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?(?:-->|$)|<[A-Za-z/!][^<>]*>", re.DOTALL)
_TAG_NAMES = r"(?:a|href|b|i|u|p|br|nobr|strong|em|font|cite|span|div|img|src|ul|li|table|tr|td|sup|sub)"
_TAG_WORDS = re.compile(rf"(?<![\w-])lt(?: /)? {_TAG_NAMES}\b(?:[^\S\n]+\S+){{0,30}}?[^\S\n]+gt(?![\w-])"
                        r"|(?<![\w-])lt gt(?![\w-])|(?<![\w-])(?:quot|nbsp)(?![\w-])")
_URL = re.compile(r"(?:https?://|www\.)\S*?(?=[.,;:!?)\]}'\"]*(?:\s|$))", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_MARK_WORD = r"(?:redacted|removed|unreadable|illegible|inaudible|anonymi[sz]ed|withheld|deleted|omitted)"
_EDITORIAL = re.compile(rf"\[\s*(?:[\w'-]+\s+){{0,3}}?{_MARK_WORD}(?:\s+[\w'-]+){{0,4}}?\s*(?:\]|$)"
                        rf"|^\s*(?:[\w'-]+\s+){{0,3}}?{_MARK_WORD}(?:\s+[\w'-]+){{0,4}}?\s*\]", re.IGNORECASE)
_REPEATED = re.compile(r"([!?,;])\1+")
_DOTS = re.compile(r"\.{4,}")
_SPACES = re.compile(r"[^\S\n]+")
_STRAY_I = re.compile(r"\b(?!(?:Mc|Mac|MC|MAC|mc|mac)I)[A-Za-z][a-z]*I[a-zI]*\b")
_BLANK_LINES = re.compile(r"\n{3,}")

# Characters that are part of an emoji sequence and are removed with it.
_EMOJI_PARTS = {"\ufe0e", "\ufe0f", "\u20e3"}
_ZWJ = "\u200d"
# Invisible characters that become a space.
_INVISIBLE = {"\u200b", "\u2060", "\ufeff"}


def _is_pictograph(ch: str) -> bool:
    """True for emoji and other pictographic symbols (So/Sk at or above U+2000)."""
    code = ord(ch)
    if 0xE0020 <= code <= 0xE007F:  # tag characters (subdivision flags)
        return True
    return code >= 0x2000 and unicodedata.category(ch) in ("So", "Sk")


def _strip_symbols(text: str) -> str:
    """Replace each run of emoji/pictographs (with their joiners) and each control
    character by a space; a ZWJ between two letters is kept."""
    out: list[str] = []
    removing = False  # inside a run of removed emoji characters
    for i, ch in enumerate(text):
        if _is_pictograph(ch) or ch in _EMOJI_PARTS:
            drop = True
        elif ch == _ZWJ:
            nxt = text[i + 1] if i + 1 < len(text) else ""
            drop = removing or (nxt != "" and (_is_pictograph(nxt) or nxt in _EMOJI_PARTS))
        else:
            drop = False
        if drop:
            if not removing:
                out.append(" ")
            removing = True
            continue
        removing = False
        if ch in _INVISIBLE or (ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs")):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _unescape(text: str) -> str:
    """html.unescape until nothing changes (each change shortens the text)."""
    while True:
        new = html.unescape(text)
        if new == text:
            return text
        text = new


def _remove_tags(text: str) -> str:
    """Tags replaced by a space until none is left (``<a<b>>`` hides a second tag)."""
    while True:
        new = _TAG.sub(" ", text)
        if new == text:
            return text
        text = new


def _stray_i(word: re.Match) -> str:
    w = word.group()
    if not re.search(r"[a-z]I|I[a-z]", w[1:] if w[0] == "I" else w):
        return w
    return w[0] + w[1:].replace("I", "i")


def _whitespace(text: str) -> str:
    """One space within lines, lines stripped, at most one blank line, stripped."""
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _once(text: str) -> str:
    """One pass of every step, in the order the module docstring lists."""
    text = _unescape(text)
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    text = _HASHTAG.sub(r"\1", text)
    text = _TAG_BR.sub("\n", text)
    text = _TAG_P_END.sub("\n\n", text)
    text = _remove_tags(text)
    text = _TAG_WORDS.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _EDITORIAL.sub(" ", text)
    text = _strip_symbols(text)
    text = _REPEATED.sub(r"\1", text)
    text = _DOTS.sub("...", text)
    text = _STRAY_I.sub(_stray_i, text)
    return _whitespace(text)


def normalise(text: str) -> str:
    """Return a cleaned copy of ``text`` for embedding, keywords and naming.

    ``None`` gives ``""``; any other non-string is converted with ``str``. The
    passes are repeated until the text stops changing (one pass almost always
    suffices), which makes the function idempotent by construction.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    for _ in range(_MAX_PASSES):
        new = _once(text)
        if new == text:
            break
        text = new
    return text


def normalise_all(texts: list[str]) -> list[str]:
    """``normalise`` applied to each text; a new list, the input is not changed."""
    return [normalise(t) for t in texts]
