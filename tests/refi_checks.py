"""Test helpers for REFI-QDA exports: the schemas in ../shared/refi-qda (read from there, never
copied into the repository), and a check that a project round-trips the coded segments."""

import re
import zipfile
from pathlib import Path

import pandas as pd
import xmlschema

from themes.exchange.qdpx import read_qdpx


def refi_dir() -> Path:
    here = Path(__file__).resolve().parents[1].parent / "shared" / "refi-qda"
    return here if here.is_dir() else Path("/work/shared/refi-qda")


def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(refi_dir() / "Project-mrt2019.xsd"))


def codebook_schema() -> xmlschema.XMLSchema:
    """The shared Codebook.xsd is REFI's text as printed in the standard's PDF: its hyphens are
    U+2010 and some spaces between attributes are missing, so it is not well-formed XML. Repair
    exactly those two things in memory (the file stays untouched) and check nothing else moved."""
    text = (refi_dir() / "Codebook.xsd").read_text(encoding="utf-8").replace("\u2010", "-")
    text = re.sub(r"<xsd:(element|attribute|complexType|simpleType|restriction|pattern)(name|base|value)=",
                  r"<xsd:\1 \2=", text)
    text = re.sub(r'"(?=[A-Za-z]+=")', '" ', text)
    schema = xmlschema.XMLSchema(text)
    assert schema.target_namespace == "urn:QDA-XML:codebook:1.0"
    assert [e.local_name for e in schema.elements["CodeBook"].type.content.iter_elements()] == ["Codes", "Sets"]
    code = schema.types["CodeType"]
    assert [e.local_name for e in code.content.iter_elements()] == ["Description", "Code"]
    assert set(code.attributes) == {"guid", "name", "isCodable", "color"}
    return schema


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def answers(path: Path, id_col: str, text_col: str) -> dict[str, str]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(frame[id_col], frame[text_col]))


def check_project(qdpx: Path, outdir: Path, schema, originals: dict[str, str]) -> dict:
    """Validate project.qde and check every coded segment of OUTDIR is a selection whose offsets
    give back the segment's text in the original answer (line breaks as LF), coded with its theme."""
    with zipfile.ZipFile(qdpx) as zf:
        schema.validate(zf.open("project.qde"))
        assert all(n == "project.qde" or re.fullmatch(r"Sources/[0-9A-F-]{36}\.txt", n) for n in zf.namelist())
    project = read_qdpx(qdpx)
    segments = pd.read_csv(outdir / "segments.csv", dtype=str, keep_default_na=False)
    themes = pd.read_csv(outdir / "themes.csv", dtype=str, keep_default_na=False)
    code_name = {g: c["name"] for g, c in project["codes"].items()}
    theme_name = dict(zip(themes["theme_id"], themes["name"]))
    by_name = {s["name"]: s for s in project["sources"].values()}
    got = sorted((name, code_name[c], s["text"][sel["start"]:sel["end"]])
                 for name, s in by_name.items() for sel in s["selections"] for c in sel["codes"])
    coded_segments = segments[segments["theme_id"] != ""]
    want = sorted((r.response_id, theme_name[r.theme_id], lf(originals[r.response_id][int(r.start):int(r.end)]))
                  for r in coded_segments.itertuples())
    assert got == want and len(got) > 0
    return project
