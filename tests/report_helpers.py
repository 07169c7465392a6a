"""Build a small OUTDIR (fake embedder, regex splitter) for the report tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conftest import FakeEmbedder
from themes.config import Settings
from themes.pipeline import extract
from themes.steps import write_result
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter


def make_outdir(path: Path, frame: pd.DataFrame, n_themes: int = 3, by=("role", "trust_type"), **kw) -> Path:
    settings = Settings(cache_dir=str(path.parent / "cache"), min_themes=2, min_theme_size=2, min_similarity=0.1,
                        n_themes=n_themes)
    result = extract(frame, text="answer", id="id", by=list(by), settings=settings, embedder=FakeEmbedder(),
                     splitter=regex_splitter, phrases=simple_phrases, **kw)
    write_result(result, path, model=result.model)
    return path


def docx_text(path: Path) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    import docx

    doc = docx.Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines += [c.text for c in row.cells]
    return "\n".join(lines)


def xlsx_values(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(str(path))
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
