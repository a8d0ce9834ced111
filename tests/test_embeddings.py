"""Sentence embeddings: batched and single texts agree, and a remembered single text cannot be
changed by whoever received it."""

from __future__ import annotations

import numpy as np

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
