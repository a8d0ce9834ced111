"""Hybrid retrieval for the shop assistant: FAQ answers and product search.

Both indexes fuse a lexical score with an embedding score into one number in [0, 1]:

* lexical: TF-IDF cosines over two views of the text, words (English words, lightly stemmed,
  without stop words, plus their bigrams; Chinese as character bigrams) and character 3-5
  grams within words (Chinese as character 1-3 grams), so inflections, small typos and
  unsegmented Chinese all match; Chinese text is first split at question words and particles;
* semantic: cosine of all-MiniLM-L6-v2 sentence embeddings (`shopmind.embeddings`).

MiniLM is English-only: on Chinese text its cosines are high whatever the meaning, so the
embedding's weight shrinks with the share of Chinese characters in the query and a Chinese
question is matched on its character n-grams alone. Each raw score is mapped onto [0, 1] by a
fixed linear calibration (a cosine at `floor` or below is 0, at `ceiling` or above is 1; Chinese
lexical cosines run lower and get a lower ceiling), so the fused score means about the same for
every query and one threshold works across languages.

`FaqIndex.answer` returns the best FAQ at or above the threshold, or None ("I don't know").
The default threshold was chosen on the evaluation set in tests/assistant/test_retrieval.py
(paraphrases of the sample shop's FAQs against off-topic questions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from shopmind.embeddings import EMBEDDING_DIM, encode
from shopmind.recommend.content import product_texts

__all__ = [
    "DEFAULT_FAQ_THRESHOLD",
    "FaqHit",
    "FaqIndex",
    "ProductHit",
    "ProductSearch",
    "cjk_share",
]

DEFAULT_FAQ_THRESHOLD: Final = 0.4
"""The fused score from which `FaqIndex.answer` answers (see the module docstring)."""

_CJK_CLASS: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN: Final = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN: Final = re.compile(f"[{_CJK_CLASS}]+|[^\\W_{_CJK_CLASS}]+(?:'[^\\W_{_CJK_CLASS}]+)?")
_LETTER: Final = re.compile(f"[^\\W\\d_{_CJK_CLASS}]|[{_CJK_CLASS}]")

_SHOP_TALK_WORDS: Final = """
    hi hello hey dear thanks thank please pls plz im i'm i'd id ive i've you're youre looking
    look searching search find want wanted need needs like love buy buying purchase get got
    sell sells selling stock stocked carry offer available availability recommend suggest
    suggestion something anything any kind sort type good nice best great item items product
    products thing things shop store website site shopmind size sizes
"""
_SHOP_TALK: Final = frozenset(_SHOP_TALK_WORDS.split())
"""Words of a customer's message that say nothing about which product they mean."""

_STOP: Final = frozenset(ENGLISH_STOP_WORDS) | {"don't", "doesn't", "can't", "won't", "it's"}
_CHINESE_STOP: Final = re.compile(
    "什么|怎么|怎样|如何|哪里|哪儿|哪些|为什么|多少|请问|[的了吗呢吧啊呀么我你您他她它们是在有和把就都也吗？]"
)
"""Chinese question words, particles and pronouns: Chinese runs are split at them, which keeps
them out of the n-grams (a handful of FAQs gives them a misleadingly high idf)."""


def _content_chars(text: str) -> set[str]:
    """The Chinese characters of `text` that carry meaning (particles and question words out)."""
    return set("".join(_CJK_RUN.findall(_CHINESE_STOP.sub(" ", text))))


def _coverage(query: str, documents: Sequence[set[str]]) -> np.ndarray:
    """Per document, the share of the query's meaningful Chinese characters it contains (1 when
    the query has none). One shared word such as 订单 then no longer makes a match: with a
    handful of Chinese FAQs, TF-IDF alone rewards any overlap."""
    wanted = _content_chars(query)
    if not wanted:
        return np.ones(len(documents))
    return np.array([len(wanted & doc) / len(wanted) for doc in documents])


