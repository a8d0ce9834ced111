"""Uplift metrics: the same numbers as scikit-uplift 0.5.1 on random data (ties included),
hand-checked small cases, real-valued outcomes, bad input and the plot."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from shopmind.marketing import uplift_metrics as um

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import sklift.metrics as sm

SEEDS = range(6)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    # sklift calls sklearn's deprecated stable_cumsum.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # its mean of an empty top k
        yield


def _campaign(seed: int, n: int = 600, ties: bool = True) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    # A real effect so that the total uplift is positive (sklift's negative_effect=False
    # curve needs it); rounding the scores makes many ties.
    y = (rng.random(n) < 0.2 + 0.15 * t * (score > 0)).astype(np.int64)
    uplift = np.round(score + rng.normal(scale=0.5, size=n), 1 if ties else 8)
    return y, uplift, t


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [True, False])
def test_curves_match_sklift(seed: int, ties: bool) -> None:
    y, uplift, t = _campaign(seed, ties=ties)
    for name in ("uplift_curve", "qini_curve"):
        ours = getattr(um, name)(y, uplift, t)
        theirs = getattr(sm, name)(y, uplift, t)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=0, atol=1e-9)
    for ours, theirs in [
        (um.perfect_uplift_curve(y, t), sm.perfect_uplift_curve(y, t)),
        (um.perfect_qini_curve(y, t), sm.perfect_qini_curve(y, t)),
        (um.perfect_qini_curve(y, t, False), sm.perfect_qini_curve(y, t, False)),
    ]:
        np.testing.assert_allclose(ours[0], theirs[0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [True, False])
def test_scores_match_sklift(seed: int, ties: bool) -> None:
    y, uplift, t = _campaign(seed, ties=ties)
    assert um.uplift_auc_score(y, uplift, t) == pytest.approx(
        sm.uplift_auc_score(y, uplift, t), abs=1e-9
    )
    for negative_effect in (True, False):
        assert um.qini_auc_score(y, uplift, t, negative_effect) == pytest.approx(
            sm.qini_auc_score(y, uplift, t, negative_effect=negative_effect), abs=1e-9
        )
    for strategy in ("overall", "by_group"):
        for k in (0.3, 0.1, 0.75, 50, 1):
            ours = um.uplift_at_k(y, uplift, t, strategy, k)
            theirs = sm.uplift_at_k(y, uplift, t, strategy, k)
            if np.isnan(theirs):
                assert np.isnan(ours)
            else:
                assert ours == pytest.approx(theirs, abs=1e-9)


def test_all_tied_scores_match_sklift() -> None:
    y, _, t = _campaign(0)
    flat = np.zeros(len(y))
    assert um.qini_auc_score(y, flat, t) == pytest.approx(sm.qini_auc_score(y, flat, t), abs=1e-9)
    assert um.uplift_auc_score(y, flat, t) == pytest.approx(
        sm.uplift_auc_score(y, flat, t), abs=1e-9
    )
    np.testing.assert_allclose(um.qini_curve(y, flat, t)[1], sm.qini_curve(y, flat, t)[1])


def test_hand_computed_qini_curve() -> None:
    # Ranked: treated responder, control responder, treated non-responder, control non-resp.
    y = np.array([1, 1, 0, 0])
    t = np.array([1, 0, 1, 0])
    uplift = np.array([0.4, 0.3, 0.2, 0.1])
    x, q = um.qini_curve(y, uplift, t)
    # n=1: 1 - 0; n=2: 1 - 1 * 1/1; n=3: 1 - 1 * 2/1; n=4: 1 - 1 * 2/2.
    np.testing.assert_allclose(x, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(q, [0, 1, 0, -1, 0])
    x, u = um.uplift_curve(y, uplift, t)
    # n=2: (1/1 - 1/1) * 2; n=3: (1/2 - 1/1) * 3; n=4: (1/2 - 1/2) * 4.
    np.testing.assert_allclose(u, [0, 1, 0, -1.5, 0])
    assert um.uplift_at_k(y, uplift, t, "overall", 2) == 0.0


def test_perfect_ranking_scores_one() -> None:
    y, _, t = _campaign(1)
    best = y * t - y * (1 - t)
    assert um.qini_auc_score(y, best, t) == pytest.approx(1.0)


def test_real_valued_outcome() -> None:
    rng = np.random.default_rng(3)
    n = 400
    t = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    spend = rng.exponential(20, n) * (rng.random(n) < 0.1 + 0.1 * t * (score > 0))
    good = um.qini_auc_score(spend, score, t)
    bad = um.qini_auc_score(spend, -score, t)
    assert good > 0 > bad
    assert um.qini_auc_score(spend, spend * t - spend * (1 - t), t) == pytest.approx(1.0)
    assert np.isfinite(um.uplift_at_k(spend, score, t, "overall", 0.3))
    with pytest.raises(ValueError, match="binary"):
        um.uplift_auc_score(spend, score, t)
    # Same formulas as for a 0/1 outcome: a 0/1 spend gives sklift's numbers.
    y, uplift, t = _campaign(2)
    assert um.qini_auc_score(y.astype(float), uplift, t) == pytest.approx(
        sm.qini_auc_score(y, uplift, t), abs=1e-9
    )


def test_bad_input() -> None:
    y, uplift, t = _campaign(0)
    with pytest.raises(ValueError, match="same length"):
        um.qini_auc_score(y[:-1], uplift, t)
    with pytest.raises(ValueError, match="treatment"):
        um.qini_auc_score(y, uplift, np.ones_like(t))
    with pytest.raises(ValueError, match="treatment"):
        um.qini_auc_score(y, uplift, t * 2)
    with pytest.raises(ValueError, match="strategy"):
        um.uplift_at_k(y, uplift, t, "top", 0.3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k="):
        um.uplift_at_k(y, uplift, t, "overall", 1.5)
    with pytest.raises(ValueError, match="k="):
        um.uplift_at_k(y, uplift, t, "overall", len(y))
    with pytest.raises(TypeError):
        um.qini_auc_score(y, uplift, t, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        um.qini_auc_score(y, np.full(len(y), np.nan), t)


def test_plot_qini_writes_png(tmp_path: Path) -> None:
    y, uplift, t = _campaign(4)
    out = um.plot_qini(
        {"model": (y, uplift, t), "random": (y, np.random.default_rng(0).random(len(y)), t)},
        tmp_path / "plots" / "qini.png",
        title="test",
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        um.plot_qini({}, tmp_path / "empty.png")
