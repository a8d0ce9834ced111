"""forecast-intervals: how well the 80% and 95% intervals of 8-week Walmart forecasts cover.

Issue 5's second forecasting study, on forecast-walmart's split (the same series, training
weeks and 8 test weeks). Every system forecasts the quantiles 0.025, 0.1, 0.5, 0.9 and 0.975;
the 80% interval is [q0.1, q0.9], the 95% one [q0.025, q0.975]. shopmind's LocalForecaster,
GlobalForecaster and their Ensemble against statsforecast's conformal intervals
(ConformalIntervals(h=8, n_windows=2)) around SeasonalNaive(52), MSTL and CrostonOptimized
(AutoETS is left out: see `_systems`), their native (model-based) intervals where they have
them, and mlforecast's conformal intervals (PredictionIntervals(h=8, n_windows=2)) around
its LightGBM. Issue 5's target: coverage within 3 points of nominal and a mean pinball loss
below statsforecast's conformal intervals for the same models. Also draws a few example
forecasts to results/forecast-walmart-examples.png.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from shopmind.bench import benchmarks_dir
from shopmind.forecast.base import ID, TARGET, TIME, quantile_column

QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
TOLERANCE = 0.03
N_EXAMPLES = 6


def _walmart() -> ModuleType:
    """forecast_walmart.py, next to this file: its split, peers and shopmind systems."""
    name = "shopmind_bench_forecast_walmart"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).with_name("forecast_walmart.py")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _systems(walmart: ModuleType) -> list[Any]:
    """shopmind's three systems, then each statsforecast model with conformal intervals and,
    where it has them, its native ones, then mlforecast's LightGBM with conformal ones."""
    conformal = {s.name: s for s in walmart.systems("conformal")}
    native = {s.name: s for s in walmart.systems("native")}
    System = walmart.System
    out = [s for s in conformal.values() if s.kind == "shopmind"]
    for name in (
        "statsforecast:seasonal-naive",
        # AutoETS(season 52) is left out here: one fit takes over ten minutes on the 2 cores,
        # conformal intervals refit it twice more, and its point forecasts (forecast-walmart)
        # are the weakest of the statsforecast models but Croston's.
        "statsforecast:mstl",
        "statsforecast:croston-optimized",
        "mlforecast:lightgbm",
    ):
        system = conformal[name]
        out.append(
            System(
                f"{name} (conformal)",
                "peer",
                f"{system.note}; conformal intervals, h=8, n_windows=2",
                system.model,
            )
        )
        if name.startswith("statsforecast") and "croston" not in name:
            system = native[name]
            out.append(
                System(f"{name} (native)", "peer", f"{system.note}; native intervals", system.model)
            )
    return out


