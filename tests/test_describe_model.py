"""--describe local with the packaged model (themes[describe]) on one question of the bundled board
survey: it runs offline, every name it leaves passes the name checks, run.json says what the model
wrote, and a second run (replies cached by prompt) writes the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.describe]
pytest.importorskip("llama_cpp", reason="needs themes[describe]: bash scripts/setup-describe")

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "board_survey.csv"


def test_packaged_model_describes_the_board_survey_barriers(tmp_path):
    from typer.testing import CliRunner

    from themes.cli import app
    from themes.discover.name_phrases import is_bad_name

    frame = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    frame = frame[frame["question"].str.startswith("What are the main barriers")]
    src = tmp_path / "barriers.csv"
    frame.to_csv(src, index=False)
    outs = []
    for k in range(2):
        res = CliRunner().invoke(app, ["extract", str(src), "--text", "answer", "--id", "response_id", "--by",
                                       "role,trust_type", "-o", str(tmp_path / f"o{k}"), "--quiet",
                                       "--describe", "local"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
        assert res.exit_code == 0, res.output
        outs.append({n: (tmp_path / f"o{k}" / n).read_bytes() for n in ("themes.csv", "responses.csv")})
    assert outs[0] == outs[1]
    info = json.loads((tmp_path / "o0" / "run.json").read_text())["fit"]["naming"]["describe"]
    assert info["model"] == "qwen2.5-coder-1.5b-instruct-q4_k_m" and info["themes"] >= 3
    assert info["names"] + info["definitions"] >= 1, info   # the model wrote something that passed
    themes = pd.read_csv(tmp_path / "o0" / "themes.csv")
    assert all(is_bad_name(n) is None for n in themes["name"])
    assert all(d.startswith(("Respondents", "Views are mixed")) for d in themes["description"])
