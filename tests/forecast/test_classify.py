"""Syntetos-Boylan classes on tiny series whose ADI and CV² are computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from shopmind.forecast.classify import classify, demand_classes


def _frame(series: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(uid, i, y) for uid, ys in series.items() for i, y in enumerate(ys)],
        columns=["unique_id", "ds", "y"],
    )


def test_every_class_by_hand() -> None:
    out = demand_classes(
        _frame(
            {
                "smooth": [1, 2, 1, 2],  # ADI 4/4 = 1; sizes mean 1.5, std 0.5 -> CV² 1/9
                "erratic": [1, 10, 1, 10],  # ADI 1; mean 5.5, std 4.5 -> CV² 0.669
                "intermittent": [0, 2, 0, 2, 0, 3],  # ADI 6/3 = 2; mean 7/3, var 2/9 -> 0.0408
                "lumpy": [0, 1, 0, 0, 9, 0],  # ADI 6/2 = 3; mean 5, std 4 -> CV² 0.64
            }
        )
    )
    expected = {
        "smooth": (1.0, 1 / 9),
        "erratic": (1.0, (4.5 / 5.5) ** 2),
        "intermittent": (2.0, (2 / 9) / (7 / 3) ** 2),
        "lumpy": (3.0, 0.64),
    }
    for uid, (adi, cv2) in expected.items():
        assert out.loc[uid, "adi"] == pytest.approx(adi)
        assert out.loc[uid, "cv2"] == pytest.approx(cv2)
        assert out.loc[uid, "class"] == uid
    assert out.loc["lumpy", "n_demands"] == 2
    assert out.loc["lumpy", "n_periods"] == 6


def test_edge_cases_single_and_no_demand() -> None:
    out = demand_classes(_frame({"one": [0, 0, 5, 0], "zero": [0, 0, 0], "neg": [0, -2, 3]}))
    assert out.loc["one", "adi"] == 4.0
    assert out.loc["one", "cv2"] == 0.0  # one size: no variation
    assert out.loc["one", "class"] == "intermittent"
    assert math.isinf(out.loc["zero", "adi"])
    assert math.isnan(out.loc["zero", "cv2"])
    assert out.loc["zero", "class"] == "none"
    assert out.loc["neg", "n_demands"] == 1  # a negative value is no demand


def test_cutoffs_are_inclusive_above() -> None:
    assert classify(1.32, 0.1) == "intermittent"
    assert classify(1.31, 0.49) == "erratic"
    assert classify(1.0, 0.48) == "smooth"
    assert classify(2.0, 0.49) == "lumpy"


def test_missing_columns() -> None:
    with pytest.raises(ValueError, match="unique_id"):
        demand_classes(pd.DataFrame({"y": [1.0]}))
