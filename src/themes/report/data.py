"""Read an OUTDIR written by `themes extract` or `themes label` back into typed tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from themes.errors import InputError
from themes.io.outdir import read_output
from themes.io.safe import xml_safe_frame, xml_safe_tree
from themes.report.edited import apply_model_edits, model_themes

REQUIRED = {
    "themes.csv": ["theme_id", "name", "keywords", "n_responses", "share", "description"],
    "responses.csv": ["response_id", "status", "theme_ids", "text"],
    "segments.csv": ["response_id", "segment_index", "start", "end", "text", "theme_id", "score"],
    "crosstab.csv": ["theme_id", "theme", "attribute", "group", "n_group", "n", "pct"],
}


@dataclass
class OutDir:
    """The tables of one OUTDIR. Text columns are plain strings (never NaN)."""

    path: Path
    themes: pd.DataFrame
    responses: pd.DataFrame
    segments: pd.DataFrame
    crosstab: pd.DataFrame
    run: dict
    by: tuple[str, ...]
    question_column: str | None
    pins: dict = field(default_factory=dict)   # theme id -> [(response_id, segment_index)]: quotes a reviewer pinned
    labels: dict = field(default_factory=dict)   # --by column -> its label (run.json columns.labels)
    notes: list[str] = field(default_factory=list)

    def label(self, column: str) -> str:
        """The label shown for a --by column: as given by --labels, else its header as written."""
        return str(self.labels.get(column, column))

    @property
    def questions(self) -> list[str]:
        """The questions in the input's order (first appearance in responses.csv), then any that
        only the themes name."""
        seen = list(self.responses["question"]) if "question" in self.responses.columns else []
        return list(dict.fromkeys([*seen, *map(str, self.themes["question"])]))

    @property
    def has_map(self) -> bool:
        return {"x", "y"} <= set(self.segments.columns)

    def attributes(self, response_ids) -> list[dict]:
        """The --by values of each response id, in order."""
        table = self.responses.set_index("response_id")[list(self.by)]
        return [table.loc[r].to_dict() if self.by else {} for r in response_ids]


def _read(path: Path, name: str) -> pd.DataFrame:
    """One table, with the characters DOCX and XLSX cannot hold made spaces (io.safe.xml_safe), so
    every report format shows the same text."""
    return xml_safe_frame(read_output(path, name, required=REQUIRED[name]))


def _numbers(frame: pd.DataFrame, file: Path, ints=(), floats=(), nullable=()) -> pd.DataFrame:
    for cols, kind in ((ints, "int64"), (floats, "float64"), (nullable, "Int64")):
        for col in cols:
            if col not in frame.columns:
                continue
            values = pd.to_numeric(frame[col].replace("", None), errors="coerce")
            bad = values.isna() & (frame[col] != "") if kind == "Int64" else values.isna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 2
                raise InputError(f"{file}, row {row}, column {col}: '{frame[col].iat[row - 2]}' is not a number. "
                                 "Re-run `themes extract` to write this folder again.")
            frame[col] = values.round().astype(kind) if kind != "float64" else values.astype(kind)
    return frame


def load_outdir(path: str | Path) -> OutDir:
    """Read themes.csv, responses.csv, segments.csv, crosstab.csv and run.json from OUTDIR."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: not a folder. Give the output folder of `themes extract` or `themes label`.")
    run_file = path / "run.json"
    if not run_file.is_file():
        raise InputError(f"{run_file}: not found. Give a folder written by `themes extract` or `themes label`.")
    try:
        run = xml_safe_tree(json.loads(run_file.read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{run_file}: not valid JSON ({exc}). Re-run `themes extract`.") from None
    themes = _numbers(_read(path, "themes.csv"), path / "themes.csv", ints=("theme_id", "n_responses"),
                      floats=("share",))
    responses = _read(path, "responses.csv")
    segments = _numbers(_read(path, "segments.csv"), path / "segments.csv",
                        ints=("segment_index", "start", "end"), floats=("score", "x", "y"), nullable=("theme_id",))
    crosstab = _numbers(_read(path, "crosstab.csv"), path / "crosstab.csv", ints=("theme_id", "n_group", "n"),
                        floats=("pct",))
    columns = run.get("columns", {}) if isinstance(run, dict) else {}
    by = tuple(columns.get("by") or ())
    missing = [c for c in by if c not in responses.columns]
    if missing:
        raise InputError(f"{path / 'responses.csv'}: the --by column(s) {', '.join(missing)} named in run.json "
                         "are missing. Re-run `themes extract`.")
    if "question" not in themes.columns:
        themes["question"] = ""
    question_column = columns.get("question") if "question" in responses.columns else None
    labels = columns.get("labels") if isinstance(columns.get("labels"), dict) else {}
    notes: list[str] = []
    table = model_themes(path)  # edits made with `themes edit OUTDIR/model` since the tables were written
    if table is not None:
        edited, notes = apply_model_edits(themes, responses, segments, by, table)
        if edited is not None:
            themes, responses, segments, crosstab = edited
    return OutDir(path=path, themes=themes, responses=responses, segments=segments, crosstab=crosstab, run=run,
                  by=by, question_column=question_column, labels=labels, notes=notes, pins=read_pins(path))


def read_pins(path: Path) -> dict:
    """The quotes pinned in `themes review` (review.json), by theme id; none when there is no file."""
    file = path / "review.json"
    if not file.is_file():
        return {}
    try:
        pins = json.loads(file.read_text(encoding="utf-8")).get("pins", {})
        return {int(k): [(str(r), int(i)) for r, i in v] for k, v in pins.items()}
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: not a review file themes wrote ({exc}). Delete it, or save the review again.") from None
