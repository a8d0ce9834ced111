"""Train/test splits of long interaction frames (one row per customer-product event).

All take a frame with `user`, `item` (and `time` where needed) columns and return
(train, test) frames with the same columns. The stratified split reproduces Microsoft
Recommenders' `python_stratified_split` row for row (same seed, same rows), so benchmarks can
use the published protocol.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["leave_last_n", "stratified_split", "temporal_split"]


def stratified_split(
    frame: pd.DataFrame,
    ratio: float = 0.75,
    *,
    by: Literal["user", "item"] = "user",
    seed: int = 42,
    user: str = "user_id",
    item: str = "item_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per user (or per item), a random `ratio` of its rows go to train and the rest to test."""
    if not 0.0 < ratio < 1.0:
        raise ValueError("ratio must be between 0 and 1")
    column = user if by == "user" else item
    # The legacy global generator, as Recommenders uses it, so the split matches theirs.
    random = np.random.RandomState(seed).rand(len(frame))
    ordered = frame.assign(_random=random).sort_values([column, "_random"])
    groups = ordered.groupby(column, sort=False)
    rank = (groups.cumcount() + 1) / groups[column].transform("count")
    train = ordered[rank <= ratio].drop(columns="_random")
    test = ordered[rank > ratio].drop(columns="_random")
    return train, test


def temporal_split(
    frame: pd.DataFrame,
    *,
    test_days: float | None = None,
    test_share: float | None = None,
    time: str = "ts",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One global cut-off: everything before goes to train, the rest to test. Give either the
    length of the test period in days or the share of rows it should hold."""
    if (test_days is None) == (test_share is None):
        raise ValueError("give exactly one of test_days and test_share")
    if test_days is not None:
        cutoff = frame[time].max() - pd.Timedelta(days=test_days)
    else:
        assert test_share is not None
        if not 0.0 < test_share < 1.0:
            raise ValueError("test_share must be between 0 and 1")
        cutoff = frame[time].quantile(1.0 - test_share)
    return frame[frame[time] < cutoff], frame[frame[time] >= cutoff]


def leave_last_n(
    frame: pd.DataFrame,
    n: int = 1,
    *,
    user: str = "user_id",
    time: str = "ts",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each user's last n rows go to test (users with n rows or fewer stay in train)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    ordered = frame.sort_values([user, time], kind="stable")
    groups = ordered.groupby(user, sort=False)
    from_end = groups.cumcount(ascending=False)
    size = groups[user].transform("count")
    in_test = (from_end < n) & (size > n)
    return ordered[~in_test], ordered[in_test]
