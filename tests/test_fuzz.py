"""Fuzz every reader (issue 16): valid files mutated in their bytes, their structure (inside the
zip of an XLSX or .qdpx, the manifest and arrays of a model) and their size. Each read must end
in a result or a ThemesError (the CLI's exit code 2), never another exception, and memory must
stay bounded.

The fast tier tries a few dozen mutations per reader (a few seconds each); `-m fuzz` runs the
long version (a few hundred per reader; also marked `slow`, so the fast command leaves it out
and CI, which runs everything, runs it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import resource
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report_helpers import make_outdir
from themes.errors import ThemesError
from themes.exchange.files import load_codebook
from themes.exchange.qdc import codebook_to_qdc
from themes.exchange.qdpx import write_qdpx
from themes.io.corpus import load_corpus
from themes.model.codebook import codebook_from_model, write_codebook
from themes.model.persist import load_model

FAST, LONG = 30, 400
MEMORY_MB = 1500  # peak memory a whole fuzz test may add
TOKENS = [b"\x00", b'"', b",", b";", b"\t", b"\n", b"\r", b"\r\n", b"<!--", b"&", b"&lt;", b"]]>", b"<", b">",
          b"\xff\xfe", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"1" * 40, b"-1", b"1e400", b"NaN", b"null", b"[", b"{",
          b"*a", b"&a ", b"!!python/object:os.system", b"\\u0000", b"\\ud800", b"=1+1", b"PK\x03\x04", b"\x93NUMPY"]


def mutate(data: bytes, rnd: random.Random) -> bytes:
    """One to four random edits: flip, delete, duplicate, insert a token, truncate, or grow."""
    data = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        n = len(data)
        op = rnd.randrange(7)
        at = rnd.randrange(n + 1)
        if op == 0 and n:
            data[min(at, n - 1)] = rnd.randrange(256)
        elif op == 1:
            del data[at:at + rnd.randint(1, 64)]
        elif op == 2:
            data[at:at] = data[at:at + rnd.randint(1, 256)] * rnd.randint(1, 50)
        elif op == 3:
            data[at:at] = rnd.choice(TOKENS)
        elif op == 4:
            del data[at:]
        elif op == 5:
            data[at:at] = rnd.choice(TOKENS) * rnd.randint(100, 5000)
        else:
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
    return bytes(data)


def mutate_zip(data: bytes, rnd: random.Random) -> bytes:
    """Half the time: a valid zip whose members are mutated (so the reader gets past the zip)."""
    if rnd.random() < 0.5:
        return mutate(data, rnd)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    victim = rnd.choice(sorted(members))
    members[victim] = mutate(members[victim], rnd)
    if rnd.random() < 0.1:
        members.pop(rnd.choice(sorted(members)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def survey_frame() -> pd.DataFrame:
    return pd.DataFrame({"response_id": [f"R{k}" for k in range(8)], "role": ["Chair", "NED"] * 4,
                         "answer": ["National scorecard for boards.", "External consultancy challenge.",
                                    "Staff networks told stories.", "N/A", "=1+1 regulators", "caf\u00e9 \u8463",
                                    "line\nbreak here", ""]})


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, bytes | Path]:
    """One valid file of each kind the readers take."""
    base = tmp_path_factory.mktemp("fuzz-bases")
    frame = survey_frame()
    out: dict = {}
    buf = io.StringIO()
    frame.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    out[".csv"] = buf.getvalue().encode()
    out[".tsv"] = frame.to_csv(sep="\t", index=False).encode()
    frame.to_excel(base / "s.xlsx", index=False)
    out[".xlsx"] = (base / "s.xlsx").read_bytes()
    frame.to_parquet(base / "s.parquet", index=False)
    out[".parquet"] = (base / "s.parquet").read_bytes()
    out[".jsonl"] = frame.to_json(orient="records", lines=True, force_ascii=False).encode()
    tiny = pd.DataFrame({"id": [f"T{k}" for k in range(12)], "role": ["Chair", "NED"] * 6,
                         "trust_type": ["Acute", "Mental health", "Acute"] * 4,
                         "answer": ["national scorecard accountability regulators boards"] * 4
                         + ["external consultancy support challenge"] * 4 + ["staff networks lived stories"] * 4})
    outdir = make_outdir(base / "out", tiny)
    book = codebook_from_model(load_model(outdir / "model"))
    write_codebook(book, base / "book.yaml")
    out[".yaml"] = (base / "book.yaml").read_bytes()
    out[".qdc"] = codebook_to_qdc(book)
    write_qdpx(outdir, base / "p.qdpx")
    out[".qdpx"] = (base / "p.qdpx").read_bytes()
    out["model"] = outdir / "model"
    return out


def read_corpus(path: Path):
    return load_corpus(path, text="answer", id="response_id", by=["role"])


READERS = {".csv": read_corpus, ".tsv": read_corpus, ".xlsx": read_corpus, ".parquet": read_corpus,
           ".jsonl": read_corpus, ".yaml": load_codebook, ".qdc": load_codebook, ".qdpx": load_codebook}


def survives(reader, path: Path) -> None:
    """The reader's contract: a result, or a ThemesError with a one-line message."""
    try:
        reader(path)
    except ThemesError as exc:
        assert "\n" not in str(exc).strip() or str(exc).count("\n") < 3, str(exc)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fuzz_file(kind: str, bases, seed: int) -> None:
    rnd = random.Random(seed)
    data = (mutate_zip if kind in (".xlsx", ".qdpx") else mutate)(bases[kind], rnd)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{kind}"
        path.write_bytes(data)
        survives(READERS[kind], path)


