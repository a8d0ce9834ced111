"""Uplift evaluation: uplift and Qini curves, their normalised areas, uplift at k, and a plot.

The definitions are exactly those of scikit-uplift 0.5.1 (`sklift.metrics`), re-implemented in
numpy (the tests cross-check them against sklift to 1e-9):

- Radcliffe (2007), "Using control groups to target on predicted lift: building and assessing
  uplift models", Direct Marketing Analytics Journal 3, 14-21 (the Qini curve and coefficient).
- Devriendt, Guns & Verbeke (2020), "Learning to rank for uplift modeling", arXiv:2002.05897
  (the uplift curve and its perfect counterpart).

Customers are ranked by predicted uplift, best first; ties form one block (one curve point).
`qini_curve` at n customers is  Y_t(n) - Y_c(n) * N_t(n) / N_c(n)  and `uplift_curve` is
(Y_t(n) / N_t(n) - Y_c(n) / N_c(n)) * n, where Y_t, N_t are the treated customers' summed
outcome and count among the first n (Y_c, N_c the control's). Areas are trapezoids, minus the
straight line from (0, 0) to the curve's end, divided by the same for the perfect curve.

sklift requires a binary outcome everywhere; here the Qini curve, its areas, the uplift curve
and uplift at k also take a real outcome (spend): the same formulas, with sums of the outcome
in place of counts of responders (`perfect_qini_curve` ranks by y if treated and -y if not,
which for 0/1 outcomes is sklift's definition). `perfect_uplift_curve` and `uplift_auc_score`
are defined for 0/1 outcomes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "plot_qini",
    "qini_auc_score",
    "qini_curve",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_curve",
]

FloatArray = NDArray[np.float64]
Curve = tuple[FloatArray, FloatArray]
"""Points of a curve: number of customers targeted (from 0, as floats) and the value there."""


# -- input checks ----------------------------------------------------------------------------


def _arrays(
    y_true: ArrayLike, treatment: ArrayLike, uplift: ArrayLike | None = None, *, binary: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    y = np.asarray(y_true, dtype=np.float64).ravel()
    t = np.asarray(treatment, dtype=np.float64).ravel()
    u = y if uplift is None else np.asarray(uplift, dtype=np.float64).ravel()
    if not len(y) == len(t) == len(u):
        raise ValueError(
            f"y_true, uplift and treatment must have the same length, got {len(y)}, "
            f"{len(u)} and {len(t)}"
        )
    if not np.array_equal(np.unique(t), [0.0, 1.0]):
        raise ValueError(
            f"treatment must hold both 0 (control) and 1 (treated) and nothing else, "
            f"got values {np.unique(t)[:10]}"
        )
    if binary and not np.array_equal(np.unique(y), [0.0, 1.0]):
        raise ValueError(f"y_true must be binary (0 and 1), got values {np.unique(y)[:10]}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y_true holds NaN or infinite values")
    if not np.all(np.isfinite(u)):
        raise ValueError("uplift holds NaN or infinite values")
    return y, t, u


def _area(x: FloatArray, y: FloatArray) -> float:
    return float(np.trapezoid(y, x))


def _normalised_area(actual: Curve, perfect: Curve) -> float:
    x_perfect, y_perfect = perfect
    baseline = _area(np.array([0.0, x_perfect[-1]]), np.array([0.0, y_perfect[-1]]))
    return (_area(*actual) - baseline) / (_area(*perfect) - baseline)


# -- curves ----------------------------------------------------------------------------------


def _cumulative(y: FloatArray, uplift: FloatArray, t: FloatArray) -> tuple[FloatArray, ...]:
    """Cumulative counts and sums at the end of each block of tied scores, best first."""
    order = np.argsort(uplift, kind="mergesort")[::-1]
    y, uplift, t = y[order], uplift[order], t[order]
    ends = np.r_[np.flatnonzero(np.diff(uplift)), uplift.size - 1]
    n_treated = np.cumsum(t, dtype=np.float64)[ends]
    y_treated = np.cumsum(np.where(t == 1, y, 0.0), dtype=np.float64)[ends]
    y_control = np.cumsum(np.where(t == 0, y, 0.0), dtype=np.float64)[ends]
    n_all = (ends + 1).astype(np.float64)
    return n_all, n_treated, n_all - n_treated, y_treated, y_control


def _from_origin(n_all: FloatArray, values: FloatArray) -> Curve:
    if n_all.size == 0 or values[0] != 0 or n_all[0] != 0:
        n_all = np.r_[0.0, n_all]
        values = np.r_[0.0, values]
    return n_all, values


def _ratio(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def uplift_curve(y_true: ArrayLike, uplift: ArrayLike, treatment: ArrayLike) -> Curve:
    """The uplift curve: (treated response rate - control response rate) among the first n
    customers by predicted uplift, times n; one point per block of tied scores, from (0, 0)."""
    y, t, u = _arrays(y_true, treatment, uplift, binary=False)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, u, t)
    return _from_origin(n_all, (_ratio(y_t, n_t) - _ratio(y_c, n_c)) * n_all)


def perfect_uplift_curve(y_true: ArrayLike, treatment: ArrayLike) -> Curve:
    """The uplift curve of the best possible ranking (binary outcomes only), as sklift ranks
    it: treated responders and control non-responders first, then by whichever of y or the
    treatment keeps the larger group of 'wrong' customers (control responders or treated
    non-responders) last."""
    y, t, _ = _arrays(y_true, treatment, binary=True)
    control_responders = np.sum((y == 1) & (t == 0))
    treated_non_responders = np.sum((y == 0) & (t == 1))
    summand = y if control_responders > treated_non_responders else t
    return uplift_curve(y, 2 * (y == t) + summand, t)


def uplift_auc_score(y_true: ArrayLike, uplift: ArrayLike, treatment: ArrayLike) -> float:
    """Area between the uplift curve and the random-targeting line, divided by the same area
    of the perfect uplift curve (binary outcomes only)."""
    y, t, u = _arrays(y_true, treatment, uplift, binary=True)
    return _normalised_area(uplift_curve(y, u, t), perfect_uplift_curve(y, t))


def qini_curve(y_true: ArrayLike, uplift: ArrayLike, treatment: ArrayLike) -> Curve:
    """The Qini curve: treated outcome among the first n customers by predicted uplift minus
    the control outcome there scaled to the treated count; one point per block of ties."""
    y, t, u = _arrays(y_true, treatment, uplift, binary=False)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, u, t)
    return _from_origin(n_all, y_t - y_c * _ratio(n_t, n_c))


def perfect_qini_curve(
    y_true: ArrayLike, treatment: ArrayLike, negative_effect: bool = True
) -> Curve:
    """The best possible Qini curve. With `negative_effect` the ranking that puts treated
    responders first and control responders last (so the curve rises and then falls back);
    without, the curve that reaches the total uplift at once and stays there (sklift's
    three points, x = [0, total uplift, n])."""
    if not isinstance(negative_effect, bool):
        raise TypeError(f"negative_effect must be a bool, got {type(negative_effect)}")
    y, t, _ = _arrays(y_true, treatment, binary=False)
    if negative_effect:
        return qini_curve(y, y * t - y * (1 - t), t)
    treated, control = y[t == 1], y[t == 0]
    total = float(treated.sum() - len(treated) * control.sum() / len(control))
    if not 0 <= total <= len(y):
        # sklift's x-coordinates are then not monotonic and sklearn's auc refuses them.
        raise ValueError(
            f"the perfect Qini curve without negative effects needs a total uplift between 0 "
            f"and the number of customers, got {total:.4g}; use negative_effect=True"
        )
    return np.array([0.0, total, float(len(y))]), np.array([0.0, total, total])


def qini_auc_score(
    y_true: ArrayLike, uplift: ArrayLike, treatment: ArrayLike, negative_effect: bool = True
) -> float:
    """The Qini coefficient: area between the Qini curve and the random-targeting line,
    divided by the same area of the perfect Qini curve."""
    if not isinstance(negative_effect, bool):
        raise TypeError(f"negative_effect must be a bool, got {type(negative_effect)}")
    y, t, u = _arrays(y_true, treatment, uplift, binary=False)
    return _normalised_area(qini_curve(y, u, t), perfect_qini_curve(y, t, negative_effect))


def uplift_at_k(
    y_true: ArrayLike,
    uplift: ArrayLike,
    treatment: ArrayLike,
    strategy: Literal["overall", "by_group"] = "overall",
    k: float | int = 0.3,
) -> float:
    """Treated minus control mean outcome among the top customers by predicted uplift.

    `k` is a share in (0, 1) or a count. 'overall' takes the top k of all customers and
    compares the two arms inside it; 'by_group' takes the top k of each arm separately. NaN
    when the top k holds no customer of one arm (as sklift, which averages an empty slice).
    """
    if strategy not in ("overall", "by_group"):
        raise ValueError(f"strategy must be 'overall' or 'by_group', got {strategy!r}")
    y, t, u = _arrays(y_true, treatment, uplift, binary=False)
    n = len(y)
    is_int = np.asarray(k).dtype.kind == "i"
    is_float = np.asarray(k).dtype.kind == "f"
    if not (is_int or is_float):
        raise ValueError(f"k must be an int or a float, got {k!r}")
    if (is_int and not 0 < k < n) or (is_float and not 0 < k < 1):
        raise ValueError(
            f"k={k} should be either positive and smaller than the number of samples {n} "
            "or a float in the (0, 1) range"
        )
    order = np.argsort(u, kind="mergesort")[::-1]
    y, t = y[order], t[order]

    def mean(values: FloatArray) -> float:
        return float(values.mean()) if values.size else float("nan")

    if strategy == "overall":
        size = int(n * k) if is_float else int(k)
        top_y, top_t = y[:size], t[:size]
        return mean(top_y[top_t == 1]) - mean(top_y[top_t == 0])
    n_control, n_treated = int((t == 0).sum()), int((t == 1).sum())
    take_control = int(n_control * k) if is_float else int(k)
    take_treated = int(n_treated * k) if is_float else int(k)
    if take_control > n_control or take_treated > n_treated:
        raise ValueError(
            f"with k={k} the top k is larger than an arm ({n_treated} treated, {n_control} control)"
        )
    return mean(y[t == 1][:take_treated]) - mean(y[t == 0][:take_control])


# -- plot ------------------------------------------------------------------------------------


def plot_qini(
    curves: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]],
    path: str | Path,
    *,
    negative_effect: bool = True,
    title: str | None = None,
) -> Path:
    """Draw the Qini curves (left) and uplift curves (right) of several models to a PNG.

    `curves` maps a model's name to (y_true, predicted uplift, treatment) on the same test
    customers; the random-targeting line and the perfect curve of the first entry's data are
    drawn for reference (the perfect uplift curve only for 0/1 outcomes). Uses matplotlib's
    Agg canvas directly, so no display and no global backend change is needed.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not curves:
        raise ValueError("plot_qini needs at least one (y_true, uplift, treatment) entry")
    figure = Figure(figsize=(12, 5), dpi=100)
    FigureCanvasAgg(figure)
    qini_axes, uplift_axes = figure.subplots(1, 2)
    first = next(iter(curves.values()))
    y0, t0, _ = _arrays(first[0], first[2], binary=False)
    x_perfect, q_perfect = perfect_qini_curve(y0, t0, negative_effect)
    qini_axes.plot(x_perfect, q_perfect, color="grey", linestyle=":", label="perfect")
    qini_axes.plot(
        [0, x_perfect[-1]], [0, q_perfect[-1]], color="black", linestyle="--", label="random"
    )
    binary = bool(np.isin(y0, [0.0, 1.0]).all())
    if binary:
        x_up, v_up = perfect_uplift_curve(y0, t0)
        uplift_axes.plot(x_up, v_up, color="grey", linestyle=":", label="perfect")
    end = uplift_curve(y0, np.zeros_like(y0), t0)
    uplift_axes.plot(
        [0, end[0][-1]], [0, end[1][-1]], color="black", linestyle="--", label="random"
    )
    for name, (y, uplift, treatment) in curves.items():
        x_q, v_q = qini_curve(y, uplift, treatment)
        qini = qini_auc_score(y, uplift, treatment, negative_effect)
        qini_axes.plot(x_q, v_q, label=f"{name} (qini {qini:.4f})")
        x_u, v_u = uplift_curve(y, uplift, treatment)
        label = name
        if binary:
            label += f" (auuc {uplift_auc_score(y, uplift, treatment):.4f})"
        uplift_axes.plot(x_u, v_u, label=label)
    qini_axes.set(
        xlabel="customers targeted", ylabel="incremental outcome (Qini)", title="Qini curve"
    )
    uplift_axes.set(xlabel="customers targeted", ylabel="incremental outcome", title="Uplift curve")
    for axes in (qini_axes, uplift_axes):
        axes.legend(fontsize="small")
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png")
    return out
