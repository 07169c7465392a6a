import json

import numpy as np
import pandas as pd
import pytest

from themes.errors import ConfigError, InputError, ModelFormatError
from themes.model import edits
from themes.model.classifier import best_threshold, fit_classifier, predict, response_vectors
from themes.model.persist import load_model, save_model
from themes.pipeline import label, train
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter

TOPICS = {
    "Waiting": ["waited hours for the ambulance", "long wait before anyone came", "the wait was far too long"],
    "Staff manner": ["staff were kind and caring", "the nurse was rude to me", "friendly polite helpful staff"],
    "Food": ["the food was cold", "lovely meals and hot drinks", "more choice of food please"],
}


def _labelled(n_per=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_per):
        for lab, texts in TOPICS.items():
            rows.append((texts[k % 3] + " " + rng.choice(["today", "again", "overall", "really"]), lab))
    rows.append(("staff were kind and caring but we waited hours for the ambulance", "Staff manner;Waiting"))
    rows.append(("Nothing.", "Positive"))
    rows += [("Nothing", "Positive"), ("Nothing really.", "Positive"), ("no", "")]
    return pd.DataFrame({"id": [f"T{i}" for i in range(len(rows))], "comment": [r[0] for r in rows],
                         "labels": [r[1] for r in rows]})


@pytest.fixture
def trained(fake_embedder, fast_settings):
    return train(_labelled(), "labels", text="comment", id="id", settings=fast_settings, embedder=fake_embedder,
                 splitter=regex_splitter)


def test_thresholds_and_fallback():
    y = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    p = np.array([0.9, 0.7, 0.2, 0.4, 0.6, 0.1])
    t = best_threshold(y, p)
    assert 0.4 < t <= 0.6
    probs = np.array([[0.2, 0.1], [0.9, 0.8]])
    assert predict(probs, np.array([0.5, 0.5]), fallback=False).tolist() == [[False, False], [True, True]]
    assert predict(probs, np.array([0.5, 0.5]), fallback=True).tolist() == [[True, False], [True, True]]


def test_response_vectors_average_segments():
    v = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    R, has = response_vectors(np.array([0, 0, 2]), v, 4)
    assert has.tolist() == [True, False, True, False]
    assert np.allclose(R[0], [0.7071, 0.7071], atol=1e-3) and np.allclose(R[2], [1, 0])


