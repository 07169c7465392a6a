"""Text normalisation: what is removed, what is kept, idempotence, never raising."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themes.text.normalise import NORMALISER_VERSION, normalise, normalise_all


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Great&nbsp;service &amp; staff", "Great service & staff"),
        ("it&#39;s fine &quot;ok&quot;", "it's fine \"ok\""),
        ("&amp;lt;b&amp;gt;bold", "bold"),  # double-escaped tag
        ("one<br>two<BR/>three", "one\ntwo\nthree"),
        ("<p>first</p><p>second</p>", "first\n\nsecond"),
        ("a <b>bold</b> <a href='x'>link</a> word", "a bold link word"),
        ("before<!-- note -->after", "before after"),
        ("a < b and c > d <3", "a < b and c > d <3"),
        ("see https://example.com/a?b=1. ok", "see . ok"),
        ("go to www.nhs.uk, or http://x.org", "go to , or"),
        ("mail jo.bloggs+nhs@trust.nhs.uk today", "mail today"),
        ("@USAirways thanks", "thanks"),
        ("thanks @bob and @alice_2!", "thanks and !"),
        ("#Brexit and #1 but C# stays", "Brexit and 1 but C# stays"),
        # editors' marks in square brackets, also where a sentence split cut the bracket off
        ("Thank you [name redacted] was great", "Thank you was great"),
        ("[Redacted for data protection] helped me", "helped me"),
        ("The nurse [word unreadable] was kind", "The nurse was kind"),
        ("name redacted] was kind", "was kind"),
        ("I spoke to [Name Redacted", "I spoke to"),
        ("The tumour was removed.", "The tumour was removed."),   # no bracket: the respondent's words
        ("[unreadable ?could be OB6 or 086] ok", "[unreadable ?could be OB6 or 086] ok"),
        ("Wow!!! Really??? Hmm.... ok... yes,,, no;;", "Wow! Really? Hmm... ok... yes, no;"),
        # a capital I typed for every i inside words; real capitals and names kept
        ("NothIng could be better", "Nothing could be better"),
        ("TImed vIsIt, receIvIng care In the sItuatIon", "Timed visit, receiving care In the situation"),
        ("I think IT and HIV staff, AI, II, It is McIntosh", "I think IT and HIV staff, AI, II, It is McIntosh"),
        ("IndIa", "India"),
        ("Love it \U0001f600\U0001f44d\U0001f3fd!", "Love it !"),
        ("family \U0001f468\u200d\U0001f469\u200d\U0001f467 flag \U0001f1ec\U0001f1e7", "family flag"),
        ("keycap 1\ufe0f\u20e3 heart \u2764\ufe0f \u2b50 \u2713", "keycap 1 heart"),
        ("25\u00b0C \u00a9 NHS", "25\u00b0C \u00a9 NHS"),
        ("a\u00a0\u00a0b\t\tc", "a b c"),
        ("  line one  \n  line two \r\n\r\n\r\n\r\nnext  ", "line one\nline two\n\nnext"),
        ("zero\u200bwidth\ufeff", "zero width"),
        ("\u2018curly\u2019 \u201cquotes\u201d", "\u2018curly\u2019 \u201cquotes\u201d"),
        ("", ""),
        ("   \n\t ", ""),
    ],
)
def test_normalise_cases(raw, clean):
    assert normalise(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "नमस्ते दुनिया",
        "Дом и сад",
        "中文和日本語のテキスト",
        "العربية نص",
        "שלום עולם",
        "Ελληνικά",
        "ශ්\u200dරී ලංකාව",  # Sinhala: ZWJ between letters is kept
        "naïve café résumé",
    ],
)
def test_other_scripts_kept(text):
    assert normalise(text) == text


def test_single_line_break_kept_and_blank_lines_capped():
    assert normalise("a\nb") == "a\nb"
    assert normalise("a\n\nb") == "a\n\nb"
    assert normalise("a\n \n \n\nb") == "a\n\nb"


def test_none_and_non_strings():
    assert normalise(None) == ""
    assert normalise(12) == "12"


def test_normalise_all_does_not_mutate_input():
    texts = ["Hi&amp;bye <b>x</b>", "@bob ok!!!", "plain"]
    before = list(texts)
    out = normalise_all(texts)
    assert texts == before
    assert out == ["Hi&bye x", "ok!", "plain"]
    assert out is not texts


def test_version_constant():
    assert isinstance(NORMALISER_VERSION, int) and NORMALISER_VERSION == 4


_PIECES = st.sampled_from(
    [
        "&amp;", "&lt;", "&gt;", "&#39;", "&nbsp;", "&", "#", "@", "<", ">", "<br>", "</p>",
        "<b>", "http://", "www.", ".", "!", "?", ",", ";", "\n", "\r", " ", "\u00a0", "\u200d",
        "\ufe0f", "\u20e3", "\U0001f600", "\U0001f3fd", "a", "b", "1", "com", "lt", "amp;",
        "\u0936", "\u0dca", "\u2029", "\x00", "\ud800",
    ]
)
_MIXED = st.one_of(st.text(), st.lists(_PIECES, max_size=30).map("".join))


@settings(max_examples=1500, deadline=None)
@given(_MIXED)
def test_idempotent_and_never_raises(text):
    once = normalise(text)
    assert isinstance(once, str)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=["L", "M", "N"], exclude_characters="\ufe0e\ufe0f\u20e3I")))
def test_letters_digits_marks_survive(text):
    # Text made only of letters, marks and digits is never changed (a capital I inside a
    # lower-case word is: the export's "NothIng" rule, tested on its own).
    assert normalise(text) == text


def test_markup_left_as_words_by_an_export_that_stripped_punctuation():
    raw = ("computer associates international lt href http investor reuters fullquote aspx ticker target stocks "
           "quickinfo fullquote gt lt gt chief executive pleaded guilty")
    assert normalise(raw) == "computer associates international chief executive pleaded guilty"
    assert normalise("review lt strong gt new phones lt gt quot best quot buy") == "review new phones best buy"
    # a lieutenant, "lt" with no tag name after it, and a "gt" too far away are kept
    assert normalise("Lt Col Smith said the b team was late") == "Lt Col Smith said the b team was late"
    assert normalise("the lt ratio fell and gt rose") == "the lt ratio fell and gt rose"
    far = "lt b " + " ".join(["word"] * 40) + " gt"
    assert normalise(far) == far
