"""Popularity passes the conformance suite as a non-personalised model."""

from __future__ import annotations

from shopmind.recommend.base import Recommender
from shopmind.recommend.popular import Popular
from tests.recommend.conformance import RecommenderConformance


class TestPopular(RecommenderConformance):
    personalised = False

    def make_model(self) -> Recommender:
        return Popular()
