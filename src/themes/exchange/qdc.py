"""REFI-QDA codebooks (.qdc, QDA-XML 1.0) to and from the YAML codebook schema.

The YAML codebook (issue 4) is handled here as a plain dict::

    {"format": "themes-codebook", "version": 1,
     "themes": [{"id", "name", "description", "keywords", "examples", "question", "status"}, ...]}

Mapping (docs/refi-qda.md): each theme is a ``<Code isCodable="true">`` named after the theme;
its ``<Description>`` holds the theme's description, a blank line, then labelled lines that the
QDA program shows as part of the code memo and that ``read_qdc`` parses back::

    Answers about using external consultants for challenge and expertise.

    Keywords: consultancy; external challenge
    Example: We used an external consultancy for a race equality review.
    Question: What external support have you used?
    Status: discovered
    Theme id: 1

A value that would not survive as plain text (empty, padded with spaces, holding ";" in a
keyword, a line break or another non-printable character, or starting with a double quote) is
written as a JSON string instead. Themes that belong to a question sit under a non-codable parent
code named after the question. Codes written by other programs (no labelled lines) become themes
with status ``codebook`` and the whole Description as their description.

GUIDs are uuid5 values from a fixed namespace and the theme's question, id and name, so the same
codebook always gets the same GUIDs.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

from themes.errors import InputError, OutputError
from themes.io.atomic import write_path
from themes.io.limits import read_member
from themes.model.codebook import ID_MAX, Codebook, codebook_dict, from_dict

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
THEMES_NS = uuid.UUID("6f1b7a52-3c4e-5d0a-9b1e-2f7c8d9e0a11")  # fixed: never change (GUID stability)
CODEBOOK_FORMAT = "themes-codebook"
CODEBOOK_VERSION = 1
STATUS_FOREIGN = "codebook"  # status of a theme read from a code another program wrote
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
           "#BCBD22", "#17BECF", "#393B79", "#637939", "#8C6D31", "#843C39", "#7B4173", "#3182BD")

# Characters XML 1.0 cannot hold at all (not even as a character reference).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FIELDS = ("Keywords", "Example", "Question", "Status", "Theme id")


# ---------------------------------------------------------------- shared XML helpers
def guid(namespace: uuid.UUID, *key) -> str:
    """A stable GUID (uuid5) for a key; upper case, as NVivo and MAXQDA write them."""
    return str(uuid.uuid5(namespace, "\x1f".join(str(k) for k in key))).upper()


def xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 cannot hold with U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def to_xml_bytes(root: ET.Element) -> bytes:
    """Serialise with a declaration; carriage returns become &#13; so that parsers keep them.
    Elements are built with plain names under a root that declares the default namespace."""
    ET.indent(root, space=" ")
    text = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text.replace("\r", "&#13;") + "\n").encode("utf-8")


def write_atomic(path: str | Path, data: bytes | None = None, writer=None) -> Path:
    """Write a file completely or not at all: into a temporary file beside it, then rename."""
    path = Path(path)
    parent = path.resolve().parent
    if not parent.is_dir():
        raise OutputError(f"{path}: folder {parent} does not exist. Create it or choose another file.")
    def produce(tmp: Path) -> None:
        tmp.write_bytes(data if data is not None else b"")
        if writer is not None:
            writer(tmp)

    return write_path(path, produce)


def check_target(path: str | Path, force: bool, suffix: str) -> Path:
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise OutputError(f"{path}: a REFI-QDA file must end in {suffix}. Name it e.g. {path.stem}{suffix}.")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder. Give a file name ending in {suffix}.")
    if path.exists() and not force:
        raise OutputError(f"{path}: file exists. Use --force to replace it, or choose another name.")
    return path


# ---------------------------------------------------------------- values in the Description
def _needs_json(value: str, sep: bool = False) -> bool:
    return (value == "" or value != value.strip() or value.startswith('"') or not value.isprintable()
            or (sep and ";" in value))


def _quote(value: str) -> str:
    return xml_safe(json.dumps(value, ensure_ascii=False))  # JSON already escapes control characters


def _enc(value: str, sep: bool = False) -> str:
    return _quote(value) if _needs_json(value, sep) else value


def _dec(text: str, where: str) -> str:
    if not text.startswith('"'):
        return text
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        raise ValueError(where) from None
    if end != len(text) or not isinstance(value, str):
        raise ValueError(where)
    return value


def _split_keywords(text: str) -> list[str]:
    out, i, dec = [], 0, json.JSONDecoder()
    while i < len(text):
        if text[i] == '"':
            value, i = dec.raw_decode(text, i)
        else:
            j = text.find("; ", i)
            j = len(text) if j < 0 else j
            value, i = text[i:j], j
        out.append(value)
        if i < len(text):
            if not text.startswith("; ", i):
                raise ValueError("keywords")
            i += 2
    return out


def code_description(theme: dict) -> str:
    """The Description text of a theme's code: description, blank line, labelled lines."""
    lines = ["Keywords:" + ("" if not theme.get("keywords") else
                           " " + "; ".join(_enc(str(k), sep=True) for k in theme["keywords"]))]
    lines += [f"Example: {_enc(str(e))}" for e in theme.get("examples") or []]
    if theme.get("question"):
        lines.append(f"Question: {_enc(str(theme['question']))}")
    lines.append(f"Status: {_enc(str(theme.get('status') or 'discovered'))}")
    if theme.get("id") is not None:
        lines.append(f"Theme id: {int(theme['id'])}")
    description = xml_safe(str(theme.get("description") or ""))
    return (description + "\n\n" if description else "") + "\n".join(lines)


