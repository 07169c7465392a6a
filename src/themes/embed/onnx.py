"""Sentence embeddings with ONNX Runtime on the CPU: ``--backend onnx`` (needs the extra
``pip install 'themes[onnx]'``).

sentence-transformers' own ONNX backend needs optimum-onnx, which pins an older transformers than
themes uses, so themes exports the packaged model itself: ``torch.onnx.export`` of the local
weights (never a download), cached under ``<cache dir>/onnx/``, optionally quantised to int8
(dynamic quantisation of the weights). Inference reads the tokenizer.json of the same folder, mean-
pools over the attention mask and normalises, as the model's Pooling + Normalize modules do.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from themes.embed.models import SentenceTransformerEmbedder, dimension_from_files
from themes.errors import ConfigError
from themes.io.atomic import write_path

EXTRA = "pip install 'themes[onnx]'"


def require_onnxruntime() -> None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ConfigError(f"--backend onnx needs onnxruntime, which is not installed. Install the extra: `{EXTRA}` "
                          "(or use the default torch backend).") from None


class OnnxEmbedder(SentenceTransformerEmbedder):
    """Same model, same name, ONNX Runtime instead of torch (``quantize``: int8 weights)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int | None = None, cache_dir: str | Path | None = None,
                 quantize: bool = True):
        require_onnxruntime()
        super().__init__(model, batch_size)
        from themes.config import default_cache_dir

        self.quantize = quantize
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._session = None
        self._tokenizer = None
        self._dim = dimension_from_files(self.path)
        if self._dim is None:
            raise ConfigError(f"--backend onnx supports Transformer + Pooling models; {self.path} has another layout. "
                              "Use --backend torch.")

    @property
    def version(self) -> str:
        return f"{super().version}+onnx-{'int8' if self.quantize else 'fp32'}"

    @property
    def dimension(self) -> int:
        return int(self._dim)

    def onnx_path(self) -> Path:
        """Export (once) and return the ONNX file for this model folder."""
        digest = hashlib.blake2b(str(self.path.resolve()).encode(), digest_size=8).hexdigest()
        folder = self.cache_dir / "onnx" / f"{self.path.name}-{digest}"
        final = folder / ("model-int8.onnx" if self.quantize else "model.onnx")
        if final.exists():
            return final
        folder.mkdir(parents=True, exist_ok=True)
        fp32 = folder / "model.onnx"
        if not fp32.exists():
            _export(self.path, fp32)
        if self.quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            write_path(final, lambda tmp: quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8))
        return final

    def _load(self):
        if self._session is None:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = ort.InferenceSession(str(self.onnx_path()), options, providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            self._tokenizer.enable_truncation(_max_length(self.path))
            self._tokenizer.no_padding()
        return self._session

    def embed(self, texts: list[str]) -> np.ndarray:
        session = self._load()
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")  # similar lengths together
        wanted = {i.name for i in session.get_inputs()}
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def _max_length(path: Path) -> int:
    try:
        return int(json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


def _export(model_path: Path, target: Path) -> None:
    """torch.onnx.export of the local weights (TorchScript exporter; dynamic batch and length)."""
    import torch
    from transformers import AutoModel

    from themes.embed.models import offline

    offline()
    bert = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"}, "last_hidden_state": {0: "batch", 1: "tokens"}}
    def produce(tmp: Path) -> None:
        with torch.no_grad():
            torch.onnx.export(model, args, str(tmp), input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)

    write_path(target, produce)
