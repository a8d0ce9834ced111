"""The intent classifier: learns, calibrates, rejects what it was not taught, pickles."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from shopmind.assistant.examples import OUT_OF_SCOPE
from shopmind.assistant.intents import IntentClassifier, IntentPrediction
from shopmind.data import datasets

EXAMPLES: dict[str, list[str]] = {
    "order_status": [
        "where is my order",
        "has my package shipped yet",
        "when will my parcel arrive",
        "can you track my order for me",
        "my delivery has not arrived",
        "what is the tracking number of my order",
        "how long until my order gets here",
        "is my order on its way",
        "我的订单到哪里了",
        "我的包裹什么时候到",
        "帮我查一下物流信息",
        "订单还没有送到",
    ],
    "return_item": [
        "I want to return this jacket",
        "how do I send something back",
        "can I return an item I bought",
        "I need a return label",
        "the shoes don't fit, can I send them back",
        "what is your return policy",
        "I'd like to return my purchase",
        "how many days do I have to return a product",
        "我想退货",
        "这件衣服可以退吗",
        "怎么申请退货",
        "退货需要运费吗",
    ],
    "cancel_order": [
        "cancel my order please",
        "I want to cancel the order I just placed",
        "can I still cancel my purchase",
        "please stop my order",
        "I changed my mind, cancel it",
        "how do I cancel an order",
        "cancel order number 1234",
        "I don't want the order anymore, cancel it",
        "我要取消订单",
        "请帮我取消刚才的订单",
        "订单还能取消吗",
        "怎么取消订单",
    ],
    "coupon": [
        "do you have a discount code",
        "my coupon doesn't work",
        "where do I enter a promo code",
        "is there a voucher for new customers",
        "the discount was not applied",
        "can I use two coupons on one order",
        "any promotions going on right now",
        "how do I redeem my gift voucher",
        "有没有优惠券",
        "优惠码用不了",
        "折扣没有生效",
        "新用户有优惠吗",
    ],
    "account": [
        "I forgot my password",
        "how do I reset my password",
        "I can't log into my account",
        "please delete my account",
        "how can I change my email address",
        "I want to create an account",
        "my account is locked",
        "how do I sign in",
        "我忘记密码了",
        "怎么注册账号",
        "我登录不了",
        "请注销我的账户",
    ],
    "greeting": [
        "hello",
        "hi there",
        "good morning",
        "hey",
        "hello, is anyone there",
        "good evening",
        "hi, I have a question",
        "howdy",
        "你好",
        "您好",
        "早上好",
        "在吗",
    ],
}

HELD_OUT: list[tuple[str, str]] = [
    ("where's my parcel, it hasn't come", "order_status"),
    ("track my shipment please", "order_status"),
    ("I'd like to send these trousers back", "return_item"),
    ("do you accept returns", "return_item"),
    ("please cancel the order I made yesterday", "cancel_order"),
    ("is there a promo code I can use", "coupon"),
    ("I can't remember my password", "account"),
    ("hi, good afternoon", "greeting"),
    ("我的快递到哪了", "order_status"),
    ("我想把这双鞋退了", "return_item"),
    ("帮我取消这个订单", "cancel_order"),
    ("有优惠码吗", "coupon"),
    ("密码忘了怎么办", "account"),
]


def _training() -> tuple[list[str], list[str]]:
    texts = [t for examples in EXAMPLES.values() for t in examples]
    intents = [i for i, examples in EXAMPLES.items() for _ in examples]
    return texts, intents


@pytest.fixture(scope="module")
def fitted() -> IntentClassifier:
    return IntentClassifier().fit(*_training())


def test_learns_intents_and_predicts_paraphrases(fitted: IntentClassifier) -> None:
    assert list(fitted.classes_) == sorted(EXAMPLES)
    texts = [t for t, _ in HELD_OUT]
    predicted = fitted.predict(texts)
    wrong = [(t, p) for (t, truth), p in zip(HELD_OUT, predicted, strict=True) if p != truth]
    assert len(wrong) <= 1, wrong


def test_chinese_is_learned(fitted: IntentClassifier) -> None:
    chinese = [(t, i) for t, i in HELD_OUT if not t.isascii()]
    for text, truth in chinese:
        found = fitted.detect(text)
        assert found.intent == truth, (text, found)


def test_probabilities_sum_to_one_and_are_calibrated_ish(fitted: IntentClassifier) -> None:
    proba = fitted.predict_proba([t for t, _ in HELD_OUT])
    assert proba.shape == (len(HELD_OUT), len(EXAMPLES))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    assert (proba >= 0).all()
    best = proba.max(axis=1)
    # neither collapsed to uniform nor to certainty: a paraphrase is likely, not sure
    assert best.mean() > 2.0 / len(EXAMPLES)
    assert 0.0 < fitted.threshold_ < best.mean()
    assert 0.0 < fitted.temperature_ < 10.0


def test_detect_matches_batch_prediction(fitted: IntentClassifier) -> None:
    texts = [t for t, _ in HELD_OUT]
    proba = fitted.predict_proba(texts)
    for text, row in zip(texts, proba, strict=True):
        found = fitted.detect(text)
        assert isinstance(found, IntentPrediction)
        assert found.intent == fitted.classes_[row.argmax()]
        assert found.confidence == pytest.approx(row.max(), abs=1e-4)
        assert len(found.alternatives) == 3
        probabilities = [found.confidence] + [p for _, p in found.alternatives]
        assert probabilities == sorted(probabilities, reverse=True)
        assert found.intent not in [i for i, _ in found.alternatives]


def test_unrelated_messages_are_out_of_scope(fitted: IntentClassifier) -> None:
    unrelated = [
        "what will the weather be like in Paris tomorrow",
        "tell me a joke about penguins",
        "who won the football world cup in 1998",
    ]
    for text in unrelated:
        assert not fitted.detect(text).in_scope, text
    assert fitted.in_scope(unrelated).sum() == 0
    # while the held-out in-scope paraphrases mostly stay in scope
    assert fitted.in_scope([t for t, _ in HELD_OUT]).mean() >= 0.7


def test_a_trained_out_of_scope_class_is_never_in_scope() -> None:
    texts, intents = _training()
    texts += ["what's the weather", "tell me a joke", "who is the president", "sing a song"]
    intents += [OUT_OF_SCOPE] * 4
    model = IntentClassifier().fit(texts, intents)
    found = model.detect("tell me a joke please")
    assert found.intent == OUT_OF_SCOPE
    assert not found.in_scope


def test_fit_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="at least one example"):
        IntentClassifier().fit([], [])
    with pytest.raises(ValueError, match="2 texts but 1 intents"):
        IntentClassifier().fit(["hi", "hello"], ["greeting"])
    with pytest.raises(ValueError, match="at least 2 intents"):
        IntentClassifier().fit(["hi", "hello"], ["greeting", "greeting"])
    with pytest.raises(ValueError, match="single string"):
        IntentClassifier().fit("hello", ["greeting"])


def test_single_examples_per_intent_still_fit() -> None:
    model = IntentClassifier().fit(["where is my order", "I want a refund"], ["status", "refund"])
    assert model.predict(["where's my order"])[0] == "status"
    assert model.detect("give me my money back, refund").intent == "refund"


def test_pickle_round_trip_predicts_the_same(fitted: IntentClassifier) -> None:
    blob = pickle.dumps(fitted)
    assert b"torch" not in blob
    restored = pickle.loads(blob)
    texts = [t for t, _ in HELD_OUT]
    np.testing.assert_array_equal(restored.predict_proba(texts), fitted.predict_proba(texts))
    assert restored.detect(texts[0]) == fitted.detect(texts[0])


def test_sklearn_contract() -> None:
    model = IntentClassifier(C=2.0, cv=3)
    assert model.get_params()["C"] == 2.0
    assert not hasattr(model, "classes_")
    texts, intents = _training()
    assert model.fit(texts, intents).score(texts, intents) == 1.0


@pytest.mark.datasets
def test_banking77_subset_accuracy() -> None:
    try:
        train, test = datasets.banking77("train"), datasets.banking77("test")
    except datasets.DatasetMissing as missing:
        pytest.skip(f"BANKING77 is not available: {missing}")
    chosen = sorted(train["intent"].unique())[::5][:15]
    train = train[train["intent"].isin(chosen)].groupby("intent").head(30)
    test = test[test["intent"].isin(chosen)].groupby("intent").head(20)
    model = IntentClassifier(cv=3).fit(train["text"].tolist(), train["intent"].tolist())
    accuracy = float((model.predict(test["text"].tolist()) == test["intent"].to_numpy()).mean())
    assert accuracy >= 0.85, accuracy
