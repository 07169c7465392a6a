"""Where the arithmetic runs: ``--device auto|cpu|cuda`` and the batch size that suits it.

Nothing needs a GPU: ``auto`` is the CPU unless torch sees a CUDA device, and on a machine with
no NVIDIA driver it decides that without importing torch (a fully cached run never loads it)."""

from __future__ import annotations

import sys
from pathlib import Path

from themes.errors import ConfigError

CPU_BATCH = 16      # sentences per encode call on the CPU: faster than 64 there, and a quarter of the
                    # memory the encode adds (padding to a batch's longest text; benchmarks/batch.py)
GPU_BATCH = 256     # on a GPU: enough to keep it busy, small enough for any card's memory


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (without importing torch where no NVIDIA driver is)."""
    if "torch" not in sys.modules and sys.platform.startswith("linux") and not any(
            Path(p).exists() for p in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/nvidia0")):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: str) -> str:
    """"cpu" or "cuda" for a ``--device`` value (auto: CUDA when torch sees it)."""
    if device == "cpu":
        return "cpu"
    if device == "cuda":
        if not cuda_available():
            raise ConfigError("--device cuda: torch sees no CUDA GPU on this machine (no NVIDIA driver, or a "
                              "CPU-only torch). Use --device auto or --device cpu.")
        return "cuda"
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    raise ConfigError(f"--device {device!r} is not known: use auto, cpu or cuda.")


def batch_for(batch_size: int | None, device: str) -> int:
    """The batch size asked for, else the one that suits the device."""
    return batch_size if batch_size else (GPU_BATCH if device == "cuda" else CPU_BATCH)
