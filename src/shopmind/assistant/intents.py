"""The assistant's intent classifier: which intent a customer's message expresses, and how sure.

One linear model (scikit-learn's LinearSVC, one-vs-rest) over three blocks of features: TF-IDF
word 1-2-grams, TF-IDF char_wb 2-5-grams (which also cover Chinese, where the English-only
embedding model sees little) and the message's all-MiniLM-L6-v2 sentence embedding. Decision
values become probabilities through a softmax whose temperature is fitted on out-of-fold
decision values, and the out-of-fold predictions also set `threshold_`: the confidence below
which the assistant asks to rephrase or hands off. Out of scope is judged on two signals, the
calibrated confidence and the cosine of the message to its nearest training example of the
predicted intent, combined as the sum of the logs of their out-of-fold CDFs among correctly
classified examples (Fisher's method); `scope_threshold_` rejects `max_rejected` of those.
On BANKING77 with ten intents held out this finds more of them than either signal alone at the
same cost. `detect` is the per-message path: one forward pass of the embedding model plus a few
sparse dot products in numpy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from shopmind import embeddings
from shopmind.assistant.examples import OUT_OF_SCOPE

__all__ = ["IntentClassifier", "IntentPrediction"]

_FALLBACK_TEMPERATURE = 0.1
"""Softmax temperature when no example can be held out (every intent has a single example)."""


@dataclass(frozen=True)
class IntentPrediction:
    """The classifier's reading of one message."""

    intent: str
    """Best intent (OUT_OF_SCOPE when that class was trained and wins)."""
    confidence: float
    """Calibrated probability of `intent`, 0..1."""
    alternatives: tuple[tuple[str, float], ...]
    """The next best (intent, probability), up to three, best first."""
    in_scope: bool
    """False when intent is OUT_OF_SCOPE or the message is judged out of scope."""


