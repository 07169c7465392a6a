"""Files -> Corpus: read a survey export (readers.py), pick the columns, set aside non-answers
(themes.io.answers)."""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

import pandas as pd

from themes.errors import InputError
from themes.io.answers import is_non_answer, nothing_to_improve_rows
from themes.io.readers import CSV_ENCODINGS, READERS, SEP_LINE, check_header, first_line, guess_separator, read_table
from themes.io.survey import detect_export, question_key, split_columns, stack_questions, text_columns
from themes.types import RESERVED_COLUMNS, Corpus

NOT_STATED = "(not stated)"
MAX_LISTED = 25  # columns listed in a message


def check_column(frame: pd.DataFrame, column: str, flag: str, source: str) -> None:
    if column in frame.columns:
        return
    cols = [str(c) for c in frame.columns]
    same = [c for c in cols if c.casefold().strip() == column.casefold().strip()]
    close = same or difflib.get_close_matches(column, cols, n=1, cutoff=0.4)
    hint = f" Did you mean '{close[0]}'?" if close else f" Give one of them with {flag}."
    shown = ", ".join(cols[:MAX_LISTED]) + (f" ... ({len(cols) - MAX_LISTED} more)" if len(cols) > MAX_LISTED else "")
    raise InputError(f"{source}: no column '{column}' (given by {flag}). Columns there: {shown}.{hint}")


def guess_text_column(frame: pd.DataFrame) -> str:
    """The column whose values are longest on average (numbers-only columns are skipped)."""
    best, best_len = None, -1.0
    for col in frame.columns:
        values = frame[col].astype(str)
        if not values.str.contains(r"[^\W\d_]", regex=True).any():
            continue
        mean_len = values.str.len().mean()
        if mean_len > best_len:
            best, best_len = col, mean_len
    if best is None:
        raise InputError("No column holds text. Name the text column with --text.")
    return best


MAX_ANSWER_CHARS = 1_000_000  # spaCy's limit for one text; an answer this long is not a survey answer


