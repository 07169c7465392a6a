"""Survey shapes: the export a survey tool wrote, and several open questions in one file.

``detect_export`` recognises the common survey-tool exports by their header rows and returns
the plain table under them: Qualtrics (column names, then a row of question texts, then a row
of ``{"ImportId": ...}``), SurveyMonkey and SmartSurvey (a second header row naming the answer
parts: "Response", "Open-Ended Response", the options of a choice question) and Microsoft
Forms (one header row of question texts after ID / Start time / Completion time). What was
found is said in a note; the question texts become the columns' labels.

``text_columns`` turns ``--text`` (one column, ``A,B,C``, a glob such as ``Q*``, or ``*`` for
every free-text column) into the columns to read, and ``stack_questions`` makes a wide table
(one row per respondent, one column per open question) long: one row per respondent and
question, in the order the columns were given.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import pandas as pd

from themes.errors import InputError

IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
SUB_HEADERS = {"response", "open-ended response", "open ended response", "other (please specify)"}
UNNAMED = re.compile(r"^Unnamed: \d+$")
KEY = re.compile(r"^[\w.\-]{1,16}$")
ALL_TEXT = "*"

# Columns a survey tool adds around the answers: never taken as answers by --text '*'.
TOOL_COLUMNS = {
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "finished",
    "recordeddate", "responseid", "recipientlastname", "recipientfirstname", "recipientemail",
    "externalreference", "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage",
    "respondent id", "collector id", "start date", "end date", "ip address", "email address", "first name",
    "last name", "custom data 1", "userno", "userid", "started", "ended", "tracking link", "unique id", "name",
    "email", "id", "start time", "completion time", "last modified time", "timestamp",
}


@dataclass
class Export:
    """A survey table with the tool's extra header rows gone."""

    frame: pd.DataFrame
    tool: str | None = None
    labels: dict[str, str] = field(default_factory=dict)   # column -> its question text
    id_column: str | None = None                            # the tool's respondent id column
    dropped_rows: int = 0                                   # header rows that are not answers
    notes: list[str] = field(default_factory=list)


def _row(frame: pd.DataFrame, k: int) -> list[str]:
    return [str(v).strip() for v in frame.iloc[k].tolist()] if len(frame) > k else []


