"""The recommend engine on the sample shop: every kind of customer, the shop's rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample
from shopmind.data.snapshot import Shop
from shopmind.errors import NotFoundError
from shopmind.recommend.engine import RecommendEngine, Scored
from shopmind.recommend.rules import Catalogue, Rules


@pytest.fixture(scope="module")
def shop() -> Shop:
    return Shop.from_frames(sample.generate(11, n_customers=400, n_products=160, days=300).tables)


@pytest.fixture(scope="module")
def engine(shop: Shop) -> RecommendEngine:
    return RecommendEngine().fit(shop)


def ids(items: list[Scored]) -> list[str]:
    return [item.product_id for item in items]


def top_buyer(shop: Shop) -> str:
    return str(shop.purchases().customer_id.value_counts().index[0])


def test_known_customer_never_sees_what_they_bought_unless_it_is_repeatable(
    engine: RecommendEngine, shop: Shop
) -> None:
    customer = top_buyer(shop)
    answer = engine.recommend(customer, k=20)
    assert answer.strategy == "personal"
    bought = set(shop.purchases().query("customer_id == @customer").product_id)
    repeatable = set(engine.catalogue_.product_ids[engine.catalogue_.repeatable])
    shown = set(ids(answer.items))
    assert not (shown & bought) - repeatable
    relaxed = engine.recommend(customer, k=20, rules=Rules(exclude_purchased=False))
    assert len(relaxed.items) == 20


def test_out_of_stock_items_are_left_out(engine: RecommendEngine, shop: Shop) -> None:
    stock = shop.tables["inventory"].set_index("product_id").on_hand
    empty = set(stock[stock <= 0].index)
    assert empty, "the sample shop plants some items out of stock"
    shown = set(ids(engine.trending(k=len(shop.product_ids))))
    assert not shown & empty
    everything = engine.trending(k=len(shop.product_ids), rules=Rules(in_stock_only=False))
    assert set(ids(everything)) & empty


def test_new_visitor_session_and_stranger(engine: RecommendEngine, shop: Shop) -> None:
    assert engine.recommend("a-stranger").strategy == "trending"
    assert engine.recommend(None).strategy == "trending"
    product = str(shop.purchases().product_id.value_counts().index[0])
    answer = engine.recommend(None, session=[(product, "view"), (product, "cart")])
    assert answer.strategy == "session"
    assert len(answer.items) == 10


def test_live_purchase_in_session_is_excluded(engine: RecommendEngine, shop: Shop) -> None:
    first = engine.recommend(None, session=[(str(shop.product_ids[0]), "view")], k=5)
    bought = first.items[0].product_id
    again = engine.recommend(
        None, session=[(str(shop.product_ids[0]), "view"), (bought, "purchase")], k=5
    )
    repeatable = engine.catalogue_.repeatable[engine.product_ids_.get_loc(bought)]
    assert repeatable or bought not in set(ids(again.items))


def test_category_price_brand_and_diversity_rules(engine: RecommendEngine, shop: Shop) -> None:
    products = shop.tables["products"].set_index("product_id")
    customer = top_buyer(shop)
    category = str(products.category.iloc[0]).split("/")[0]
    answer = engine.recommend(customer, k=5, rules=Rules(categories=(category,)))
    assert all(str(c).startswith(category) for c in products.category[ids(answer.items)])
    cheap = engine.recommend(customer, k=5, rules=Rules(max_price=20.0))
    assert (products.price[ids(cheap.items)] <= 20.0).all()
    brand = str(products.brand.iloc[3])
    branded = engine.recommend(customer, k=5, rules=Rules(brands=(brand,)))
    assert (products.brand[ids(branded.items)] == brand).all()
    diverse = engine.recommend(customer, k=8, rules=Rules(max_per_category=1))
    categories = products.category[ids(diverse.items)]
    assert categories.is_unique


def test_margin_boost_raises_the_margin_of_what_is_shown(
    engine: RecommendEngine, shop: Shop
) -> None:
    products = shop.tables["products"].set_index("product_id")
    margin = (products.price - products.cost) / products.price
    plain = engine.trending(k=10)
    boosted = engine.trending(k=10, rules=Rules(boost="margin", boost_weight=1.0))
    assert margin[ids(boosted)].mean() > margin[ids(plain)].mean()


def test_pins_and_bans(engine: RecommendEngine, shop: Shop) -> None:
    customer = top_buyer(shop)
    stock = shop.tables["inventory"].set_index("product_id").on_hand
    pin, ban = (str(p) for p in stock[stock > 0].index[-2:])
    answer = engine.recommend(
        customer, rules=Rules(pinned=(pin,), banned=(ban,), exclude_purchased=False)
    )
    assert answer.items[0].product_id == pin
    assert ban not in set(ids(answer.items))


def test_similar_and_bought_together(engine: RecommendEngine, shop: Shop) -> None:
    lines = shop.purchases()
    multi = lines.groupby("order_id").product_id.transform("size") > 1
    product = str(lines[multi].product_id.value_counts().index[0])
    together = engine.bought_together(product, k=5)
    partners = set(
        lines[lines.order_id.isin(lines[lines.product_id == product].order_id)].product_id
    ) - {product}
    assert len(together) > 0
    assert set(ids(together)) <= partners
    similar = engine.similar(product, k=5)
    assert product not in set(ids(similar))
    with pytest.raises(NotFoundError, match="unknown product 'nope'"):
        engine.similar("nope")


def test_explanations_name_something_from_the_history(engine: RecommendEngine, shop: Shop) -> None:
    customer = top_buyer(shop)
    answer = engine.recommend(customer, k=5)
    titles = set(shop.tables["products"].title)
    explained = [
        r.removeprefix("because you liked ")
        for r in (item.reason for item in answer.items)
        if r.startswith("because you liked ")
    ]
    assert explained
    assert set(explained) <= titles


def test_trending_follows_recent_sales(engine: RecommendEngine, shop: Shop) -> None:
    bought = shop.purchases()
    recent = bought[bought.ordered_at >= bought.ordered_at.max() - pd.Timedelta(days=14)]
    top_recent = recent.groupby("product_id").quantity.size().sort_values(ascending=False)
    shown = ids(engine.trending(k=10, rules=Rules(in_stock_only=False)))
    assert len(set(shown) & set(top_recent.index[:20])) >= 5
    scores = np.array([item.score for item in engine.trending(k=10)])
    assert (np.diff(scores) <= 0).all()


def test_margin_falls_back_to_the_inventory_unit_cost() -> None:
    products = pd.DataFrame(
        {
            "product_id": ["a", "b"],
            "title": ["A", "B"],
            "category": ["x", "x"],
            "brand": ["", ""],
            "price": [10.0, 10.0],
            "cost": [4.0, None],
        }
    )
    inventory = pd.DataFrame({"product_id": ["b"], "on_hand": [3.0], "unit_cost": [8.0]})
    purchases = pd.DataFrame(
        columns=["product_id", "customer_id", "order_id", "ordered_at", "quantity"]
    )
    catalogue = Catalogue.build(products, inventory, purchases)
    assert catalogue.margin.tolist() == pytest.approx([0.6, 0.2])
