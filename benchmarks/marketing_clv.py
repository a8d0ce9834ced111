"""marketing-clv: repeat purchases and spend of the CDNOW cohort, 39 weeks ahead.

shopmind's BG/NBD (with Gamma-Gamma spend) and BoostedBGNBD (BG/NBD times a LightGBM correction
learned inside the calibration period) against the `lifetimes` package's BetaGeoFitter and
ParetoNBDFitter (with its GammaGammaFitter), all fitted in this process on the same per-customer
summary. Datasets: the CDNOW master file (23,570 customers) and Hardie's 1/10 sample (2,357),
rows marked by `dataset`. Issue 4's target: total holdout repeat purchases within +-5% of the
actual and a lower per-customer MAE than the peer (lifetimes' BG/NBD).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from lifetimes.utils import calibration_and_holdout_data

from shopmind.data.datasets import cdnow
from shopmind.data.snapshot import Shop
from shopmind.marketing.clv import BGNBD, GammaGamma, rfm_summary
from shopmind.marketing.clv_boost import BoostedBGNBD

CALIBRATION_END = "1997-09-30"  # 39 weeks from 1997-01-01
OBSERVATION_END = "1998-06-30"  # 39 weeks of holdout
TARGET_ERROR_PCT = 5.0
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}


class Data(NamedTuple):
    purchases: pd.DataFrame
    summary: pd.DataFrame  # shopmind's rfm_summary with holdout counts
    peer_summary: pd.DataFrame  # lifetimes' calibration_and_holdout_data, same customers
    spend_holdout: np.ndarray  # actual holdout spend per customer


# A system returns (expected holdout purchases, expected spend per purchase) per customer.
Predict = Callable[[Data], tuple[np.ndarray, np.ndarray]]


class System(NamedTuple):
    name: str
    kind: str
    note: str
    predict: Predict


def load(sample: bool) -> Data:
    purchases = Shop.from_frames(cdnow(sample=sample)).purchases()
    summary = rfm_summary(
        purchases,
        calibration_end=CALIBRATION_END,
        period="W",
        observation_end=OBSERVATION_END,
    )
    peer = calibration_and_holdout_data(
        purchases,
        "customer_id",
        "ordered_at",
        calibration_period_end=CALIBRATION_END,
        observation_period_end=OBSERVATION_END,
        freq="D",
        freq_multiplier=7,
        monetary_value_col="revenue",
    ).reindex(summary.index)
    days = purchases["ordered_at"].dt.normalize()
    holdout = purchases[
        (days > pd.Timestamp(CALIBRATION_END)) & (days <= pd.Timestamp(OBSERVATION_END))
    ]
    spend = holdout.groupby("customer_id")["revenue"].sum().reindex(summary.index, fill_value=0)
    return Data(purchases, summary, peer, spend.to_numpy(np.float64))


def _horizon(data: Data) -> float:
    return float(data.summary["duration_holdout"].iloc[0])


def _gamma_gamma(summary: pd.DataFrame) -> np.ndarray:
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    return gg.expected_spend(summary["frequency"], summary["monetary_value"])


def _bgnbd(data: Data) -> tuple[np.ndarray, np.ndarray]:
    s = data.summary
    model = BGNBD().fit(s["frequency"], s["recency"], s["T"])
    counts = model.expected_purchases(_horizon(data), s["frequency"], s["recency"], s["T"])
    return counts, _gamma_gamma(s)


def _boosted(split: float) -> Predict:
    def predict(data: Data) -> tuple[np.ndarray, np.ndarray]:
        model = BoostedBGNBD(split=split).fit(
            data.purchases, calibration_end=CALIBRATION_END, quantity="quantity"
        )
        counts = model.predict(_horizon(data)).reindex(data.summary.index)
        return counts.to_numpy(np.float64), _gamma_gamma(data.summary)

    return predict


def _peer_spend(p: pd.DataFrame) -> np.ndarray:
    repeat = p[(p["frequency_cal"] > 0) & (p["monetary_value_cal"] > 0)]
    gg = GammaGammaFitter().fit(repeat["frequency_cal"], repeat["monetary_value_cal"])
    spend = gg.conditional_expected_average_profit(p["frequency_cal"], p["monetary_value_cal"])
    return np.asarray(spend, dtype=np.float64)


def _lifetimes(fitter: Callable[[], Any]) -> Predict:
    def predict(data: Data) -> tuple[np.ndarray, np.ndarray]:
        p = data.peer_summary
        model = fitter().fit(p["frequency_cal"], p["recency_cal"], p["T_cal"])
        counts = model.conditional_expected_number_of_purchases_up_to_time(
            p["duration_holdout"], p["frequency_cal"], p["recency_cal"], p["T_cal"]
        )
        return np.asarray(counts, dtype=np.float64), _peer_spend(p)

    return predict


def systems() -> list[System]:
    boost_note = (
        "BoostedBGNBD(split={split}): BG/NBD x exp(f), f a LightGBM Poisson model with offset "
        "log E[Y(h)], trained on purchases between the inner cut ({where} of the calibration "
        "span) and the calibration end; 400 trees, lr 0.03, 15 leaves; features: RFM, "
        "recent 4/8/13-week counts, inter-purchase gaps, first and mean value and CDs, BG/NBD "
        "P(alive) and expectation; spend from Gamma-Gamma"
    )
    return [
        System(
            "shopmind:bgnbd",
            "shopmind",
            "BGNBD (maximum likelihood) on rfm_summary; spend: GammaGamma on repeat customers",
            _bgnbd,
        ),
        System(
            "shopmind:bgnbd-boost",
            "shopmind",
            boost_note.format(split=0.5, where="half"),
            _boosted(0.5),
        ),
        System(
            "shopmind:bgnbd-boost (split 1/3)",
            "shopmind",
            "sensitivity: " + boost_note.format(split="1/3", where="a third"),
            _boosted(1 / 3),
        ),
        System(
            "shopmind:bgnbd-boost (split 2/3)",
            "shopmind",
            "sensitivity: " + boost_note.format(split="2/3", where="two thirds"),
            _boosted(2 / 3),
        ),
        System(
            "lifetimes:bg-nbd",
            "peer",
            "lifetimes 0.11.3 BetaGeoFitter(penalizer_coef=0) on calibration_and_holdout_data"
            "(freq='D', freq_multiplier=7); spend: its GammaGammaFitter",
            _lifetimes(lambda: BetaGeoFitter(penalizer_coef=0.0)),
        ),
        System(
            "lifetimes:pareto-nbd",
            "peer",
            "lifetimes 0.11.3 ParetoNBDFitter(penalizer_coef=0), same summary and spend model",
            _lifetimes(lambda: ParetoNBDFitter(penalizer_coef=0.0)),
        ),
    ]


def _check_agreement(data: Data) -> float:
    """Largest absolute difference between shopmind's and lifetimes' summaries."""
    pairs = [
        ("frequency", "frequency_cal"),
        ("recency", "recency_cal"),
        ("T", "T_cal"),
        ("frequency_holdout", "frequency_holdout"),
        ("duration_holdout", "duration_holdout"),
    ]
    worst = 0.0
    for ours, theirs in pairs:
        diff = data.summary[ours].to_numpy(np.float64) - data.peer_summary[theirs].to_numpy(
            np.float64
        )
        worst = max(worst, float(np.abs(diff).max()))
    return worst


def _row(
    system: System, dataset: str, data: Data, counts: np.ndarray, spend: np.ndarray, secs: float
) -> dict[str, Any]:
    actual = data.summary["frequency_holdout"].to_numpy(np.float64)
    value = counts * spend
    error = counts - actual
    return {
        "system": system.name,
        "kind": system.kind,
        "dataset": dataset,
        "actual": int(actual.sum()),
        "predicted": round(float(counts.sum()), 1),
        "total_error_pct": round(float(100 * (counts.sum() / actual.sum() - 1)), 2),
        "mae": round(float(np.mean(np.abs(error))), 4),
        "rmse": round(float(np.sqrt(np.mean(error**2))), 4),
        "spend_error_pct": round(float(100 * (value.sum() / data.spend_holdout.sum() - 1)), 2),
        "spend_mae": round(float(np.mean(np.abs(value - data.spend_holdout))), 2),
        "seconds": round(secs, 2),
        "note": system.note,
    }


def run() -> dict[str, Any]:
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    results: list[dict[str, Any]] = []
    checks: dict[str, Any] = {}
    datasets = [("master", False), ("sample", True)]
    for dataset, sample in datasets:
        data = load(sample)
        actual = data.summary["frequency_holdout"].to_numpy(np.float64)
        checks[dataset] = {
            "customers": len(data.summary),
            "calibration_repeat_purchases": int(data.summary["frequency"].sum()),
            "holdout_repeat_purchases": int(actual.sum()),
            "holdout_repeat_purchase_weeks_lifetimes_weekly": None,
            "max_abs_difference_shopmind_vs_lifetimes_summary": _check_agreement(data),
            "mae_of_predicting_zero": round(float(np.mean(actual)), 4),
        }
        for system in systems():
            started = time.perf_counter()
            counts, spend = system.predict(data)
            secs = time.perf_counter() - started
            results.append(_row(system, dataset, data, counts, spend, secs))
            if system.name == "shopmind:bgnbd":
                # Not a system (it uses the holdout total): the MAE an unbiased total costs.
                rescaled = counts * actual.sum() / counts.sum()
                checks[dataset]["mae_of_bgnbd_rescaled_to_actual_total"] = round(
                    float(np.mean(np.abs(rescaled - actual))), 4
                )
        weekly = calibration_and_holdout_data(
            data.purchases,
            "customer_id",
            "ordered_at",
            calibration_period_end=CALIBRATION_END,
            observation_period_end=OBSERVATION_END,
            freq="W",
            monetary_value_col="revenue",
        )
        checks[dataset]["holdout_repeat_purchase_weeks_lifetimes_weekly"] = int(
            weekly["frequency_holdout"].sum()
        )
        if sample:
            s = data.summary
            fit = BGNBD().fit(s["frequency"], s["recency"], s["T"])
            assert fit.params_ is not None
            checks[dataset]["bgnbd_fit"] = {k: round(v, 4) for k, v in fit.params_.items()} | {
                "log_likelihood": round(fit.log_likelihood_, 2)
            }
    results.append(
        {
            "system": "FHL 2005a: BG/NBD",
            "kind": "published",
            "dataset": "sample",
            "note": "Fader, Hardie & Lee (2005a), section 4: r=0.243, alpha=4.414, a=0.793, "
            "b=2.426, LL=-9582.4 on the same 39-week calibration of the 1/10 sample; "
            "shopmind:bgnbd reproduces them (summary.sample.bgnbd_fit). Their 39-week holdout "
            "forecast is shown as a tracking plot; no total is quoted here that could not be "
            "checked",
        }
    )
    summary: dict[str, Any] = {
        "checks": checks,
        "finding": "BoostedBGNBD (split 1/2, the default, chosen before the holdout was "
        "scored) brings the master file's total from BG/NBD's -14% to within 5%, but not the "
        "sample's (it overshoots); RMSE falls on the master file and rises on the sample. Its "
        "per-customer MAE is above the peer's on both: MAE of a mean forecast of sparse counts "
        "rewards under-prediction (predicting 0 for everyone scores mae_of_predicting_zero, "
        "and BG/NBD rescaled to the true total scores worse than BG/NBD), so the two targets "
        "pull apart. The corrected total depends strongly on where the calibration period is "
        "cut (split rows); the -14% comes largely from the holdout's flatter purchase rate "
        "(Christmas 1997 lies in it), which no 39-week calibration window has seen",
    }
    for dataset, _ in datasets:
        rows = {r["system"]: r for r in results if r.get("dataset") == dataset}
        best = rows["shopmind:bgnbd-boost"]
        peer = rows["lifetimes:bg-nbd"]
        summary[dataset] = {
            "bgnbd_total_error_pct": rows["shopmind:bgnbd"]["total_error_pct"],
            "boost_total_error_pct": best["total_error_pct"],
            "boost_mae": best["mae"],
            "peer_mae": peer["mae"],
            "total_within_5pct": bool(abs(best["total_error_pct"]) <= TARGET_ERROR_PCT),
            "mae_below_peer": bool(best["mae"] < peer["mae"]),
        }
    met = all(summary[d]["total_within_5pct"] and summary[d]["mae_below_peer"] for d, _ in datasets)
    return {
        "study": "marketing-clv",
        "dataset": "CDNOW master file (23,570 customers of the 1997 Q1 cohort) and Hardie's "
        "1/10 sample (2,357 customers), rows marked by dataset",
        "protocol": "calibration 1997-01-01 to 1997-09-30 (39 weeks), holdout 1997-10-01 to "
        "1998-06-30 (39 weeks); a transaction is a customer's purchase day (same-day orders "
        "summed), weekly units; every system is fitted on calibration data only (BoostedBGNBD "
        "learns its correction on a split inside the calibration period) and predicts each "
        "customer's holdout repeat purchases; actual/predicted = total holdout repeat "
        "purchases, mae/rmse per customer; spend = predicted purchases x expected spend per "
        "purchase (Gamma-Gamma) against actual holdout revenue; seconds = fit and predict, "
        "wall clock",
        "results": results,
        "summary": summary,
        "target": {
            "description": f"issue 4: shopmind:bgnbd-boost total holdout purchases within "
            f"+-{TARGET_ERROR_PCT:.0f}% and per-customer MAE below lifetimes:bg-nbd, on both "
            "datasets",
            "met": bool(met),
        },
    }