def test_fit_classifier_separates_clear_classes():
    rng = np.random.default_rng(1)
    centres = np.eye(3, 16)
    X = np.vstack([c + 0.1 * rng.standard_normal((20, 16)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = np.repeat(np.eye(3, dtype=bool), 20, axis=0)
    clf, info = fit_classifier(X, Y, ["a", "b", "c"], seed=0)
    assert (predict(clf.probabilities(X), clf.thresholds, clf.fallback) == Y).mean() > 0.95
    assert info["heldout_micro_f1"] > 0.9 and clf.coef.shape == (3, 16)


def test_train_then_label_whole_responses(trained, fake_embedder):
    assert trained.kind == "classifier"
    assert set(trained.table["name"]) == {"Waiting", "Staff manner", "Food", "Positive"}
    assert trained.table["name"].iat[0] in ("Staff manner", "Waiting")   # most examples first
    new = pd.DataFrame({"id": ["N1", "N2", "N3", "N4"],
                        "comment": ["the nurse was rude to me today", "the food was cold again", "Nothing.", ""]})
    res = label(trained, new, text="comment", id="id", embedder=fake_embedder, splitter=regex_splitter,
                phrases=simple_phrases)
    r = res.responses.set_index("response_id")
    assert r.at["N1", "primary_theme"] == "Staff manner"
    assert r.at["N2", "primary_theme"] == "Food"
    assert r.at["N3", "primary_theme"] == "Positive" and r.at["N3", "status"] == "labelled"  # learnt, not dropped
    assert r.at["N4", "status"] == "no_content"
    seg = res.segments.set_index("response_id")
    assert seg.at["N1", "theme_id"] == r.at["N1", "primary_theme_id"] and 0 < seg.at["N1", "score"] <= 1


def test_classifier_model_round_trip_and_edits(trained, fake_embedder, tmp_path):
    save_model(trained, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["kind"] == "classifier" and len(manifest["classes"]) == len(trained.table)
    assert {"coef.npy", "intercept.npy", "thresholds.npy", "centroids.npy"} <= set(manifest["files"])
    back = load_model(tmp_path / "m", embedder=fake_embedder)
    assert np.array_equal(back.classifier.thresholds, trained.classifier.thresholds)
    ids = back.table.set_index("name")["theme_id"]
    merged = edits.merge(back, [int(ids["Staff manner"]), int(ids["Waiting"])], name="Staff and waiting")
    res = label(merged, pd.DataFrame({"t": ["waited hours for the ambulance", "staff were kind and caring"]}),
                text="t", embedder=fake_embedder, splitter=regex_splitter, phrases=simple_phrases)
    assert res.responses["primary_theme"].tolist() == ["Staff and waiting"] * 2
    with pytest.raises(ConfigError, match="relabel"):
        edits.split(back, int(ids["Food"]))


def test_tampered_classifier_array_refused(trained, tmp_path):
    save_model(trained, tmp_path / "m")
    coef = np.load(tmp_path / "m" / "coef.npy")
    np.save(tmp_path / "m" / "coef.npy", coef * 2)
    with pytest.raises(ModelFormatError, match="coef.npy: checksum does not match"):
        load_model(tmp_path / "m")


def test_classifier_with_missing_array_or_wrong_shape_refused(trained, tmp_path):
    save_model(trained, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    manifest["classes"] = manifest["classes"][:-1]
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError, match="classes but coef"):
        load_model(tmp_path / "m")
    del manifest["files"]["thresholds.npy"]
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError, match="needs thresholds.npy"):
        load_model(tmp_path / "m")


def test_classifier_from_another_embedder_refused(trained, tmp_path):
    class Other:
        name, dimension = "other-model", 64

    save_model(trained, tmp_path / "m")
    with pytest.raises(ModelFormatError, match="fitted with embedder 'fake-bow'"):
        load_model(tmp_path / "m", embedder=Other())


def test_train_names_a_missing_labels_column(fake_embedder, fast_settings):
    with pytest.raises(InputError, match="label"):
        train(_labelled(), "lables", text="comment", settings=fast_settings, embedder=fake_embedder,
              splitter=regex_splitter)


def test_train_keeps_labels_with_one_or_two_examples(fake_embedder, fast_settings):
    frame = pd.DataFrame({"comment": ["long wait times", "kind caring staff", "parking costs money"],
                          "labels": ["x", "y", "y"]})
    model = train(frame, "labels", text="comment", settings=fast_settings, embedder=fake_embedder,
                  splitter=regex_splitter)
    assert sorted(model.classifier.labels) == ["x", "y"] and model.info["few_examples"] == ["x", "y"]
    with pytest.raises(InputError, match="no row has both text and a label"):
        train(frame.assign(labels=""), "labels", text="comment", settings=fast_settings, embedder=fake_embedder,
              splitter=regex_splitter)


def test_thresholds_of_rare_labels_lean_on_the_shared_one():
    from themes.model.classifier import micro_thresholds

    rng = np.random.default_rng(0)
    Y = np.zeros((400, 2), dtype=bool)
    Y[:200, 0] = True                     # a common label, best cut near 0.5
    Y[200:203, 1] = True                  # a label with three examples, best cut near 0.3
    P = np.zeros(Y.shape)
    P[:, 0] = np.where(Y[:, 0], rng.uniform(0.5, 1.0, 400), rng.uniform(0.0, 0.49, 400))
    P[:, 1] = np.where(Y[:, 1], 0.35, rng.uniform(0.0, 0.29, 400))
    free = micro_thresholds(Y, P, shrink=0.0)
    pulled = micro_thresholds(Y, P, shrink=30.0)
    assert free[1] < 0.36 and free[0] >= 0.45          # each label's own cut
    assert pulled[1] > free[1] + 0.1                    # three examples: pulled most of the way to the shared cut
    assert abs(pulled[0] - free[0]) < 0.02              # 200 examples: keeps its own
