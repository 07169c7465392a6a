"""Save / load a theme model: a folder of data, never code.

model/
  manifest.json   format version, package version, embedder (name, version, dimension),
                  settings, seed, threshold, themes (id, name, description, keywords, question,
                  status), and the sha256 of every other file
  centroids.npy   float32, one unit-length row per theme, in manifest order
Arrays load with allow_pickle=False; the checksums, the format version and the embedder are
checked on load, and any mismatch is a ModelFormatError (exit code 2 from the CLI).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ModelFormatError
from .types import ThemeSet

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = ("centroids.npy",)


@dataclass
class ThemeModel:
    theme_set: ThemeSet
    embedder: dict                      # name, version, dimension
    settings: dict = field(default_factory=dict)
    by: tuple[str, ...] = ()
    question_column: str | None = None
    edits: list = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def manifest_dict(model: ThemeModel, files: dict[str, bytes]) -> dict:
    from . import __version__

    ts = model.theme_set
    themes = [
        {"id": int(r.theme_id), "name": r.name, "description": r.description, "keywords": list(r.keywords),
         "question": r.question, "status": r.status}
        for r in ts.table.itertuples(index=False)
    ]
    return {
        "format": "themes-model",
        "format_version": FORMAT_VERSION,
        "themes_version": __version__,
        "embedder": model.embedder,
        "settings": model.settings,
        "seed": model.settings.get("seed"),
        "threshold": float(ts.threshold),
        "by": list(model.by),
        "question_column": model.question_column,
        "themes": themes,
        "edits": model.edits,
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()},
    }


def save_model(model: ThemeModel, folder: str | Path) -> None:
    """Write the model folder (the caller makes it atomic by writing into a temporary folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"centroids.npy": _npy_bytes(model.theme_set.centroids.astype(np.float32))}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = manifest_dict(model, files)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_model(folder: str | Path, embedder=None) -> ThemeModel:
    """Read and verify a model folder; if an embedder is given, check it is the one fitted with."""
    folder = Path(folder)
    mpath = folder / MANIFEST
    if not mpath.is_file():
        raise ModelFormatError(f"{folder}: not a theme model (no {MANIFEST}). Give the model/ folder that "
                               "`themes extract` wrote.")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{mpath}: unreadable manifest ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "themes-model":
        raise ModelFormatError(f"{mpath}: not a themes model manifest.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFormatError(
            f"{mpath}: model format version {version} is newer than this themes reads ({FORMAT_VERSION}). "
            "Upgrade themes (pip install -U themes)."
        )
    files = manifest.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(m, dict) for m in files.values()):
        raise ModelFormatError(f"{mpath}: the manifest's 'files' entry is malformed. Use the model folder exactly "
                               "as `themes` wrote it.")
    for name in ARRAYS:
        if name not in files:
            raise ModelFormatError(f"{mpath}: the manifest lists no checksum for {name}.")
    for name, meta in files.items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise ModelFormatError(f"{folder}: file {name} named in the manifest is missing.")
        data = path.read_bytes()
        if _sha256(data) != meta.get("sha256"):
            raise ModelFormatError(
                f"{path}: checksum does not match the manifest; the file was changed or damaged. "
                "Use the model folder exactly as `themes` wrote it."
            )
    try:  # allow_pickle=False: an object array (pickle) is refused before anything is unpickled
        centroids = np.load(folder / "centroids.npy", allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        raise ModelFormatError(f"{folder / 'centroids.npy'}: not a plain numeric array ({exc}).") from None
    if not np.issubdtype(centroids.dtype, np.floating) or not np.isfinite(centroids).all():
        raise ModelFormatError(f"{folder / 'centroids.npy'}: holds {centroids.dtype} values or non-finite numbers, "
                               "not theme centres. Use the model folder exactly as `themes` wrote it.")
    themes = manifest.get("themes", [])
    if not isinstance(themes, list) or not all(isinstance(t, dict) for t in themes):
        raise ModelFormatError(f"{mpath}: the manifest's 'themes' entry is malformed.")
    if centroids.ndim != 2 or len(centroids) != len(themes):
        raise ModelFormatError(f"{folder}: {len(themes)} themes in the manifest but centroids has shape "
                               f"{centroids.shape}.")
    emb = manifest.get("embedder", {})
    if not isinstance(emb, dict):
        raise ModelFormatError(f"{mpath}: the manifest's 'embedder' entry is malformed.")
    if emb.get("dimension") is not None and centroids.shape[1] != emb["dimension"]:
        raise ModelFormatError(f"{folder}: centroids are {centroids.shape[1]}-dimensional, embedder says "
                               f"{emb['dimension']}.")
    if embedder is not None:
        check_embedder(emb, embedder, folder)
    try:
        table = pd.DataFrame({
            "theme_id": [int(t["id"]) for t in themes],
            "name": [str(t["name"]) for t in themes],
            "keywords": [[str(k) for k in t.get("keywords", [])] for t in themes],
            "description": [str(t.get("description", "")) for t in themes],
            "question": [str(t.get("question", "")) for t in themes],
            "status": [str(t.get("status", "discovered")) for t in themes],
        })
        ts = ThemeSet(table=table, centroids=centroids.astype(np.float32), threshold=float(manifest["threshold"]))
        return ThemeModel(theme_set=ts, embedder=emb, settings=dict(manifest.get("settings", {})),
                          by=tuple(str(b) for b in manifest.get("by", [])),
                          question_column=manifest.get("question_column"), edits=list(manifest.get("edits", [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{mpath}: the manifest is malformed ({type(exc).__name__}: {exc}). Use the model "
                               "folder exactly as `themes` wrote it.") from None


def check_embedder(saved: dict, embedder, where) -> None:
    name, dim = getattr(embedder, "name", None), getattr(embedder, "dimension", None)
    if saved.get("name") != name or (saved.get("dimension") not in (None, dim)):
        raise ModelFormatError(
            f"{where}: this model was fitted with embedder '{saved.get('name')}' "
            f"({saved.get('dimension')} dimensions); the run uses '{name}' ({dim}). "
            f"Label with --model {saved.get('name')}, or fit a new model."
        )