def cjk_share(text: str) -> float:
    """The share of `text`'s letters that are Chinese characters (0 when it has no letters)."""
    letters = _LETTER.findall(text)
    if not letters:
        return 0.0
    return sum(1 for c in letters if _CJK_RUN.match(c)) / len(letters)


def _stem(word: str) -> str:
    """A light English stemmer: plurals and common verb endings, enough to match 'boots' with
    'boot' and 'returned' with 'return'."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
        doubled = word[-1] == word[-2] and word[-1] not in "aeiouls"
        return word[:-1] if doubled else word
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _units(text: str, stop: frozenset[str]) -> list[tuple[bool, str]]:
    """The text's content units in order: (True, run of Chinese) or (False, stemmed word)."""
    out: list[tuple[bool, str]] = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        if _CJK_RUN.fullmatch(token):
            out.extend((True, run) for run in _CHINESE_STOP.split(token) if run)
        elif token not in stop:
            out.append((False, _stem(token)))
    return out


def _word_features(units: Sequence[tuple[bool, str]]) -> list[str]:
    features: list[str] = []
    previous: str | None = None
    for chinese, unit in units:
        if chinese:
            bigrams = [unit[i : i + 2] for i in range(len(unit) - 1)]
            features.extend(bigrams or [unit])
            previous = None
            continue
        features.append(unit)
        if previous is not None:
            features.append(f"{previous} {unit}")
        previous = unit
    return features


def _char_features(units: Sequence[tuple[bool, str]]) -> list[str]:
    features: list[str] = []
    for chinese, unit in units:
        if chinese:
            for n in (1, 2, 3):
                features.extend(unit[i : i + n] for i in range(len(unit) - n + 1))
            continue
        padded = f" {unit} "
        for n in (3, 4, 5):
            features.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return features


def faq_words(text: str) -> list[str]:
    """Word features of a FAQ text or question (module level so fitted indexes pickle)."""
    return _word_features(_units(text, _STOP))


def faq_chars(text: str) -> list[str]:
    """Character n-gram features of a FAQ text or question."""
    return _char_features(_units(text, _STOP))


def product_words(text: str) -> list[str]:
    """Word features of a product text or a customer's message, without the shop-talk."""
    return _word_features(_units(text, _STOP | _SHOP_TALK))


def product_chars(text: str) -> list[str]:
    """Character n-gram features of a product text or a customer's message."""
    return _char_features(_units(text, _STOP | _SHOP_TALK))


def _vectorizer(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)


def _calibrate(raw: np.ndarray, floor: float, ceiling: float, *, cap: bool = True) -> np.ndarray:
    """Map [floor, ceiling] onto [0, 1]; without `cap` scores above the ceiling keep their
    order (two near-perfect matches still rank by how near)."""
    scaled: np.ndarray = np.clip((raw - floor) / (ceiling - floor), 0.0, 1.0 if cap else None)
    return scaled


def _cosine_matrix(
    vectorizer: TfidfVectorizer, matrix: sp.csr_matrix, texts: Sequence[str]
) -> np.ndarray:
    """Cosines (texts x fitted rows) of `texts` against the rows: TF-IDF rows are unit length."""
    queries = vectorizer.transform(texts)
    scores: np.ndarray = np.asarray((queries @ matrix.T).toarray(), dtype=np.float64)
    return scores


def _cosines(vectorizer: TfidfVectorizer, matrix: sp.csr_matrix, text: str) -> np.ndarray:
    """Cosines of `text` against the fitted rows."""
    row: np.ndarray = _cosine_matrix(vectorizer, matrix, [text])[0]
    return row


def _texts(values: Iterable[object]) -> list[str]:
    return ["" if v is None or v is pd.NA or v != v else str(v) for v in values]


# FAQs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaqHit:
    """One FAQ entry matched to a question; `score` in [0, 1] is comparable to the threshold."""

    faq_id: str
    question: str
    answer: str
    language: str
    score: float


