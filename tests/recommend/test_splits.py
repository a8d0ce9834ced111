"""Splits: shares, disjointness, and agreement with the published protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.recommend.splits import leave_last_n, stratified_split, temporal_split


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 2000
    return pd.DataFrame(
        {
            "user_id": rng.integers(0, 50, n),
            "item_id": rng.integers(0, 80, n),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 100, n), unit="D"),
        }
    )


def reference_stratified(
    data: pd.DataFrame, ratio: float, column: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Microsoft Recommenders' _do_stratification (random, two-way), written out as they do."""
    data = data.copy()
    np.random.seed(seed)
    data["random"] = np.random.rand(data.shape[0])
    data = data.sort_values([column, "random"])
    groups = data.groupby(column)
    data["count"] = groups[column].transform("count")
    data["rank"] = groups.cumcount() + 1
    data["rank"] = data["rank"] / data["count"]
    data = data.drop(["count", "random"], axis=1)
    return (
        data[data["rank"] <= ratio].drop("rank", axis=1),
        data[data["rank"] > ratio].drop("rank", axis=1),
    )


@pytest.mark.parametrize("by", ["user", "item"])
def test_stratified_matches_the_reference(frame: pd.DataFrame, by: str) -> None:
    train, test = stratified_split(frame, 0.75, by=by, seed=42)  # type: ignore[arg-type]
    ref_train, ref_test = reference_stratified(frame, 0.75, f"{by}_id", 42)
    assert sorted(train.index) == sorted(ref_train.index)
    assert sorted(test.index) == sorted(ref_test.index)


def test_stratified_keeps_each_users_share(frame: pd.DataFrame) -> None:
    train, test = stratified_split(frame, 0.75)
    assert len(train) + len(test) == len(frame)
    assert not set(train.index) & set(test.index)
    share = train.groupby("user_id").size() / frame.groupby("user_id").size()
    assert share.between(0.6, 0.9).all()


def test_temporal_split(frame: pd.DataFrame) -> None:
    train, test = temporal_split(frame, test_days=20)
    assert train.ts.max() < test.ts.min()
    assert test.ts.min() >= frame.ts.max() - pd.Timedelta(days=20)
    train, test = temporal_split(frame, test_share=0.25)
    assert len(test) / len(frame) == pytest.approx(0.25, abs=0.03)
    with pytest.raises(ValueError, match="exactly one"):
        temporal_split(frame)


def test_leave_last_n(frame: pd.DataFrame) -> None:
    train, test = leave_last_n(frame, 2)
    assert (test.groupby("user_id").size() == 2).all()
    last_train = train.groupby("user_id").ts.max()
    first_test = test.groupby("user_id").ts.min()
    assert (last_train <= first_test.reindex(last_train.index)).all()
    tiny = pd.DataFrame({"user_id": [1], "item_id": [1], "ts": [pd.Timestamp("2024-01-01")]})
    assert leave_last_n(tiny, 1)[1].empty