def build_corpus(
    frame: pd.DataFrame,
    text: str | list[str] | None = None,
    id: str | None = None,
    by: list[str] | tuple[str, ...] = (),
    question: str | None = None,
    source: str = "<data frame>",
    row_offset: int = 0,
    labels: dict[str, str] | None = None,
    header_rows: int = 0,
) -> Corpus:
    """Pick the columns, check them, and mark non-answers (has_content False). ``row_offset``:
    rows of the file before this frame (a block of a file read in chunks); ``header_rows``: a
    survey tool's extra header rows, counted in the row numbers that messages give.

    ``text`` is one column, or several (``[A, B]``, ``"A,B"``, a glob ``"Q*"``, ``"*"`` for every
    free-text column): a wide table, one question per column, made long here (one row per input
    row and question, the question named by ``labels`` or the column header). With ``question``
    (a long table) ids need only be unique per question: the rows of one respondent share the
    id, kept as ``respondent_id``, and ``response_id`` becomes ``id:question``. ``labels`` maps
    columns (and question values) to the labels shown for them."""
    if len(frame.columns) == 0:
        raise InputError(f"{source}: no columns found. The first line must name the columns.")
    if len(frame) == 0:
        raise InputError(f"{source}: the header is there but there are no rows of answers. Export the survey "
                         "again with its responses.")
    if len(set(map(str, frame.columns))) != len(frame.columns):
        dupes = sorted({c for c in map(str, frame.columns) if list(map(str, frame.columns)).count(c) > 1})
        raise InputError(f"{source}: column name(s) repeated: {', '.join(dupes)}. Rename them so each is unique.")
    labels = dict(labels or {})
    notes = []
    wanted = split_columns(text, frame.columns)
    if not wanted:
        wanted = [guess_text_column(frame)]
        notes.append(f"Using column '{wanted[0]}' as the text (it has the longest answers); choose another with --text.")
    texts = text_columns(frame, wanted, skip=tuple(c for c in (id, question, *by) if c))
    for col in texts:
        check_column(frame, col, "--text", source)
    if len(texts) > 1 and question is not None:
        raise InputError(f"{source}: --text names {len(texts)} columns (one question each) and --question names a "
                         "question column; give one or the other.")
    by = tuple(by)
    twice = sorted({c for c in by if by.count(c) > 1})
    if twice:
        raise InputError(f"{source}: --by names the column '{twice[0]}' more than once; give each column once.")
    for col in by:
        check_column(frame, col, "--by", source)
        if col in RESERVED_COLUMNS:
            raise InputError(f"{source}: the --by column '{col}' clashes with an output column; rename it.")
        if col in texts:
            raise InputError(f"{source}: '{col}' is a text column; it cannot also be a --by column.")
    if question is not None:
        check_column(frame, question, "--question", source)
    frame = frame.reset_index(drop=True)
    for col in texts:
        long = frame[col].map(as_text).str.len().to_numpy() > MAX_ANSWER_CHARS
        if long.any():
            row = int(long.argmax())
            raise InputError(f"{source}: row {row + 2 + row_offset + header_rows}, column '{col}': the answer is "
                             f"{len(as_text(frame[col].iat[row])):,} characters, more than the {MAX_ANSWER_CHARS:,} "
                             "one answer may hold. Split it into several rows, or check that --text names the "
                             "answer column.")
    ids = _ids(frame, id, source, row_offset, header_rows)
    line = row_offset + header_rows
    respondent = None
    if len(texts) > 1:
        _unique(ids, id, source, line, "Each row is one respondent in a table with one column per question")
        frame, respondent, response = stack_questions(frame, texts, ids, labels, list(by))
        text_col, question, question_values = "\0text", "question", frame["\0question"]
        notes.append(f"Read {len(texts)} text columns as {len(texts)} questions, in this order: "
                     + "; ".join(f"{c}" + (f" ('{labels[c]}')" if labels.get(c, c) != c else "") for c in texts) + ".")
    else:
        text_col = texts[0]
        raw_q = frame[question].map(as_text).str.strip() if question else None
        question_values = raw_q.map(lambda q: labels.get(q, q)) if question else None
        response = ids
        if id is not None and question and ids.duplicated().any():
            _unique(ids + "\0" + raw_q, id, source, line, "Ids must be unique per question", question)
            keys = {q: question_key(q, k) for k, q in enumerate(pd.unique(raw_q), 1)}
            respondent, response = ids, ids + ":" + raw_q.map(keys)
        elif id is not None:
            _unique(ids, id, source, line, "Ids must be unique")

    out = pd.DataFrame(index=range(len(frame)))
    out["response_id"] = response.to_numpy()
    if respondent is not None:
        out["respondent_id"] = respondent.to_numpy()
    texts_s = frame[text_col].map(as_text)
    out["text"] = texts_s.to_numpy()
    out["question"] = question_values.map(as_text).str.strip().to_numpy() if question else ""
    content = {t: not is_non_answer(t) for t in pd.unique(texts_s)}  # answers repeat: judge each once
    out["has_content"] = texts_s.map(content).to_numpy(dtype=bool)
    if question or len(texts) > 1:   # "Nothing" to "How could we improve?" has content (themes.io.answers)
        out["has_content"] |= nothing_to_improve_rows(texts_s.to_numpy(dtype=object), out["question"].to_numpy())
    for col in by:
        vals = frame[col].map(as_text).str.strip()
        out[col] = vals.where(vals != "", NOT_STATED).to_numpy()
    shown = {c: labels[c] for c in by if labels.get(c, c) != c}
    return Corpus(frame=out, by=by, question_column=question, source=source, notes=tuple(notes),
                  text_column=",".join(texts), id_column=id, labels=shown)


def _ids(frame: pd.DataFrame, id: str | None, source: str, row_offset: int, header_rows: int) -> pd.Series:
    """The id column's values (none blank), or row numbers 1, 2, ..."""
    if id is None:
        return pd.Series([str(i + 1 + row_offset) for i in range(len(frame))], dtype=object)
    check_column(frame, id, "--id", source)
    ids = frame[id].map(as_text).str.strip()
    blank = ids.eq("") | ids.str.lower().isin(["nan", "none"])
    if blank.any():
        row = int(blank.to_numpy().argmax()) + 2 + row_offset + header_rows
        raise InputError(f"{source}: row {row} has no value in the id column '{id}'. Fill it, or leave out --id.")
    return ids


