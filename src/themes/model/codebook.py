"""Codebooks: a team's agreed themes as a small YAML file people can read, edit and share.

    format: themes-codebook
    version: 1
    themes:
      - id: 1
        name: External consultancy support
        description: Answers about using external consultants for challenge and expertise.
        keywords: [consultancy, external challenge]
        examples: ["We used an external consultancy for a race equality review ..."]
        question: ""          # optional: the question the theme belongs to
        status: discovered    # discovered | new | edited | codebook
        applies_to: no_content  # optional: a code for non-answers ("N/A", "none"), given to them only

``read_codebook`` / ``write_codebook`` convert between that file and the ``Codebook`` dataclass
(other formats, such as REFI-QDA .qdc, convert to and from the same dataclass);
``codebook_from_model`` and ``apply_codebook`` move themes between a codebook and a saved model.
Only ``yaml.SafeLoader`` reads the file (``themes.io.limits.load_yaml``, which also bounds how far
aliases expand): a codebook is data, never code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from themes.discover.sharpen import statements
from themes.errors import ConfigError
from themes.io.atomic import write_file
from themes.model.theme_model import ThemeModel
from themes.types import SHOWN_STATUSES, live_mask

FORMAT = "themes-codebook"
VERSION = 1
STATUSES = SHOWN_STATUSES   # what a codebook theme may say of itself
# A list of quoted words in a definition ("descriptions of staff as 'friendly', 'helpful',
# 'caring' ..."): at least LISTED_MIN quoted items of at most four words, one after the other.
QUOTED = r"[\u2018'\u201c\"]([^\u2018\u2019\u201c\u201d'\"]{2,40}?)[\u2019'\u201d\"]"
TERM_LIST = re.compile(QUOTED + r"(?:(?:\s*,\s*|\s*/\s*|\s+(?:or|and)\s+|\s*,\s*(?:or|and)\s+)" + QUOTED + r")+")
LISTED_MIN = 3
ID_MAX = 2**31 - 1           # theme ids are stored as 32-bit integers in models and exchange files
FIELDS = ("id", "name", "description", "keywords", "examples", "question", "status", "applies_to")
APPLIES_TO = ("", "no_content")   # "": answers with content; "no_content": non-answers only


@dataclass
class CodebookTheme:
    name: str
    id: int | None = None
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    question: str = ""
    status: str = "codebook"
    applies_to: str = ""

    def text(self) -> str:
        """What a theme means in words: its name and description."""
        desc = self.description.strip()
        return f"{self.name}. {desc}" if desc else self.name

    def statements(self) -> list[str]:
        """The name and each sentence or clause of the description
        (themes.discover.sharpen.statements): what ``train --codebook`` learns as the code's rows."""
        return statements(self.name, self.description)

    def centre_statements(self) -> list[str]:
        """``statements`` and the words the description lists in quotes as one more
        (``listed_terms``): a codebook theme's centre is the mean of their embeddings. On the FFT
        framework's definitions (benchmarks/coding.py) the list raised `label CODEBOOK`'s micro-F1
        0.422 -> 0.455; as a training row of `train --codebook` it lowered it (10 per code 0.586 ->
        0.577), so the classifier does not get it."""
        terms = listed_terms(self.description)
        return self.statements() + ([", ".join(terms)] if terms else [])


@dataclass
class Codebook:
    themes: list[CodebookTheme]
    source: str = field(default="<codebook>", compare=False)   # where it was read from, for messages; not written

    def __len__(self) -> int:
        return len(self.themes)


def listed_terms(description: str) -> list[str]:
    """The words a definition lists in quotes as what answers say ("generic terms such as
    'great', 'good', 'brilliant'"), in order, each once: coders write such lists, and a short
    answer ("Brilliant staff") is nearer their words than the definition's prose. A single
    quoted word ("'thin' data") or a pair is not a list."""
    out: list[str] = []
    for run in TERM_LIST.finditer(description):
        items = [m.group(1).strip() for m in re.finditer(QUOTED, run.group(0))]
        if len(items) >= LISTED_MIN:
            out += [t for t in items if len(t.split()) <= 4 and t.lower() not in {o.lower() for o in out}]
    return out