class FaqIndex:
    """Hybrid lexical and embedding search over the faqs table.

    The lexical score is the mean of the word and character TF-IDF cosines against the FAQ's
    question (weight `question_weight`, moving to 0.5 for Chinese queries) and against its
    question, answer and tags together; the semantic score is the embedding cosine with the
    same split. Each is calibrated onto [0, 1] (`lexical_range`, `embedding_range`,
    `chinese_lexical_ceiling`) and they are mixed with weight `embedding_weight` on the semantic
    side, which shrinks to 0 as the query gets Chinese (see the module docstring). The defaults
    and the threshold were tuned on tests/assistant/test_retrieval.py's evaluation set.
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        embedding_weight: float = 0.8,
        question_weight: float = 0.6,
        embeddings: bool = True,
        lexical_range: tuple[float, float] = (0.0, 0.8),
        embedding_range: tuple[float, float] = (0.15, 0.65),
        chinese_lexical_ceiling: float = 0.35,
    ) -> None:
        self.threshold = threshold
        self.chinese_lexical_ceiling = chinese_lexical_ceiling
        self.embedding_weight = embedding_weight
        self.question_weight = question_weight
        self.embeddings = embeddings
        self.lexical_range = lexical_range
        self.embedding_range = embedding_range

    def fit(self, faqs: pd.DataFrame) -> Self:
        """Index the faqs table (faq_id, question, answer and optionally tags, language)."""
        n = len(faqs)
        self.faq_ids_ = _texts(faqs["faq_id"]) if n else []
        self.questions_ = _texts(faqs["question"]) if n else []
        self.answers_ = _texts(faqs["answer"]) if n else []
        tags = _texts(faqs["tags"]) if n and "tags" in faqs else [""] * n
        languages = _texts(faqs["language"]) if n and "language" in faqs else [""] * n
        self.languages_ = [lang.strip().lower() or "en" for lang in languages]
        full = [
            f"{q} {a} {t.replace(',', ' ')}"
            for q, a, t in zip(self.questions_, self.answers_, tags, strict=True)
        ]
        self.full_chars_ = [_content_chars(text) for text in full]
        self.threshold_ = DEFAULT_FAQ_THRESHOLD if self.threshold is None else self.threshold
        self.vectorizers_: list[TfidfVectorizer] = []
        self.question_rows_: list[sp.csr_matrix] = []
        self.full_rows_: list[sp.csr_matrix] = []
        if n and any(faq_words(t) for t in full):
            for analyzer in (faq_words, faq_chars):
                vectorizer = _vectorizer(analyzer).fit(self.questions_ + full)
                self.vectorizers_.append(vectorizer)
                self.question_rows_.append(vectorizer.transform(self.questions_))
                self.full_rows_.append(vectorizer.transform(full))
        if self.embeddings and n:
            self.question_embeddings_ = encode(self.questions_)
            self.full_embeddings_ = encode(full)
        else:
            self.question_embeddings_ = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
            self.full_embeddings_ = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
        return self

    def scores(self, query: str) -> np.ndarray:
        """The fused score in [0, 1] of every FAQ for `query`, in table order."""
        row: np.ndarray = self.score_matrix([query])[0]
        return row

    def score_matrix(self, queries: Sequence[str]) -> np.ndarray:
        """Fused scores (queries x FAQs) in [0, 1], the queries embedded in one batch; an empty
        or blank query scores 0 everywhere."""
        n, m = len(self.faq_ids_), len(queries)
        out = np.zeros((m, n))
        live = [i for i, q in enumerate(queries) if q.strip()]
        if n == 0 or not live:
            return out
        texts = [queries[i] for i in live]
        qw = self.question_weight
        # Chinese questions match the answers' wording more often than the short questions'.
        lexical_qw = qw + (0.5 - qw) * np.array([cjk_share(t) for t in texts])[:, None]
        lexical = np.zeros((len(live), n))
        for vectorizer, q_rows, f_rows in zip(
            self.vectorizers_, self.question_rows_, self.full_rows_, strict=True
        ):
            lexical += (
                lexical_qw * _cosine_matrix(vectorizer, q_rows, texts)
                + (1 - lexical_qw) * _cosine_matrix(vectorizer, f_rows, texts)
            ) / len(self.vectorizers_)
        share = np.array([cjk_share(t) for t in texts])[:, None]
        floor, ceiling = self.lexical_range
        ceilings = ceiling + (self.chinese_lexical_ceiling - ceiling) * share
        fused = np.clip((lexical - floor) / (ceilings - floor), 0.0, 1.0)
        weights = self.embedding_weight * (1.0 - share[:, 0])
        semantic_rows = np.flatnonzero(weights > 0) if self.embeddings else np.array([], int)
        if len(semantic_rows):
            embedded = encode([texts[i] for i in semantic_rows])
            semantic = qw * (embedded @ self.question_embeddings_.T) + (1 - qw) * (
                embedded @ self.full_embeddings_.T
            )
            semantic = _calibrate(semantic.astype(np.float64), *self.embedding_range)
            w = weights[semantic_rows, None]
            fused[semantic_rows] = w * semantic + (1 - w) * fused[semantic_rows]
        coverage = np.vstack([_coverage(t, self.full_chars_) for t in texts])
        out[live] = fused * np.sqrt(coverage) ** share
        return out

    def search(self, query: str, k: int = 3, *, language: str | None = None) -> list[FaqHit]:
        """The `k` best FAQs for `query`, best first. With a `language`, FAQs in it that reach
        the threshold come first, then those in other languages that reach it, then the rest."""
        return self.search_many([query], k, language=language)[0]

    def search_many(
        self, queries: Sequence[str], k: int = 3, *, language: str | None = None
    ) -> list[list[FaqHit]]:
        """`search` for each query, the queries embedded in one batch."""
        matrix = self.score_matrix(queries)
        return [
            self._rank(scores, k, language) if query.strip() else []
            for query, scores in zip(queries, matrix, strict=True)
        ]

    def answer(self, query: str, *, language: str | None = None) -> FaqHit | None:
        """The best FAQ at or above `threshold_` (one in `language` if any reaches it), or None:
        the assistant does not know."""
        return self.answer_many([query], language=language)[0]

    def answer_many(
        self, queries: Sequence[str], *, language: str | None = None
    ) -> list[FaqHit | None]:
        """`answer` for each query, the queries embedded in one batch."""
        return [
            hits[0] if hits and hits[0].score >= self.threshold_ else None
            for hits in self.search_many(queries, 1, language=language)
        ]

    def _rank(self, scores: np.ndarray, k: int, language: str | None) -> list[FaqHit]:
        if len(scores) == 0 or k <= 0:
            return []
        reached = scores >= self.threshold_
        if language is None:
            tier = np.where(reached, 0, 2)
        else:
            same = np.array([lang == language.strip().lower() for lang in self.languages_])
            tier = np.where(reached & same, 0, np.where(reached, 1, 2))
        order = np.lexsort((np.arange(len(scores)), -scores, tier))[:k]
        return [
            FaqHit(
                faq_id=self.faq_ids_[i],
                question=self.questions_[i],
                answer=self.answers_[i],
                language=self.languages_[i],
                score=float(scores[i]),
            )
            for i in order
        ]


# Products -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductHit:
    """One product matched to a customer's message; `score` in [0, 1]."""

    product_id: str
    title: str
    score: float
    price: float | None
    category: str | None