def _unique(keys: pd.Series, id: str | None, source: str, line: int, rule: str,
            question: str | None = None) -> None:
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    first = keys[dup].iloc[0]
    rows = [str(i + 2 + line) for i in keys.index[keys == first][:5]]
    shown = first.split("\0")[0]
    where = f" for the same question (column '{question}')" if question else ""
    raise InputError(
        f"{source}: id '{shown}' in column '{id}' appears more than once{where} (rows {', '.join(rows)}). "
        f"{rule}; fix them, or leave out --id to number the rows."
    )


def as_text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def load_corpus(path: str | Path, text=None, id=None, by=(), question=None, sheet=None, labels=None) -> Corpus:
    """read_table + build_corpus, with the file (and sheet) named in every message. A survey
    tool's export (Qualtrics, SurveyMonkey, SmartSurvey, Microsoft Forms) is recognised and its
    extra header rows dropped (themes.io.survey.detect_export)."""
    wanted = split_columns(text, ()) or []
    frame = read_table(path, sheet=sheet, columns=[c for c in (*wanted, id, question, *by) if c and "*" not in c])
    source = str(path)
    if frame.attrs.get("sheet"):  # a workbook of several sheets: say which one was read
        others = [n for n in frame.attrs["sheets"] if n != frame.attrs["sheet"]]
        source += f" (sheet '{frame.attrs['sheet']}'; others: {', '.join(others)}; choose with --sheet)"
    export, id, notes = survey_export(frame, Path(path).name, id)
    corpus = build_corpus(export.frame, text=text, id=id, by=by, question=question, source=source,
                          labels={**question_labels(export, by), **(labels or {})}, header_rows=export.dropped_rows)
    return replace(corpus, source=str(path), notes=tuple(frame.attrs.get("notes", ())) + tuple(notes) + corpus.notes)


def question_labels(export, by) -> dict[str, str]:
    """The tool's question texts, as labels of the text columns (a --by column keeps its header)."""
    return {c: t for c, t in export.labels.items() if c not in by}


def survey_export(frame: pd.DataFrame, name: str, id: str | None):
    """(Export, the id column to use, notes): the tool's respondent id column when --id is not
    given and its values are filled and unique."""
    export = detect_export(frame, name)
    notes = list(export.notes)
    col = export.id_column
    if id is None and col is not None and len(export.frame):
        values = export.frame[col].map(as_text).str.strip()
        if values.ne("").all() and not values.duplicated().any():
            notes.append(f"Using column '{col}' as the respondent id ({export.tool}); choose another with --id.")
            id = col
    return export, id, notes


def require_content(corpus: Corpus) -> None:
    """Themes need answers: refuse a corpus where every row is blank, a number or a non-answer."""
    if corpus.frame["has_content"].any():
        return
    texts = corpus.frame["text"].str.strip()
    filled = texts[texts != ""]
    column = f" in column '{corpus.text_column}'" if corpus.text_column else ""
    if len(filled) and filled.str.fullmatch(r"[\d\s.,:;%+\-/()]+").all():
        what = f"hold only numbers (e.g. '{filled.iloc[0][:20]}')"
    else:
        what = "are blank or non-answers such as 'N/A' or 'nothing'"
    raise InputError(
        f"{corpus.source}: no answers to find themes in: all {len(corpus)} rows{column} {what}. "
        "Check that --text names the free-text column."
    )


def _csv_encoding(path: Path) -> str:
    """The first of CSV_ENCODINGS that decodes the whole file (read in blocks, not held)."""
    import codecs

    for encoding, _ in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return CSV_ENCODINGS[-1][0]


