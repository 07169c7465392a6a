import pytest

from themes.errors import InputError
from themes.report.redact import Hit, Redactor, merge_hits, read_terms, redact_text


def test_terms_are_whole_words_case_insensitive_with_labels(tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("# names\nAnn Lee\nWexbridge => [PLACE]\n", encoding="utf-8")
    red = Redactor(terms=read_terms(terms), ner=False)
    text = "ANN LEE from wexbridge wrote the Annual report; Wexbridge's board agreed."
    hits = red.scan([text])[0]
    assert redact_text(text, hits) == "[REDACTED] from [PLACE] wrote the Annual report; [PLACE]'s board agreed."
    assert [h.original for h in hits] == ["ANN LEE", "wexbridge", "Wexbridge"]


def test_bad_terms_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "t.txt"
    bad.write_text("Ann => person\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        read_terms(bad)
    with pytest.raises(InputError, match="not found"):
        read_terms(tmp_path / "missing.txt")


def test_overlaps_merge_and_clipping():
    text = "Dr Amara Okafor Smith said"
    hits = merge_hits([Hit(3, 15, "Amara Okafor", "[PERSON]", "ner"), Hit(9, 21, "Okafor Smith", "[REDACTED]", "term")],
                  text)
    assert len(hits) == 1 and hits[0].original == "Amara Okafor Smith"
    assert redact_text(text, hits) == "Dr [PERSON] said"
    # a slice that starts inside the name shows the replacement, never a part of the name
    assert redact_text(text, hits, 9, len(text)) == "[PERSON] said"


def test_emails_are_redacted_without_ner():
    red = Redactor(ner=False)
    text = "Write to a.person@nhs.net please."
    assert redact_text(text, red.scan([text])[0]) == "Write to [EMAIL] please."
