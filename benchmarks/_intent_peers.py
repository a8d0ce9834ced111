"""The intent-detection peers the assistant's studies share (not a study: no `run`)."""

from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union


def tfidf_logistic() -> Any:
    """The TF-IDF peer: word 1-2 + char_wb 2-5 (sublinear tf), logistic regression C=10."""
    return make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=10.0, max_iter=2000),
    )


def embedding_logistic() -> LogisticRegression:
    """The embedding peer: logistic regression C=10 on MiniLM sentence embeddings."""
    return LogisticRegression(C=10.0, max_iter=2000)
