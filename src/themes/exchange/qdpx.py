"""REFI-QDA project export (.qdpx): the coded responses of an OUTDIR for NVivo, ATLAS.ti, MAXQDA,
QualCoder and other QDA programs, and a reader for what it writes.

Layout (docs/refi-qda.md says why): one plain-text source per response that has text, under
``Sources/<GUID>.txt`` (UTF-8, no byte order mark, line breaks as LF); each theme a code (the
codebook mapping of ``refi.py``); each coded segment a PlainTextSelection with the segment's
start and end, counted in Unicode code points of the source text, and a Coding that points to
its theme's code; one case per response (named after its id) holding the ``--by`` attributes
(and the question) as variable values and a SourceRef to its source; with a question column,
one set of sources per question. Every GUID is a uuid5 of the input's content and a stable key,
so exporting the same input again gives the same GUIDs, and the ZIP is byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from themes.errors import InputError
from themes.exchange.qdc import (
    CODEBOOK_FORMAT,
    CODEBOOK_VERSION,
    PROJECT_NS,
    THEMES_NS,
    check_codebook,
    check_target,
    code_elements,
    guid,
    themes_from_codes,
    to_xml_bytes,
    write_atomic,
    xml_safe,
)
from themes.io.limits import read_member
from themes.io.outdir import read_output
from themes.io.safe import uninert
from themes.model.codebook import Codebook, codebook_dict, from_dict

SOURCES = "Sources"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same bytes
NAME_CHARS = 80                    # selection names: the start of the coded text
_BAD_FILENAME = re.compile(r'[\\/:*?"<>|]')


@dataclass
class Coded:
    """What an OUTDIR holds, read back: themes (codebook dicts), responses with their exact texts,
    coded segments, and the run's columns."""

    folder: Path
    themes: list[dict]
    responses: pd.DataFrame
    segments: pd.DataFrame
    by: list[str]
    question_column: str | None
    run: dict = field(default_factory=dict)


# ---------------------------------------------------------------- reading our folders
def _themes_from_manifest(manifest: dict) -> list[dict]:
    return [{"id": t.get("id"), "name": t.get("name", ""), "description": t.get("description", ""),
             "keywords": list(t.get("keywords", [])), "examples": list(t.get("examples", [])),
             "question": t.get("question", ""), "status": t.get("status", "discovered")}
            for t in manifest.get("themes", [])]


def _themes_from_table(folder: Path) -> list[dict]:
    table = read_output(folder, "themes.csv", required=("theme_id", "name"))
    themes = []
    for r in table.to_dict("records"):
        keywords = r.get("keywords", "")
        themes.append({"id": int(r["theme_id"]), "name": r["name"], "description": r.get("description", ""),
                       "keywords": keywords.split("; ") if keywords else [], "examples": [],
                       "question": r.get("question", ""), "status": r.get("status") or "discovered"})
    return themes


def _add_examples(themes: list[dict], folder: Path) -> None:
    """Quotes from quotes.csv as examples, for themes that have none yet."""
    quotes = read_output(folder, "quotes.csv", optional=True)
    if quotes is None:
        return
    for t in themes:
        if not t["examples"] and t["id"] is not None:
            t["examples"] = list(quotes.loc[quotes["theme_id"] == str(t["id"]), "quote"])


