"""The price optimiser: every bound binding in a hand-made case, the Lerner rule, endings, the
stock rule, contradictions and intervals from the elasticity's uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.errors import InvalidRequestError
from shopmind.pricing.optimize import (
    Bounds,
    ConstantElasticity,
    PricingError,
    optimize_price,
    optimize_prices,
    parse_endings,
    price_recommendations,
)


def curve(
    e: float, price: float = 15.0, units: float = 100.0, std: float = 0.0
) -> ConstantElasticity:
    return ConstantElasticity(units, price, e, std)


# -- the unconstrained optimum ----------------------------------------------------------------


@pytest.mark.parametrize(("e", "cost"), [(-2.0, 10.0), (-3.0, 10.0), (-1.5, 8.0), (-4.0, 12.0)])
def test_lerner_rule(e: float, cost: float) -> None:
    lerner = cost * e / (1.0 + e)
    decision = optimize_price("p", 1.2 * lerner, cost, curve(e, 1.2 * lerner))
    assert decision.recommended_price == pytest.approx(lerner, abs=0.011)
    assert decision.binding == "none"


def test_vectorised_lerner_across_products() -> None:
    e = np.array([-1.5, -2.0, -3.0, -5.0])
    cost = np.array([4.0, 10.0, 7.0, 20.0])
    price = 1.2 * cost * e / (1 + e)
    decisions = optimize_prices(
        list("abcd"), price, cost, [curve(x, p) for x, p in zip(e, price, strict=True)]
    )
    got = np.array([d.recommended_price for d in decisions])
    np.testing.assert_allclose(got, cost * e / (1 + e), atol=0.011)


def test_revenue_objective_and_blend() -> None:
    # elastic demand: revenue grows as the price falls, to the search range's edge (0.5x)
    d = optimize_price("p", 10.0, 6.0, curve(-2.0, 10.0), objective="revenue")
    assert d.recommended_price == pytest.approx(5.0)
    assert d.binding == "search_range"
    # a blend w: the optimum of (p - w c) q is w c e / (1 + e)
    d = optimize_price("p", 10.0, 6.0, curve(-2.0, 10.0), objective=0.5)
    assert d.recommended_price == pytest.approx(6.0, abs=0.011)
    with pytest.raises(PricingError):
        optimize_price("p", 10.0, 6.0, curve(-2.0, 10.0), objective=1.5)


# -- each bound binding -----------------------------------------------------------------------


def test_max_change_caps_the_raise() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(max_change=0.1))
    assert d.recommended_price == pytest.approx(16.5)
    assert d.binding == "max_change"
    assert "raised 10.0%" in d.reason and "maximum change" in d.reason


def test_max_change_caps_the_cut() -> None:
    d = optimize_price("p", 30.0, 10.0, curve(-2.0, 30.0), Bounds(max_change=0.1))
    assert d.recommended_price == pytest.approx(27.0)
    assert d.binding == "max_change"
    assert d.reason.startswith("lowered 10.0%")


def test_min_margin_holds_the_price_up() -> None:
    # Lerner 20, but 40% margin on the price needs p >= 10 / 0.6 = 16.67 ... use e = -4: 13.33
    d = optimize_price("p", 15.0, 10.0, curve(-4.0), Bounds(min_margin=0.4))
    assert d.recommended_price == pytest.approx(16.67)
    assert d.binding == "min_margin"
    assert (d.recommended_price - 10.0) / d.recommended_price >= 0.4 - 1e-9


def test_min_markup_holds_the_price_up() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-4.0), Bounds(min_markup=0.5))
    assert d.recommended_price == pytest.approx(15.0)
    assert d.binding == "min_markup"


def test_min_and_max_price() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(max_price=18.0))
    assert (d.recommended_price, d.binding) == (18.0, "max_price")
    d = optimize_price("p", 15.0, 10.0, curve(-4.0), Bounds(min_price=14.5))
    assert (d.recommended_price, d.binding) == (14.5, "min_price")


def test_competitor_cap() -> None:
    d = optimize_price(
        "p", 15.0, 10.0, curve(-2.0), Bounds(max_above_competitor=0.05), competitor_price=16.0
    )
    assert d.recommended_price == pytest.approx(16.8)
    assert d.binding == "competitor"
    # no competitor price: no cap
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(max_above_competitor=0.05))
    assert d.recommended_price == pytest.approx(20.0)


def test_search_range_stops_inelastic_demand() -> None:
    d = optimize_price("p", 10.0, 5.0, curve(-0.5, 10.0))
    assert d.recommended_price == pytest.approx(20.0)
    assert d.binding == "search_range"
    assert "inelastic" in d.reason and "search range" in d.reason


def test_per_product_price_limits_override_bounds() -> None:
    decisions = optimize_prices(
        ["a", "b"],
        [15.0, 15.0],
        [10.0, 10.0],
        [curve(-2.0), curve(-2.0)],
        Bounds(max_price=19.0),
        max_prices=[17.0, np.nan],
    )
    assert [d.recommended_price for d in decisions] == [17.0, 19.0]


# -- endings ----------------------------------------------------------------------------------


def test_parse_endings() -> None:
    assert parse_endings(".99") == ((100, 99),)
    assert parse_endings("0.49|0.99") == ((100, 49), (100, 99))
    assert parse_endings("9.99") == ((1000, 999),)
    assert parse_endings("9") == ((1000, 900),)
    assert parse_endings([".95", ".5"]) == ((100, 50), (100, 95))
    with pytest.raises(PricingError, match="not understood"):
        parse_endings("x.99")
    with pytest.raises(PricingError):
        parse_endings(".999")


def test_endings_snap_the_optimum() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(endings=".99"))
    assert d.recommended_price in (19.99, 20.99)
    assert round(d.recommended_price * 100) % 100 == 99
    assert d.binding == "endings"
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(endings="0.49|0.99"))
    assert d.recommended_price in (19.99, 20.49)
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(endings="9.99"))
    assert d.recommended_price == 19.99


def test_endings_inside_max_change() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), Bounds(max_change=0.1, endings=".95"))
    assert d.recommended_price == 15.95  # the highest .95 price up to 16.50


def test_current_price_without_the_ending_can_be_kept() -> None:
    # the optimum is the current price (Lerner 20): kept although 20.00 does not end in .99
    d = optimize_price("p", 20.0, 10.0, curve(-2.0, 20.0), Bounds(endings=".00"))
    assert d.recommended_price == 20.0
    d = optimize_price("p", 20.0, 10.0, curve(-2.0, 20.0), Bounds(endings=".99"))
    assert d.recommended_price in (19.99, 20.99)  # 20.00 is not an allowed ending


# -- the stock rule ---------------------------------------------------------------------------


def test_stock_rule_blocks_a_cut() -> None:
    free = optimize_price("p", 25.0, 10.0, curve(-2.0, 25.0))
    assert free.recommended_price == pytest.approx(20.0)
    d = optimize_price("p", 25.0, 10.0, curve(-2.0, 25.0), stock=50, demand_to_delivery=80)
    assert d.recommended_price == 25.0
    assert d.binding == "stock" and d.sells_out
    assert d.reason.startswith("kept") and "runs out before the next delivery" in d.reason


def test_stock_rule_allows_raises_and_is_off_with_enough_stock() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-2.0), stock=5, demand_to_delivery=80)
    assert d.recommended_price == pytest.approx(20.0)
    d = optimize_price("p", 25.0, 10.0, curve(-2.0, 25.0), stock=500, demand_to_delivery=80)
    assert d.recommended_price == pytest.approx(20.0) and not d.sells_out


def test_stock_rule_yields_to_hard_bounds() -> None:
    d = optimize_price(
        "p", 25.0, 10.0, curve(-2.0, 25.0), Bounds(max_price=22.0), stock=5, demand_to_delivery=80
    )
    assert d.recommended_price == 22.0


def test_stock_from_on_hand_and_on_order() -> None:
    frame = pd.DataFrame(
        {
            "product_id": ["a", "b"],
            "price": [25.0, 25.0],
            "cost": [10.0, 10.0],
            "elasticity": [-2.0, -2.0],
            "units": [100.0, 100.0],
            "on_hand": [30.0, 30.0],
            "on_order": [20.0, 70.0],
            "demand_to_delivery": [80.0, 80.0],
        }
    )
    out = price_recommendations(frame)
    assert out["recommended_price"].tolist() == [25.0, 20.0]
    assert out["binding"].tolist() == ["stock", "none"]


# -- contradictions and bad inputs ------------------------------------------------------------


def test_contradictory_bounds() -> None:
    with pytest.raises(PricingError, match="min_price 20 is above max_price 10"):
        Bounds(min_price=20, max_price=10)
    with pytest.raises(PricingError, match=r"product X.*minimum margin.*maximum price"):
        optimize_price("X", 15.0, 10.0, curve(-2.0), Bounds(min_margin=0.5, max_price=18.0))
    with pytest.raises(PricingError, match=r"product X.*minimum margin.*maximum change"):
        optimize_price("X", 15.0, 10.0, curve(-2.0), Bounds(min_margin=0.5, max_change=0.1))
    with pytest.raises(PricingError, match=r"product X.*no price ending in \.99"):
        optimize_price(
            "X", 15.0, 10.0, curve(-2.0), Bounds(min_price=15.0, max_price=15.5, endings=".99")
        )
    with pytest.raises(PricingError, match="product b: contradictory bounds: min_price 9"):
        optimize_prices(
            ["a", "b"],
            [15.0, 15.0],
            [10.0, 10.0],
            [curve(-2.0), curve(-2.0)],
            min_prices=[1.0, 9.0],
            max_prices=[20.0, 8.0],
        )


def test_bad_inputs() -> None:
    with pytest.raises(PricingError, match="product Y: the current price must be positive"):
        optimize_price("Y", 0.0, 10.0, curve(-2.0))
    with pytest.raises(PricingError, match="product Y: the cost is missing"):
        optimize_price("Y", 15.0, None, curve(-2.0))
    with pytest.raises(PricingError, match="product Y: the cost must be 0 or more"):
        optimize_price("Y", 15.0, -1.0, curve(-2.0))
    # revenue needs no cost
    assert (
        optimize_price("Y", 15.0, None, curve(-0.5), objective="revenue").recommended_price == 30.0
    )
    with pytest.raises(PricingError, match="cost is missing, and a minimum margin"):
        optimize_price("Y", 15.0, None, curve(-0.5), Bounds(min_margin=0.1), objective="revenue")
    with pytest.raises(PricingError, match="product z: the current price"):
        price_recommendations(
            pd.DataFrame(
                {
                    "product_id": ["z"],
                    "price": [-1.0],
                    "cost": [1.0],
                    "elasticity": [-2.0],
                    "units": [1.0],
                }
            )
        )
    with pytest.raises(PricingError):
        Bounds(max_change=1.5)
    assert issubclass(PricingError, ValueError) and issubclass(PricingError, InvalidRequestError)


# -- uncertainty ------------------------------------------------------------------------------


def test_intervals_contain_the_point_estimate() -> None:
    d = optimize_price("p", 15.0, 10.0, curve(-1.4, std=0.3), Bounds(max_change=0.1))
    assert d.recommended_price > 15.0
    for name in (
        "units_new",
        "revenue_new",
        "profit_new",
        "delta_units",
        "delta_revenue",
        "delta_profit",
    ):
        lo, mean, hi = d.expected[f"{name}_lo"], d.expected[name], d.expected[f"{name}_hi"]
        assert lo < mean < hi, name
    # at the current price units are known exactly (baseline)
    assert d.expected["units_now_lo"] == d.expected["units_now_hi"] == 100.0
    assert "± 0.30" in d.reason


def test_intervals_match_sampling() -> None:
    model = curve(-1.4, std=0.3)
    d = optimize_price("p", 15.0, 10.0, model, Bounds(max_change=0.1), level=0.9)
    rng = np.random.default_rng(0)
    e = rng.normal(-1.4, 0.3, 200_000)
    units = 100.0 * (d.recommended_price / 15.0) ** e
    assert np.quantile(units, 0.05) == pytest.approx(d.expected["units_new_lo"], rel=0.01)
    assert np.quantile(units, 0.95) == pytest.approx(d.expected["units_new_hi"], rel=0.01)
    assert units.mean() == pytest.approx(d.expected["units_new"], rel=0.01)


def test_sampled_demand_model() -> None:
    rng = np.random.default_rng(1)
    draws = rng.normal(-2.0, 0.2, 400)

    def sampled(prices: np.ndarray) -> np.ndarray:
        return 100.0 * (np.asarray(prices)[None, :] / 15.0) ** draws[:, None]

    d = optimize_price("p", 15.0, 10.0, sampled, Bounds(max_change=0.2))
    assert d.recommended_price == pytest.approx(18.0)
    assert d.expected["profit_new_lo"] < d.expected["profit_new"] < d.expected["profit_new_hi"]
    assert "demand model" in d.reason


def test_price_recommendations_frame_with_interval_input() -> None:
    frame = pd.DataFrame(
        {
            "product_id": ["a", "b", "c"],
            "price": [10.0, 20.0, 5.0],
            "cost": [6.0, 8.0, 4.0],
            "elasticity": [-1.4, -3.0, -0.8],
            "elasticity_lo": [-1.9, -3.8, -1.1],
            "elasticity_hi": [-0.9, -2.2, -0.5],
            "units": [100.0, 50.0, 10.0],
            "competitor_price": [np.nan, 19.0, 5.5],
        }
    )
    bounds = Bounds(max_change=0.1, endings="0.49|0.99", max_above_competitor=0.05, min_margin=0.2)
    out = price_recommendations(frame, bounds)
    assert out["recommended_price"].tolist() == [10.99, 18.49, 5.49]
    assert out["binding"].tolist() == ["max_change", "max_change", "max_change"]
    for name in ("units_new", "profit_new", "delta_profit"):
        assert (out[f"{name}_lo"] <= out[name]).all() and (out[name] <= out[f"{name}_hi"]).all()
    assert {"reason", "change_pct", "sells_out"} <= set(out.columns)
    assert (out["change_pct"].abs() <= 10.0 + 1e-9).all()


def test_frame_in_the_shape_of_estimate_elasticities() -> None:
    frame = pd.DataFrame(
        {
            "product_id": ["own", "pooled"],
            "price": [15.0, 15.0],
            "cost": [10.0, 10.0],
            "elasticity": [-2.0, np.nan],
            "std_error": [0.2, np.nan],
            "pooled_elasticity": [-2.5, -2.0],
            "pooled_std_error": [0.1, 0.0],
            "ref_price": [12.0, 15.0],
            "ref_units": [200.0, 100.0],
        }
    )
    out = price_recommendations(frame)
    # units at the current price: 200 x (15 / 12) ** -2 = 128
    assert out.loc[0, "units_now"] == pytest.approx(128.0)
    assert out.loc[0, "profit_new_lo"] < out.loc[0, "profit_new"] < out.loc[0, "profit_new_hi"]
    assert out.loc[1, "recommended_price"] == pytest.approx(20.0)  # pooled e = -2: Lerner 20


def test_coarse_grid_is_refined_to_the_cent() -> None:
    # 0.5x-2x of 1000 is 150,000 cents: the first pass is coarse, the second exact to the cent
    d = optimize_price("p", 1000.0, 700.0, curve(-2.5, 1000.0))
    assert d.recommended_price == pytest.approx(700.0 * 2.5 / 1.5, abs=0.011)
    assert d.binding == "none"
