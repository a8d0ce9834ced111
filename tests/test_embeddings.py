"""Sentence embeddings: batched and single texts agree, and a remembered single text cannot be
changed by whoever received it; the model loads once however many threads ask for it first,
and a server's thread limit holds in the threads that start after it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from shopmind import embeddings
from shopmind.embeddings import EMBEDDING_DIM, encode


def test_single_texts_are_remembered_and_match_batches() -> None:
    texts = ["where is my order?", "do you sell green tea?", "I want to talk to a person"]
    batch = encode(texts)
    assert batch.shape == (3, EMBEDDING_DIM)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    one = encode([texts[1]])
    assert one.shape == (1, EMBEDDING_DIM)
    assert np.allclose(one[0], batch[1], atol=1e-5)
    one[0, :] = 0.0  # the caller's copy, not the remembered vector
    assert np.allclose(encode([texts[1]])[0], batch[1], atol=1e-5)
    assert encode([]).shape == (0, EMBEDDING_DIM)


def test_concurrent_first_callers_share_one_load() -> None:
    # A server's first assistant messages arrive together: each used to load its own copy.
    embeddings._load_text_model.cache_clear()
    start = threading.Barrier(8)

    def first() -> int:
        start.wait()
        return id(embeddings.text_model())

    with ThreadPoolExecutor(8) as pool:
        loaded = set(pool.map(lambda _: first(), range(8)))
    assert loaded == {id(embeddings.text_model())}


def test_thread_limit_reaches_the_threads_that_start_after_it() -> None:
    import torch

    encode(["load the model"])

    def in_a_new_thread() -> int:
        with ThreadPoolExecutor(1) as pool:
            return int(pool.submit(torch.get_num_threads).result())

    before = embeddings.limit_threads(1)
    try:
        assert in_a_new_thread() == 1
        embeddings.limit_threads(2)
        assert in_a_new_thread() == 2
    finally:
        embeddings.limit_threads(before)
