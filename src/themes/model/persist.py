"""Save / load a theme model: a folder of data, never code (docs/model-format.md).

model/
  manifest.json        format, format version, kind, package version, embedder (name, version,
                       dimension), settings, seed, threshold, themes, classes, edits, and the
                       sha256 and size of every other file
  centroids.npy        float32, one unit-length row per theme, in manifest order
  sub_centroids.npy    float16 raw sub-group means, sub_index.npy int32 (theme id, segments)
                       - centroid models from `themes extract`; used by `themes edit merge|split`
  coef.npy, intercept.npy, thresholds.npy - classifier models from `themes train`
  encoder/             `train --fine-tune` only: the fine-tuned sentence model (safetensors and
                       configs), each file's sha256 and size under the manifest's "encoder"
Arrays load with allow_pickle=False; the format version, the checksums, the shapes and the
embedder are checked on load, and any mismatch is a ModelFormatError (exit code 2 from the CLI).
"""

from __future__ import annotations

import hashlib
import io
import json
import tokenize
from pathlib import Path

import numpy as np

from themes.errors import ModelFormatError
from themes.io.atomic import atomic_folder
from themes.model.codebook import ID_MAX
from themes.model.theme_model import KINDS, Classifier, SubCentroids, ThemeModel
from themes.types import STATUSES, ThemeSet, theme_table

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# what reading a damaged .npy header can raise (numpy parses it with the tokenizer and literal_eval)
NPY_ERRORS = (ValueError, OSError, EOFError, SyntaxError, TypeError, KeyError, tokenize.TokenError, RecursionError)
REQUIRED = {"centroid": ("centroids.npy",),
            "classifier": ("centroids.npy", "coef.npy", "intercept.npy", "thresholds.npy")}

__all__ = ["FORMAT_VERSION", "ThemeModel", "save_model", "load_model", "replace_model", "check_embedder",
           "find_model"]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _arrays(model: ThemeModel) -> dict[str, np.ndarray]:
    out = {"centroids.npy": model.theme_set.centroids.astype(np.float32)}
    if model.sub is not None and len(model.sub.means):
        out["sub_centroids.npy"] = model.sub.means.astype(np.float16)
        out["sub_index.npy"] = np.column_stack([model.sub.theme_ids, model.sub.counts]).astype(np.int32)
    if model.classifier is not None:
        c = model.classifier
        out["coef.npy"] = c.coef.astype(np.float32)
        out["intercept.npy"] = c.intercept.astype(np.float32)
        out["thresholds.npy"] = c.thresholds.astype(np.float32)
    return out


def manifest_dict(model: ThemeModel, files: dict[str, bytes]) -> dict:
    from themes import __version__

    ts = model.theme_set
    themes = [
        {"id": int(r.theme_id), "name": r.name, "description": r.description, "keywords": list(r.keywords),
         "question": r.question, "status": r.status, "examples": list(r.examples),
         **({"merged_into": int(r.merged_into)} if r.status == "merged" else {})}
        for r in ts.table.itertuples(index=False)
    ]
    out = {
        "format": "themes-model",
        "format_version": FORMAT_VERSION,
        "kind": model.kind,
        "themes_version": __version__,
        "embedder": model.embedder,
        "settings": model.settings,
        "seed": model.settings.get("seed"),
        "threshold": float(ts.threshold),
        "by": list(model.by),
        "question_column": model.question_column,
        "themes": themes,
    }
    if model.classifier is not None:
        c = model.classifier
        out["classes"] = [{"label": lab, "theme_id": int(t)} for lab, t in zip(c.labels, c.class_theme)]
        out["classifier"] = {"input": "response", "fallback_top1": bool(c.fallback)}
    if model.info:
        out["info"] = model.info
    out["edits"] = model.edits
    if model.moves:
        out["moves"] = dict(sorted(model.moves.items()))
    out["files"] = {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in sorted(files.items())}
    if model.encoder is not None:
        from themes.embed.finetune import encoder_manifest

        out["encoder"] = encoder_manifest(model.encoder)
    return out


