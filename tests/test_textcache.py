"""The per-text cache of spaCy results: a second call on seen texts never reaches the splitter."""

import json

from themes.segment import regex_splitter
from themes.textcache import TextCache, cached_per_text, cached_splitter


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
    from themes.textcache import default_phrases, default_splitter

    on = Settings(cache_dir=str(tmp_path))
    assert default_splitter(on).__name__ == "wrapped" and default_phrases(on).__name__ == "wrapped"
    off = on.replace(use_cache=False)
    assert default_splitter(off).__name__ == "split" and default_phrases(off).__name__ == "extract"