def parse_description(text: str) -> tuple[str, dict | None]:
    """Split a code's Description into (description, fields), or (text, None) when it holds no
    labelled lines. A program that rewrote the line breaks as CRLF or added a final line break
    is forgiven."""
    for candidate in (text, text.replace("\r\n", "\n").rstrip()):
        at = candidate.rfind("\n\nKeywords:")
        start = at + 2 if at >= 0 else (0 if candidate.startswith("Keywords:") else -1)
        if start < 0:
            continue
        try:
            fields = _parse_fields(candidate[start:].split("\n"))
        except (ValueError, json.JSONDecodeError):
            continue
        return (candidate[:at] if at >= 0 else ""), fields
    return text, None


def _parse_fields(lines: list[str]) -> dict:
    out = {"keywords": [], "examples": [], "question": "", "status": None, "id": None}
    pos = 0
    for line in lines:
        label, sep, value = line.partition(":")
        if not sep or label not in _FIELDS or _FIELDS.index(label) < pos:
            raise ValueError(line)
        value = value[1:] if value.startswith(" ") else value
        if label == "Keywords":
            if pos > 0:
                raise ValueError(line)
            out["keywords"] = _split_keywords(value)
        elif label == "Example":
            out["examples"].append(_dec(value, line))
        elif label == "Question":
            out["question"] = _dec(value, line)
        elif label == "Status":
            out["status"] = _dec(value, line)
        else:
            out["id"] = int(value)
            if abs(out["id"]) > ID_MAX:  # a 32-bit id; the sign is the writer's business
                raise ValueError(f"theme id {value} out of range")
        pos = _FIELDS.index(label) + (label != "Example")
    if out["status"] is None:
        raise ValueError("no Status line")
    return out


# ---------------------------------------------------------------- codebook dict <-> XML
def check_codebook(codebook: dict) -> list[dict]:
    """The themes of a codebook dict, each with every schema field, or an InputError."""
    if not isinstance(codebook, dict) or codebook.get("format") != CODEBOOK_FORMAT:
        raise InputError(f"not a themes codebook (format must be '{CODEBOOK_FORMAT}').")
    if codebook.get("version") != CODEBOOK_VERSION:
        raise InputError(f"codebook version {codebook.get('version')!r}: this themes reads version "
                         f"{CODEBOOK_VERSION}. Upgrade themes.")
    themes = codebook.get("themes") or []
    if not isinstance(themes, list):
        raise InputError("codebook: 'themes' must be a list of themes.")
    out = []
    for i, t in enumerate(themes, start=1):
        if not isinstance(t, dict) or not str(t.get("name") or "").strip():
            raise InputError(f"codebook theme {i}: every theme needs a name.")
        if t.get("id") is not None and not str(t["id"]).lstrip("-").isdigit():
            raise InputError(f"codebook theme {i} ({t['name']}): id {t['id']!r} is not a whole number.")
        out.append({"id": None if t.get("id") is None else int(t["id"]), "name": str(t["name"]),
                    "description": str(t.get("description") or ""),
                    "keywords": [str(k) for k in t.get("keywords") or []],
                    "examples": [str(e) for e in t.get("examples") or []],
                    "question": str(t.get("question") or ""), "status": str(t.get("status") or "discovered")})
    return out


def code_guid(theme: dict, position: int = 0) -> str:
    key = theme["id"] if theme.get("id") is not None else f"#{position}"
    return guid(THEMES_NS, "code", theme.get("question") or "", key, theme["name"])


