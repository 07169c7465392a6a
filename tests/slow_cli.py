"""The real `themes` command line, slowed down at one point so a test can kill it there.

    python tests/slow_cli.py extract INPUT ... (the same arguments as `themes`)

Used by tests/test_interrupt.py, which runs it as a subprocess and sends it signals. It is
`themes.cli.main()` with the test doubles of tests/conftest.py (fake embedder, regex splitter,
simple phrases) and, chosen by environment variables, a pause:

- THEMES_TEST_PAUSE=embed: the second batch sent to the embedder waits (the first batch, of
  THEMES_TEST_CHUNK texts, is already in the embedding cache by then);
- THEMES_TEST_PAUSE=write: writing OUTDIR waits after responses.csv is written.
Before it waits it creates the file THEMES_TEST_MARKERS/paused-<what>. Each batch embedded is
logged (its texts) in THEMES_TEST_MARKERS/embedded.log and marked by a file embed-<N>.
With THEMES_TEST_REAL=1 the real model and spaCy run, observed but never paused.

Nothing in the `themes` package knows about this: the doubles are swapped in here, the way the
`fast_stages` fixture does it for in-process tests.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import themes.embed.runtime as runtime  # noqa: E402
import themes.steps as steps  # noqa: E402
from conftest import FakeEmbedder  # noqa: E402
from themes.config import Components, use_components  # noqa: E402
from themes.embed.models import embed_texts  # noqa: E402
from themes.text.phrases import simple_phrases  # noqa: E402
from themes.text.segment import regex_splitter  # noqa: E402

PAUSE = os.environ.get("THEMES_TEST_PAUSE", "")
MARKERS = Path(os.environ.get("THEMES_TEST_MARKERS", "."))
CHUNK = int(os.environ.get("THEMES_TEST_CHUNK", "2048"))
REAL = os.environ.get("THEMES_TEST_REAL") == "1"


def pause(what: str) -> None:
    (MARKERS / f"paused-{what}").touch()
    time.sleep(120)


class Staged:
    """Wraps an embedder. In the embedding stage, each batch is logged (one JSON list of texts a
    line in embedded.log), marked (file embed-N) and, with THEMES_TEST_PAUSE=embed, the second
    batch pauses."""

    def __init__(self, inner):
        self.inner = inner
        self.batches = 0
        self.in_embed_stage = False

    def __getattr__(self, name):  # name, version, dimension
        return getattr(self.inner, name)

    def embed(self, texts):
        if self.in_embed_stage:
            self.batches += 1
            with open(MARKERS / "embedded.log", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(list(texts)) + "\n")
            (MARKERS / f"embed-{self.batches}").touch()
            if PAUSE == "embed" and self.batches >= 2:
                pause("embed")
        return self.inner.embed(texts)


def staged_embed_texts(texts, embedder, cache=None, progress=None, compact=False):
    embedder.in_embed_stage = True
    try:
        return embed_texts(texts, embedder, cache, progress=progress, chunk=CHUNK, compact=compact)
    finally:
        embedder.in_embed_stage = False


def slow_write_csv(frame, path, _write=steps.write_csv):
    _write(frame, path)
    if PAUSE == "write" and Path(path).name == "responses.csv":
        pause("write")


if REAL:  # the real model and spaCy, only observed
    from themes.embed.models import SentenceTransformerEmbedder

    PARTS = Components(embedder=lambda model, settings: Staged(SentenceTransformerEmbedder(model, settings.batch_size)))
else:
    _fake = Staged(FakeEmbedder())
    PARTS = Components(embedder=lambda model, settings: _fake, splitter=lambda settings: regex_splitter,
                       phrases=lambda settings: simple_phrases)
# the two pause points are this script's own hooks (a subprocess; nothing in-process is patched)
runtime.embed_texts = staged_embed_texts
steps.write_csv = slow_write_csv

if __name__ == "__main__":
    from themes.cli import main

    sys.argv[0] = "themes"
    with use_components(PARTS):
        main()
