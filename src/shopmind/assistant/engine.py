"""The assistant engine: learns the intents, indexes the FAQs and the catalogue of one shop.

`fit` trains the intent classifier on the shipped examples plus the shop's own, and builds
the FAQ and product indexes from the snapshot. What changes while it serves (orders, stock,
tickets, conversations) is not part of the model: `assistant()` wires the fitted parts to the
repositories it should look those up in.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from shopmind.assistant import slots
from shopmind.assistant.dialogue import Assistant
from shopmind.assistant.examples import training_examples
from shopmind.assistant.intents import IntentClassifier
from shopmind.assistant.repository import ConversationLog, ShopRepository, TicketDesk
from shopmind.assistant.retrieval import FaqIndex, ProductSearch
from shopmind.data.snapshot import Shop
from shopmind.embeddings import encode
from shopmind.embeddings import warm_up as warm_up_embeddings
from shopmind.errors import InsufficientDataError

__all__ = ["AssistantEngine"]


class AssistantEngine:
    """Intent classifier, FAQ index and product search of one shop."""

    name = "assistant"

    def __init__(
        self,
        examples: pd.DataFrame | None = None,
        *,
        classifier: IntentClassifier | None = None,
        folds: int = 5,
    ) -> None:
        self.examples = examples
        """The shop's own labelled examples (text, intent, language), added to the defaults."""
        self.classifier = classifier
        self.folds = folds

    def fit(self, shop: Shop) -> Self:
        self.examples_ = training_examples(self.examples)
        model = clone(self.classifier) if self.classifier is not None else IntentClassifier()
        texts = [slots.without_details(t) for t in self.examples_.text]  # as the dialogue asks it
        self.intents_ = model.fit(texts, self.examples_.intent.tolist())
        self.faqs_ = FaqIndex().fit(shop.tables["faqs"])
        self.products_ = ProductSearch().fit(shop.tables["products"])
        return self

    def assistant(
        self,
        shop: ShopRepository,
        tickets: TicketDesk,
        conversations: ConversationLog,
        **options: Any,
    ) -> Assistant:
        """A dialogue over these models and the given repositories (options: recommender,
        replies, policy, rephraser, clock; see `Assistant`)."""
        return Assistant(
            self.intents_, self.faqs_, self.products_, shop, tickets, conversations, **options
        )

    def warm_up(self) -> None:
        """Run every model of a turn once (sentence model, intents, FAQ and product search), so
        the first messages served pay no one-time loading: a server calls it before serving."""
        warm_up_embeddings()
        text = "do you have running shoes in stock?"
        self.intents_.detect(slots.without_details(text))
        self.faqs_.search(text)
        self.products_.search(text)

    def evaluate(self, shop: Shop, **_: Any) -> dict[str, Any]:
        """Cross-validated intent accuracy per language on the training examples, and how often
        each FAQ's own question finds it first."""
        examples = training_examples(self.examples)
        counts = examples.intent.value_counts()
        if counts.min() < self.folds:
            thin = ", ".join(counts[counts < self.folds].index)
            raise InsufficientDataError(
                f"intents with fewer than {self.folds} examples cannot be cross-validated: {thin}"
            )
        predicted = np.empty(len(examples), dtype=object)
        splitter = StratifiedKFold(self.folds, shuffle=True, random_state=0)
        texts = np.array([slots.without_details(t) for t in examples.text], dtype=object)
        vectors = encode(list(texts))  # once, not once per fold
        for train, test in splitter.split(texts, examples.intent):
            model = clone(self.classifier) if self.classifier is not None else IntentClassifier()
            model.fit(
                list(texts[train]), examples.intent.iloc[train].tolist(), embeddings=vectors[train]
            )
            predicted[test] = model.predict(list(texts[test]), embeddings=vectors[test])
        correct = predicted == examples.intent.to_numpy()
        results: dict[str, Any] = {
            "examples": len(examples),
            "intents": int(examples.intent.nunique()),
            "intent_accuracy": round(float(correct.mean()), 4),
        }
        for language, rows in examples.groupby("language").groups.items():
            results[f"intent_accuracy_{language}"] = round(float(correct[rows].mean()), 4)
        faqs = shop.tables["faqs"]
        if len(faqs):
            index = FaqIndex().fit(faqs)
            found = [
                bool(hits) and hits[0].faq_id == faq_id
                for faq_id, question in zip(faqs.faq_id, faqs.question, strict=True)
                for hits in [index.search(str(question), k=1)]
            ]
            results["faqs"] = len(faqs)
            results["faq_self_retrieval"] = round(float(np.mean(found)), 4)
        return results
