"""Spark plumbing for the Spark engine: the session, reading any Spark-readable input, writing
the big tables. pyspark is imported here only, and only when the Spark engine is asked for."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from themes.errors import ConfigError, InputError
from themes.io.readers import JAVA_ENCODINGS, SNIFF_BYTES, guess_encoding
from themes.io.safe import GUARD_AT, inert

EXTRA = "pip install 'themes[spark]'"
# the guard of themes.io.safe as a Spark (Java) regex character class
GUARD_AT_JAVA = GUARD_AT.pattern   # the same pattern in Java's regex syntax (tests/test_spark_input.py compares them)
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv", ".txt": "csv",
           ".json": "json", ".jsonl": "json", ".ndjson": "json", ".orc": "orc"}


def require_pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(f"The Spark engine needs pyspark, which is not installed. Install the extra: `{EXTRA}` "
                          "(or use the default local engine).") from None


def session(master: str = "local[2]", conf: dict | None = None):
    """The active SparkSession (a Databricks notebook's, say), or a new one on ``master``."""
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Executors must run this Python (with themes and its models installed), not the system one.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName("themes")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.execution.pythonUDF.arrow.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC"))
    if master.startswith("local"):
        builder = (builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "8"))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # pyspark raises several types when the JVM cannot start
        if "JAVA" in str(exc).upper():
            raise ConfigError("Spark could not start Java. Install a Java 17+ runtime (Debian: "
                              "`apt-get install openjdk-17-jre-headless`) or set JAVA_HOME.") from None
        raise
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_path(path: str | Path) -> str:
    """A path as Spark reads it: URIs unchanged, Databricks /dbfs/ FUSE paths as dbfs:/, local
    paths absolute."""
    text = str(path)
    if "://" in text or text.startswith("dbfs:"):
        return text
    if text.startswith("/dbfs/"):
        return "dbfs:/" + text[len("/dbfs/"):]
    return str(Path(text).expanduser().resolve())


def is_local(path) -> bool:
    text = str(path)
    return "://" not in text and not text.startswith("dbfs:")


def check_source(data) -> None:
    """A local input path that does not exist fails before Spark starts."""
    if isinstance(data, (str, Path)) and is_local(data) and not Path(data).exists():
        raise InputError(f"{data}: file not found. Check the path.")


# Spark 4 reads only a few charsets; Windows-1252 is Latin-1 but for 0x80-0x9F
C1 = "".join(chr(b) for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
C1_AS_1252 = C1.encode("latin-1").decode("cp1252")
C1_TABLE = str.maketrans(C1, C1_AS_1252)


# what --encoding takes (lower case, no "-" or "_") -> the label guess_encoding uses
ENCODING_NAMES = {"utf8": "UTF-8", "utf16": "UTF-16", "windows1252": "Windows-1252", "cp1252": "Windows-1252",
                  "latin1": "Latin-1", "iso88591": "Latin-1"}


def csv_encoding(path, given: str | None = None) -> tuple[str, list[str]]:
    """(Java encoding name, notes) for a CSV input: ``given`` (``--encoding``), else guessed as the
    local reader guesses from the first bytes of a local file (of a local folder: its first data
    file), else UTF-8 for a remote path, and said so."""
    if given is not None:
        label = ENCODING_NAMES.get(re.sub(r"[-_ ]", "", str(given).lower()))
        if label is None:
            raise ConfigError(f"--encoding {given}: not one the Spark engine reads. Use utf-8, utf-16, "
                              "windows-1252 or latin-1 (or convert the file to UTF-8).")
        return JAVA_ENCODINGS[label], [f"Read {path} as {label} text (--encoding)."]
    local = Path(str(path))
    if is_local(path) and local.is_dir():
        parts = sorted(p for p in local.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))
        local = parts[0] if parts else local
    if not (is_local(path) and local.is_file()):
        return "UTF-8", [f"Read {path} as UTF-8 text (a remote path is not checked: give --encoding if it is "
                         "another encoding)."]
    with open(local, "rb") as fh:
        label = guess_encoding(fh.read(SNIFF_BYTES))
    if label == "UTF-8":
        return "UTF-8", []
    return JAVA_ENCODINGS[label], [f"Read {local.name} as {label} text (it is not UTF-8); check accented letters in "
                                   "responses.csv."]


def read_input(spark, path: str | Path, fmt: str | None = None, notes: list | None = None,
               encoding: str | None = None):
    """Any Spark-readable path (Parquet, CSV/TSV with a header, JSON Lines, ORC, or a folder of
    them) as a Spark DataFrame of strings. What was guessed (a CSV's encoding) is added to
    ``notes``."""
    from pyspark.sql import functions as F

    check_source(path)
    text = str(path)
    suffix = Path(text.rstrip("/")).suffix.lower()
    fmt = fmt or FORMATS.get(suffix) or ("parquet" if not suffix else None)
    if fmt is None:
        raise InputError(f"{path}: unknown file type '{suffix}'. Use Parquet, CSV, TSV, JSON Lines or ORC.")
    reader, given, encoding = spark.read, encoding, "UTF-8"
    if fmt == "csv":
        encoding, found = csv_encoding(path, given)
        if notes is not None:
            notes += found
        reader = reader.options(header=True, multiLine=True, escape='"', encoding="ISO-8859-1" if encoding == "windows-1252" else encoding,
                                sep="\t" if suffix == ".tsv" else ",")
    try:
        frame = reader.format(fmt).load(spark_path(path))
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: Spark cannot read it as {fmt} ({first[:200]}).") from None
    cols = [F.col(f"`{c}`").cast("string").alias(c.strip()) for c in frame.columns]
    if fmt == "csv" and encoding == "windows-1252":  # read as Latin-1, then 0x80-0x9F as Windows-1252 has them
        cols = [F.translate(F.col(f"`{c}`").cast("string"), C1, C1_AS_1252).alias(c.strip().translate(C1_TABLE))
                for c in frame.columns]
    return frame.select(cols)


def inert_columns(frame):
    """Text a spreadsheet would run as a formula gets a leading apostrophe, in the values and in
    the column names (CSV output only), as themes.io.safe.inert does: at the start of a cell and
    of each piece after ``;``, tab or a line break."""
    from pyspark.sql import functions as F

    cols = []
    for name, dtype in frame.dtypes:
        c = F.col(f"`{name}`")
        cols.append(F.regexp_replace(c, GUARD_AT_JAVA, "$1'").alias(inert(name))
                    if dtype == "string" else c.alias(inert(name)))
    return frame.select(cols)


def write_table(frame, folder: Path, name: str, fmt: str) -> str:
    """Write a big table as a Spark folder ``name.parquet`` / ``name.csv`` (part files in order)."""
    target = folder / f"{name}.{fmt}"
    writer = (inert_columns(frame) if fmt == "csv" else frame).write.mode("error")
    if fmt == "csv":
        # every cell quoted: a semicolon-locale spreadsheet then never splits a cell at its ";"
        writer = writer.options(header=True, escape='"', quoteAll=True, emptyValue="")
    writer.format(fmt).save(spark_path(target))
    return target.name
