"""FAQ retrieval and product search on the sample shop, with real embeddings.

EVAL_PARAPHRASES and EVAL_OFF_TOPIC are the evaluation set the default threshold was chosen on:
paraphrases of the sample shop's FAQs (faq-01..faq-20 English, faq-21..faq-25 Chinese) that
share few words with them, and questions a shop assistant should not answer.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pandas as pd
import pytest

from shopmind.assistant.retrieval import (
    DEFAULT_FAQ_THRESHOLD,
    FaqHit,
    FaqIndex,
    ProductHit,
    ProductSearch,
    cjk_share,
)
from shopmind.data.sample import generate

EVAL_PARAPHRASES: tuple[tuple[str, str], ...] = (
    ("how many days until my parcel arrives?", "faq-01"),
    ("when will my package be delivered if I order today?", "faq-01"),
    ("what are the delivery charges?", "faq-02"),
    ("is shipping free?", "faq-02"),
    ("can you deliver to Italy?", "faq-03"),
    ("do you send orders to other countries?", "faq-03"),
    ("where is my package right now?", "faq-04"),
    ("I need the tracking number for my order", "faq-04"),
    ("I want to cancel my order", "faq-05"),
    ("can I still change the delivery address after ordering?", "faq-05"),
    ("how many days do I have to send something back?", "faq-06"),
    ("what are your rules for returns?", "faq-06"),
    ("how do I send back a product?", "faq-07"),
    ("where do I get a return label?", "faq-07"),
    ("I returned my item, when do I get my money back?", "faq-08"),
    ("how long does a refund take?", "faq-08"),
    ("can I pay with PayPal?", "faq-09"),
    ("do you take credit cards?", "faq-09"),
    ("my card was declined at checkout", "faq-10"),
    ("the payment didn't go through, what now?", "faq-10"),
    ("is my credit card information secure with you?", "faq-11"),
    ("is paying on this website safe?", "faq-11"),
    ("how can I sign up for an account?", "faq-12"),
    ("I want to register as a new customer", "faq-12"),
    ("I can't remember my password", "faq-13"),
    ("how do I reset my password?", "faq-13"),
    ("please remove my account and personal data", "faq-14"),
    ("how can I close my account?", "faq-14"),
    ("where do I enter a discount code?", "faq-15"),
    ("how can I redeem a voucher?", "faq-15"),
    ("my discount code is not working", "faq-16"),
    ("the coupon is rejected at checkout, why?", "faq-16"),
    ("what size should I order?", "faq-17"),
    ("is there a size chart for the shoes?", "faq-17"),
    ("is this item available?", "faq-18"),
    ("when will the sold out jacket be back?", "faq-18"),
    ("can I get coffee delivered every month automatically?", "faq-19"),
    ("do you offer a subscription?", "faq-19"),
    ("the package arrived broken", "faq-20"),
    ("my order came damaged, what can I do?", "faq-20"),
    ("我的订单到哪里了？", "faq-21"),
    ("怎么查看快递单号？", "faq-21"),
    ("可以退货吗？", "faq-22"),
    ("退货的规定是什么？", "faq-22"),
    ("退款多久能到账？", "faq-23"),
    ("什么时候能收到退款？", "faq-23"),
    ("可以用PayPal付款吗？", "faq-24"),
    ("你们接受信用卡吗？", "faq-24"),
    ("优惠码在哪里输入？", "faq-25"),
    ("怎么用优惠券？", "faq-25"),
)

EVAL_OFF_TOPIC: tuple[str, ...] = (
    "what's the weather in Paris",
    "tell me a joke",
    "who won the football",
    "how do I bake bread",
    "what is the capital of Australia?",
    "write me a poem about the sea",
    "how tall is Mount Everest?",
    "what time is it in Tokyo?",
    "can you help me with my maths homework?",
    "who is the president of France?",
    "recommend a good movie",
    "how do I fix my car engine?",
    "what's 15 times 7?",
    "translate hello into Spanish",
    "how do I learn to play the guitar?",
    "what is the meaning of life?",
    "explain black holes to me",
    "where is the best pizza near me?",
    "how do I train my dog to sit?",
    "what's the stock price of Apple?",
    "book me a flight to Berlin",
    "how many calories are in a banana?",
    "今天天气怎么样？",
    "给我讲个笑话",
    "北京有什么好玩的地方？",
    "谁赢了昨天的足球比赛？",
)


@pytest.fixture(scope="module")
def shop_tables() -> dict[str, pd.DataFrame]:
    return generate(1, n_customers=200, n_products=100, days=120).tables


@pytest.fixture(scope="module")
def faq_table(shop_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return shop_tables["faqs"]


@pytest.fixture(scope="module")
def product_table(shop_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return shop_tables["products"].set_index("product_id", drop=False)


@pytest.fixture(scope="module")
def faq_index(faq_table: pd.DataFrame) -> FaqIndex:
    return FaqIndex().fit(faq_table)


@pytest.fixture(scope="module")
def product_search(product_table: pd.DataFrame) -> ProductSearch:
    return ProductSearch().fit(product_table)


def evaluate(index: FaqIndex) -> dict[str, float]:
    """answer() on the evaluation set: precision (answers that are the right FAQ, over all
    answers, off-topic ones included), recall (paraphrases answered with the right FAQ), and
    the share of off-topic questions answered."""
    right = wrong = 0
    answers = index.answer_many([query for query, _ in EVAL_PARAPHRASES])
    for hit, (_, faq_id) in zip(answers, EVAL_PARAPHRASES, strict=True):
        right += hit is not None and hit.faq_id == faq_id
        wrong += hit is not None and hit.faq_id != faq_id
    off = sum(hit is not None for hit in index.answer_many(EVAL_OFF_TOPIC))
    answered = right + wrong + off
    return {
        "precision": right / answered if answered else 1.0,
        "recall": right / len(EVAL_PARAPHRASES),
        "off_topic_answered": off / len(EVAL_OFF_TOPIC),
    }


# FAQs -----------------------------------------------------------------------------------------


def test_paraphrases_rank_their_faq_first(faq_index: FaqIndex) -> None:
    top1 = top3 = 0
    rankings = faq_index.search_many([query for query, _ in EVAL_PARAPHRASES], 3)
    for hits, (_, faq_id) in zip(rankings, EVAL_PARAPHRASES, strict=True):
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        top1 += hits[0].faq_id == faq_id
        top3 += faq_id in {h.faq_id for h in hits}
    # Measured: 45/50 top-1 and 50/50 in the top 3; the misses are near-duplicate FAQs
    # (return policy and returning an item, using a coupon and a coupon that fails).
    assert top1 >= 0.84 * len(EVAL_PARAPHRASES)
    assert top3 >= 0.96 * len(EVAL_PARAPHRASES)


def test_default_threshold_answers_paraphrases_and_not_off_topic(faq_index: FaqIndex) -> None:
    assert faq_index.threshold_ == DEFAULT_FAQ_THRESHOLD
    quality = evaluate(faq_index)
    # Measured at 0.4: precision 0.90, recall 0.86, 1 of 26 off-topic questions answered
    # ("what's the stock price of Apple?" -> "Is this product in stock?").
    assert quality["recall"] >= 0.8
    assert quality["precision"] >= 0.85
    assert quality["off_topic_answered"] <= 0.05
    for query in ("what's the weather in Paris", "tell me a joke", "who won the football"):
        assert faq_index.answer(query) is None
    assert faq_index.answer("how do I bake bread") is None
    # The batched calls agree with the single ones.
    sample = [EVAL_PARAPHRASES[0][0], EVAL_PARAPHRASES[-1][0], EVAL_OFF_TOPIC[0], " "]
    assert faq_index.answer_many(sample) == [faq_index.answer(q) for q in sample]


def test_answer_carries_the_source(faq_index: FaqIndex, faq_table: pd.DataFrame) -> None:
    hit = faq_index.answer("how long does shipping take?")
    assert isinstance(hit, FaqHit)
    row = faq_table.set_index("faq_id").loc[hit.faq_id]
    assert (hit.faq_id, hit.question, hit.answer, hit.language) == (
        "faq-01",
        row["question"],
        row["answer"],
        "en",
    )
    assert DEFAULT_FAQ_THRESHOLD <= hit.score <= 1.0


def test_chinese_question_finds_the_chinese_faq(faq_index: FaqIndex) -> None:
    hit = faq_index.answer("请问怎么查询订单物流？")
    assert hit is not None
    assert (hit.faq_id, hit.language) == ("faq-21", "zh")
    assert faq_index.answer("今天天气怎么样？") is None
    assert cjk_share("可以用PayPal付款吗？") == 0.5


def test_language_preference_and_fallback(faq_index: FaqIndex) -> None:
    # Nothing in Chinese answers an English question, so the English FAQ answers it.
    hit = faq_index.answer("how can I track my parcel?", language="zh")
    assert hit is not None and hit.faq_id == "faq-04"

    twins = pd.DataFrame(
        {
            "faq_id": ["en-1", "fr-1", "en-2"],
            "question": [
                "How do I return an item?",
                "How do I return an item? (retour)",
                "Which payment methods do you accept?",
            ],
            "answer": ["Print the label.", "Imprimez l'étiquette.", "Cards and PayPal."],
            "tags": ["returns", "returns", "payment"],
            "language": ["en", "fr", "en"],
        }
    )
    index = FaqIndex().fit(twins)
    for language, expected in (("fr", "fr-1"), ("en", "en-1")):
        preferred = index.answer("I want to return an item", language=language)
        assert preferred is not None and preferred.faq_id == expected
        assert index.search("I want to return an item", 3, language=language)[0].faq_id == expected
    # French is preferred only among answers: a question only the English FAQ answers still
    # gets it, ahead of the French entry.
    payment = index.answer("can I pay with PayPal?", language="fr")
    assert payment is not None and payment.faq_id == "en-2"


def test_threshold_is_a_setting(faq_table: pd.DataFrame) -> None:
    strict = FaqIndex(threshold=0.999, embeddings=False).fit(faq_table)
    assert strict.threshold_ == 0.999
    exact = strict.answer("How do I use a coupon code?")  # the FAQ's own words score 1
    assert exact is not None and exact.faq_id == "faq-15"
    assert strict.answer("how can I redeem a voucher?") is None
    assert strict.search("how can I redeem a voucher?", 2)  # still searchable


def test_empty_faq_table_and_empty_queries(faq_index: FaqIndex) -> None:
    empty = FaqIndex().fit(
        pd.DataFrame(columns=["faq_id", "question", "answer", "tags", "language"])
    )
    assert empty.answer("how long does delivery take?") is None
    assert empty.search("how long does delivery take?") == []
    for query in ("", "   \n"):
        assert faq_index.search(query) == []
        assert faq_index.answer(query) is None


# Products -------------------------------------------------------------------------------------


def test_product_search_finds_category_title_and_brand_words(
    product_search: ProductSearch, product_table: pd.DataFrame
) -> None:
    shoes = product_search.search("do you have running shoes in size 42?", 3)
    assert len(shoes) == 3
    assert {h.category for h in shoes} == {"fashion/shoes"}
    assert "42" in shoes[0].title

    tea = product_search.search("I'm looking for a green tea", 5)
    assert all("Green Tea" in h.title for h in tea[:2])
    assert tea[0].category == "grocery/coffee-tea"

    solea = product_search.search("anything from Solea?", 5)
    assert len(solea) == 5
    assert set(product_table.loc[[h.product_id for h in solea], "brand"]) == {"Solea"}

    dog = product_search.search("dog food", 3)
    assert {h.category for h in dog} == {"pets/food"}
    assert "Dog" in dog[0].title

    hit = dog[0]
    assert isinstance(hit, ProductHit)
    assert hit.price == pytest.approx(product_table["price"].astype(float)[hit.product_id])
    scores = [h.score for h in product_search.search("wireless earbuds", 10)]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_product_search_respects_allowed_and_min_score(
    product_search: ProductSearch, product_table: pd.DataFrame
) -> None:
    not_shoes = set(product_table.index[product_table["category"] != "fashion/shoes"])
    filters: tuple[set[str] | Callable[[str], bool], ...] = (
        not_shoes,
        not_shoes.__contains__,
    )
    for allowed in filters:
        hits = product_search.search("hiking boots", 5, allowed=allowed)
        assert hits
        assert all(h.product_id in not_shoes for h in hits)
    assert product_search.search("hiking boots", 5, allowed=set()) == []

    everything = product_search.search("hiking boots", 100, min_score=0.0)
    strong = product_search.search("hiking boots", 100, min_score=0.5)
    assert 0 < len(strong) < len(everything)
    assert all(h.score >= 0.5 for h in strong)
    assert product_search.search("tell me a joke") == []


def test_product_search_empty_inputs(product_search: ProductSearch) -> None:
    assert product_search.search("") == []
    assert product_search.search("  ") == []
    empty = ProductSearch().fit(pd.DataFrame(columns=["product_id", "title", "price"]))
    assert empty.search("running shoes") == []


def test_pickle_round_trip(faq_index: FaqIndex, product_search: ProductSearch) -> None:
    faq_blob = pickle.dumps(faq_index)
    product_blob = pickle.dumps(product_search)
    assert len(faq_blob) + len(product_blob) < 2_000_000  # no model inside
    faq_copy: FaqIndex = pickle.loads(faq_blob)
    product_copy: ProductSearch = pickle.loads(product_blob)
    for query in ("when will I get my refund?", "退款需要多长时间？"):
        assert faq_copy.search(query) == faq_index.search(query)
    assert product_copy.search("yoga mat") == product_search.search("yoga mat")