def run() -> dict[str, Any]:
    walmart = _walmart()
    split = walmart.load()
    results: list[dict[str, Any]] = []
    forecasts: dict[str, pd.DataFrame] = {}
    keys = ("coverage@0.1-0.9", "coverage@0.025-0.975", "pinball", "mase", "wape")
    for system in _systems(walmart):
        started = time.perf_counter()
        values, forecast = walmart.score(split, system.model, QUANTILES)
        print(f"{system.name}: {values} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if system.kind == "shopmind":
            forecasts[system.name] = forecast
        row = walmart._row(system, values, keys)
        row["coverage80"] = row.pop("coverage@0.1-0.9")
        row["coverage95"] = row.pop("coverage@0.025-0.975")
        results.append(_reorder(row))
    ours = [r for r in results if r["kind"] == "shopmind"]
    conformal = [
        r for r in results if r["system"].startswith("statsforecast") and "conformal" in r["system"]
    ]
    best = min(ours, key=lambda r: r["pinball"])
    best_conformal = min(conformal, key=lambda r: r["pinball"])
    calibrated = (
        abs(best["coverage80"] - 0.80) <= TOLERANCE and abs(best["coverage95"] - 0.95) <= TOLERANCE
    )
    examples = _plot(split, forecasts[best["system"]], best["system"])
    return {
        "study": "forecast-intervals",
        "dataset": "Walmart store sales (Kaggle 2014), forecast-walmart's series and split",
        "protocol": walmart.protocol(split)
        + "; quantiles 0.025, 0.1, 0.5, 0.9, 0.975 (a statsforecast level-L interval gives "
        "q = (1 - L/100) / 2 and 1 - q; q0.5 = its point forecast); coverage80 / coverage95 = "
        "share of the test rows inside [q0.1, q0.9] / [q0.025, q0.975]; pinball = mean over "
        "the five quantiles of the mean pinball loss (dollars); conformal peers calibrate on "
        "2 windows of 8 weeks at the end of the training weeks (included in fit_seconds)",
        "results": results,
        "examples": {
            "figure": "forecast-walmart-examples.png",
            "system": best["system"],
            "series": examples,
        },
        "target": {
            "description": "issue 5: the best shopmind system's (by pinball) 80% and 95% "
            f"coverage within {TOLERANCE * 100:.0f} points of nominal and its pinball below "
            "the best statsforecast conformal interval's",
            "best_system": best["system"],
            "coverage80": best["coverage80"],
            "coverage95": best["coverage95"],
            "pinball": best["pinball"],
            "best_conformal": best_conformal["system"],
            "best_conformal_pinball": best_conformal["pinball"],
            "coverage_met": bool(calibrated),
            "pinball_met": bool(best["pinball"] < best_conformal["pinball"]),
            "met": bool(calibrated and best["pinball"] < best_conformal["pinball"]),
        },
    }


def _reorder(row: dict[str, Any]) -> dict[str, Any]:
    order = ["system", "kind", "coverage80", "coverage95", "pinball", "mase", "wape"]
    return {k: row[k] for k in order} | {k: v for k, v in row.items() if k not in order}


def _plot(split: Any, forecast: pd.DataFrame, system: str) -> list[str]:
    """Six series from the largest to the smallest sellers: 52 weeks of history, the test
    weeks' actuals, the forecast mean and its 80% and 95% bands."""
    frame = split.frame
    train = frame[frame[TIME] <= split.cutoff]
    volume = train.groupby(ID)[TARGET].mean().sort_values(ascending=False)
    volume = volume[volume.index.isin(forecast[ID].unique())]
    picks = [
        str(volume.index[int(p * (len(volume) - 1))]) for p in np.linspace(0.0, 0.9, N_EXAMPLES)
    ]
    figure, axes = plt.subplots(2, N_EXAMPLES // 2, figsize=(15, 7))
    start = split.cutoff - pd.Timedelta(weeks=52)
    for axis, key in zip(axes.ravel(), picks, strict=True):
        past = train[(train[ID] == key) & (train[TIME] > start)]
        actual = frame[(frame[ID] == key) & (frame[TIME] > split.cutoff)]
        own = forecast[forecast[ID] == key].sort_values(TIME)
        axis.plot(past[TIME], past[TARGET], color="0.3", lw=1, label="history")
        axis.plot(actual[TIME], actual[TARGET], "o-", color="black", ms=3, lw=1, label="actual")
        axis.fill_between(
            own[TIME],
            own[quantile_column(0.025)],
            own[quantile_column(0.975)],
            color="tab:blue",
            alpha=0.15,
            label="95%",
        )
        axis.fill_between(
            own[TIME],
            own[quantile_column(0.1)],
            own[quantile_column(0.9)],
            color="tab:blue",
            alpha=0.3,
            label="80%",
        )
        axis.plot(own[TIME], own["mean"], color="tab:blue", lw=1.5, label="forecast")
        store, dept = key.split("/")
        axis.set_title(f"store {store}, dept {dept}", fontsize=10)
        axis.tick_params(labelsize=7)
        axis.tick_params(axis="x", rotation=30)
    axes.ravel()[0].legend(fontsize=7, loc="upper left")
    figure.suptitle(f"Walmart weekly sales ($): 8-week forecasts of {system}", fontsize=12)
    figure.tight_layout()
    out = benchmarks_dir() / "results" / "forecast-walmart-examples.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return picks
