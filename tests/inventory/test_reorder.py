"""The reorder list: who is below the reorder point, how much to order, why; bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shopmind.inventory.reorder import REORDER_COLUMNS, reorder_list

LEVELS = (0.1, 0.5, 0.9)
Z95 = 1.6448536269514722


def _forecast(series: dict[str, tuple[float, float]], h: int = 4) -> pd.DataFrame:
    rows = []
    for sid, (mu, sigma) in series.items():
        for step in range(h):
            row = {"unique_id": sid, "ds": pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=step)}
            row["mean"] = mu
            for q in LEVELS:
                row[f"q{q:g}"] = mu + sigma * float(stats.norm.ppf(q))
            rows.append(row)
    return pd.DataFrame(rows)


def _inventory(**overrides: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "product_id": ["A", "B", "C"],
            "location": ["main", "main", "north"],
            "on_hand": [5.0, 500.0, 0.0],
            "on_order": [10.0, 0.0, 0.0],
            "lead_time_days": [14.0, 14.0, 9.0],
            "pack_size": [12.0, None, None],
            "min_order_qty": [None, None, 50.0],
        }
    )
    for key, value in overrides.items():
        frame[key] = value
    return frame


FORECAST = _forecast({"A@main": (20.0, 4.0), "B@main": (20.0, 4.0), "C@north": (3.0, 1.0)})


def test_lists_products_below_the_reorder_point_with_reasons() -> None:
    out = reorder_list(_inventory(), FORECAST, correlation=0.0, n_samples=20_000)
    assert list(out.columns) == REORDER_COLUMNS
    assert set(out["product_id"]) == {"A", "C"}
    a = out.set_index("product_id").loc["A"]
    # 14 days lead + 7 review = 3 weekly periods, independent normal weeks
    assert a["protection_periods"] == pytest.approx(3.0)
    assert a["reorder_point"] == pytest.approx(60 + Z95 * 4 * math.sqrt(3), rel=0.01)
    assert a["inventory_position"] == 15.0
    raw = a["order_up_to"] - 15.0
    assert a["order_quantity"] == 12 * math.ceil(raw / 12)
    assert "inventory position 15 below reorder point" in a["reason"]
    assert "95% cycle service over 14 days lead time + 7 review" in a["reason"]
    assert "EOQ skipped" in a["reason"]
    c = out.set_index("product_id").loc["C"]
    assert c["protection_periods"] == pytest.approx(16 / 7)
    assert c["order_quantity"] == 50.0  # the minimum order
    assert "rounded up" in c["reason"]


def test_include_all_and_comonotone_paths() -> None:
    out = reorder_list(_inventory(), FORECAST, include_all=True, correlation=1.0)
    assert len(out) == 3
    b = out.set_index("product_id").loc["B"]
    assert b["order_quantity"] == 0
    assert "covers" in b["reason"]
    # comonotone weeks: the quantile of the sum is the sum of the quantiles
    assert b["reorder_point"] == pytest.approx(3 * (20 + Z95 * 4), rel=0.01)


def test_eoq_when_costs_are_known() -> None:
    inv = _inventory(
        unit_cost=[5.0, 5.0, 5.0],
        holding_cost_rate=[0.2, 0.2, 0.2],
        order_cost=[20.0, 20.0, float("nan")],
    )
    out = reorder_list(inv, FORECAST).set_index("product_id")
    eoq = math.sqrt(2 * 20 * 52.142857 * 20 / (5 * 0.2))
    assert out.loc["A", "eoq"] == pytest.approx(eoq, rel=1e-3)
    assert out.loc["A", "order_up_to"] == pytest.approx(out.loc["A", "reorder_point"] + eoq)
    assert "reorder point + EOQ" in out.loc["A", "reason"]
    assert np.isnan(out.loc["C", "eoq"])
    assert "EOQ skipped: missing order_cost" in out.loc["C", "reason"]


def test_fill_rate_target_needs_less_stock_than_the_same_cycle_service() -> None:
    cycle = reorder_list(_inventory(), FORECAST, include_all=True, correlation=0.0)
    fill = reorder_list(_inventory(), FORECAST, include_all=True, correlation=0.0, measure="fill")
    assert (fill["reorder_point"] < cycle["reorder_point"]).all()
    assert "95% fill rate" in fill.iloc[0]["reason"]


def test_lead_time_problems_name_the_product() -> None:
    with pytest.raises(ValueError, match="lead_time_days must be > 0: B@main"):
        reorder_list(_inventory(lead_time_days=[7.0, 0.0, 7.0]), FORECAST)
    with pytest.raises(ValueError, match="missing for C@north"):
        reorder_list(_inventory(lead_time_days=[7.0, 7.0, None]), FORECAST)
    out = reorder_list(
        _inventory(lead_time_days=[7.0, 7.0, None]),
        FORECAST,
        default_lead_time_days=7.0,
        include_all=True,
    )
    assert out.set_index("product_id").loc["C", "lead_time_days"] == 7.0


def test_other_bad_input() -> None:
    with pytest.raises(ValueError, match="no forecast for C@north"):
        reorder_list(_inventory(), FORECAST[FORECAST["unique_id"] != "C@north"])
    with pytest.raises(ValueError, match="two quantile columns"):
        reorder_list(_inventory(), FORECAST.drop(columns=["q0.1", "q0.9"]))
    with pytest.raises(ValueError, match="does not reach"):
        reorder_list(_inventory(lead_time_days=[60.0, 7.0, 7.0]), FORECAST)
    with pytest.raises(ValueError, match="on_hand"):
        reorder_list(_inventory(on_hand=[-1.0, 0.0, 0.0]), FORECAST)
    with pytest.raises(ValueError, match=">= 0: A@main"):
        reorder_list(_inventory(pack_size=[-1.0, None, None]), FORECAST)
    with pytest.raises(ValueError, match="service level"):
        reorder_list(_inventory(), FORECAST, service_level=95)