def _error(source, where: str, what: str) -> ConfigError:
    return ConfigError(f"{source}: {where}{what}")


def _strings(value, source, where, key, split_commas=False) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split(",") if split_commas else [value]
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    raise _error(source, where, f"'{key}' must be a list of texts, e.g. {key}: [\"first\", \"second\"].")


def _theme(entry, k: int, source) -> CodebookTheme:
    where = f"theme {k} (the {k}th entry under 'themes'): "
    if not isinstance(entry, dict):
        raise _error(source, where, "expected 'name:', 'description:' ... lines, found "
                                    f"{type(entry).__name__}. Indent each field under its '- id:' line.")
    for key in entry:
        if key not in FIELDS:
            near = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else f" Known fields: {', '.join(FIELDS)}."
            raise _error(source, where, f"unknown field '{key}'.{hint}")
    name = entry.get("name")
    if not isinstance(name, (str, int, float)) or not str(name).strip():
        raise _error(source, where, "'name' is missing or empty; every theme needs a name.")
    tid = entry.get("id")
    if tid is not None and (isinstance(tid, bool) or not isinstance(tid, int) or not 0 < tid <= ID_MAX):
        raise _error(source, where, f"'id' must be a whole number from 1 to {ID_MAX:,}, found {tid!r}.")
    status = str(entry.get("status") or "codebook").strip()
    if status not in STATUSES:
        raise _error(source, where, f"'status' {status!r} is not one of {', '.join(STATUSES)}.")
    applies_to = str(entry.get("applies_to") or "").strip()
    if applies_to not in APPLIES_TO:
        raise _error(source, where, f"'applies_to' {applies_to!r} is not understood; write `applies_to: no_content` "
                                    "for a code that non-answers take, or leave it out.")
    for key in ("description", "question"):
        if entry.get(key) is not None and not isinstance(entry[key], (str, int, float)):
            raise _error(source, where, f"'{key}' must be text.")
    return CodebookTheme(
        name=" ".join(str(name).split()), id=tid, description=str(entry.get("description") or "").strip(),
        keywords=_strings(entry.get("keywords"), source, where, "keywords", split_commas=True),
        examples=_strings(entry.get("examples"), source, where, "examples"),
        question=str(entry.get("question") or "").strip(), status=status, applies_to=applies_to)


