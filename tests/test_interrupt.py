"""Interrupted runs: a real `themes extract` process is stopped with SIGINT, SIGTERM or SIGKILL
while it embeds or while it writes OUTDIR. It must leave no partial OUTDIR and no corrupt cache
entry, and the next run must reuse the cache and clean up what a killed run left.

The process is tests/slow_cli.py: the real CLI with the fake embedder, paused at the chosen
point (see its docstring), so the signal lands exactly there.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from themes.embed.models import EmbeddingCache

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
N = 120          # responses, one unique sentence each
CHUNK = 40       # texts per embedding batch; the first batch is cached before the pause
TOPICS = ["staff networks told lived experience stories", "regulators hold boards to account with scorecards",
          "external consultancy support gave useful challenge"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def survey(tmp_path) -> Path:
    path = tmp_path / "survey.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["response_id", "answer"])
        for i in range(N):
            w.writerow([f"R{i:04d}", f"Answer {i}: {TOPICS[i % 3]} in meeting {i}"])
    return path


def start(tmp_path: Path, src: Path, out: Path, pause: str = "", *extra: str, real: bool = False) -> subprocess.Popen:
    markers = tmp_path / "markers"
    markers.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(SRC), "THEMES_CACHE_DIR": str(tmp_path / "cache"),
           "THEMES_TEST_PAUSE": pause, "THEMES_TEST_MARKERS": str(markers),
           "THEMES_TEST_CHUNK": str(64 if real else CHUNK), "THEMES_TEST_REAL": "1" if real else ""}
    cmd = [sys.executable, str(TESTS / "slow_cli.py"), "extract", str(src), "--text", "answer", "--id",
           "response_id", "-o", str(out), "--quiet", *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(proc: subprocess.Popen, marker: Path, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"process ended before {marker.name}: {proc.communicate()}")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError(f"timed out waiting for {marker.name}")
        time.sleep(0.02)


def interrupted(tmp_path, src, out, pause: str, sig: int, *extra: str) -> tuple[int, str, int]:
    """Start a run paused at ``pause``, send ``sig`` there: (exit code, stderr, pid)."""
    proc = start(tmp_path, src, out, pause, *extra)
    wait_for(proc, tmp_path / "markers" / f"paused-{pause}")
    if pause == "write":
        (tmp,) = temp_folders(out)  # while paused, the files are in the temporary folder only
        assert (tmp / "responses.csv").exists() and not (tmp / "run.json").exists()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err, proc.pid


def finish(tmp_path, src, out, *extra) -> subprocess.CompletedProcess:
    proc = start(tmp_path, src, out, "", *extra)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    return subprocess.CompletedProcess(proc.args, 0, stdout, stderr)


def finish_here(tmp_path, src, out, *extra) -> None:
    """A complete run in this process (the fast stages), for the steps that need no signal."""
    from typer.testing import CliRunner

    from themes.cli import app

    res = CliRunner().invoke(app, ["extract", str(src), "--text", "answer", "--id", "response_id", "-o", str(out),
                                   "--quiet", *extra], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output


def temp_folders(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*"))


def embedded_batches(tmp_path) -> list[list[str]]:
    log = tmp_path / "markers" / "embedded.log"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def embedded_log(tmp_path) -> list[int]:
    return [len(b) for b in embedded_batches(tmp_path)]


def check_cache(tmp_path, texts: list[str]) -> int:
    """Every complete shard reads back exactly the vectors the embedder gives; return how many
    of ``texts`` are cached."""
    sys.path.insert(0, str(TESTS))
    from conftest import FakeEmbedder

    emb = FakeEmbedder()
    cache = EmbeddingCache(tmp_path / "cache", f"{emb.name}@{emb.version}", emb.dimension)
    for keys in cache.dir.glob("*.keys.npy"):
        vec = keys.with_name(keys.name.replace(".keys.npy", ".vec.npy"))
        assert vec.exists(), "keys written before their vectors"
        assert np.load(vec).shape == (len(np.load(keys)), emb.dimension)
    vectors, found = cache.lookup(texts)
    assert np.allclose(vectors[found], emb.embed([t for t, f in zip(texts, found) if f]))
    return int(found.sum())


def survey_texts(src: Path) -> list[str]:
    with open(src, encoding="utf-8", newline="") as fh:
        return [r["answer"] for r in csv.DictReader(fh)]


def test_interrupt_while_embedding(tmp_path, survey):
    out = tmp_path / "out"
    code, err, _ = interrupted(tmp_path, survey, out, "embed", signal.SIGINT)
    assert code == 130 and "Interrupted: nothing was written." in err and "Traceback" not in err
    assert not out.exists() and temp_folders(out) == []
    assert check_cache(tmp_path, survey_texts(survey)) == CHUNK
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_kill_while_embedding_then_rerun_reuses_cache(tmp_path, survey):
    out = tmp_path / "out"
    code, _, _ = interrupted(tmp_path, survey, out, "embed", signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not out.exists() and temp_folders(out) == []
    texts = survey_texts(survey)
    assert check_cache(tmp_path, texts) == CHUNK
    assert embedded_log(tmp_path) == [CHUNK, CHUNK]  # the second batch was paused, never cached

    (tmp_path / "markers" / "embedded.log").unlink()
    finish(tmp_path, survey, out)
    assert sum(embedded_log(tmp_path)) == N - CHUNK  # only what the killed run had not cached
    assert check_cache(tmp_path, texts) == N
    with open(out / "responses.csv", encoding="utf-8", newline="") as fh:
        assert [r["response_id"] for r in csv.DictReader(fh)] == [f"R{i:04d}" for i in range(N)]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_while_writing(tmp_path, survey, sig):
    out = tmp_path / "out"
    code, err, _ = interrupted(tmp_path, survey, out, "write", sig)
    assert code == 130 and "Interrupted" in err and "Traceback" not in err
    assert not out.exists()
    assert temp_folders(out) == []  # the temporary folder was removed on the way out


def test_kill_while_writing_leaves_only_a_hidden_temp_folder_which_the_next_run_removes(tmp_path, survey,
                                                                                      fast_stages):
    out = tmp_path / "out"
    code, _, pid = interrupted(tmp_path, survey, out, "write", signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not out.exists()
    (left,) = temp_folders(out)
    assert left.name.startswith(f".{out.name}.tmp-") and f"-{pid}-" in left.name

    finish_here(tmp_path, survey, out)
    assert temp_folders(out) == []
    assert (out / "run.json").exists() and (out / "model" / "manifest.json").exists()


def test_kill_while_replacing_keeps_the_old_outdir(tmp_path, survey, fast_stages):
    out = tmp_path / "out"
    finish_here(tmp_path, survey, out, "--seed", "1")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, _, _ = interrupted(tmp_path, survey, out, "write", signal.SIGKILL, "--force", "--seed", "2")
    assert code == -signal.SIGKILL
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow
def test_real_model_interrupted_while_embedding(tmp_path):
    """The real model and spaCy: SIGINT once two batches are cached and a third is embedding."""
    corpus = TESTS.parent / "corpora" / "board_survey.csv"
    with open(corpus, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    src = tmp_path / "survey.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["response_id", "answer"])
        w.writerows([r["response_id"], r["answer"]] for r in rows)
    out = tmp_path / "out"
    proc = start(tmp_path, src, out, "", "--seed", "1", real=True)
    wait_for(proc, tmp_path / "markers" / "embed-3", timeout=240)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Interrupted: nothing was written." in err and "Traceback" not in err
    assert not out.exists() and temp_folders(out) == []

    from themes.embed.models import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder()
    cache = EmbeddingCache(tmp_path / "cache", f"{model.name}@{model.version}", model.dimension)
    done = [t for batch in embedded_batches(tmp_path)[:2] for t in batch]
    vectors, found = cache.lookup(done)
    assert found.all()  # the two finished batches are in the cache ...
    sample = done[::max(1, len(done) // 16)]
    assert np.allclose(cache.lookup(sample)[0], model.embed(sample), atol=1e-4)  # ... and read back right
    assert not list(cache.dir.glob(".*.tmp"))


def test_cache_leftovers_of_killed_runs_are_pruned_when_old(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache", "m@1", 4)
    cache.add(["kept"], np.ones((1, 4), np.float32))
    leftovers = [cache.dir / ".abc.vec.npy.tmp", cache.dir / ".abc.keys.npy.tmp", cache.dir / "abc.vec.npy"]
    fresh = cache.dir / ".new.vec.npy.tmp"
    for path in [*leftovers, fresh]:
        path.write_bytes(b"partial")
    old = time.time() - 2 * cache.STALE_S
    for path in leftovers:
        os.utime(path, (old, old))
    assert sorted(cache.prune()) == sorted(leftovers)
    assert fresh.exists()  # may belong to a run writing now
    vectors, found = cache.lookup(["kept"])
    assert found.all() and np.array_equal(vectors, np.ones((1, 4)))
