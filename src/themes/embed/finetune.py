"""`themes train --fine-tune`: a SetFit-style contrastive fine-tune of the sentence model on the
coded examples (and a codebook's texts), kept inside the model folder and used when it labels.

Each step takes pairs of two texts of one code, one pair per code, from codes whose texts share
no code with the other pairs of the step, so that every other pair's texts are its negatives
(multiple-negatives ranking loss, both ways, scale 20); AdamW at 2e-5, ``PAIRS_PER_CODE`` pairs
per code in each epoch. The pair draw and torch's dropout are seeded: the same rows and seed give
the same weights on one machine. Codes with one text take no pairs (the classifier still learns
them). On the FFT benchmark, 10 coded comments per code with the published framework as
``--codebook``: micro-F1 0.586 -> 0.604, about a minute on 2 CPU cores for 2 epochs and a peak
of about 2.1 GB (docs/benchmarks.md, Coding). Texts are cut to ``TRAIN_TOKENS`` word pieces while
it learns; labelling reads as many as the base model does.

Saved as ``<model>/encoder/``: the sentence-transformers folder (safetensors weights, configs,
tokenizer), each file's sha256 and size in the manifest; loaded from there only after every
checksum matches, with no remote code and no pickled weights.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from pathlib import Path

import numpy as np

from themes.embed.device import batch_for
from themes.embed.models import SentenceTransformerEmbedder, load_sentence_model
from themes.errors import ConfigError, ModelFormatError

FINE_TUNE_EPOCHS = 2      # what `--fine-tune` runs
PAIRS_PER_CODE = 10       # per epoch
CODES_PER_STEP = 16
LEARNING_RATE = 2e-5
SCALE = 20.0
TRAIN_TOKENS = 128        # word pieces read while fine-tuning (the length all-MiniLM-L6-v2 was trained at;
                          # on FFT 10 per code: peak 2,838 -> 2,081 MB, micro-F1 with --codebook 0.605 -> 0.604)
ENCODER = "encoder"       # the folder inside a model folder
SUFFIXES = (".json", ".txt", ".safetensors", ".model")   # what an encoder folder may hold: data, never code
WEIGHTS = "model.safetensors"


def steps(groups: dict[str, list[str]], rng: random.Random, per_code: int = PAIRS_PER_CODE,
          size: int = CODES_PER_STEP) -> list[list[tuple[str, str]]]:
    """One epoch's steps: ``per_code`` pairs of two different texts of each code (codes with
    fewer than two texts take none), shuffled, packed so that no two pairs of a step share a code
    through any of their texts' codes (a text of two codes would otherwise be another pair's
    false negative). Packing stops at the first pass that finds no second pair to go with its
    first: the pairs left then share codes with each other (a frequent code that co-occurs with
    many) and are not used (on FFT 10 per code: 258 and 213 of 360 pairs in the two epochs).
    Using them too (dropping only the single pair and going on) measured slower and no better:
    FFT 10 per code with --codebook 0.604 -> 0.597 micro-F1, fine-tune 64 -> 91 s (db26c87)."""
    codes_of: dict[str, set[str]] = {}
    for code, texts in groups.items():
        for t in texts:
            codes_of.setdefault(t, set()).add(code)
    pairs = []
    for code in sorted(groups):
        texts = sorted(set(groups[code]))
        if len(texts) >= 2:
            pairs += [tuple(rng.sample(texts, 2)) for _ in range(per_code)]
    rng.shuffle(pairs)
    out, pending = [], pairs
    while pending:
        cur, used, rest = [], set(), []
        for a, b in pending:
            own = codes_of[a] | codes_of[b]
            if len(cur) < size and not (own & used):
                cur.append((a, b))
                used |= own
            else:
                rest.append((a, b))
        if len(cur) >= 2:
            out.append(cur)
        pending = rest if len(cur) >= 2 else []
    return out


def fine_tune(embedder, groups: dict[str, list[str]], epochs: int, seed: int, reporter) -> FineTunedEmbedder:
    """The sentence model of ``embedder`` fine-tuned on ``groups`` (code -> its texts)."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise ConfigError("--fine-tune trains the sentence-transformers model itself: use it with --backend torch "
                          "(the default), not another embedding backend.")
    import torch
    import torch.nn.functional as F

    rng = random.Random(seed)
    plan = [steps(groups, rng) for _ in range(epochs)]
    if not any(plan):
        raise ConfigError("--fine-tune needs at least two codes with two or more examples each; label more "
                          "responses or leave --fine-tune out.")
    st = embedder.new_model_object()   # a copy: the base embedder keeps its weights
    read_tokens = st.max_seq_length
    st.max_seq_length = min(read_tokens, TRAIN_TOKENS)
    bar = reporter.bar("Fine-tuning")
    bar.start(total=sum(len(p) for p in plan), done=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        st.train()
        opt = torch.optim.AdamW(st.parameters(), lr=LEARNING_RATE)

        def encode(texts):
            feats = {k: v.to(st.device) if hasattr(v, "to") else v for k, v in st.tokenize(list(texts)).items()}
            return F.normalize(st(feats)["sentence_embedding"], dim=1)

        for epoch in plan:
            for step in epoch:
                logits = SCALE * encode([a for a, _ in step]) @ encode([b for _, b in step]).T
                target = torch.arange(len(step), device=st.device)
                loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
                opt.zero_grad()
                loss.backward()
                opt.step()
                bar.advance(1)
        st.eval()
    st.max_seq_length = read_tokens   # it reads as much as the base model when it labels
    bar.stop()
    with tempfile.TemporaryDirectory(prefix="themes-encoder-") as tmp:
        st.save(tmp, create_model_card=False)
        files = {p.relative_to(tmp).as_posix(): p.read_bytes() for p in sorted(Path(tmp).rglob("*"))
                 if p.is_file() and p.suffix in SUFFIXES}
    return FineTunedEmbedder(embedder.name, files=files, dimension=embedder.dimension, st=st,
                             batch_size=embedder.batch_size, device=embedder.device)


class FineTunedEmbedder:
    """The fine-tuned sentence model: in memory after `train`, or read from a model's encoder/
    folder (loaded on first use). Its name is the base model's with "+fine-tuned", its version
    the first 16 hex digits of its weights' sha256 (so the vector cache keeps each fine-tune apart)."""

    def __init__(self, base: str, dimension: int, files: dict[str, bytes] | None = None, folder: Path | None = None,
                 st=None, batch_size: int | None = None, device: str = "cpu", version: str | None = None,
                 listed: tuple[str, ...] = ()):
        self.base, self._dim, self._files, self.folder, self._st = base, int(dimension), files, folder, st
        self.listed = listed   # the files of ``folder``, as the manifest lists them
        self.batch_size, self.device = batch_for(batch_size, device), device
        self._version = version or hashlib.sha256(files[WEIGHTS]).hexdigest()[:16]

    @property
    def name(self) -> str:
        return f"{self.base}+fine-tuned"

    @property
    def version(self) -> str:
        return self._version

    @property
    def dimension(self) -> int:
        return self._dim

    def placed(self, device: str, batch_size: int) -> FineTunedEmbedder:
        """This encoder, to be loaded on ``device`` (one already in memory stays where it is)."""
        if self._st is None:
            self.device = device
        self.batch_size = batch_size
        return self

    def files(self) -> dict[str, bytes]:
        if self._files is None:
            self._files = {rel: (self.folder / rel).read_bytes() for rel in self.listed}
        return self._files

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._st is None:
            self._st = load_sentence_model(self.folder, self.device)
        vecs = self._st.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def encoder_manifest(embedder: FineTunedEmbedder) -> dict:
    """What the manifest records of a fine-tuned encoder: its base model and each file's checksum."""
    return {"base": embedder.base, "folder": ENCODER,
            "files": {rel: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                      for rel, data in sorted(embedder.files().items())}}


def write_encoder(embedder: FineTunedEmbedder, folder: Path) -> None:
    for rel, data in embedder.files().items():
        path = Path(folder) / ENCODER / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_encoder(folder: Path, entry, embedder_info: dict) -> FineTunedEmbedder:
    """The encoder a model folder's manifest lists, after checking every file against it."""
    where = Path(folder) / "manifest.json"
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or WEIGHTS not in files or not isinstance(entry.get("base"), str):
        raise ModelFormatError(f"{where}: its 'encoder' entry is malformed (it needs 'base' and the checksums of "
                               f"'files', {WEIGHTS} among them). Use the model folder exactly as `themes` wrote it.")
    root = Path(folder) / ENCODER
    version = ""
    for rel, meta in files.items():
        parts = Path(rel).parts
        if (not isinstance(rel, str) or Path(rel).is_absolute() or ".." in parts or not parts
                or Path(rel).suffix not in SUFFIXES):
            raise ModelFormatError(f"{where}: the encoder lists '{rel}'; an encoder holds only "
                                   f"{', '.join(SUFFIXES)} files inside {ENCODER}/.")
        path = root / rel
        if not path.is_file():
            raise ModelFormatError(f"{root}: file {rel} named in the manifest is missing. Copy the whole folder.")
        data = path.read_bytes()
        if not isinstance(meta, dict) or len(data) != meta.get("bytes") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ModelFormatError(f"{path}: checksum does not match the manifest; the file was changed or damaged. "
                                   "Use the model folder exactly as `themes` wrote it.")
        if rel == WEIGHTS:
            version = meta["sha256"][:16]
    return FineTunedEmbedder(entry["base"], dimension=int(embedder_info.get("dimension") or 0), folder=root,
                             version=version, listed=tuple(sorted(files)))   # placed on a device when it labels
