"""Hostile files: a model folder is data, never code; outputs are inert in spreadsheets and
Markdown viewers; the same input and seed give the same bytes."""

from __future__ import annotations

import csv
import hashlib
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import ModelFormatError
from themes.io.outdir import quotes_markdown
from themes.io.safe import FORMULA_START
from themes.model.persist import load_model

SRC = Path(__file__).resolve().parents[1] / "src" / "themes"
BAD = Path(__file__).resolve().parent / "data" / "bad"
runner = CliRunner()


class Payload:
    """Unpickling this creates ``marker``: the proof that a pickle ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def object_npy(marker: Path) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([Payload(marker), 1.0], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.fixture
def model_dir(tmp_path, tiny_frame, fast_stages) -> Path:
    src = tmp_path / "survey.csv"
    tiny_frame.to_csv(src, index=False)
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "-o", str(tmp_path / "out"),
                              "--quiet", "--n-themes", "3", "--no-cache"])
    assert res.exit_code == 0, res.output
    return tmp_path / "out" / "model"


def plant(model_dir: Path, data: bytes, name: str = "centroids.npy") -> None:
    """Replace a file and update its checksum in the manifest, as an attacker would."""
    (model_dir / name).write_bytes(data)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (model_dir / "manifest.json").write_text(json.dumps(manifest))


def npy(arr: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def test_the_payload_is_live(tmp_path):
    """Control: loaded the unsafe way, the payload does run (so the tests below could fail)."""
    marker = tmp_path / "ran"
    (tmp_path / "p.npy").write_bytes(object_npy(marker))
    np.load(tmp_path / "p.npy", allow_pickle=True)
    assert marker.exists()
    marker.unlink()
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("kind", ["npy-object-array", "raw-pickle"])
def test_pickle_payload_refused_and_never_run(tmp_path, model_dir, kind):
    marker = tmp_path / "ran"
    data = object_npy(marker) if kind == "npy-object-array" else pickle.dumps(np.array([Payload(marker)]))
    plant(model_dir, data)
    with pytest.raises(ModelFormatError, match="not a plain numeric array"):
        load_model(model_dir)
    assert not marker.exists()
    res = runner.invoke(app, ["label", str(model_dir), str(BAD / "good.csv"), "--text", "answer",
                              "-o", str(tmp_path / "labelled"), "--quiet", "--no-cache"])
    assert res.exit_code == 2 and res.output.startswith("Error: ") and len(res.output.strip().splitlines()) == 1
    assert not marker.exists() and not (tmp_path / "labelled").exists()


def test_tampered_array_refused(model_dir):
    arr = np.load(model_dir / "centroids.npy")
    arr[0, 0] += 0.5
    (model_dir / "centroids.npy").write_bytes(npy(arr))  # checksum left as it was
    with pytest.raises(ModelFormatError, match="checksum does not match"):
        load_model(model_dir)


@pytest.mark.parametrize("change,message", [
    (lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a), "non-finite"),
    (lambda a: a.astype(np.int64), "int64 values"),
    (lambda a: a.astype(np.complex64), "complex64 values"),
    (lambda a: a[:, :10], "dimensional"),
    (lambda a: a[:1], "themes in the manifest"),
    (lambda a: a.reshape(-1), "themes in the manifest"),
])
def test_tampered_array_with_matching_checksum_refused(model_dir, change, message):
    plant(model_dir, npy(change(np.load(model_dir / "centroids.npy"))))
    with pytest.raises(ModelFormatError, match=message):
        load_model(model_dir)


@pytest.mark.parametrize("edit", [
    lambda m: m.update(files={"../../etc/passwd": {"sha256": "x"}, **m["files"]}),
    lambda m: m.update(files=["centroids.npy"]),
    lambda m: m.update(themes=[{"name": "no id"}] * len(m["themes"])),
    lambda m: m.update(themes="all of them"),
    lambda m: m.pop("threshold"),
    lambda m: m.update(embedder="fake-bow"),
    lambda m: m.update(format_version="1; rm -rf /"),
    lambda m: m.update(format="pickle"),
])
def test_malformed_manifest_refused(model_dir, edit):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    edit(manifest)
    (model_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError):
        load_model(model_dir)


def test_manifest_settings_of_the_wrong_type_refused(tmp_path, model_dir):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    manifest["settings"]["min_similarity"] = "0.2; import os"
    (model_dir / "manifest.json").write_text(json.dumps(manifest))
    res = runner.invoke(app, ["label", str(model_dir), str(BAD / "good.csv"), "--text", "answer",
                              "-o", str(tmp_path / "labelled"), "--quiet", "--no-cache"])
    assert res.exit_code == 2 and "settings are malformed" in res.output, res.output


def test_no_pickle_in_the_package():
    """No pickle, joblib or torch.load; every np.load refuses pickles."""
    for path in SRC.rglob("*.py"):
        code = path.read_text()
        for banned in (r"\bimport pickle\b", r"\bfrom pickle\b", r"\bjoblib\b", r"\bdill\b", r"cloudpickle",
                       r"read_pickle", r"to_pickle", r"torch\.load", r"allow_pickle\s*=\s*True"):
            assert not re.search(banned, code), f"{path.name}: {banned}"
        for call in re.findall(r"np\.load\((.*)", code):
            assert "allow_pickle=False" in call, f"{path.name}: np.load({call}"


# ----------------------------------------------------------------------------- spreadsheets

def test_every_csv_writer_goes_through_outputs_write_csv():
    writers = r"\.to_csv\(|csv\.writer|DictWriter|\.to_excel\(|ExcelWriter|xlsxwriter|Workbook\("
    for path in SRC.rglob("*.py"):
        if path.name == "safe.py":
            continue
        code = path.read_text()
        if path.name == "xlsx_report.py":
            # the XLSX report writes cells itself, each through one function that stores text as text
            assert 'data_type = "s"' in code and "quotePrefix = True" in code
            code = code.replace("Workbook(", "")
        found = re.findall(writers, code)
        assert not found, f"{path.name} writes a table itself ({found}); use themes.io.safe.write_csv"
    outputs = (SRC / "io" / "safe.py").read_text()
    assert re.findall(writers, outputs) == [".to_csv("] and "safe_frame(frame).to_csv(" in outputs


def _hostile_cells(folder: Path) -> list[tuple[str, str]]:
    bad = []
    for path in folder.rglob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell.startswith(FORMULA_START):
                        try:
                            float(cell)  # a number such as -0.05 is a number, not a formula
                        except ValueError:
                            bad.append((path.name, cell))
    return bad


def test_every_csv_cell_and_header_inert(tmp_path, fast_stages):
    """Hostile ids, --by names and values, and answers: extract and label outputs stay inert."""
    src = BAD / "formulas.csv"
    out = tmp_path / "out"
    args = ["--text", "answer", "--id", "response_id", "--by=-role", "--quiet", "--no-cache"]
    res = runner.invoke(app, ["extract", str(src), *args, "-o", str(out), "--min-similarity", "0.3"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["label", str(out / "model"), str(src), *args, "-o", str(tmp_path / "lab")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "lab" / "new_candidates.csv").exists()
    raw = (out / "responses.csv").read_text(encoding="utf-8")
    assert "'=1+1" in raw and "'-role" in raw and "'@role" in raw and "'=HYPERLINK" in raw
    assert _hostile_cells(out) == [] and _hostile_cells(tmp_path / "lab") == []


def test_quotes_markdown_never_live():
    themes = pd.DataFrame({"theme_id": [1], "name": ["<img src=x onerror=alert(1)>"], "n_responses": [1],
                           "share": [1.0], "keywords": ["[a](http://x)"]})
    quotes = pd.DataFrame({"theme_id": [1], "role": ["<b>Chair</b>"], "attribution": ["![t](http://x/t.png)"],
                           "quote": ["<script>alert(1)</script>\n# heading \\<i>"], "response_id": ["`id`"]})
    md = quotes_markdown(quotes, themes, ("role",))
    for live in ("<img", "<b>", "<script", "](http", "![", "<i>", "\n# heading"):
        assert not re.search(r"(?<!\\)" + re.escape(live), md), live  # only escaped (\<) forms remain
    assert "\\<script\\>alert(1)\\</script\\>" in md and "\\\\\\<i\\>" in md


# ----------------------------------------------------------------------------- determinism

def test_same_input_and_seed_same_bytes(tmp_path, fast_stages):
    src = BAD / "unicode.csv"
    outs = []
    for name, cache in (("a", []), ("b", []), ("c", ["--no-cache"])):
        out = tmp_path / name
        res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "response_id", "-o", str(out),
                                  "--quiet", "--seed", "3", *cache], env={"THEMES_CACHE_DIR": str(tmp_path / "cc")})
        assert res.exit_code == 0, res.output
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) == 11  # 7 tables and run.json, model: manifest, centroids, sub-centroids (2)
    for other in outs[1:]:
        assert sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file()) == files
        for f in files:
            if f.name == "run.json":
                continue
            assert (other / f).read_bytes() == (outs[0] / f).read_bytes(), f
        assert run_json_without_times(other) == run_json_without_times(outs[0])


def run_json_without_times(out: Path) -> dict:
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    run.pop("timings")
    run.pop("created")
    return run
