"""The per-text cache of spaCy results and keyword terms: a second call on seen texts never reaches the
splitter (or scikit-learn)."""

import json

from themes.text.cache import TextCache, cached_per_text, cached_splitter
from themes.text.segment import regex_splitter


def counting(fn):
    seen = []

    def inner(texts):
        seen.extend(texts)
        return list(fn(texts))

    return inner, seen


def test_second_run_reads_spans_from_disk(tmp_path):
    texts = ["One. Two here.", "Just one", "One. Two here."]
    split, seen = counting(regex_splitter)
    first = list(cached_splitter(split, tmp_path)(texts))
    assert seen == ["One. Two here.", "Just one"]          # each distinct text once
    assert first == list(regex_splitter(texts))
    split2, seen2 = counting(regex_splitter)
    again = list(cached_splitter(split2, tmp_path)(texts + ["New text. More."]))  # a new process, same disk
    assert seen2 == ["New text. More."]
    assert again[:3] == first and all(isinstance(s, tuple) for spans in again for s in spans)


def test_unreadable_or_partial_shards_count_as_missing(tmp_path):
    cache = TextCache(tmp_path, "ns")
    cache.add(["a"], [["x"]])
    (cache.dir / "broken.json").write_text("{not json", encoding="utf-8")
    (cache.dir / ".tmp123.json.tmp").write_text("{}", encoding="utf-8")
    assert TextCache(tmp_path, "ns").get(["a", "b"]) == [["x"], None]


def test_namespaces_do_not_mix(tmp_path):
    TextCache(tmp_path, "one").add(["a"], [["x"]])
    assert TextCache(tmp_path, "two").get(["a"]) == [None]


def test_shards_are_plain_json(tmp_path):
    fn = cached_per_text(lambda ts: [[t.upper()] for t in ts], TextCache(tmp_path, "ns"))
    assert list(fn(["a", "b"])) == [["A"], ["B"]]
    (shard,) = list(next(tmp_path.iterdir()).glob("*.json"))
    data = json.loads(shard.read_text(encoding="utf-8"))
    assert data["values"] == [["A"], ["B"]] and len(data["keys"]) == 2


def test_the_default_steps_use_the_cache_unless_it_is_off(tmp_path):
    from themes.config import Settings
    from themes.discover.name_phrases import default_phrases
    from themes.text.cache import default_splitter, default_terms

    on = Settings(cache_dir=str(tmp_path))
    assert {f.__name__ for f in (default_splitter(on), default_phrases(on), default_terms(on))} == {"wrapped"}
    off = on.replace(use_cache=False)
    assert default_splitter(off).__name__ == "split" and default_phrases(off).__name__ == "extract"
    assert default_terms(off).__name__ == "count_terms"


def test_annotations_are_cached_per_text_and_read_back_the_same(tmp_path):
    import pandas as pd

    from themes.config import Settings
    from themes.text import segment as seg_module
    from themes.text.cache import default_annotator

    texts = ["The nurse was rude &amp; slow", "Great care, thank you", "The nurse was rude &amp; slow",
             "No concerns at all"]
    plain = seg_module.annotate(pd.DataFrame({"text": texts}))
    assert plain["clean"][0] == "The nurse was rude & slow" and plain["stance"][0] == "negative"
    assert plain["stance"][1] == "positive"
    seen = []
    real = seg_module.annotations

    def counting(batch):
        seen.extend(batch)
        return real(batch)

    settings = Settings(cache_dir=str(tmp_path))
    seg_module.annotations = counting
    try:
        first = seg_module.annotate(pd.DataFrame({"text": texts}), default_annotator(settings))
        again = seg_module.annotate(pd.DataFrame({"text": texts + ["New answer here"]}), default_annotator(settings))
    finally:
        seg_module.annotations = real
    assert seen == texts[:2] + texts[3:] + ["New answer here"]   # each distinct text once, over two runs
    for frame in (first, again.iloc[:4]):
        assert frame["clean"].tolist() == plain["clean"].tolist()
        assert frame["stance"].tolist() == plain["stance"].tolist()
    assert default_annotator(settings.replace(use_cache=False)) is real


WARM_RUN = """
import sys
sys.path.insert(0, {tests!r})
import pandas as pd
from conftest import TINY, FakeEmbedder
from themes.config import Settings
from themes.text.phrases import simple_phrases
from themes.pipeline import extract
from themes.text.segment import regex_splitter
from themes.text.cache import cached_spacy_step, cached_splitter
cache = {cache!r}
frame = pd.DataFrame({{"id": [f"R{{i}}" for i in range(len(TINY))], "answer": [a for _, _, a in TINY]}})
settings = Settings(cache_dir=cache, min_themes=2, min_theme_size=2, min_similarity=0.1)
result = extract(frame, text="answer", id="id", settings=settings, embedder=FakeEmbedder(),
                 splitter=cached_splitter(regex_splitter, cache), phrases=cached_spacy_step(simple_phrases, cache, "phrases"))
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & {{"sklearn", "spacy", "torch"}})
print(" ".join(loaded) or "-", result.themes["keywords"].tolist())
"""


def test_a_warm_run_imports_no_scikit_learn_and_gives_the_same_themes(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    code = WARM_RUN.format(tests=str(Path(__file__).parent), cache=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    cold, warm = (r.strip().split(" ", 1) for r in runs)
    assert cold[0] == "sklearn"        # keyword terms and phrases worked out, then cached
    assert warm[0] == "-"              # everything from the caches: its import costs a second
    assert warm[1] == cold[1] and "[]" not in warm[1]


def test_a_changed_module_source_is_a_new_namespace(tmp_path):
    import sys

    from themes.text.cache import cached_spacy_step, sources_version

    mod = tmp_path / "mod_v.py"
    mod.write_text("RULE = 1\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        first = sources_version(("mod_v",))
        mod.write_text("RULE = 2\n", encoding="utf-8")
        second = sources_version(("mod_v",))
    finally:
        sys.path.remove(str(tmp_path))
    assert first != second
    phrases, seen = counting(lambda ts: [[t.lower()] for t in ts])
    list(cached_spacy_step(phrases, tmp_path / "c", "phrases", first)(["Quick care"]))
    list(cached_spacy_step(phrases, tmp_path / "c", "phrases", first)(["Quick care"]))
    list(cached_spacy_step(phrases, tmp_path / "c", "phrases", second)(["Quick care"]))
    assert seen == ["Quick care", "Quick care"]   # read back under the same source, worked out again under the new
