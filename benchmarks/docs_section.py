"""Shared by the benchmark scripts: a description of the machine, writing one '## Title'
section of docs/benchmarks.md while leaving the other sections as they are, and the source of an
earlier commit for before/after runs."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path


def machine() -> str:
    """CPU model, cores, operating system and Python version."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def write_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the '## title' section of a Markdown file, keeping the others."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", flags=re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text, count=1) if pattern.search(text) else \
        text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def export_src(ref: str, into: Path) -> Path:
    """``src/`` of the git ref ``ref`` of this repository, unpacked under ``into`` (for running the
    tool as it was: ``PYTHONPATH=<returned path>``)."""
    root = Path(__file__).resolve().parents[1]
    data = subprocess.run(["git", "-C", str(root), "archive", ref, "src"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return Path(into) / "src"
