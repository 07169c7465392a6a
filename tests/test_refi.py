"""REFI-QDA exchange: codebooks (.qdc) both ways, and projects (.qdpx) validated against the REFI
schemas in ../shared/refi-qda and read back."""

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import refi_checks
from conftest import TINY
from themes.cli import app
from themes.errors import InputError
from themes.exchange.qdc import codebook_to_qdc, parse_description, qdc_to_codebook, read_qdc, write_qdc
from themes.exchange.qdpx import lf_text
from themes.model.codebook import Codebook, CodebookTheme, codebook_dict, from_dict

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def project_schema():
    return refi_checks.project_schema()


@pytest.fixture(scope="module")
def codebook_schema():
    return refi_checks.codebook_schema()


# ---------------------------------------------------------------- codebook
CODEBOOK_DICT = {"format": "themes-codebook", "version": 1, "themes": [
    {"id": 1, "name": "External consultancy support",
     "description": "Answers about using external consultants for challenge and expertise.",
     "keywords": ["consultancy", "external challenge", "cost; value"],
     "examples": ["We used an external consultancy for a race equality review ...", '"Useful" but\ngeneric'],
     "question": "What external support have you used?", "status": "discovered"},
    {"id": 2, "name": "Staff networks", "description": "", "keywords": [], "examples": [],
     "question": "What external support have you used?", "status": "edited"},
    {"id": 7, "name": "Board accountability", "description": "Line one.\r\nLine two.  ",
     "keywords": ["  padded "], "examples": [], "question": "", "status": "codebook"},
]}
CODEBOOK = from_dict(CODEBOOK_DICT)


def test_codebook_round_trip_is_exact_and_valid(tmp_path, codebook_schema):
    path = write_qdc(CODEBOOK, tmp_path / "codebook.qdc")
    codebook_schema.validate(str(path))
    assert read_qdc(path) == CODEBOOK
    # same codebook, same bytes (so the same GUIDs)
    assert write_qdc(CODEBOOK, tmp_path / "again.qdc").read_bytes() == path.read_bytes()


def test_codebook_is_readable_in_a_qda_program(tmp_path):
    """What a coder sees: the description first, then plain labelled lines; themes of a question
    sit under a non-codable code named after the question."""
    xml = codebook_to_qdc(CODEBOOK).decode()
    assert "Keywords: consultancy; external challenge; \"cost; value\"" in xml
    assert "Example: We used an external consultancy for a race equality review ..." in xml
    root = qdc_to_codebook(codebook_to_qdc(CODEBOOK))
    assert [t.name for t in root.themes] == ["External consultancy support", "Staff networks",
                                                   "Board accountability"]
    assert '<Code guid="' in xml and 'name="What external support have you used?" isCodable="false"' in xml


def test_themes_out_of_question_order_stay_in_order():
    cb = Codebook(themes=[CODEBOOK.themes[0], CODEBOOK.themes[2], CODEBOOK.themes[1]])
    assert qdc_to_codebook(codebook_to_qdc(cb)) == cb


def test_codebook_from_another_program():
    """A codebook written elsewhere (ATLAS.ti style: upper-case GUIDs, a category, no labelled lines)."""
    xml = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti Win 23.4.0">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Leadership" isCodable="false">
      <Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Visible leaders" isCodable="true" color="#46AA00">
        <Description>Leaders seen to act.\r\nKeywords: not ours</Description>
      </Code>
    </Code>
    <Code guid="3FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Data" isCodable="true"/>
  </Codes>