class IntentClassifier(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """TF-IDF words + char n-grams + MiniLM embeddings, a linear SVM, calibrated softmax.

    Hyper-parameters: `C` of the LinearSVC; `embedding_weight` scales the (unit-length)
    embedding block against the two (unit-length) TF-IDF blocks; `cv` folds give the
    out-of-fold decision values that fit the temperature and the thresholds; `max_rejected` is
    the share of correctly classified in-scope training examples (out of fold) each threshold
    may reject; `similarity` turns the nearest-example cosine rule on or off.

    Fitted: `classes_` (sorted intents); `temperature_` of the softmax; `threshold_`, the
    calibrated confidence below which the assistant should ask to rephrase (rejects
    `max_rejected` of correct out-of-fold predictions); `scope_threshold_` on the combined
    score that decides `in_scope` (the same share rejected). Embeddings are computed through
    `shopmind.embeddings`, never held, so a pickled classifier carries no torch model.
    """

    def __init__(
        self,
        *,
        C: float = 0.5,
        embedding_weight: float = 2.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        cv: int = 5,
        max_rejected: float = 0.01,
        similarity: bool = True,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.embedding_weight = embedding_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.cv = cv
        self.max_rejected = max_rejected
        self.similarity = similarity
        self.random_state = random_state

    # -- fitting ----------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        intents: Sequence[str],
        *,
        embeddings: np.ndarray | None = None,
    ) -> Self:
        """Learn the intents of `texts`. `embeddings` (optional) are `encode(texts)`, given
        when the caller has them already; otherwise they are computed here."""
        texts = _as_texts(texts)
        labels = [str(i) for i in intents]
        if not texts:
            raise ValueError("IntentClassifier.fit needs at least one example; got none")
        if len(texts) != len(labels):
            raise ValueError(
                f"IntentClassifier.fit got {len(texts)} texts but {len(labels)} intents; "
                "they must pair up one to one"
            )
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        if len(self.classes_) < 2:
            raise ValueError(
                f"IntentClassifier.fit needs examples of at least 2 intents; got only "
                f"{self.classes_[0]!r}"
            )
        y = np.searchsorted(self.classes_, np.array(labels, dtype=object))
        emb = self._embeddings(texts, embeddings)
        share = _latin_share(texts)

        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word", ngram_range=self.word_ngrams, sublinear_tf=True, dtype=np.float32
        )
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, dtype=np.float32
        )
        words = self.word_vectorizer_.fit_transform(texts)
        chars = self.char_vectorizer_.fit_transform(texts)
        for vectorizer in (self.word_vectorizer_, self.char_vectorizer_):
            vectorizer.stop_words_ = None  # only kept for introspection; can be large
        features = sp.hstack(
            [words, chars, sp.csr_matrix(emb * (self.embedding_weight * share)[:, None])],
            format="csr",
        )

        self._calibrate(features, y, emb, share)
        svm = self._svm().fit(features, y)
        coef, intercept = _one_vs_rest(svm)
        n_text = words.shape[1] + chars.shape[1]
        self.text_coef_ = np.ascontiguousarray(coef[:, :n_text].T, dtype=np.float32)
        self.embedding_coef_ = np.ascontiguousarray(
            coef[:, n_text:].T * self.embedding_weight, dtype=np.float32
        )
        self.intercept_ = intercept.astype(np.float32)
        self.n_word_features_ = int(words.shape[1])
        order = np.argsort(y, kind="stable")
        self.example_embeddings_ = np.ascontiguousarray(emb[order], dtype=np.float16)
        self.example_offsets_ = np.searchsorted(y[order], np.arange(len(self.classes_) + 1))
        return self

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, random_state=self.random_state)

    def _calibrate(
        self, features: sp.csr_matrix, y: np.ndarray, emb: np.ndarray, share: np.ndarray
    ) -> None:
        """Temperature and thresholds from out-of-fold decision values and similarities."""
        folds = _folds(y, self.cv, self.random_state)
        held = folds >= 0
        self.temperature_ = _FALLBACK_TEMPERATURE
        self.threshold_ = 0.0
        self.scope_threshold_ = -np.inf
        self.confidence_grid_ = np.zeros(1)
        self.similarity_grid_ = np.full(1, -1.0)
        self.oof_accuracy_ = float("nan")
        if not held.any():
            return
        decision = np.zeros((len(y), len(self.classes_)), dtype=np.float64)
        similarity = np.zeros(len(y), dtype=np.float64)
        for fold in range(int(folds.max()) + 1):
            test = folds == fold
            train = ~test
            svm = self._svm().fit(features[train], y[train])
            coef, intercept = _one_vs_rest(svm)
            decision[test] = features[test] @ coef.T + intercept
            predicted = decision[test].argmax(axis=1)
            sims = emb[test] @ emb[train].T
            same = y[train][None, :] == predicted[:, None]
            similarity[test] = np.where(same, sims, -1.0).max(axis=1)
        similarity[share < 0.5] = np.nan  # mostly Chinese: the embedding says little
        decision, similarity, truth = decision[held], similarity[held], y[held]
        self.temperature_ = _fit_temperature(decision, truth)
        proba = _softmax(decision / self.temperature_)
        predicted = proba.argmax(axis=1)
        self.oof_accuracy_ = float((predicted == truth).mean())
        correct = predicted == truth
        oos = np.flatnonzero(self.classes_ == OUT_OF_SCOPE)
        if len(oos):
            correct &= truth != oos[0]
        if not correct.any():
            return
        confidence = proba.max(axis=1)[correct]
        self.threshold_ = float(np.quantile(confidence, self.max_rejected))
        grid = np.linspace(0.0, 1.0, min(1001, int(correct.sum())))
        self.confidence_grid_ = np.quantile(confidence, grid)
        known = similarity[correct][~np.isnan(similarity[correct])]
        if len(known):
            self.similarity_grid_ = np.quantile(known, np.linspace(0.0, 1.0, min(1001, len(known))))
        scores = self._scope_score(confidence, similarity[correct])
        self.scope_threshold_ = float(np.quantile(scores, self.max_rejected))

    def _scope_score(self, confidence: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        """How typical (confidence, similarity) is of correctly classified in-scope examples:
        the sum of the logs of their empirical CDFs (Fisher's combination); low is unusual."""
        score = np.log(_cdf(self.confidence_grid_, confidence))
        if self.similarity:
            term = np.log(_cdf(self.similarity_grid_, similarity))
            score = score + np.where(np.isnan(similarity), 0.0, term)
        return np.asarray(score)

    def _embeddings(self, texts: list[str], given: np.ndarray | None) -> np.ndarray:
        if given is None:
            return embeddings.encode(texts)
        given = np.asarray(given, dtype=np.float32)
        if given.shape != (len(texts), embeddings.EMBEDDING_DIM):
            raise ValueError(
                f"embeddings must be {len(texts)} x {embeddings.EMBEDDING_DIM} (one row per "
                f"text); got {given.shape}"
            )
        return given

    # -- prediction -------------------------------------------------------------------------

    def decision_function(
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Raw one-vs-rest decision values (n x len(classes_))."""
        texts = _as_texts(texts)
        emb = self._embeddings(texts, embeddings)
        words = self.word_vectorizer_.transform(texts)
        chars = self.char_vectorizer_.transform(texts)
        text = sp.hstack([words, chars], format="csr")
        emb = emb * _latin_share(texts)[:, None]
        out: np.ndarray = text @ self.text_coef_ + emb @ self.embedding_coef_ + self.intercept_
        return np.asarray(out, dtype=np.float64)

    def predict_proba(
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated probabilities (n x len(classes_)); rows sum to 1."""
        return _softmax(self.decision_function(texts, embeddings=embeddings) / self.temperature_)

    def predict(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """The most probable intent of each text (no out-of-scope rejection)."""
        decision = self.decision_function(texts, embeddings=embeddings)
        return np.asarray(self.classes_[decision.argmax(axis=1)])

    def in_scope(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Per text, whether `detect` would call it in scope (the batch form of that rule)."""
        texts = _as_texts(texts)
        emb = self._embeddings(texts, embeddings)
        proba = self.predict_proba(texts, embeddings=emb)
        best = proba.argmax(axis=1)
        sims = np.array([self._similarity(e, int(k)) for e, k in zip(emb, best, strict=True)])
        sims[_latin_share(texts) < 0.5] = np.nan
        keep = self._scope_score(proba.max(axis=1), sims) >= self.scope_threshold_
        keep &= self.classes_[best] != OUT_OF_SCOPE
        return np.asarray(keep)

    def detect(self, text: str) -> IntentPrediction:
        """One message: best intent, calibrated confidence, alternatives, in scope or not."""
        text = str(text)
        emb = embeddings.encode([text])[0]
        share = float(_latin_share([text])[0])
        # einsum, not `@`: numpy's BLAS threads would fight torch's for the two cores
        decision = np.einsum("i,ij->j", emb * share, self.embedding_coef_) + self.intercept_
        for vectorizer, offset in (
            (self.word_vectorizer_, 0),
            (self.char_vectorizer_, self.n_word_features_),
        ):
            columns, values = _tfidf_row(vectorizer, text)
            if len(columns):
                decision += np.einsum("i,ij->j", values, self.text_coef_[columns + offset])
        proba = _softmax(decision[None, :].astype(np.float64) / self.temperature_)[0]
        ranked = np.argsort(-proba)[:4]
        best = int(ranked[0])
        intent = str(self.classes_[best])
        confidence = float(proba[best])
        in_scope = intent != OUT_OF_SCOPE
        if in_scope:
            similarity = self._similarity(emb, best, blas=False) if share >= 0.5 else math.nan
            score = self._scope_score(np.array([confidence]), np.array([similarity]))
            in_scope = bool(score[0] >= self.scope_threshold_)
        return IntentPrediction(
            intent=intent,
            confidence=confidence,
            alternatives=tuple((str(self.classes_[k]), float(proba[k])) for k in ranked[1:]),
            in_scope=bool(in_scope),
        )

    def _similarity(self, emb: np.ndarray, k: int, *, blas: bool = True) -> float:
        """Cosine of an embedding to its nearest training example of class k."""
        start, stop = self.example_offsets_[k], self.example_offsets_[k + 1]
        examples = self.example_embeddings_[start:stop].astype(np.float32)
        vector = emb.astype(np.float32)
        cosines = examples @ vector if blas else np.einsum("ij,j->i", examples, vector)
        return float(cosines.max())


# -- helpers --------------------------------------------------------------------------------


def _as_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError("expected a sequence of texts, got a single string")
    return [str(t) for t in texts]


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _latin_share(texts: Sequence[str]) -> np.ndarray:
    """Per text, the share of its letters that are not CJK: how much the English-only
    embedding model can be trusted with it (its block of features is scaled by this)."""
    out = np.ones(len(texts), dtype=np.float32)
    for i, text in enumerate(texts):
        cjk = len(_CJK.findall(text))
        if cjk:
            letters = sum(1 for c in text if c.isalpha())
            out[i] = 1.0 - cjk / max(letters, cjk)
    return out


def _folds(y: np.ndarray, cv: int, seed: int) -> np.ndarray:
    """Fold number per example, -1 for never held out. Each class's examples are dealt
    round-robin in a random order over at most min(cv, count) folds, so every class keeps at
    least one example in every fold's training part; classes with a single example stay in."""
    rng = np.random.default_rng(seed)
    folds = np.full(len(y), -1, dtype=np.int64)
    if cv < 2:
        return folds
    for k, count in Counter(y.tolist()).items():
        if count < 2:
            continue
        rows = rng.permutation(np.flatnonzero(y == k))
        folds[rows] = np.arange(count) % min(cv, count)
    return folds


def _one_vs_rest(svm: LinearSVC) -> tuple[np.ndarray, np.ndarray]:
    """(classes x features, classes) weights; binary problems as two opposite columns."""
    coef = np.asarray(svm.coef_, dtype=np.float64)
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([-coef, coef])
        intercept = np.concatenate([-intercept, intercept])
    if len(svm.classes_) != coef.shape[0]:  # pragma: no cover - folds keep every class
        raise RuntimeError("a fold lost a class")
    return coef, intercept


def _cdf(grid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Empirical CDF of the sorted `grid` at x, smoothed by one so it is never 0."""
    below = np.searchsorted(grid, x, side="right")
    out: np.ndarray = (below + 1.0) / (len(grid) + 1.0)
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def _fit_temperature(decision: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the log-loss of out-of-fold decision values."""

    def loss(log_t: float) -> float:
        z = decision / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(z).sum(axis=1))
        return float((log_norm - z[np.arange(len(truth)), truth]).mean())

    found = minimize_scalar(loss, bounds=(math.log(1e-3), math.log(10.0)), method="bounded")
    return float(math.exp(found.x))


_Analyzer = Callable[[str], list[str]]


def _tfidf_row(vectorizer: TfidfVectorizer, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of `vectorizer.transform([text])` without sparse-matrix
    overhead: sublinear tf, idf, l2 norm, as the vectorizer was fitted."""
    analyzer: _Analyzer = vectorizer.build_analyzer()
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    counts: Counter[int] = Counter()
    for term in analyzer(text):
        column = vocabulary.get(term)
        if column is not None:
            counts[column] += 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    values = (1.0 + np.log(tf)) * vectorizer.idf_[columns]
    values /= math.sqrt(float((values * values).sum()))
    return columns, values.astype(np.float32)