def save_model(model: ThemeModel, folder: str | Path) -> None:
    """Write the model folder (the caller makes it atomic by writing into a temporary folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: _npy_bytes(arr) for name, arr in _arrays(model).items()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if model.encoder is not None:
        from themes.embed.finetune import write_encoder

        write_encoder(model.encoder, folder)
    manifest = manifest_dict(model, files)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def replace_model(model: ThemeModel, folder: str | Path) -> Path:
    """Write the model beside ``folder`` and swap it in: the old model stays whole until then."""
    with atomic_folder(folder) as tmp:
        save_model(model, tmp)
    return Path(folder)


def find_model(path: str | Path) -> Path:
    """The model folder itself, or the model/ inside an OUTDIR written by `themes extract`."""
    path = Path(path)
    if not (path / MANIFEST).is_file() and (path / "model" / MANIFEST).is_file():
        return path / "model"
    return path


def load_model(folder: str | Path, embedder=None) -> ThemeModel:
    """Read and verify a model folder; if an embedder is given, check it is the one fitted with."""
    folder = find_model(folder)
    manifest = _read_manifest(folder)
    arrays = _verified_arrays(folder, manifest)
    model = _build(folder, manifest, arrays)
    if "encoder" in manifest:
        from themes.embed.finetune import read_encoder

        model.encoder = read_encoder(folder, manifest["encoder"], model.embedder)
    if embedder is not None:
        check_embedder(model.embedder, embedder, folder)
    return model


def _read_manifest(folder: Path) -> dict:
    mpath = folder / MANIFEST
    if folder.is_file():
        raise ModelFormatError(f"{folder}: is a file, not a model folder. Give the model/ folder that "
                               "`themes extract` or `themes train` wrote (or a codebook .yaml where one is taken).")
    if not mpath.is_file():
        raise ModelFormatError(f"{folder}: not a theme model (no {MANIFEST}). Give the model/ folder that "
                               "`themes extract` or `themes train` wrote.")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except RecursionError:
        raise ModelFormatError(f"{mpath}: unreadable manifest (nested too deeply). Use the folder exactly as "
                               "themes wrote it.") from None
    except ValueError as exc:  # not UTF-8, not JSON, or a number too long to convert
        raise ModelFormatError(f"{mpath}: unreadable manifest ({exc}). Use the folder exactly as themes wrote it.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "themes-model":
        raise ModelFormatError(f"{mpath}: not a themes model manifest (its 'format' is not 'themes-model').")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFormatError(f"{mpath}: format_version {version!r} is not a format version themes wrote.")
    if version > FORMAT_VERSION:
        raise ModelFormatError(
            f"{mpath}: model format version {version} is newer than this themes reads ({FORMAT_VERSION}). "
            "Upgrade themes (pip install -U themes), or refit the model with this version."
        )
    kind = manifest.get("kind", "centroid")
    if kind not in KINDS:
        raise ModelFormatError(f"{mpath}: unknown model kind {kind!r}; this themes reads {', '.join(KINDS)}.")
    if (not isinstance(manifest.get("themes"), list) or not all(isinstance(t, dict) for t in manifest["themes"])
            or not isinstance(manifest.get("files"), dict)
            or not isinstance(manifest.get("embedder", {}), dict) or "threshold" not in manifest
            or not isinstance(manifest.get("settings") or {}, dict) or not isinstance(manifest.get("by") or [], list)
            or not isinstance(manifest.get("edits") or [], list) or not isinstance(manifest.get("info") or {}, dict)):
        raise ModelFormatError(f"{mpath}: the manifest is malformed (its themes, files, embedder, threshold, "
                               "settings, by, edits or info). "
                               "Use the model folder exactly as `themes` wrote it.")
    return manifest


def _verified_arrays(folder: Path, manifest: dict) -> dict[str, np.ndarray]:
    mpath = folder / MANIFEST
    files = manifest["files"]
    kind = manifest.get("kind", "centroid")
    for name in REQUIRED[kind]:
        if name not in files:
            raise ModelFormatError(f"{mpath}: a {kind} model needs {name}, and the manifest lists no checksum for it.")
    arrays = {}
    for name, meta in files.items():
        path = folder / name
        if Path(name).name != name or not name.endswith(".npy"):
            raise ModelFormatError(f"{mpath}: the manifest names '{name}'; a model holds only .npy files beside it.")
        if not path.is_file():
            raise ModelFormatError(f"{folder}: file {name} named in the manifest is missing. Copy the whole folder.")
        check_npy_header(path, meta.get("bytes") if isinstance(meta, dict) else None)
        data = path.read_bytes()
        if not isinstance(meta, dict) or _sha256(data) != meta.get("sha256"):
            raise ModelFormatError(
                f"{path}: checksum does not match the manifest; the file was changed or damaged. "
                "Use the model folder exactly as `themes` wrote it (change themes with `themes edit`)."
            )
        try:
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except NPY_ERRORS as exc:
            raise ModelFormatError(f"{path}: not a plain numeric array ({exc}).") from None
        if arr.dtype.kind not in "fiu" or not np.all(np.isfinite(arr)):
            raise ModelFormatError(f"{path}: holds {arr.dtype} values or non-finite numbers; expected plain numbers.")
        arrays[name] = arr
    return arrays


def check_npy_header(path: Path, size) -> None:
    """Refuse an .npy file before reading it if its size differs from the manifest's, or its
    header claims a shape or type that its size does not hold (a giant shape would otherwise be
    allocated before the read fails)."""
    actual = path.stat().st_size
    if not isinstance(size, int) or isinstance(size, bool) or actual != size:
        raise ModelFormatError(f"{path}: {actual:,} bytes, but the manifest says {size!r}; the file was changed or "
                               "damaged. Use the model folder exactly as `themes` wrote it.")
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(fh, max_header_size=10_000)
            start = fh.tell()
    except NPY_ERRORS as exc:
        raise ModelFormatError(f"{path}: not a plain numeric array ({type(exc).__name__}: {exc}).") from None
    if dtype.hasobject or dtype.kind not in "fiu" or start + int(np.prod(shape, dtype=object)) * dtype.itemsize != actual:
        raise ModelFormatError(f"{path}: not a plain numeric array (its header claims {dtype} values of shape "
                               f"{shape} in {actual:,} bytes). Use the model folder exactly as `themes` wrote it.")


def _shape_error(folder: Path, what: str) -> ModelFormatError:
    return ModelFormatError(f"{folder}: {what}. The folder is inconsistent; refit or restore it.")


def _build(folder: Path, manifest: dict, arrays: dict[str, np.ndarray]) -> ThemeModel:
    themes = manifest["themes"]
    try:
        table = theme_table(
            ids=[int(t["id"]) for t in themes], names=[str(t["name"]) for t in themes],
            keywords=[[str(k) for k in t.get("keywords", [])] for t in themes],
            descriptions=[str(t.get("description", "")) for t in themes],
            questions=[str(t.get("question", "")) for t in themes],
            statuses=[str(t.get("status", "discovered")) for t in themes],
            examples=[[str(e) for e in t.get("examples", [])] for t in themes],
            merged_into=[int(t.get("merged_into", 0)) for t in themes])
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise ModelFormatError(f"{folder / MANIFEST}: a theme entry lacks an integer 'id' or a 'name' ({exc}).") from None
    if not table["theme_id"].between(1, ID_MAX).all():
        raise _shape_error(folder, f"a theme id is outside 1 to {ID_MAX:,}")
    if not table["theme_id"].is_unique:
        raise _shape_error(folder, "theme ids repeat in the manifest")
    bad = sorted(set(table["status"]) - set(STATUSES))
    if bad:
        raise _shape_error(folder, f"unknown theme status {bad[0]!r} (known: {', '.join(STATUSES)})")
    merged = table[table["status"] == "merged"]
    if not merged["merged_into"].isin(table["theme_id"]).all():
        raise _shape_error(folder, "a merged theme's 'merged_into' names no theme of the model")
    if merged["merged_into"].isin(merged["theme_id"]).any():
        raise _shape_error(folder, "a theme is merged into a theme that is itself merged")
    centroids = arrays["centroids.npy"]
    if centroids.dtype.kind != "f":
        raise _shape_error(folder, f"centroids hold {centroids.dtype} values, not theme centres")
    emb = manifest.get("embedder") or {}
    dim = emb.get("dimension")
    if centroids.ndim != 2 or len(centroids) != len(table):
        raise _shape_error(folder, f"{len(table)} themes in the manifest but centroids has shape {centroids.shape}")
    if dim is not None and centroids.shape[1] != dim:
        raise _shape_error(folder, f"centroids are {centroids.shape[1]}-dimensional, the embedder says {dim}")
    try:
        threshold = float(manifest.get("threshold", 0.0))
    except (TypeError, ValueError, OverflowError):
        raise _shape_error(folder, "the threshold is not a number") from None
    if not -1.0 <= threshold <= 1.0:  # also refuses NaN
        raise _shape_error(folder, f"the threshold {threshold} is not a similarity from -1 to 1")
    with np.errstate(over="ignore", invalid="ignore"):
        centres = centroids.astype(np.float32)
        norms = np.linalg.norm(centres.astype(np.float64), axis=1)
    if not np.isfinite(centres).all() or (len(norms) and not (norms > 0).all()):
        raise _shape_error(folder, "a theme centre is all zeros or too large for 32-bit numbers")
    ts = ThemeSet(table=table, centroids=centres, threshold=threshold)
    sub = _sub(folder, arrays, set(table["theme_id"]), centroids.shape[1])
    clf = _classifier(folder, manifest, arrays, set(table["theme_id"]), centroids.shape[1])
    return ThemeModel(theme_set=ts, embedder=emb, settings=manifest.get("settings") or {},
                      by=tuple(manifest.get("by") or ()), question_column=manifest.get("question_column"),
                      edits=list(manifest.get("edits") or []), kind=manifest.get("kind", "centroid"),
                      sub=sub, classifier=clf, info=dict(manifest.get("info") or {}),
                      moves=_moves(folder, manifest, set(table["theme_id"])))


def _moves(folder, manifest, ids: set) -> dict:
    moves = manifest.get("moves") or {}
    if not isinstance(moves, dict) or not all(
            isinstance(k, str) and (v is None or (isinstance(v, int) and not isinstance(v, bool) and v in ids))
            for k, v in moves.items()):
        raise _shape_error(folder, "'moves' must map answer keys to theme ids of the model (or null)")
    return dict(moves)


def _sub(folder, arrays, ids: set, dim: int) -> SubCentroids | None:
    if "sub_centroids.npy" not in arrays and "sub_index.npy" not in arrays:
        return None
    means, index = arrays.get("sub_centroids.npy"), arrays.get("sub_index.npy")
    if means is None or index is None or means.ndim != 2 or index.shape != (len(means), 2) or means.shape[1] != dim:
        raise _shape_error(folder, "sub_centroids.npy and sub_index.npy do not match each other or the centroids")
    if not set(index[:, 0].tolist()) <= ids or (index[:, 1] < 1).any():
        raise _shape_error(folder, "sub_index.npy names a theme the manifest lacks, or an empty sub-group")
    return SubCentroids(means=means.astype(np.float32), theme_ids=index[:, 0].astype(np.int64),
                        counts=index[:, 1].astype(np.int64))


def _classifier(folder, manifest, arrays, ids: set, dim: int) -> Classifier | None:
    if manifest.get("kind", "centroid") != "classifier":
        return None
    coef, intercept, thr = arrays["coef.npy"], arrays["intercept.npy"], arrays["thresholds.npy"]
    classes = manifest.get("classes")
    if not isinstance(classes, list) or not classes:
        raise _shape_error(folder, "a classifier model's manifest has no 'classes' list")
    c = len(classes)
    if coef.shape != (c, dim) or intercept.shape != (c,) or thr.shape != (c,):
        raise _shape_error(folder, f"{c} classes but coef {coef.shape}, intercept {intercept.shape}, "
                                   f"thresholds {thr.shape} (embedder dimension {dim})")
    try:
        labels = tuple(str(x["label"]) for x in classes)
        class_theme = np.array([int(x["theme_id"]) for x in classes], dtype=np.int64)
    except (KeyError, TypeError, ValueError):
        raise _shape_error(folder, "each class needs a 'label' and an integer 'theme_id'") from None
    if not set(class_theme.tolist()) <= ids:
        raise _shape_error(folder, "a class maps to a theme id the manifest lacks")
    options = manifest.get("classifier") or {}
    return Classifier(coef=coef.astype(np.float32), intercept=intercept.astype(np.float32),
                      thresholds=thr.astype(np.float32), labels=labels, class_theme=class_theme,
                      fallback=bool(options.get("fallback_top1", False)))


def check_embedder(saved: dict, embedder, where) -> None:
    name, dim = getattr(embedder, "name", None), getattr(embedder, "dimension", None)
    if saved.get("name") != name or (saved.get("dimension") not in (None, dim)):
        raise ModelFormatError(
            f"{where}: this model was fitted with embedder '{saved.get('name')}' "
            f"({saved.get('dimension')} dimensions); the run uses '{name}' ({dim}). "
            f"Label with the embedder it was fitted with, or fit a new model."
        )