def plant(folder: Path, name: str, data: bytes) -> None:
    """Replace a model file and update its checksum and size, as an attacker would."""
    (folder / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def fuzz_model(bases, seed: int) -> None:
    rnd = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        shutil.copytree(bases["model"], folder)
        choice = rnd.randrange(3)
        if choice == 0:  # the manifest's bytes
            (folder / "manifest.json").write_bytes(mutate((folder / "manifest.json").read_bytes(), rnd))
        elif choice == 1:  # an array's bytes, with the checksum made to match
            name = rnd.choice(sorted(p.name for p in folder.glob("*.npy")))
            plant(folder, name, mutate((folder / name).read_bytes(), rnd))
        else:  # the manifest's values: one field replaced by a hostile value
            manifest = json.loads((folder / "manifest.json").read_text())
            hostile = rnd.choice([None, -1, 0, 10**30, 1e308, "nan", "", "x" * 10_000, [], {}, [1, 2], {"a": 1},
                                  True, [[[[[]]]]], "../../etc/passwd", "/tmp"])
            target = manifest
            if rnd.random() < 0.5 and manifest["themes"]:
                target = rnd.choice(manifest["themes"])
            target[rnd.choice(sorted(target))] = hostile
            (folder / "manifest.json").write_text(json.dumps(manifest))
        survives(load_model, folder)


KINDS = sorted(READERS)


def _fuzz(kind: str, bases, examples: int) -> None:
    before = peak_mb()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.integers(0, 2**32 - 1))
    def run(seed):
        if kind == "model":
            fuzz_model(bases, seed)
        else:
            fuzz_file(kind, bases, seed)

    run()
    assert peak_mb() - before < MEMORY_MB, f"{kind}: peak memory grew by {peak_mb() - before:.0f} MB"


@pytest.mark.parametrize("kind", [*KINDS, "model"])
def test_fuzz_reader(kind, bases):
    _fuzz(kind, bases, FAST)


@pytest.mark.slow
@pytest.mark.fuzz
@pytest.mark.parametrize("kind", [*KINDS, "model"])
def test_fuzz_reader_long(kind, bases):
    _fuzz(kind, bases, LONG)


def test_the_mutator_changes_files():
    rnd = random.Random(1)
    base = b"response_id,answer\nR1,hello\n"
    assert sum(mutate(base, rnd) != base for _ in range(50)) >= 45
    assert np.isfinite(peak_mb())
