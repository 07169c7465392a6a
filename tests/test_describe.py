"""--describe local (issue 19, item 4): generated names and definitions are kept only when they pass
the extractive checks; the model file is joined and checked by hash; replies are cached by prompt.
The fast tests use a stand-in generator; tests/test_describe_model.py runs the packaged model."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.discover.describe import (
    MIXED,
    check_definition,
    check_name,
    describe_themes,
    parse_reply,
    sentence_case,
)
from themes.discover.polarity import stem_tokens
from themes.errors import ConfigError

TEXTS = ["There is not enough time on the board agenda for race equality.",
         "Not enough time at board meetings to discuss it properly.",
         "We never have enough time for this item.",
         "Time on the agenda is always squeezed by finance."]
TOKS = [stem_tokens(t) for t in TEXTS]


class Scripted:
    """A generator that answers each prompt with the next scripted reply, and counts the calls."""

    name = "scripted"

    def __init__(self, replies):
        self.replies, self.prompts = list(replies), []

    def generate(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.replies.pop(0) if self.replies else ""


def reply(name, definition):
    return "```json\n" + json.dumps({"name": name, "definition": definition}) + "\n```"


def test_parse_reply_takes_json_in_a_fence_and_one_sentence():
    assert parse_reply(reply("Not enough time", "Respondents say there is not enough time. This matters.")) == \
        ("Not enough time", "Respondents say there is not enough time.")
    assert parse_reply("no json here") == ("", "")
    assert parse_reply('{"name": 3, "definition": ["x"]}') == ("", "")
    assert parse_reply("{broken") == ("", "")


def test_sentence_case_keeps_acronyms_and_the_answers_own_capitals():
    texts = ["They asked NHS England for help", "the ICB should ask", "support from NHS England"]
    assert sentence_case("Support From NHS England", texts) == "Support from NHS England"
    assert sentence_case("Time For Board Discussion", texts) == "Time for board discussion"


@pytest.mark.parametrize("name,why", [
    ("Enough time", "contradicts"),             # the answers say "not enough"
    ("Zoe Smith's leadership", "person"),       # a person, from the answers' own entities
    ("@USAirways delays", "handle"),
    ("Strong digital maturity", "unsupported"),  # nothing in the answers says so
    ("Time", "length"),
])
def test_a_generated_name_failing_a_check_is_refused(name, why):
    ents = [("Zoe Smith", "PERSON")]
    assert check_name(name, "Not enough time", TOKS, None, ents) == why


def test_a_supported_generated_name_passes():
    assert check_name("Not enough board time", "Not enough time", TOKS, None, []) is None


def test_definition_checks():
    vocab = {t for tk in TOKS for t in tk}
    ok = "Respondents say there is not enough time on the board agenda for race equality."
    assert check_definition(ok, "Respondents say not enough time.", vocab, None) is None
    assert check_definition("There is not enough time on the agenda at all.", "x", vocab, None) == "form"
    assert check_definition("Respondents say there is enough time on the agenda for race equality.",
                            "Respondents say there is not enough time.", vocab, None) == "negation"
    assert check_definition("Respondents praise the excellent digital transformation programme and its leaders.",
                            "x", vocab, None) == "ungrounded"


def table(n=2, question="Q"):
    return pd.DataFrame({"theme_id": range(1, n + 1), "name": [f"Extractive {k}" for k in range(n)],
                         "keywords": ["time, agenda"] * n, "question": [question] * n,
                         "description": ["Respondents say not enough time.", MIXED + "respondents say a; others b."][:n]})


def test_describe_keeps_what_passes_and_says_why_the_rest_stayed():
    gen = Scripted([reply("Not enough board time", "Respondents say there is not enough time on the board agenda."),
                    reply("Digital maturity", "Respondents say there is not enough time for race equality.")])
    names, defs, info = describe_themes(table(), [TEXTS, TEXTS], ["62% critical", "mixed"], {"Q": "What gets in the way?"},
                                        gen)
    assert names == ["Not enough board time", "Extractive 1"]         # the second name is unsupported
    assert defs[0] == "Respondents say there is not enough time on the board agenda."
    assert defs[1] == MIXED + "respondents say there is not enough time for race equality."  # mixed is kept
    assert info["names"] == 1 and info["definitions"] == 2 and info["kept_extractive"] == {"name: unsupported": 1}
    assert "What gets in the way?" in gen.prompts[0] and "62% critical" in gen.prompts[0]


def test_describe_keeps_names_distinct_within_a_question():
    same = reply("Not enough board time", "Respondents say there is not enough time on the board agenda.")
    names, _, info = describe_themes(table(), [TEXTS, TEXTS], ["", ""], {}, Scripted([same, same]))
    assert names == ["Not enough board time", "Extractive 1"] and info["kept_extractive"]["name: duplicate"] == 1


def test_the_model_file_is_joined_and_checked_by_hash(tmp_path, monkeypatch):
    import themes.embed.generator as g

    parts = []
    for k in range(3):
        p = tmp_path / f"part{k}.bin"
        p.write_bytes(bytes([k]) * 1000)
        parts.append(p)
    whole = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(g, "PARTS", ["a", "b", "c"])
    monkeypatch.setattr(g, "_part_file", lambda m: parts["abc".index(m)])
    monkeypatch.setattr(g, "SIZE", len(whole))
    monkeypatch.setattr(g, "SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="do not add up"):
        g.model_file(tmp_path / "cache")
    assert not list((tmp_path / "cache" / "models").iterdir())          # nothing half-written left
    monkeypatch.setattr(g, "SHA256", hashlib.sha256(whole).hexdigest())
    assert g.model_file(tmp_path / "cache").read_bytes() == whole


def test_replies_are_cached_by_prompt(tmp_path):
    from themes.embed.generator import LocalGenerator

    class FakeLlm:
        calls = 0

        def create_chat_completion(self, **kw):
            FakeLlm.calls += 1
            assert kw["temperature"] == 0.0 and kw["top_k"] == 1 and kw["seed"] == 0   # greedy, seeded
            return {"choices": [{"message": {"content": "reply to " + kw["messages"][0]["content"]}}]}

    gen = LocalGenerator(tmp_path)
    gen._llm = FakeLlm()
    assert gen.generate("p1") == "reply to p1" and gen.generate("p1") == "reply to p1"
    assert FakeLlm.calls == 1
    again = LocalGenerator(tmp_path)   # a new run reads the cache and loads no model
    assert again.generate("p1") == "reply to p1" and again._llm is None


def test_describe_local_without_the_extra_is_one_clear_error(monkeypatch):
    import importlib.util

    from themes.embed.generator import require_runtime

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install 'themes\[describe\]'"):
        require_runtime()


def test_extract_describe_local_end_to_end(tmp_path, tiny_frame, fast_stages):
    """Through the CLI with a stand-in generator: names that pass replace the extractive ones, run.json
    says how many, and a second run writes the same files."""
    from themes.cli import app
    from themes.config import Components, components, use_components

    def answer(prompt):
        if "scorecard" in prompt:
            return reply("National scorecard accountability", "Respondents say regulators should hold boards to "
                                                               "account with a national scorecard.")
        return reply("Zoe Smith", "Respondents say something nobody wrote about quantum widgets.")

    gen = type("G", (), {"name": "stand-in", "generate": staticmethod(answer)})()
    src = tmp_path / "s.csv"
    tiny_frame.to_csv(src, index=False)
    parts = Components(**{**components().__dict__, "generator": lambda settings: gen})
    outs = []
    with use_components(parts):
        for k in range(2):
            res = CliRunner().invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "-o",
                                           str(tmp_path / f"o{k}"), "--quiet", "--n-themes", "3", "--no-cache",
                                           "--describe", "local"])
            assert res.exit_code == 0, res.output
            outs.append((tmp_path / f"o{k}" / "themes.csv").read_bytes())
    themes = pd.read_csv(tmp_path / "o0" / "themes.csv")
    assert "National scorecard accountability" in set(themes["name"])
    assert "Zoe Smith" not in set(themes["name"])
    info = json.loads((tmp_path / "o0" / "run.json").read_text())["fit"]["naming"]["describe"]
    assert info["model"] == "stand-in" and info["names"] == 1 and info["themes"] == 3
    assert outs[0] == outs[1]


def test_describe_setting_is_checked():
    from themes.config import Settings

    with pytest.raises(ConfigError, match="describe"):
        Settings(describe="gpt")


def test_a_generated_name_may_not_take_a_later_themes_extractive_name():
    frame = table()
    frame.loc[1, "name"] = "Not enough board time"
    first = reply("Not enough board time", "Respondents say there is not enough time on the board agenda.")
    names, _, info = describe_themes(frame, [TEXTS, TEXTS], ["", ""], {}, Scripted([first, "no reply"]))
    assert names == ["Extractive 0", "Not enough board time"] and info["kept_extractive"]["name: duplicate"] == 1



def test_a_damaged_model_file_is_one_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("llama_cpp")
    import themes.embed.generator as g

    bad = tmp_path / "models" / f"{g.MODEL_ID}.gguf"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    monkeypatch.setattr(g, "SIZE", bad.stat().st_size)
    with pytest.raises(ConfigError, match="could not load .* Delete that file"):
        g.LocalGenerator(tmp_path).generate("hello")


def test_a_generated_definition_that_gives_back_fewer_answers_is_refused():
    import numpy as np

    from themes.discover.sharpen import sharpen

    class Axis:   # texts mentioning "agenda" point at theme 0's answers, the rest between the two themes
        name, dimension = "axis", 2

        def embed(self, texts):
            return np.array([[1.0, 0.0] if "agenda" in t else [0.7, 0.7] for t in texts], dtype=np.float32)

    vectors = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3, dtype=np.float32)
    theme_pos, seg_q = np.repeat([0, 1], 3), np.array([""] * 6, dtype=object)

    def judge(names, options):
        return sharpen(names, options, ["", ""], vectors, theme_pos, seg_q, Axis(), 0.2, name_slack=np.inf)[0]

    frame = table()
    frame.loc[0, "description"] = "Respondents say the agenda has no room."
    vague = reply("Not enough board time", "Respondents say there is not enough time for race equality.")
    _, defs, info = describe_themes(frame, [TEXTS, TEXTS], ["", ""], {}, Scripted([vague, "x"]), judge=judge)
    assert defs[0] == "Respondents say the agenda has no room."
    assert info["kept_extractive"]["definition: gives back fewer answers"] == 1 and info["definitions"] == 0
    # with the judge's rule the other way round, the generated definition stays
    _, defs, info = describe_themes(frame, [TEXTS, TEXTS], ["", ""], {}, Scripted([vague, "x"]),
                                    judge=lambda names, options: [o[0] for o in options])
    assert defs[0] == "Respondents say there is not enough time for race equality." and info["definitions"] == 1