def parse_codebook(data, source: str = "<codebook>") -> Codebook:
    """Check a loaded YAML document and turn it into a Codebook; ids left out are numbered on."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: not a themes codebook: expected 'format: {FORMAT}' and a 'themes:' list.")
    if data.get("format") != FORMAT:
        raise ConfigError(f"{source}: not a themes codebook ('format' is {data.get('format')!r}, expected "
                          f"{FORMAT!r}). Start the file with `format: {FORMAT}` and `version: {VERSION}`.")
    version = data.get("version", VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise ConfigError(f"{source}: codebook version {version!r} is newer than this themes reads ({VERSION}). "
                          "Upgrade themes.")
    entries = data.get("themes")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: 'themes' must be a non-empty list of themes ('- name: ...').")
    themes = [_theme(e, k, source) for k, e in enumerate(entries, start=1)]
    seen: dict = {}
    for k, t in enumerate(themes, start=1):
        if t.id is not None and t.id in seen:
            raise ConfigError(f"{source}: themes {seen[t.id]} and {k} both have id {t.id}; ids must be unique.")
        if t.id is not None:
            seen[t.id] = k
    names: dict = {}
    for k, t in enumerate(themes, start=1):
        key = (t.question, t.name.lower())
        if key in names:
            raise ConfigError(f"{source}: themes {names[key]} and {k} are both called '{t.name}'; names must be "
                              "unique (merge them into one entry).")
        names[key] = k
    next_id = max(seen, default=0) + 1
    for t in themes:
        if t.id is None:
            t.id, next_id = next_id, next_id + 1
    return Codebook(themes=themes, source=source)


def read_codebook(path: str | Path) -> Codebook:
    """Read and check a YAML codebook."""
    import yaml

    from themes.io.limits import load_yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: codebook not found. Write one with `themes codebook export MODEL -o {path}`.")
    try:
        data = load_yaml(path.read_text(encoding="utf-8-sig"), str(path))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text. Save the codebook as UTF-8.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}. Check the indentation and quotes there.") from None
    return parse_codebook(data, str(path))


def codebook_dict(codebook: Codebook) -> dict:
    return {"format": FORMAT, "version": VERSION, "themes": [
        {"id": int(t.id) if t.id is not None else None, "name": t.name, "description": t.description,
         "keywords": list(t.keywords), "examples": list(t.examples), "question": t.question, "status": t.status,
         **({"applies_to": t.applies_to} if t.applies_to else {})}
        for t in codebook.themes]}


def from_dict(data: dict, source: str = "<codebook>") -> Codebook:
    """A Codebook from a dict in the YAML schema as it is, unchecked (REFI-QDA's reader checks
    its own input; ``parse_codebook`` checks a file a person wrote)."""
    return Codebook(themes=[CodebookTheme(**{k: t[k] for k in FIELDS if k in t}) for t in data.get("themes", [])],
                    source=source)


def write_codebook(codebook: Codebook, path: str | Path) -> Path:
    """Write the codebook as YAML (UTF-8, in theme order), atomically."""
    import yaml

    path = Path(path)
    text = yaml.safe_dump(codebook_dict(codebook), sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, lambda fh: fh.write(text), "w")
    return path


def codebook_from_model(model: ThemeModel) -> Codebook:
    """The model's themes (deleted and merged ones left out) with their names, descriptions,
    keywords and examples."""
    themes = [
        CodebookTheme(name=r.name, id=int(r.theme_id), description=r.description, keywords=list(r.keywords),
                      examples=list(r.examples), question=r.question,
                      status=r.status if r.status in STATUSES else "discovered")
        for r in model.table[live_mask(model.table)].itertuples(index=False)
    ]
    return Codebook(themes=themes)


def apply_codebook(model: ThemeModel, codebook: Codebook) -> tuple[ThemeModel, list[str]]:
    """Bring a hand-edited codebook's names, descriptions, keywords and examples back into the model,
    as recorded edits. Returns the model and one note per change (or theme left alone)."""
    from themes.model.edits import describe, rename

    live = model.table[live_mask(model.table)]
    known = set(live["theme_id"].tolist())
    for t in codebook.themes:
        if t.id not in known:
            raise ConfigError(
                f"{codebook.source}: theme id {t.id} ('{t.name}') is not in the model (its themes are "
                f"{', '.join(map(str, sorted(known)))}). Import only changes themes the model has; to add themes, "
                "run `themes extract --codebook` or label with the codebook itself.")
    current = dict(zip(live["theme_id"], live["name"]))
    final = {**current, **{t.id: t.name for t in codebook.themes}}
    lower: dict = {}
    for tid, name in final.items():
        if name.lower() in lower:
            raise ConfigError(f"{codebook.source}: after the import themes {lower[name.lower()]} and {tid} would both "
                              f"be called '{name}'. Give one another name, or merge them with `themes edit MODEL merge`.")
        lower[name.lower()] = tid
    notes = []
    for t in codebook.themes:
        if t.name != current[t.id]:
            model = rename(model, t.id, t.name, check=False)
            notes.append(f"theme {t.id}: renamed to '{t.name}'")
    for t in codebook.themes:
        before = model.edits
        model = describe(model, t.id, description=t.description, keywords=t.keywords, examples=t.examples)
        if model.edits is not before:
            changed = [k for k in ("description", "keywords", "examples") if k in model.edits[-1]]
            notes.append(f"theme {t.id}: {', '.join(changed)} updated")
    missing = sorted(known - {t.id for t in codebook.themes})
    if missing:
        notes.append(f"themes {', '.join(map(str, missing))} are not in the codebook and were left as they are "
                     "(delete one with `themes edit MODEL delete ID`)")
    return model, notes