def code_elements(themes: list[dict]) -> tuple[list[ET.Element], dict[int, str]]:
    """Code elements for themes (grouped under a parent code per question when that keeps their
    order) and each theme's GUID by position."""
    roots: list[ET.Element] = []
    parents: dict[str, ET.Element] = {}
    guids: dict[int, str] = {}
    group = _contiguous([t.get("question") or "" for t in themes])
    for pos, t in enumerate(themes):
        guids[pos] = code_guid(t, pos)
        el = ET.Element("Code", {"guid": guids[pos], "name": xml_safe(t["name"]), "isCodable": "true",
                                      "color": PALETTE[pos % len(PALETTE)]})
        ET.SubElement(el, "Description").text = code_description(t)
        q = t.get("question") or ""
        if not q or not group:
            roots.append(el)
            continue
        if q not in parents:
            parents[q] = ET.Element("Code", {"guid": guid(THEMES_NS, "question", q), "name": xml_safe(q),
                                                  "isCodable": "false"})
            ET.SubElement(parents[q], "Description").text = "Themes found in the answers to this question."
            roots.append(parents[q])
        parents[q].append(el)
    return roots, guids


def _contiguous(questions: list[str]) -> bool:
    """True when each question's themes are next to each other, so grouping them under a parent
    code keeps the order of the themes (otherwise the codes stay flat)."""
    seen: set[str] = set()
    for i, q in enumerate(questions):
        if q and q in seen and questions[i - 1] != q:
            return False
        seen.add(q)
    return True


def codebook_to_qdc(codebook: Codebook) -> bytes:
    """The REFI-QDA codebook XML (UTF-8 bytes) for a YAML-schema codebook dict."""
    from themes import __version__

    themes = check_codebook(codebook_dict(codebook))
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"themes {__version__}"})
    ET.SubElement(root, "Codes").extend(code_elements(themes)[0])
    return to_xml_bytes(root)


def themes_from_codes(codes: ET.Element, ns: str) -> list[dict]:
    """Themes from a <Codes> element: every codable code, depth first, in document order."""
    themes: list[dict] = []
    stack = list(reversed(codes.findall(f"{{{ns}}}Code")))  # a stack, not recursion: nesting may be deep
    while stack:
        code = stack.pop()
        if code.get("isCodable", "true").strip() in ("true", "1"):
            themes.append(_theme_from_code(code, ns, len(themes) + 1))
        stack.extend(reversed(code.findall(f"{{{ns}}}Code")))
    return themes


def _theme_from_code(code: ET.Element, ns: str, position: int) -> dict:
    desc_el = code.find(f"{{{ns}}}Description")
    text = (desc_el.text or "") if desc_el is not None else ""
    description, fields = parse_description(text)
    theme = {"id": position, "name": code.get("name", ""), "description": description, "keywords": [],
             "examples": [], "question": "", "status": STATUS_FOREIGN}
    if fields is not None:
        theme.update(fields)  # our own labelled lines: the theme exactly as it was written
    return theme


def qdc_to_codebook(data: bytes, where: str = "<codebook>") -> Codebook:
    """The Codebook of REFI-QDA XML: a .qdc codebook, or the CodeBook of a project (.qde)."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an encoding Python does not know
        raise InputError(f"{where}: not readable XML ({type(exc).__name__}: {exc}). Export the codebook again as a "
                         "REFI-QDA Codebook (.qdc).") from None
    if root.tag == f"{{{CODEBOOK_NS}}}CodeBook":
        ns, codes = CODEBOOK_NS, root.find(f"{{{CODEBOOK_NS}}}Codes")
    elif root.tag == f"{{{PROJECT_NS}}}Project":
        ns, codes = PROJECT_NS, root.find(f"{{{PROJECT_NS}}}CodeBook/{{{PROJECT_NS}}}Codes")
    else:
        raise InputError(f"{where}: root element {root.tag} is not a REFI-QDA CodeBook ({CODEBOOK_NS}) or "
                         f"Project ({PROJECT_NS}). Export a REFI-QDA Codebook (.qdc) from your QDA program.")
    themes = themes_from_codes(codes, ns) if codes is not None else []
    return from_dict({"themes": themes}, where)


def read_qdc(path: str | Path) -> Codebook:
    """Read a .qdc codebook (or the codebook inside a .qdpx project)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found. Check the path.")
    if path.suffix.lower() == ".qdpx":
        try:
            with zipfile.ZipFile(path) as zf:
                data = read_member(zf, "project.qde", str(path))
        except (zipfile.BadZipFile, KeyError, NotImplementedError, EOFError, zlib.error, OSError, ValueError) as exc:
            raise InputError(f"{path}: not a REFI-QDA project (a ZIP holding project.qde): {type(exc).__name__}. "
                             "Export the project again.") from None
    else:
        data = path.read_bytes()
    return qdc_to_codebook(data, str(path))


def write_qdc(codebook: Codebook, path: str | Path, force: bool = False) -> Path:
    """Write a Codebook as a REFI-QDA codebook file, atomically."""
    path = check_target(path, force, ".qdc")
    return write_atomic(path, codebook_to_qdc(codebook))