</CodeBook>"""
    themes = qdc_to_codebook(xml).themes
    assert [(t.id, t.name, t.status) for t in themes] == [(1, "Visible leaders", "codebook"),
                                                          (2, "Data", "codebook")]
    assert themes[0].description == "Leaders seen to act.\nKeywords: not ours"
    assert themes[1].keywords == [] and themes[1].examples == []


def test_labelled_lines_edited_in_a_program_are_read():
    text = "Seen to act.\r\n\r\nKeywords: leaders; visible\r\nStatus: edited\r\nTheme id: 4\r\n"
    description, fields = parse_description(text)
    assert description == "Seen to act."
    assert fields["keywords"] == ["leaders", "visible"] and fields["status"] == "edited" and fields["id"] == 4


def test_not_a_codebook_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.qdc"
    bad.write_text("<html/>")
    with pytest.raises(InputError, match="not a REFI-QDA CodeBook"):
        read_qdc(bad)
    bad.write_text("not xml <")
    with pytest.raises(InputError, match="not readable XML"):
        read_qdc(bad)
    with pytest.raises(InputError, match="needs a name"):
        codebook_to_qdc(Codebook(themes=[CodebookTheme(name="", id=1)]))


_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
                    max_size=30) | st.sampled_from(["a\nb", "x\r\ny", "\tlead", "trail\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "id": st.none() | st.integers(-5, 10**6),
    "name": _xml_text.filter(lambda s: s.strip()),
    "description": _xml_text,
    "keywords": st.lists(_text, max_size=4),
    "examples": st.lists(_text, max_size=3),
    "question": _text,
    "status": st.sampled_from(["discovered", "new", "edited", "codebook"]) | _text.filter(bool),
}), max_size=5))
def test_any_codebook_survives_yaml_qdc_yaml(themes):
    """Every field of the YAML schema survives, whatever the text (XML-legal names and descriptions;
    any keyword, example, question and status)."""
    cb = from_dict({"themes": themes})
    assert qdc_to_codebook(codebook_to_qdc(cb)) == cb


# ---------------------------------------------------------------- project
def _survey(tmp_path) -> Path:
    rows = [{"id": f"R{i + 1:02d}", "question": "What helped?" if i % 2 == 0 else "What would help?",
             "role": role, "trust_type": tt, "answer": ans} for i, (role, tt, ans) in enumerate(TINY)]
    # a spreadsheet-unsafe start, an emoji (outside the BMP), a Windows line break, a bullet
    rows[0]["answer"] = "=National scorecard accountability for boards \U0001F600 now.\r\nRegulators hold boards."
    rows[4]["answer"] = "- We used external consultancy support; \U0001F389 the challenge from consultants was useful."
    path = tmp_path / "survey.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def coded(tmp_path, fast_stages):
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(_survey(tmp_path)), "--text", "answer", "--id", "id", "--by",
                              "role,trust_type", "--question", "question", "-o", str(out), "--quiet",
                              "--min-similarity", "0.05"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    return out


def test_project_validates_and_round_trips(coded, tmp_path, project_schema):
    qdpx = tmp_path / "survey.qdpx"
    res = runner.invoke(app, ["export", str(coded), "--qdpx", str(qdpx)])
    assert res.exit_code == 0, res.output
    assert "coded segments" in res.output and "emoji" in res.output
    project = refi_checks.check_project(qdpx, coded, project_schema,
                                        refi_checks.answers(tmp_path / "survey.csv", "id", "answer"))

    responses = pd.read_csv(coded / "responses.csv", dtype=str, keep_default_na=False)
    # one case per response, named by its id, with the --by attributes and the question
    assert sorted(project["cases"]) == sorted(responses["response_id"])
    case = project["cases"]["R02"]
    assert case["variables"] == {"role": "NED", "trust_type": "Acute trust", "question": "What would help?"}
    assert project["sources"][case["sources"][0]]["name"] == "R02"
    # blank answers are cases without a source; texts are exact, with LF line breaks
    assert project["cases"]["R12"]["sources"] == []
    first = project["sources"][project["cases"]["R01"]["sources"][0]]["text"]
    assert first == "=National scorecard accountability for boards \U0001F600 now.\nRegulators hold boards."
    # the project's codebook is the run's codebook
    model_themes = read_qdc_from_outdir(coded, tmp_path)
    assert [t["name"] for t in project["themes"]] == [t["name"] for t in model_themes]


def read_qdc_from_outdir(outdir, tmp_path):
    res = runner.invoke(app, ["export", str(outdir / "model"), "--qdc", str(tmp_path / "m.qdc"), "--quiet"])
    assert res.exit_code == 0, res.output
    return codebook_dict(read_qdc(tmp_path / "m.qdc"))["themes"]


def test_export_is_byte_identical_for_the_same_input(coded, tmp_path):
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    for path in (a, b):
        assert runner.invoke(app, ["export", str(coded), "--qdpx", str(path), "--quiet"]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    guids = re.findall(r'guid="([0-9A-F-]{36})"', zipfile.ZipFile(a).read("project.qde").decode())
    assert len(guids) == len(set(guids))  # every GUID unique within the project


def test_qdc_from_outdir_has_examples_and_validates(coded, tmp_path, codebook_schema):
    qdc = tmp_path / "themes.qdc"
    res = runner.invoke(app, ["export", str(coded), "--qdc", str(qdc), "--quiet"])
    assert res.exit_code == 0, res.output
    codebook_schema.validate(str(qdc))
    themes = codebook_dict(read_qdc(qdc))["themes"]
    table = pd.read_csv(coded / "themes.csv", dtype=str, keep_default_na=False)
    assert [t["name"] for t in themes] == table["name"].tolist()
    assert [t["question"] for t in themes] == table["question"].tolist()
    assert any(t["examples"] for t in themes)
    quotes = pd.read_csv(coded / "quotes.csv", dtype=str, keep_default_na=False)
    real = quotes["quote"].map(lambda q: q[1:] if q[:1] == "'" and q[1:2] in "=+-@" else q)  # CSV safety mark
    assert (real != quotes["quote"]).any()  # the '=National ... answer is among the quotes
    for t in themes:  # the model keeps each theme's best quotes as its examples
        theirs = real[quotes["theme_id"] == str(t["id"])].tolist()
        assert t["examples"] and set(t["examples"]) <= set(theirs) and len(t["examples"]) <= 3


def test_label_outdir_exports_too(coded, tmp_path, project_schema, fast_stages):
    out = tmp_path / "labelled"
    res = runner.invoke(app, ["label", str(coded / "model"), str(_survey(tmp_path)), "--text", "answer", "--id", "id",
                              "--question", "question", "-o", str(out), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    qdpx = tmp_path / "labelled.qdpx"
    assert runner.invoke(app, ["export", str(out), "--qdpx", str(qdpx), "--quiet"]).exit_code == 0
    refi_checks.check_project(qdpx, out, project_schema,
                              refi_checks.answers(tmp_path / "survey.csv", "id", "answer"))


def test_export_refusals(coded, tmp_path):
    target = tmp_path / "p.qdpx"
    target.write_text("mine")
    res = runner.invoke(app, ["export", str(coded), "--qdpx", str(target)])
    assert res.exit_code == 2 and "--force" in res.output and target.read_text() == "mine"
    assert runner.invoke(app, ["export", str(coded), "--qdpx", str(target), "--force", "-q"]).exit_code == 0
    res = runner.invoke(app, ["export", str(coded / "model"), "--qdpx", str(tmp_path / "m.qdpx")])
    assert res.exit_code == 2 and "model folder" in res.output
    res = runner.invoke(app, ["export", str(coded), "--qdpx", str(tmp_path / "p.zip")])
    assert res.exit_code == 2 and ".qdpx" in res.output
    res = runner.invoke(app, ["export", str(coded)])
    assert res.exit_code == 2 and "--qdpx" in res.output
    assert not list(tmp_path.glob(".*tmp-*"))


def test_edited_outdir_is_refused(coded, tmp_path):
    responses = pd.read_csv(coded / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[1, "text"] = "Hold boards to account, edited in a spreadsheet."
    responses.to_csv(coded / "responses.csv", index=False)
    res = runner.invoke(app, ["export", str(coded), "--qdpx", str(tmp_path / "x.qdpx")])
    assert res.exit_code == 2 and "R02" in res.output and "edited or damaged" in res.output
    assert not (tmp_path / "x.qdpx").exists()


def test_lf_text_maps_offsets():
    text = "ab\r\ncd\ref\r\n"
    plain, at = lf_text(text)
    assert plain == "ab\ncd\nef\n"
    for s, e in [(0, 2), (4, 6), (7, 9), (0, len(text))]:
        assert plain[at(s):at(e)] == text[s:e].replace("\r\n", "\n").replace("\r", "\n")


def test_qdc_codebook_labels_and_seeds_extract(coded, tmp_path, fast_stages):
    """A .qdc from `themes export --qdc` works as --codebook for label and extract."""
    qdc = tmp_path / "themes.qdc"
    assert runner.invoke(app, ["export", str(coded), "--qdc", str(qdc), "--quiet"]).exit_code == 0
    names = pd.read_csv(coded / "themes.csv", dtype=str, keep_default_na=False)["name"].tolist()
    lab = tmp_path / "lab"
    res = runner.invoke(app, ["label", str(qdc), str(_survey(tmp_path)), "--text", "answer", "--id", "id",
                              "-o", str(lab), "--quiet"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(lab / "themes.csv", dtype=str, keep_default_na=False)["name"].tolist() == names
    seeded = tmp_path / "seeded"
    res = runner.invoke(app, ["extract", str(_survey(tmp_path)), "--text", "answer", "--id", "id", "--codebook",
                              str(qdc), "-o", str(seeded), "--quiet"])
    assert res.exit_code == 0, res.output
    themes = pd.read_csv(seeded / "themes.csv", dtype=str, keep_default_na=False)
    assert set(names) <= set(themes["name"])
    assert set(themes.loc[themes["name"].isin(names), "status"]) == {"codebook"}