def _first(columns, *names) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def detect_export(frame: pd.DataFrame, name: str = "the file") -> Export:
    """The tool that wrote ``frame`` (read with its first line as the header), its extra header
    rows dropped; a frame from no known tool comes back as it is."""
    cols = [str(c) for c in frame.columns]
    row1, row2 = _row(frame, 0), _row(frame, 1)
    filled2 = [v for v in row2 if v]
    if filled2 and sum(bool(IMPORT_ID.match(v)) for v in filled2) >= max(1, len(filled2) // 2):
        return _qualtrics(frame, cols, row1, 2, name)
    legacy = _first(cols, "responseid")
    if legacy and row1 and row1[cols.index(legacy)].lower() in ("responseid", "response id"):
        return _qualtrics(frame, cols, row1, 1, name)
    monkey = _first(cols, "respondent id")
    smart = _first(cols, "userno", "userid") if _first(cols, "started") and _first(cols, "ended") else None
    for tool, id_col in (("SurveyMonkey", monkey), ("SmartSurvey", smart)):
        if id_col is None:
            continue
        sub = bool(row1) and row1[cols.index(id_col)] == "" and any(v.lower() in SUB_HEADERS for v in row1)
        out = _sub_header(frame, cols, row1) if sub else Export(frame=frame)
        out.tool, out.id_column = tool, id_col
        what = "dropped its second header row (answer parts); " if sub else ""
        out.notes.append(f"Read {name} as a {tool} export: {what}the column headers are the question texts.")
        return out
    forms = _first(cols, "id")
    if forms and _first(cols, "start time") and _first(cols, "completion time"):
        return Export(frame=frame, tool="Microsoft Forms", id_column=forms,
                      notes=[f"Read {name} as a Microsoft Forms export: the column headers are the question texts."])
    return Export(frame=frame)


def _qualtrics(frame, cols, texts, extra: int, name: str) -> Export:
    labels = {c: t for c, t in zip(cols, texts) if t and t != c}
    body = frame.iloc[extra:].reset_index(drop=True)
    body.attrs.update(frame.attrs)
    rows = "2 extra header rows (question texts, import ids)" if extra == 2 else "its second header row"
    return Export(frame=body, tool="Qualtrics", labels=labels, id_column=_first(cols, "responseid"),
                  dropped_rows=extra,
                  notes=[f"Read {name} as a Qualtrics export: dropped {rows}; questions are labelled with their "
                         "texts."])


def _sub_header(frame, cols, parts) -> Export:
    """SurveyMonkey / SmartSurvey: a choice question's header spans its options' columns; each
    option column becomes 'Question - Option', an open answer keeps the question's header."""
    names, current = [], ""
    for col, part in zip(cols, parts):
        head = current if UNNAMED.match(col) else col
        current = head
        names.append(head if part.lower() in SUB_HEADERS or part == "" else f"{head} - {part}")
    seen: dict[str, int] = {}
    unique = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    body = frame.iloc[1:].reset_index(drop=True)
    body.attrs.update(frame.attrs)
    body.columns = unique
    return Export(frame=body, dropped_rows=1)


def split_columns(text: str | list[str] | tuple[str, ...] | None, frame_columns) -> list[str] | None:
    """``--text`` as a list of column names or patterns: a list as given, a name that is a column
    (commas and all) alone, else the comma-separated parts."""
    if text is None:
        return None
    if isinstance(text, (list, tuple)):
        return [str(t).strip() for t in text if str(t).strip()]
    if text in frame_columns:
        return [text]
    return [t.strip() for t in text.split(",") if t.strip()]


def is_free_text(values: pd.Series) -> bool:
    """Answers people typed: mostly distinct, several words on average."""
    filled = values.astype(str).str.strip()
    filled = filled[filled != ""]
    if len(filled) == 0 or not filled.str.contains(r"[^\W\d_]", regex=True).any():
        return False
    words = filled.str.split().str.len().mean()
    return words >= 3 and filled.nunique() >= 0.5 * len(filled)


def text_columns(frame: pd.DataFrame, wanted: list[str], skip=()) -> list[str]:
    """The text columns ``wanted`` names, in the order given: names as they are, globs (``Q*``)
    in column order, ``*`` every free-text column but ``skip`` and the survey tool's own."""
    cols = [str(c) for c in frame.columns]
    out: list[str] = []
    for item in wanted:
        if item == ALL_TEXT:
            hits = [c for c in cols if c not in skip and c.strip().lower() not in TOOL_COLUMNS
                    and is_free_text(frame[c])]
            if not hits:
                raise InputError("--text '*': no column holds free text (answers of several words). Name the "
                                 "text columns with --text A,B,C.")
        elif any(ch in item for ch in "*?[") and item not in cols:
            hits = [c for c in fnmatch.filter(cols, item) if c not in skip]
            if not hits:
                raise InputError(f"--text {item}: no column matches this pattern. Columns: "
                                 f"{', '.join(cols[:25])}.")
        else:
            hits = [item]
        out += [h for h in hits if h not in out]
    return out


def question_key(name: str, k: int) -> str:
    """A short key for a question in response ids: the column or question id when it is short
    and plain, else q1, q2, ..."""
    return name if KEY.match(name) else f"q{k}"


def stack_questions(frame: pd.DataFrame, texts: list[str], ids: pd.Series, labels: dict[str, str],
                    keep: list[str]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Wide -> long: for each row and each text column (in the order given), one row holding the
    answer, the question (the column's label, else its header) and the ``keep`` columns.
    Returns (long frame, respondent ids, response ids)."""
    parts, respondents, responses = [], [], []
    n = len(frame)
    for k, col in enumerate(texts, 1):
        part = frame[keep].reset_index(drop=True).copy()
        part["\0text"] = frame[col].reset_index(drop=True).to_numpy()
        part["\0question"] = labels.get(col, col)
        part["\0order"] = range(0, n * len(texts), len(texts))
        part["\0order"] += k - 1
        parts.append(part)
        respondents.append(ids)
        responses.append(ids + ":" + question_key(col, k))
    long = pd.concat(parts, ignore_index=True)
    order = long["\0order"].argsort(kind="mergesort").to_numpy()   # respondent by respondent
    long = long.iloc[order].drop(columns="\0order").reset_index(drop=True)
    respondent = pd.concat(respondents, ignore_index=True).iloc[order].reset_index(drop=True)
    response = pd.concat(responses, ignore_index=True).iloc[order].reset_index(drop=True)
    return long, respondent, response
