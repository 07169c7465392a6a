"""`themes export OUT --bertopic DIR` loaded by the real bertopic package, with the real
all-MiniLM-L6-v2 model that themes ships, on the example corpus."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "board_survey.csv"
AGREEMENT = 0.7  # measured 0.79 (259 of 328 answers) with seed 42


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("bertopic")
    base = tmp_path_factory.mktemp("bertopic")
    runner = CliRunner()
    res = runner.invoke(app, ["extract", str(CORPUS), "--text", "answer", "--id", "response_id", "--by",
                              "role,trust_type", "--question", "question", "-o", str(base / "out"), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(base / "cache")})
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", str(base / "out"), "--bertopic", str(base / "bt"), "--quiet"])
    assert res.exit_code == 0, res.output
    return base


@pytest.fixture(scope="module")
def loaded(exported):
    os.environ["HF_HUB_OFFLINE"] = "1"  # config.json names the hub model; BERTopic must not fetch it
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    from themes.embed.models import resolve_model_path

    model = SentenceTransformer(str(resolve_model_path("all-MiniLM-L6-v2")), device="cpu")
    return BERTopic.load(str(exported / "bt"), embedding_model=model)


def test_topics_and_labels_are_the_themes(exported, loaded):
    themes = pd.read_csv(exported / "out" / "themes.csv", dtype=str, keep_default_na=False)
    info = loaded.get_topic_info()
    live = info[info["Topic"] >= 0]
    assert len(live) == len(themes)
    assert live["CustomName"].tolist() == themes["name"].tolist()
    assert live["Count"].tolist() == themes["n_primary"].astype(int).tolist()
    first = [w for w, _ in loaded.get_topic(0)][:3]
    assert first == themes["keywords"][0].split("; ")[:3]


def test_transform_agrees_with_the_primary_theme(exported, loaded):
    responses = pd.read_csv(exported / "out" / "responses.csv", dtype=str, keep_default_na=False)
    labelled = responses[responses["status"] == "labelled"]
    predicted, _ = loaded.transform(labelled["text"].tolist())
    names = np.array(loaded.custom_labels_)[np.asarray(predicted) + loaded._outliers]
    share = float(np.mean(names == labelled["primary_theme"].to_numpy()))
    assert share >= AGREEMENT, share


def test_visualisations_and_resave(exported, loaded, tmp_path):
    from bertopic import BERTopic

    responses = pd.read_csv(exported / "out" / "responses.csv", dtype=str, keep_default_na=False)
    docs = responses.loc[responses["status"] != "no_content", "text"].tolist()
    assert len(loaded.topics_) == len(docs)
    loaded.visualize_barchart(custom_labels=True)
    loaded.visualize_heatmap(custom_labels=True)
    hierarchy = loaded.hierarchical_topics(docs)  # needs the c-TF-IDF and its vectorizer
    assert len(hierarchy) == len(loaded.get_topic_info()) - 1 - loaded._outliers
    loaded.visualize_hierarchy(hierarchical_topics=hierarchy, custom_labels=True)
    loaded.save(tmp_path / "again", serialization="safetensors", save_ctfidf=True)
    again = BERTopic.load(str(tmp_path / "again"), embedding_model=loaded.embedding_model.embedding_model)
    assert again.custom_labels_ == loaded.custom_labels_ and again.topics_ == loaded.topics_
