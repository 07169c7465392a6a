"""Hostile model folders and REFI-QDA codebooks (issue 16, defects 6 and 9): each is one
ModelFormatError or InputError (exit code 2), never a traceback, and never a giant allocation."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from test_safety import model_dir, npy, plant  # noqa: F401  (model_dir is a fixture)
from themes.errors import InputError, ModelFormatError, ThemesError
from themes.exchange.files import load_codebook
from themes.model.persist import load_model


def edit_manifest(folder, change):
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def giant_header(shape) -> bytes:
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1), np.float32))
    header["shape"] = shape
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + b"\0" * 64


@pytest.mark.parametrize("shape", [(10**12, 384), (2**40,), (3, 10**15)])
def test_npy_header_claiming_a_giant_shape_is_refused_before_reading(model_dir, shape):  # noqa: F811
    plant(model_dir, giant_header(shape))
    with pytest.raises(ModelFormatError, match="header claims"):
        load_model(model_dir)


def test_npy_larger_than_the_manifest_says_is_refused(model_dir):  # noqa: F811
    with open(model_dir / "centroids.npy", "ab") as fh:
        fh.write(b"\0" * 1000)
    with pytest.raises(ModelFormatError, match="bytes, but the manifest says"):
        load_model(model_dir)


@pytest.mark.parametrize("change,message", [
    (lambda m: m["themes"][0].update(id=10**30), "id"),
    (lambda m: m["themes"][0].update(id=-5), "outside 1"),
    (lambda m: m.update(settings=[1, 2]), "malformed"),
    (lambda m: m.update(by="role"), "malformed"),
    (lambda m: m.update(threshold="nan"), "threshold"),
    (lambda m: m.update(threshold=1e400), "threshold"),
    (lambda m: (m["themes"][0].update(status="merged", merged_into=m["themes"][1]["id"]),
                m["themes"][1].update(status="merged", merged_into=m["themes"][0]["id"])), "itself merged"),
])
def test_hostile_manifest_values_are_refused(model_dir, change, message):  # noqa: F811
    edit_manifest(model_dir, change)
    with pytest.raises(ModelFormatError, match=message):
        load_model(model_dir)


def test_deeply_nested_manifest_is_refused(model_dir):  # noqa: F811
    (model_dir / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFormatError, match="nested too deeply"):
        load_model(model_dir)


@pytest.mark.parametrize("fill", [0.0, 1e300])
def test_centroids_all_zero_or_past_float32_are_refused(model_dir, fill):  # noqa: F811
    arr = np.load(model_dir / "centroids.npy").astype(np.float64)
    arr[0] = fill
    plant(model_dir, npy(arr))
    with pytest.raises(ModelFormatError, match="all zeros or too large"):
        load_model(model_dir)


QDC = ('<?xml version="1.0" encoding="{enc}"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes>'
       '</CodeBook>')


def write_qdc(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "book.qdc"
    path.write_bytes(text.encode(encoding))
    return path


def test_qdc_with_a_bogus_encoding_is_one_error(tmp_path):
    path = write_qdc(tmp_path, QDC.format(enc="x-no-such-codec", codes='<Code guid="a" name="A"/>'))
    with pytest.raises(InputError, match="not readable XML"):
        load_codebook(path)


def test_qdc_with_deeply_nested_codes_reads(tmp_path):
    depth = 5000
    codes = "".join(f'<Code guid="g{k}" name="C{k}" isCodable="true">' for k in range(depth)) + "</Code>" * depth
    book = load_codebook(write_qdc(tmp_path, QDC.format(enc="utf-8", codes=codes)))
    assert len(book.themes) == depth


def test_qdc_theme_id_of_ten_to_the_thirty_is_not_taken(tmp_path):
    desc = "Keywords: a\\nStatus: codebook\\nTheme id: " + "1" + "0" * 30
    codes = f'<Code guid="a" name="A"><Description>{desc}</Description></Code>'.replace("\\n", "&#10;")
    try:
        book = load_codebook(write_qdc(tmp_path, QDC.format(enc="utf-8", codes=codes)))
    except ThemesError:
        return
    assert all(t.id is None or t.id < 2**31 for t in book.themes)


def test_qdpx_member_that_inflates_past_the_cap_is_refused(tmp_path, monkeypatch):
    import themes.io.limits as limits

    monkeypatch.setattr(limits, "MEMBER_MAX", 1_000_000)
    path = tmp_path / "big.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", QDC.format(enc="utf-8", codes="") + " " * 5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="expands to"):
        load_codebook(path)


def test_xlsx_with_a_stray_cell_at_xfd1048576_is_refused_quickly(tmp_path):
    import re
    import time

    from themes.io.corpus import read_table

    pd = pytest.importorskip("pandas")
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"answer": ["a b c", "d e f"], "role": ["x", "y"]}).to_excel(good, index=False)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet)
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>z</t></is></c></row></sheetData>'
    ).encode()
    bad = tmp_path / "stray.xlsx"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    assert bad.stat().st_size < 10_000
    start = time.perf_counter()
    with pytest.raises(InputError, match="1,048,576 rows x 16,384 columns"):
        read_table(bad)
    assert time.perf_counter() - start < 20
    assert read_table(good).shape == (2, 2)


def test_answer_over_a_million_characters_names_the_row(tmp_path):
    from themes.io.corpus import load_corpus

    src = tmp_path / "long.csv"
    src.write_text("answer\nshort one\n" + "word " * 210_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'answer': the answer is 1,050,000 characters"):
        load_corpus(src, text="answer")


def hostile_folder(tmp_path):
    """A folder laid out like a sentence-transformers model, as an attacker would plant it."""
    folder = tmp_path / "planted-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer", "path": ""}]')
    return folder


def test_a_manifest_naming_a_local_model_folder_is_refused_unless_named(model_dir, tmp_path):  # noqa: F811
    """Issue 16, defect 9: before, `label` loaded whatever folder the manifest named."""
    from typer.testing import CliRunner

    from themes.cli import app
    from themes.config import Components, use_components
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter

    folder = hostile_folder(tmp_path)
    edit_manifest(model_dir, lambda m: m["embedder"].update(name=str(folder)))
    survey = tmp_path / "new.csv"
    survey.write_text("answer\nWe need more time for the board.\n")
    parts = Components(splitter=lambda settings: regex_splitter, phrases=lambda settings: simple_phrases)
    with use_components(parts):   # the real embedder: only the check stands between the manifest and the folder
        res = CliRunner().invoke(app, ["label", str(model_dir), str(survey), "--text", "answer", "-o",
                                       str(tmp_path / "lab"), "--quiet"])
        assert res.exit_code == 2, res.output
        assert "not a packaged model" in res.output and f"--model {folder}" in res.output
        other = tmp_path / "other"
        other.mkdir()
        res = CliRunner().invoke(app, ["label", str(model_dir), str(survey), "--text", "answer", "-o",
                                       str(tmp_path / "lab2"), "--quiet", "--model", str(other)])
        assert res.exit_code == 2 and "but --model names" in res.output, res.output
    assert not (tmp_path / "lab").exists() and not (tmp_path / "lab2").exists()


def test_trusted_model_takes_packaged_names_and_the_named_folder(tmp_path):
    from themes.embed.models import trusted_model
    from themes.errors import ConfigError

    assert trusted_model("all-MiniLM-L6-v2", None, "m") == "all-MiniLM-L6-v2"
    folder = hostile_folder(tmp_path)
    spelled = str(tmp_path / "." / "planted-model")   # the same folder, spelled differently
    assert trusted_model(str(folder), spelled, "m") == str(folder)
    with pytest.raises(ConfigError, match="not a packaged model"):
        trusted_model(str(folder), None, "m")
    with pytest.raises(ConfigError, match="but --model names"):
        trusted_model(str(folder), str(tmp_path), "m")