def iter_table(path: str | Path, sheet: str | None = None, chunk_rows: int = 50_000, columns=()):
    """Like read_table, block by block (CSV/TSV, Parquet and JSONL are read in chunks; XLSX,
    which is small by nature, is read whole and then cut)."""
    path = Path(path)
    kind = READERS.get(path.suffix.lower())
    if kind == "xlsx" or not path.is_file() or path.stat().st_size == 0:
        frame = read_table(path, sheet, columns=columns)  # raises the usual errors for bad paths
        blocks = (frame.iloc[i:i + chunk_rows] for i in range(0, max(len(frame), 1), chunk_rows))
    elif kind == "csv" and (path.stat().st_size <= WHOLE_CSV_BYTES or not _plain_csv(path)):
        frame = read_table(path, sheet, columns=columns)  # small or unusual (UTF-16, sep= line, binary): sniffed whole
        blocks = (frame.iloc[i:i + chunk_rows] for i in range(0, max(len(frame), 1), chunk_rows))
    elif kind == "csv":
        head = _head(path, 1 << 20).decode("utf-8", errors="replace")
        sep = guess_separator(path, head)
        check_header(path, head.rsplit("\n", 1)[0] if "\n" in head else head, sep)  # whole lines only
        blocks = _guard_csv(path, pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                                              encoding=_csv_encoding(path), chunksize=chunk_rows))
    elif kind == "parquet":
        blocks = _parquet_blocks(path, chunk_rows)
    else:
        blocks = (_strings(b) for b in pd.read_json(path, lines=True, dtype=False, chunksize=chunk_rows))
    for block in blocks:
        block = block.reset_index(drop=True)
        block.columns = [str(c).strip() for c in block.columns]
        yield block


WHOLE_CSV_BYTES = 32 << 20  # smaller CSV files are read whole, with every check read_table makes


def _plain_csv(path: Path) -> bool:
    """A large CSV that can be read in blocks: not UTF-16, no NUL bytes, no Excel "sep=" line."""
    head = _head(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return False
    return not SEP_LINE.match(head.decode("utf-8", errors="replace").split("\n", 1)[0])


def _head(path: Path, size: int = 8192) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def _guard_csv(path: Path, reader):
    try:
        yield from reader
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no header row found. The first line must name the columns.") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: rows do not line up with the header ({first_line(exc)}). "
                         "Quote text that contains commas, or re-export the file as CSV.") from None


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "").astype(str)


def _parquet_blocks(path: Path, chunk_rows: int):
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read it as a Parquet file ({first_line(exc)}).") from None
    for batch in source.iter_batches(batch_size=chunk_rows):
        yield _strings(batch.to_pandas())


def iter_corpus(path: str | Path, text=None, id=None, by=(), question=None, sheet=None, chunk_rows: int = 50_000,
                labels=None):
    """load_corpus block by block: ids are numbered and checked for repeats across blocks, the
    text column is guessed from the first block, a survey tool's header rows are dropped from it."""
    offset, seen = 0, set()
    wanted = split_columns(text, ()) or []
    columns = [c for c in (*wanted, id, question, *by) if c and "*" not in c]
    header_rows, tool_labels, first = 0, {}, True
    for frame in iter_table(path, sheet, chunk_rows, columns=columns):
        if offset > 0 and len(frame) == 0:
            continue
        notes = list(frame.attrs.get("notes", ()))
        if first:
            export, id, tool_notes = survey_export(frame, Path(path).name, id)
            frame, header_rows, tool_labels = export.frame, export.dropped_rows, question_labels(export, by)
            notes += tool_notes
        corpus = build_corpus(frame, text=text, id=id, by=by, question=question, source=str(path),
                              row_offset=offset, labels={**tool_labels, **(labels or {})}, header_rows=header_rows)
        if first:  # what the reader guessed (encoding, separator, sheet, survey tool), said once
            corpus = replace(corpus, notes=tuple(notes) + corpus.notes)
            first = False
        if text is None:
            text = corpus.text_column
        if id is not None:
            ids = corpus.frame["response_id"]
            again = ids[ids.isin(seen)]
            if len(again):
                raise InputError(f"{path}: id '{again.iloc[0]}' in column '{id}' appears more than once. "
                                 "Ids must be unique (per question, with --question); fix them, or leave out --id "
                                 "to number the rows.")
            seen.update(ids)
        offset += len(frame)
        yield corpus
