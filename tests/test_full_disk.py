"""A full disk while writing: every command that writes an output folder (extract, and label
streaming block by block) exits 2 with the one-line message, leaves no partial folder and keeps
an old OUTDIR as it was. On a real small file system (tmpfs, where this machine lets root mount
one) and with ENOSPC injected at the real write call (everywhere)."""

from __future__ import annotations

import errno
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.io import safe

runner = CliRunner()
WORDS = ["waiting", "staff", "parking", "kind", "food", "noise", "discharge", "letters", "nurses", "clean"]


def survey(path: Path, n: int) -> Path:
    rows = [{"id": f"R{i:05d}", "answer": f"The {WORDS[i % 10]} was {WORDS[(i * 7) % 10]} and {WORDS[(i * 3) % 10]} "
                                          f"again on visit {i}."} for i in range(n)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def model_dir(tmp_path: Path) -> Path:
    res = runner.invoke(app, ["extract", str(survey(tmp_path / "fit.csv", 60)), "--text", "answer", "--id", "id",
                              "-o", str(tmp_path / "fitted"), "--quiet", "--n-themes", "3"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    return tmp_path / "fitted" / "model"


@pytest.fixture
def small_fs(tmp_path):
    """A 96 KB tmpfs, or a skip where mounting is not allowed."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root); the injected-ENOSPC tests cover this")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def assert_clean_failure(res, parent: Path, out: Path):
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and "nothing was written" in lines[0], res.output
    assert "Traceback" not in res.output
    assert not out.exists() or (out / "old.txt").is_file()
    assert [p.name for p in parent.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


@pytest.mark.parametrize("command", ["label", "extract"])
def test_real_small_file_system(tmp_path, fast_stages, small_fs, command):
    big = survey(tmp_path / "big.csv", 3000)   # responses.csv alone is several times the file system
    out = small_fs / "out"
    args = ([command, str(model_dir(tmp_path)), str(big)] if command == "label" else [command, str(big)])
    res = runner.invoke(app, [*args, "--text", "answer", "--id", "id", "-o", str(out), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert_clean_failure(res, small_fs, out)


@pytest.mark.parametrize("command", ["label", "extract"])
def test_injected_enospc_keeps_the_old_outdir(tmp_path, fast_stages, monkeypatch, command):
    big = survey(tmp_path / "big.csv", 120)
    model = model_dir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    (out / "run.json").write_text('{"tool": "themes", "command": "extract"}')
    real = safe.save_text

    def full(path, text):  # the disk fills at the real write call
        if Path(str(getattr(path, "name", path) or "")).name == "segments.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(safe, "save_text", full)
    args = [command, str(model), str(big)] if command == "label" else [command, str(big)]
    res = runner.invoke(app, [*args, "--text", "answer", "--id", "id", "-o", str(out), "--force", "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert_clean_failure(res, tmp_path, out)
    assert (out / "old.txt").read_text() == "keep me"