def folder_codebook(path: str | Path) -> Codebook:
    """The Codebook of a model folder (manifest.json) or an OUTDIR (model/ if
    there is one, else themes.csv; examples from quotes.csv)."""
    path = Path(path)
    manifest = path / "manifest.json" if (path / "manifest.json").is_file() else path / "model" / "manifest.json"
    if manifest.is_file():
        try:
            themes = _themes_from_manifest(json.loads(manifest.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{manifest}: unreadable manifest ({exc}).") from None
    elif (path / "themes.csv").is_file():
        themes = _themes_from_table(path)
    else:
        raise InputError(f"{path}: neither a model folder (manifest.json) nor an output folder (themes.csv). "
                         "Give the folder `themes extract` wrote, or its model/ folder.")
    if (path / "quotes.csv").is_file():
        _add_examples(themes, path)
    codebook = {"format": CODEBOOK_FORMAT, "version": CODEBOOK_VERSION, "themes": themes}
    return from_dict({"themes": check_codebook(codebook)}, str(path))


def _recover_text(cell: str, segs: list[tuple[int, int, str]], where: str) -> str:
    """The response text exactly as segmented: responses.csv may hold it behind an apostrophe
    (spreadsheet safety); the segments' offsets decide, and must all match."""
    candidates = [uninert(cell), cell] if uninert(cell) != cell else [cell]
    for text in candidates:
        if all(text[s:e] in (t, uninert(t)) for s, e, t in segs):
            return text
    s, e, t = next((s, e, t) for s, e, t in segs if candidates[0][s:e] not in (t, uninert(t)))
    raise InputError(f"{where}: segment {s}-{e} ({t[:40]!r}) is not the text of its response in responses.csv; "
                     "the folder was edited or damaged. Run `themes extract` (or `label`) again.")


def load_coded(folder: str | Path) -> Coded:
    """Read an OUTDIR and check that every segment's offsets point at its text."""
    folder = Path(folder)
    if (folder / "manifest.json").is_file() and not (folder / "responses.csv").is_file():
        raise InputError(f"{folder}: is a model folder; a project needs the coded responses. Give the output "
                         "folder that holds responses.csv and segments.csv (the parent of model/).")
    if not folder.is_dir():
        raise InputError(f"{folder}: folder not found. Give the output folder of `themes extract` or `label`.")
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        run = {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{folder / 'run.json'}: unreadable ({exc}).") from None
    # the text columns keep their guard here: _recover_text checks them against segments.csv
    responses = read_output(folder, "responses.csv", raw=("text",))
    segments = read_output(folder, "segments.csv", raw=("text",))
    columns = run.get("columns", {})
    by = [c for c in columns.get("by", []) if c in responses.columns]
    question_column = (columns.get("question") or "question") if "question" in responses.columns else None
    for name, frame, cols in (("responses.csv", responses, ("response_id", "text")),
                              ("segments.csv", segments, ("response_id", "start", "end", "text", "theme_id"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputError(f"{folder / name}: no column {', '.join(missing)}. Use the file as themes wrote it.")
    try:
        segments = segments.astype({"start": "int64", "end": "int64"})
    except ValueError:
        raise InputError(f"{folder / 'segments.csv'}: start and end must be whole numbers. Use the file as "
                         "themes wrote it.") from None
    by_response: dict[str, list] = {}
    for r in segments.itertuples(index=False):
        by_response.setdefault(r.response_id, []).append((r.start, r.end, r.text))
    unknown = set(by_response) - set(responses["response_id"])
    if unknown:
        raise InputError(f"{folder / 'segments.csv'}: response ids not in responses.csv "
                         f"({', '.join(sorted(unknown)[:3])}). Use the files of one run together.")
    responses = responses.copy()
    responses["text"] = [_recover_text(text, by_response.get(rid, []), f"{folder / 'segments.csv'}: response {rid}")
                         for rid, text in zip(responses["response_id"], responses["text"])]
    themes = codebook_dict(folder_codebook(folder))["themes"]
    return Coded(folder=folder, themes=themes, responses=responses, segments=segments, by=by,
                 question_column=question_column, run=run)


# ---------------------------------------------------------------- building the project
def lf_text(text: str):
    """The text with CRLF and CR line breaks as LF, and a function mapping offsets into it."""
    if "\r" not in text:
        return text, lambda o: o
    out, removed, dropped = [], [0] * (len(text) + 1), 0
    for i, ch in enumerate(text):
        removed[i] = dropped
        if ch == "\r" and text[i + 1:i + 2] == "\n":
            dropped += 1
            continue
        out.append("\n" if ch == "\r" else ch)
    removed[len(text)] = dropped
    return "".join(out), lambda o: o - removed[o]


def project_namespace(coded: Coded):
    """A namespace for the project's GUIDs: a digest of the responses (ids, texts, attributes)."""
    digest = hashlib.sha256()
    cols = ["response_id", *coded.by, *(["question"] if coded.question_column else []), "text"]
    for row in coded.responses[cols].itertuples(index=False):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8"))
    return uuid.uuid5(THEMES_NS, "project\x1f" + digest.hexdigest())


def build_project(coded: Coded) -> tuple[bytes, dict[str, bytes], dict]:
    """project.qde (bytes), the source files by name inside the ZIP, and counts."""
    from themes import __version__

    ns = project_namespace(coded)
    when = coded.run.get("created") or "1970-01-01T00:00:00Z"
    user = guid(ns, "user", "themes")
    stamp = {"creatingUser": user, "creationDateTime": when}
    root = ET.Element("Project", {"xmlns": PROJECT_NS, "name": _project_name(coded), "origin": f"themes {__version__}",
                                      "creatingUserGUID": user, "creationDateTime": when})
    ET.SubElement(ET.SubElement(root, "Users"), "User", {"guid": user, "name": "themes"})
    themes = check_codebook({"format": CODEBOOK_FORMAT, "version": CODEBOOK_VERSION, "themes": coded.themes})
    codes, code_guids = code_elements(themes)
    if codes:
        ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes").extend(codes)
    code_of = {t["id"]: code_guids[pos] for pos, t in enumerate(themes)}

    variables = [*coded.by, *([coded.question_column] if coded.question_column else [])]
    var_cols = [*coded.by, *(["question"] if coded.question_column else [])]
    var_guid = {v: guid(ns, "variable", v) for v in variables}
    if variables:
        el = ET.SubElement(root, "Variables")
        for v in variables:
            var = ET.SubElement(el, "Variable", {"guid": var_guid[v], "name": xml_safe(v), "typeOfVariable": "Text"})
            ET.SubElement(var, "Description").text = f"Column '{xml_safe(v)}' of the survey export."

    segs: dict[str, list] = {}
    for s in coded.segments[coded.segments["theme_id"] != ""].itertuples(index=False):
        segs.setdefault(s.response_id, []).append(s)
    cases = ET.SubElement(root, "Cases") if len(coded.responses) else None
    sources = ET.Element("Sources")
    files: dict[str, bytes] = {}
    sets: dict[str, list[str]] = {}
    n_sel = n_astral = 0
    for r in coded.responses.to_dict("records"):
        rid, text = r["response_id"], r["text"]
        source_guid = guid(ns, "source", rid) if text.strip() else None
        case = ET.SubElement(cases, "Case", {"guid": guid(ns, "case", rid), "name": xml_safe(rid)})
        for v, col in zip(variables, var_cols):
            vv = ET.SubElement(case, "VariableValue")
            ET.SubElement(vv, "VariableRef", {"targetGUID": var_guid[v]})
            ET.SubElement(vv, "TextValue").text = xml_safe(r[col])
        if source_guid is None:
            continue
        ET.SubElement(case, "SourceRef", {"targetGUID": source_guid})
        plain, at = lf_text(text)
        n_astral += any(ord(c) > 0xFFFF for c in plain)
        files[f"{SOURCES}/{source_guid}.txt"] = plain.encode("utf-8")
        src = ET.SubElement(sources, "TextSource", {"guid": source_guid, "name": _file_name(rid),
                                                        "plainTextPath": f"internal://{source_guid}.txt", **stamp})
        if coded.question_column:
            ET.SubElement(src, "Description").text = xml_safe(f"{coded.question_column}: {r['question']}")
            sets.setdefault(r["question"], []).append(source_guid)
        for s in segs.get(rid, []):
            start, end, tid = at(int(s.start)), at(int(s.end)), int(s.theme_id)
            if tid not in code_of:
                raise InputError(f"{coded.folder / 'segments.csv'}: theme {tid} is not in themes.csv. Use the "
                                 "files of one run together.")
            sel = ET.SubElement(src, "PlainTextSelection", {
                "guid": guid(ns, "selection", rid, start, end), "name": _selection_name(plain[start:end]),
                "startPosition": str(start), "endPosition": str(end), **stamp})
            coding = ET.SubElement(sel, "Coding", {"guid": guid(ns, "coding", rid, start, end, code_of[tid]),
                                                       **stamp})
            ET.SubElement(coding, "CodeRef", {"targetGUID": code_of[tid]})
            n_sel += 1
    if len(sources):
        root.append(sources)
    if sets:
        el = ET.SubElement(root, "Sets")
        for q, members in sets.items():
            s = ET.SubElement(el, "Set", {"guid": guid(ns, "set", q), "name": xml_safe(q or "(no question)")})
            ET.SubElement(s, "Description").text = "The answers to this question."
            for m in members:
                ET.SubElement(s, "MemberSource", {"targetGUID": m})
    ET.SubElement(root, "Description").text = _project_description(coded, __version__)
    counts = {"sources": len(files), "cases": len(coded.responses), "codes": len(themes), "selections": n_sel,
              "sources_beyond_bmp": n_astral}
    return to_xml_bytes(root), files, counts


def _project_name(coded: Coded) -> str:
    source = Path(str(coded.run.get("input") or coded.folder.resolve().name)).stem
    return xml_safe(f"themes: {source}")


def _file_name(rid: str) -> str:
    return xml_safe(_BAD_FILENAME.sub("_", rid))


def _selection_name(text: str) -> str:
    text = " ".join(text.split())
    return xml_safe(text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1].rstrip() + "\u2026")


def _project_description(coded: Coded, version: str) -> str:
    run = coded.run
    settings = run.get("settings", {})
    return xml_safe(
        f"Automatic coding by themes {version} (`themes {run.get('command', 'extract')}`, embedding model "
        f"{settings.get('model', '?')}, seed {run.get('seed', '?')}) of {run.get('input', coded.folder)}. "
        "Each answer is one source and one case (named after its response id) with the respondent's "
        "attributes; each theme is a code; each coded sentence is a selection coded by user 'themes'. "
        "Selection offsets count Unicode code points of the source text; line breaks are LF.")


def write_qdpx(folder: str | Path, path: str | Path, force: bool = False) -> dict:
    """Export an OUTDIR as a REFI-QDA project file, atomically. Returns counts."""
    path = check_target(path, force, ".qdpx")
    coded = load_coded(folder)
    qde, files, counts = build_project(coded)

    def fill(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in [("project.qde", qde), *sorted(files.items())]:
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)

    write_atomic(path, writer=fill)
    return counts


# ---------------------------------------------------------------- reading a project back
def read_qdpx(path: str | Path) -> dict:
    """The parts of a .qdpx that matter for exchange: codes (by GUID), sources (name, text,
    selections with their code GUIDs) and cases (name, variable values, source GUIDs)."""
    P = f"{{{PROJECT_NS}}}"
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(read_member(zf, "project.qde", str(path)))
        names = {n.lower(): n for n in zf.namelist()}
        texts = {}
        for src in root.iter(f"{P}TextSource"):
            ref = src.get("plainTextPath", "")
            member = names.get(("sources/" + ref.split("internal://", 1)[-1]).lower())
            texts[src.get("guid")] = read_member(zf, member, str(path)).decode("utf-8-sig") if member else None
    codes_el = root.find(f"{P}CodeBook/{P}Codes")
    codes = {}
    if codes_el is not None:
        for code in codes_el.iter(f"{P}Code"):
            codes[code.get("guid")] = {"name": code.get("name"), "codable": code.get("isCodable") == "true"}
    themes = themes_from_codes(codes_el, PROJECT_NS) if codes_el is not None else []
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
    sources = {}
    for src in root.iter(f"{P}TextSource"):
        sels = [{"start": int(s.get("startPosition")), "end": int(s.get("endPosition")),
                 "codes": [c.find(f"{P}CodeRef").get("targetGUID") for c in s.findall(f"{P}Coding")]}
                for s in src.findall(f"{P}PlainTextSelection")]
        sources[src.get("guid")] = {"name": src.get("name"), "text": texts[src.get("guid")], "selections": sels}
    cases = {}
    for case in root.iter(f"{P}Case"):
        values = {variables.get(vv.find(f"{P}VariableRef").get("targetGUID")): (vv.findtext(f"{P}TextValue") or "")
                  for vv in case.findall(f"{P}VariableValue")}
        cases[case.get("name")] = {"guid": case.get("guid"), "variables": values,
                                   "sources": [s.get("targetGUID") for s in case.findall(f"{P}SourceRef")]}
    return {"name": root.get("name"), "codes": codes, "themes": themes, "sources": sources, "cases": cases}
