import pytest

from themes.errors import ConfigError
from themes.model.codebook import (
    Codebook,
    CodebookTheme,
    apply_codebook,
    codebook_from_model,
    read_codebook,
    write_codebook,
)
from themes.model.edits import delete
from themes.pipeline import extract
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter


@pytest.fixture
def model(tiny_frame, fake_embedder, fast_settings):
    return extract(tiny_frame, text="answer", id="id", by=["role"], settings=fast_settings, embedder=fake_embedder,
                   splitter=regex_splitter, phrases=simple_phrases, n_themes=3).model


def _write(tmp_path, text):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_write_read_round_trip(tmp_path):
    book = Codebook(themes=[
        CodebookTheme(name="External consultancy support", id=1, description="Using consultants.",
                      keywords=["consultancy", "external challenge"], examples=["We used an external review: it helped."],
                      question="", status="discovered"),
        CodebookTheme(name="Staff networks \u2013 lived experience", id=4, status="codebook"),
    ])
    path = write_codebook(book, tmp_path / "cb.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("format: themes-codebook\nversion: 1\n") and "\u2013" in text
    back = read_codebook(path)
    assert back.themes == book.themes


def test_ids_left_out_are_numbered_on_and_keywords_may_be_a_line(tmp_path):
    path = _write(tmp_path, "format: themes-codebook\nversion: 1\nthemes:\n"
                            "  - id: 5\n    name: Scorecard\n"
                            "  - name: Networks\n    keywords: staff networks, lived experience\n")
    book = read_codebook(path)
    assert [t.id for t in book.themes] == [5, 6]
    assert book.themes[1].keywords == ["staff networks", "lived experience"]
    assert book.themes[1].status == "codebook"


@pytest.mark.parametrize("body, message", [
    ("themes:\n  - name: A\n", "not a themes codebook"),
    ("format: themes-codebook\nversion: 9\nthemes:\n  - name: A\n", "newer"),
    ("format: themes-codebook\nthemes: []\n", "non-empty list"),
    ("format: themes-codebook\nthemes:\n  - description: no name\n", "theme 1 .*'name' is missing"),
    ("format: themes-codebook\nthemes:\n  - name: A\n    descripton: typo\n", "Did you mean 'description'"),
    ("format: themes-codebook\nthemes:\n  - id: 2\n    name: A\n  - id: 2\n    name: B\n", "both have id 2"),
    ("format: themes-codebook\nthemes:\n  - name: A\n  - name: a\n", "both called"),
    ("format: themes-codebook\nthemes:\n  - name: A\n    status: maybe\n", "'status' 'maybe'"),
    ("format: themes-codebook\nthemes:\n  - name: A\n   description: x\n", "line 4, column 4"),
])
def test_bad_codebooks_say_what_and_where(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        read_codebook(_write(tmp_path, body))


def test_yaml_tags_are_not_run(tmp_path):
    path = _write(tmp_path, "format: themes-codebook\nthemes:\n  - name: !!python/object/apply:os.system [echo hi]\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_codebook(path)


def test_export_leaves_out_deleted_themes(model):
    book = codebook_from_model(delete(model, 2))
    assert [t.id for t in book.themes] == [1, 3]
    assert all(t.examples for t in book.themes)  # best quotes travel with the themes


def test_import_renames_and_describes_as_recorded_edits(model):
    book = codebook_from_model(model)
    book.themes[0].name = "Regulators and the scorecard"
    book.themes[1].description = "Consultants, reviews and external challenge."
    edited, notes = apply_codebook(model, book)
    t = edited.table.set_index("theme_id")
    assert t.at[1, "name"] == "Regulators and the scorecard" and t.at[1, "status"] == "edited"
    assert t.at[2, "description"] == "Consultants, reviews and external challenge."
    assert [e["op"] for e in edited.edits] == ["rename", "describe"]
    assert len(notes) == 2


def test_import_can_swap_two_names(model):
    book = codebook_from_model(model)
    a, b = book.themes[0].name, book.themes[1].name
    book.themes[0].name, book.themes[1].name = b, a
    edited, _ = apply_codebook(model, book)
    assert edited.table["name"].tolist()[:2] == [b, a]


def test_import_refuses_unknown_ids_and_clashing_names(model):
    book = codebook_from_model(model)
    book.themes[0].id = 99
    with pytest.raises(ConfigError, match="id 99 .* not in the model"):
        apply_codebook(model, book)
    book = codebook_from_model(model)
    book.themes = book.themes[:1]
    book.themes[0].name = model.table.at[1, "name"]
    with pytest.raises(ConfigError, match="would both be called"):
        apply_codebook(model, book)