class ProductSearch:
    """Hybrid search over the catalogue from a customer's whole message.

    Each product's text is `product_texts` (title, category, brand, description) with the
    title, category and brand repeated so that they outweigh the description. The message is
    stripped of stop words and shop-talk ("do you have", "I'm looking for") before the
    lexical match, and embedded both whole and stripped; the best of the two cosines counts.
    """

    def __init__(
        self,
        *,
        embedding_weight: float = 0.5,
        embeddings: bool = True,
        lexical_range: tuple[float, float] = (0.0, 0.5),
        embedding_range: tuple[float, float] = (0.15, 0.7),
        min_score: float = 0.2,
    ) -> None:
        self.embedding_weight = embedding_weight
        self.embeddings = embeddings
        self.lexical_range = lexical_range
        self.embedding_range = embedding_range
        self.min_score = min_score

    def fit(self, products: pd.DataFrame) -> Self:
        """Index the products table (product_id, title and optionally description, category,
        brand, price)."""
        n = len(products)
        frame = products.reset_index(drop=True)
        self.product_ids_ = _texts(frame["product_id"]) if n else []
        self.titles_ = _texts(frame["title"]) if n and "title" in frame else [""] * n
        self.categories_: list[str | None] = (
            [c or None for c in _texts(frame["category"])]
            if n and "category" in frame
            else [None] * n
        )
        prices = pd.to_numeric(frame["price"], errors="coerce") if n and "price" in frame else None
        self.prices_: list[float | None] = (
            [None if pd.isna(p) else float(p) for p in prices] if prices is not None else [None] * n
        )
        texts = list(product_texts(frame)) if n else []
        brands = _texts(frame["brand"]) if n and "brand" in frame else [""] * n
        categories = [(c or "").replace("/", " ").replace("-", " ") for c in self.categories_]
        boosted = [
            f"{t}. {title}. {c}. {b}"
            for t, title, c, b in zip(texts, self.titles_, categories, brands, strict=True)
        ]
        self.vectorizers_: list[TfidfVectorizer] = []
        self.rows_: list[sp.csr_matrix] = []
        if n and any(product_words(t) for t in boosted):
            for analyzer in (product_words, product_chars):
                vectorizer = _vectorizer(analyzer).fit(boosted)
                self.vectorizers_.append(vectorizer)
                self.rows_.append(vectorizer.transform(boosted))
        if self.embeddings and n:
            self.embeddings_ = encode([t or " " for t in texts])
        else:
            self.embeddings_ = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
        return self

    def scores(self, query: str) -> np.ndarray:
        """The fused score of every product for `query`, in table order: 0 for nothing in
        common, about 1 for a close match, above 1 for closer ones (hits report at most 1)."""
        n = len(self.product_ids_)
        if n == 0 or not query.strip():
            return np.zeros(n)
        lexical = np.zeros(n)
        for vectorizer, rows in zip(self.vectorizers_, self.rows_, strict=True):
            lexical += _cosines(vectorizer, rows, query) / len(self.vectorizers_)
        lexical = _calibrate(lexical, *self.lexical_range, cap=False)
        weight = self.embedding_weight * (1.0 - cjk_share(query)) if self.embeddings else 0.0
        if weight <= 0:
            return lexical
        core = " ".join(u for _, u in _units(query, _STOP | _SHOP_TALK))
        queries = [query, core] if core and core != query.strip().lower() else [query]
        semantic = (self.embeddings_ @ encode(queries).T).max(axis=1).astype(np.float64)
        semantic = _calibrate(semantic, *self.embedding_range, cap=False)
        fused: np.ndarray = weight * semantic + (1 - weight) * lexical
        return fused

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        allowed: Callable[[str], bool] | set[str] | None = None,
        min_score: float | None = None,
    ) -> list[ProductHit]:
        """The `k` best products for `query`, best first: only those `allowed` admits (a set of
        product ids or a predicate on one), scoring at least `min_score` (default the
        instance's `min_score`) and above 0."""
        if not query.strip() or k <= 0:
            return []
        scores = self.scores(query)
        floor = self.min_score if min_score is None else min_score
        keep = (scores > 0) & (scores >= floor)
        if allowed is not None:
            admit = allowed.__contains__ if isinstance(allowed, set) else allowed
            keep &= np.array([bool(admit(p)) for p in self.product_ids_], dtype=bool)
        candidates = np.flatnonzero(keep)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        return [
            ProductHit(
                product_id=self.product_ids_[i],
                title=self.titles_[i],
                score=min(float(scores[i]), 1.0),
                price=self.prices_[i],
                category=self.categories_[i],
            )
            for i in order
        ]
