"""Own-price and cross-price elasticity of demand from a shop's sales and price history.

The model is the constant-elasticity (log-log) demand curve

    log E[q_t] = a + b log p_t + c' controls_t            (b: the own-price elasticity)

fitted per product (or per category), with uncertainty, a verdict on whether the data can
identify b at all, and partial pooling across the products of a category.

Estimation methods (`method`)
    "glm" (default for shop data): Poisson GLM with log link, q_t ~ Poisson(exp(a + b log p_t +
    ...)), fitted by IRLS. It takes zero-sales periods as they are, so daily intermittent demand
    needs no aggregation and no log(0) fix; the Poisson likelihood is only a working model (units
    per order make the counts over-dispersed), so the standard errors are quasi-Poisson by
    default (`cov_type="quasi"`): the model-based covariance times the Pearson dispersion pooled
    over the product's category (Wedderburn 1974; McCullagh & Nelder 1989), stable even for a
    product with 20 sales. `cov_type="sandwich"` gives the Huber-White sandwich (HC1, scaled by
    n / (n - k); Gourieroux, Monfort & Trognon 1984), valid under any variance function but noisy
    and anti-conservative on sparse products (on the sample shop its 90% intervals cover 83%,
    quasi-Poisson's 89%). The single-panel `LogLogDemand` uses the sandwich. The Poisson GLM is
    the natural model of the sample shop, where each view turns into a purchase with a
    probability proportional to price ** elasticity.
    "ols": least squares of log q on log p (Taddy 2019, ch. 2). Periods without sales have no
    log and are dropped, which biases b on intermittent demand (the zeros carry information):
    use it for aggregated, always-positive series (weekly store sales) or `freq="W"`. HC1
    standard errors, or cluster-robust (Liang & Zeger 1986) when clusters are given.
    "dml": double machine learning, partially linear model (Robinson 1988; Chernozhukov et al.
    2018): log price and demand are both partialled out on the controls with cross-fitted
    gradient boosting (sklearn's GradientBoostingRegressor: many small single-threaded fits),
    and b comes from the regression of demand residuals on price residuals. With positive
    demand the outcome is log q. With zeros it is q itself and b = theta / mean(q): by Stein's
    lemma, when the price residual is Gaussian and demand is exp-linear in log price, the
    least-squares slope of q on log p is exactly b E[q] (the delta method gives the standard
    error of the ratio). Use it when prices follow demand drivers (seasonal pricing,
    stock-outs, marketing) that a parametric control set would miss.

Controls (`controls`)
    "season": the shop's own seasonality as an offset: log of a day-of-week x 4-week-block index
    of units per active series, estimated from every series in the frame (so a single sparse
    product does not need its own dummies). "trend": a linear time trend per product (the share
    of a product falls as the catalogue grows). "promo": the promotion / feature flag (an effect
    beyond the price cut: displays, ads). It is not a default: on a shop whose promotions are
    only price cuts it takes away price variation without removing any bias. "cross": the
    substitutes' price index, the mean over the other products of the same market (default: the
    category) of log(p_jt / typical p_j); its coefficient is the cross-price elasticity (positive
    for substitutes). "dow" and "month": day-of-week and month dummies (per product, for long
    dense series).

Identification
    A product's elasticity is "not identified" (status, with the reason, and no number) when its
    price barely moved (fewer than `min_price_levels` distinct prices, or a standard deviation of
    log price below `min_log_price_std`), when it sold in fewer than `min_sales` periods or at only
    one price level, or when the fit does not converge. Such products still get the category's
    pooled estimate in `pooled_elasticity` (labelled as such, never as the product's own).

Pooling (`pooling`)
    "shrinkage" (default): empirical Bayes. Within each category the identified product estimates
    b_i with standard errors s_i are modelled as b_i ~ N(mu, tau^2 + s_i^2); mu and tau^2 come from
    the Paule-Mandel moment equation (DerSimonian & Laird 1986; Paule & Mandel 1982). Each
    product's estimate moves towards mu by B_i = s_i^2 / (s_i^2 + tau^2): a sparse product (large
    s_i) borrows strength from its category, a well-measured one keeps its own estimate
    (Efron & Morris 1975). Interval: posterior mean +- z sqrt(s_i^2 (1 - B_i) + B_i^2 var(mu))
    (Morris 1983, without his correction for the estimated tau^2). "none": the per-product
    estimates as they are. `level="category"`: one pooled fit per category with product fixed
    effects (standard errors clustered by product).

References
    Taddy, M. (2019). Business Data Science, ch. 2 and 6. McGraw-Hill.
    Chernozhukov, V. et al. (2018). Double/debiased machine learning for treatment and
    structural parameters. The Econometrics Journal 21(1), C1-C68.
    Robinson, P. M. (1988). Root-N-consistent semiparametric regression. Econometrica 56(4).
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its generalizations.
    JASA 70(350). Morris, C. (1983). Parametric empirical Bayes inference. JASA 78(381).
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. Controlled Clinical
    Trials 7(3). Paule, R. C. & Mandel, J. (1982). Consensus values and weighting factors. J. Res.
    NBS 87(5).
    Liang, K.-Y. & Zeger, S. L. (1986). Longitudinal data analysis using generalized linear
    models. Biometrika 73(1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from shopmind.data.snapshot import Shop
from shopmind.errors import DataError, InsufficientDataError, Issue

__all__ = [
    "CONTROLS",
    "DEFAULT_CONTROLS",
    "ElasticityEstimator",
    "LogLogDemand",
    "demand_curve",
    "estimate_elasticities",
]

Floats = npt.NDArray[np.float64]
Method = Literal["glm", "ols", "dml"]
Pooling = Literal["shrinkage", "none"]
Level = Literal["product", "category"]

CONTROLS: Final = ("season", "trend", "promo", "cross", "dow", "month")
DEFAULT_CONTROLS: Final = ("season", "trend")
MIN_PRICE_LEVELS: Final = 3
MIN_LOG_PRICE_STD: Final = 0.02
MIN_SALES: Final = 5
MAX_ABS_ELASTICITY: Final = 15.0
"""A fitted |b| above this is a separation artefact (sales at one price only), not a slope."""
SEASON_BLOCK_DAYS: Final = 28
_SOURCE: Final = "demand frame"


# ---------------------------------------------------------------------------------------------
# Core fits on arrays


@dataclass(frozen=True)
class _Fit:
    coef: Floats
    cov: Floats
    converged: bool
    n: int
    naive_cov: Floats | None = None
    """Model-based covariance (inverse Fisher information, dispersion 1)."""
    pearson: float = float("nan")
    """Pearson chi-square sum of (y - mu)^2 / V(mu)."""


def _sandwich(
    x: Floats, score_weights: Floats, bread: Floats, clusters: npt.NDArray[Any] | None
) -> Floats:
    """Huber-White covariance: bread^-1 meat bread^-1; meat from per-row scores x_i u_i,
    summed within clusters when given (HC1 / CR1 small-sample scaling)."""
    n, k = x.shape
    scores = x * score_weights[:, None]
    inv = np.linalg.pinv(bread)
    if clusters is None:
        meat = scores.T @ scores
        scale = n / max(n - k, 1)
    else:
        codes, uniques = pd.factorize(pd.Series(clusters))
        g = len(uniques)
        summed = np.zeros((g, k))
        np.add.at(summed, codes, scores)
        meat = summed.T @ summed
        scale = (g / max(g - 1, 1)) * ((n - 1) / max(n - k, 1))
    cov: Floats = scale * (inv @ meat @ inv)
    return cov


def _fit_ols(x: Floats, y: Floats, clusters: npt.NDArray[Any] | None = None) -> _Fit:
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    cov = _sandwich(x, resid, x.T @ x, clusters)
    return _Fit(np.asarray(coef, dtype=np.float64), cov, True, len(y))


def _fit_poisson(
    x: Floats,
    y: Floats,
    offset: Floats | None = None,
    clusters: npt.NDArray[Any] | None = None,
    *,
    max_iter: int = 50,
    tol: float = 1e-9,
) -> _Fit:
    """Poisson log-link GLM by IRLS (Newton), sandwich covariance."""
    n, k = x.shape
    off = np.zeros(n) if offset is None else offset
    mean_y = max(float(np.mean(y)), 1e-8)
    coef = np.zeros(k)
    # start: intercept-only rate when the first column is the constant
    if np.allclose(x[:, 0], 1.0):
        coef[0] = np.log(mean_y) - float(np.mean(off))
    converged = False
    eta = x @ coef + off
    for _ in range(max_iter):
        mu = np.exp(np.clip(eta, -50.0, 50.0))
        grad = x.T @ (y - mu)
        hess = (x * mu[:, None]).T @ x
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(k), grad)
        except np.linalg.LinAlgError:
            break
        # step halving keeps the deviance from rising on near-separated data
        dev_old = _poisson_deviance(y, mu)
        t = 1.0
        for _ in range(30):
            new = coef + t * step
            eta_new = x @ new + off
            dev_new = _poisson_deviance(y, np.exp(np.clip(eta_new, -50.0, 50.0)))
            if dev_new <= dev_old + 1e-12:
                break
            t *= 0.5
        coef, eta = new, eta_new
        if float(np.max(np.abs(t * step))) < tol * (1.0 + float(np.max(np.abs(coef)))):
            converged = True
            break
    mu = np.exp(np.clip(eta, -50.0, 50.0))
    hess = (x * mu[:, None]).T @ x
    cov = _sandwich(x, y - mu, hess, clusters)
    ok = converged and bool(np.all(np.isfinite(coef)))
    pearson = float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-12)))
    naive: Floats = np.asarray(np.linalg.pinv(hess), dtype=np.float64)
    return _Fit(coef, cov, ok, n, naive, pearson)


def _poisson_deviance(y: Floats, mu: Floats) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def _fit_dml(
    y: Floats,
    log_p: Floats,
    w: Floats,
    *,
    n_folds: int,
    seed: int,
    max_iter: int,
) -> tuple[float, float, int]:
    """Partially linear DML with cross-fitting; (elasticity, standard error, n)."""
    from sklearn.ensemble import GradientBoostingRegressor

    n = len(y)
    positive = bool(np.all(y > 0))
    target = np.log(y) if positive else y
    rng = np.random.default_rng(seed)
    folds = rng.permutation(n) % n_folds
    y_hat = np.zeros(n)
    p_hat = np.zeros(n)
    for f in range(n_folds):
        test, train = folds == f, folds != f
        for dest, outcome in ((y_hat, target), (p_hat, log_p)):
            if w.shape[1] == 0:
                dest[test] = float(np.mean(outcome[train]))
                continue
            model = GradientBoostingRegressor(
                n_estimators=max_iter, learning_rate=0.1, max_depth=3, min_samples_leaf=20
            )
            model.fit(w[train], outcome[train])
            dest[test] = model.predict(w[test])
    v = log_p - p_hat
    u = target - y_hat
    vv = float(np.mean(v * v))
    if vv <= 0:
        return float("nan"), float("nan"), n
    theta = float(np.mean(v * u)) / vv
    psi = (u - theta * v) * v / vv  # influence function of theta
    if positive:
        return theta, float(np.sqrt(np.mean(psi**2) / n)), n
    mean_q = float(np.mean(y))
    b = theta / mean_q
    infl = psi / mean_q - theta * (y - mean_q) / mean_q**2
    return b, float(np.sqrt(np.mean(infl**2) / n)), n


# ---------------------------------------------------------------------------------------------
# Input checks


def _issue(message: str, column: str | None = None) -> DataError:
    return DataError([Issue(_SOURCE, message, column=column)])


def _check_frame(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError([Issue(_SOURCE, "required column is missing", column=c) for c in missing])
    if frame.empty:
        raise InsufficientDataError("the demand frame is empty: no periods to estimate from")


def _check_values(q: Floats, p: Floats, q_col: str, p_col: str) -> None:
    if not np.all(np.isfinite(p)):
        raise _issue("prices must be finite numbers (missing or infinite prices found)", p_col)
    if np.any(p <= 0):
        raise _issue(
            f"prices must be positive; {int(np.sum(p <= 0))} zero or negative prices found "
            "(a log-log demand model needs log(price))",
            p_col,
        )
    if not np.all(np.isfinite(q)):
        raise _issue("quantities must be finite numbers (missing values found)", q_col)
    if np.any(q < 0):
        raise _issue(f"quantities must not be negative; {int(np.sum(q < 0))} found", q_col)


def _identification(
    log_p: Floats, q: Floats, *, min_price_levels: int, min_log_price_std: float, min_sales: int
) -> str | None:
    """Why the elasticity cannot be identified from these periods, or None."""
    levels = len(np.unique(np.round(log_p, 6)))
    spread = float(np.std(log_p)) if len(log_p) else 0.0
    if levels < min_price_levels:
        return f"too little price variation: {levels} distinct price(s) (need {min_price_levels})"
    if spread < min_log_price_std:
        return (
            f"too little price variation: std of log price {spread:.4f} "
            f"(need {min_log_price_std:g})"
        )
    sold = q > 0
    n_sold = int(np.sum(sold))
    if n_sold < min_sales:
        return f"too few sales: {n_sold} period(s) with sales (need {min_sales})"
    if len(np.unique(np.round(log_p[sold], 6))) < 2:
        return "sales at only one price level"
    return None


# ---------------------------------------------------------------------------------------------
# Single panel


class LogLogDemand:
    """Constant-elasticity demand for one panel (one product, or a pooled set of rows).

    `fit(frame)` regresses `quantity` on log(`price`) and the `controls` (numeric columns of the
    frame, or the built-ins "dow", "month", "trend" derived from a `ds` column). After fitting:
    `coef_` (a Series: const, log_price, controls...), `elasticity_`, `std_errors_`,
    `conf_int()`, `predict(frame)` (expected units). Standard errors: HC1 sandwich, or
    cluster-robust when `clusters` (a column name) is given to fit.
    """

    def __init__(
        self,
        method: Literal["glm", "ols"] = "glm",
        *,
        confidence: float = 0.90,
        min_price_levels: int = MIN_PRICE_LEVELS,
        min_log_price_std: float = MIN_LOG_PRICE_STD,
        min_sales: int = MIN_SALES,
    ) -> None:
        if method not in ("glm", "ols"):
            raise ValueError(f"method must be 'glm' or 'ols', not {method!r}")
        _check_confidence(confidence)
        self.method = method
        self.confidence = confidence
        self.min_price_levels = min_price_levels
        self.min_log_price_std = min_log_price_std
        self.min_sales = min_sales

    def fit(
        self,
        frame: pd.DataFrame,
        *,
        quantity: str = "y",
        price: str = "price",
        controls: Sequence[str] = (),
        offset: str | None = None,
        clusters: str | None = None,
    ) -> Self:
        needed = [quantity, price, *[c for c in controls if c not in ("dow", "month", "trend")]]
        if any(c in ("dow", "month", "trend") for c in controls):
            needed.append("ds")
        if offset is not None:
            needed.append(offset)
        if clusters is not None:
            needed.append(clusters)
        _check_frame(frame, needed)
        q = frame[quantity].to_numpy(dtype=np.float64, na_value=np.nan)
        p = frame[price].to_numpy(dtype=np.float64, na_value=np.nan)
        _check_values(q, p, quantity, price)
        log_p = np.log(p)
        why = _identification(
            log_p,
            q,
            min_price_levels=self.min_price_levels,
            min_log_price_std=self.min_log_price_std,
            min_sales=self.min_sales,
        )
        if why is not None:
            raise InsufficientDataError(f"the elasticity is not identified: {why}")
        self._t0: pd.Timestamp | None = (
            pd.Timestamp(pd.to_datetime(frame["ds"]).min()) if "ds" in frame.columns else None
        )
        names, x = self._design(frame, log_p, controls)
        off = None if offset is None else frame[offset].to_numpy(dtype=np.float64)
        groups = None if clusters is None else frame[clusters].to_numpy()
        if self.method == "glm":
            fit = _fit_poisson(x, q, off, groups)
        else:
            keep = q > 0
            y = np.log(q[keep]) - (0.0 if off is None else off[keep])
            fit = _fit_ols(x[keep], y, None if groups is None else groups[keep])
        if not fit.converged or abs(fit.coef[1]) > MAX_ABS_ELASTICITY:
            raise InsufficientDataError(
                "the elasticity is not identified: the fit did not converge"
            )
        self.feature_names_ = names
        self.coef_ = pd.Series(fit.coef, index=names, name="coef")
        self.cov_ = pd.DataFrame(fit.cov, index=names, columns=names)
        self.std_errors_ = pd.Series(np.sqrt(np.diag(fit.cov)), index=names, name="std_error")
        self.elasticity_ = float(fit.coef[1])
        self.n_obs_ = fit.n
        self._controls = tuple(controls)
        self._offset = offset
        self._price = price
        return self

    def _design(
        self, frame: pd.DataFrame, log_p: Floats, controls: Sequence[str]
    ) -> tuple[list[str], Floats]:
        names = ["const", "log_price"]
        cols = [np.ones(len(frame)), log_p]
        t0 = self._t0
        for c in controls:
            if c in ("dow", "month"):
                ds = pd.to_datetime(frame["ds"])
                values = ds.dt.day_of_week if c == "dow" else ds.dt.month
                levels = range(1, 7) if c == "dow" else range(2, 13)
                for level in levels:
                    names.append(f"{c}_{level}")
                    cols.append((values.to_numpy() == level).astype(np.float64))
            elif c == "trend":
                ds = pd.to_datetime(frame["ds"])
                start = t0 if t0 is not None else ds.min()
                names.append("trend")
                days = (ds - start).dt.days.to_numpy(dtype=np.float64)
                cols.append(days / 365.0)
            else:
                names.append(c)
                cols.append(frame[c].to_numpy(dtype=np.float64))
        return names, np.column_stack(cols)

    def conf_int(self, confidence: float | None = None) -> pd.DataFrame:
        """Wald intervals of every coefficient (columns low, high)."""
        z = _z(self.confidence if confidence is None else confidence)
        return pd.DataFrame(
            {"low": self.coef_ - z * self.std_errors_, "high": self.coef_ + z * self.std_errors_}
        )

    def predict(self, frame: pd.DataFrame) -> Floats:
        """Expected units per period (exp of the linear predictor; for "ols" the median)."""
        p = frame[self._price].to_numpy(dtype=np.float64)
        if np.any(~np.isfinite(p)) or np.any(p <= 0):
            raise _issue("prices must be positive to predict demand", self._price)
        _, x = self._design(frame, np.log(p), self._controls)
        eta = x @ self.coef_.to_numpy()
        if self._offset is not None:
            eta = eta + frame[self._offset].to_numpy(dtype=np.float64)
        out: Floats = np.exp(eta)
        return out


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")


def _z(confidence: float) -> float:
    _check_confidence(confidence)
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


# ---------------------------------------------------------------------------------------------
# Many products


RESULT_COLUMNS: Final = (
    "category",
    "status",
    "reason",
    "elasticity",
    "std_error",
    "ci_low",
    "ci_high",
    "raw_elasticity",
    "raw_std_error",
    "pooled_elasticity",
    "pooled_std_error",
    "shrinkage",
    "cross_elasticity",
    "cross_std_error",
    "n_obs",
    "n_sales",
    "units",
    "n_price_levels",
    "log_price_std",
    "ref_price",
    "ref_units",
    "method",
)


@dataclass
class _Series:
    uid: str
    category: str
    q: Floats
    log_p: Floats
    t: Floats
    """Days from the frame's first period."""
    dow: npt.NDArray[np.int64]
    month: npt.NDArray[np.int64]
    promo: Floats
    cross: Floats
    offset: Floats


class ElasticityEstimator:
    """Per-product (or per-category) elasticities with pooling; see the module docstring.

    `fit(data)` takes a Shop (its daily or weekly demand from `demand_frame`, gross of returns,
    priced at the list price in force) or a demand frame with unique_id, ds, y, a price column
    and optionally category, market (substitute set for "cross"), promo. After fitting:
    `results_` (one row per product, `RESULT_COLUMNS`), `predict(frame)` and `demand_curve(...)`.
    """

    def __init__(
        self,
        *,
        level: Level = "product",
        pooling: Pooling = "shrinkage",
        controls: Sequence[str] = DEFAULT_CONTROLS,
        method: Method = "glm",
        confidence: float = 0.90,
        price_column: str | None = None,
        freq: str = "D",
        min_price_levels: int = MIN_PRICE_LEVELS,
        min_log_price_std: float = MIN_LOG_PRICE_STD,
        min_sales: int = MIN_SALES,
        cov_type: Literal["quasi", "sandwich"] = "quasi",
        dml_folds: int = 2,
        dml_max_iter: int = 50,
        random_state: int = 0,
    ) -> None:
        if level not in ("product", "category"):
            raise ValueError(f"level must be 'product' or 'category', not {level!r}")
        if pooling not in ("shrinkage", "none"):
            raise ValueError(f"pooling must be 'shrinkage' or 'none', not {pooling!r}")
        if method not in ("glm", "ols", "dml"):
            raise ValueError(f"method must be 'glm', 'ols' or 'dml', not {method!r}")
        unknown = [c for c in controls if c not in CONTROLS]
        if unknown:
            raise ValueError(f"unknown controls {unknown}; choose from {list(CONTROLS)}")
        if level == "category" and method == "dml":
            raise ValueError("level='category' is fitted by 'glm' or 'ols', not 'dml'")
        if cov_type not in ("quasi", "sandwich"):
            raise ValueError(f"cov_type must be 'quasi' or 'sandwich', not {cov_type!r}")
        _check_confidence(confidence)
        self.cov_type = cov_type
        self.level = level
        self.pooling = pooling
        self.controls = tuple(controls)
        self.method = method
        self.confidence = confidence
        self.price_column = price_column
        self.freq = freq
        self.min_price_levels = min_price_levels
        self.min_log_price_std = min_log_price_std
        self.min_sales = min_sales
        self.dml_folds = dml_folds
        self.dml_max_iter = dml_max_iter
        self.random_state = random_state

    # -- data ---------------------------------------------------------------------------------

    def _frame(self, data: Shop | pd.DataFrame) -> pd.DataFrame:
        if isinstance(data, Shop):
            from shopmind.forecast.series import demand_frame

            frame = demand_frame(
                data, freq=self.freq, by_location=False, returns="gross", keep_inactive=True
            )
            products = data.tables["products"]
            cats = pd.Series(
                products["category"].astype(str).to_numpy(),
                index=products["product_id"].astype(str),
            )
            frame["category"] = frame["unique_id"].astype(str).map(cats).fillna("(none)")
            return frame
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"expected a Shop or a demand frame, got {type(data).__name__}")
        return data

    def _price_col(self, frame: pd.DataFrame) -> str:
        if self.price_column is not None:
            return self.price_column
        return "list_price" if "list_price" in frame.columns else "price"

    def _series(self, frame: pd.DataFrame) -> list[_Series]:
        price = self._price_col(frame)
        needed = ["unique_id", "ds", "y", price]
        if "promo" in self.controls:
            needed.append("promo")
        _check_frame(frame, needed)
        q_all = frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)
        p_all = frame[price].to_numpy(dtype=np.float64, na_value=np.nan)
        _check_values(q_all, p_all, "y", price)
        df = pd.DataFrame(
            {
                "uid": frame["unique_id"].astype(str).to_numpy(),
                "ds": pd.to_datetime(frame["ds"]).to_numpy(),
                "q": q_all,
                "log_p": np.log(p_all),
                "category": (
                    frame["category"].astype(str).to_numpy()
                    if "category" in frame.columns
                    else "(all)"
                ),
                "promo": (
                    frame["promo"].to_numpy(dtype=np.float64) if "promo" in frame.columns else 0.0
                ),
            }
        )
        df["market"] = (
            frame["market"].astype(str).to_numpy() if "market" in frame else df["category"]
        )
        if df.duplicated(["uid", "ds"]).any():
            raise _issue("more than one row per unique_id and ds", "ds")
        t0 = df["ds"].min()
        self.start_ = pd.Timestamp(t0)
        df["t"] = (df["ds"] - t0).dt.days.astype(np.float64)
        df["offset"] = self._season(df) if "season" in self.controls else 0.0
        df["cross"] = self._cross(df) if "cross" in self.controls else 0.0
        ds = pd.DatetimeIndex(df["ds"])
        df["dow"] = ds.day_of_week
        df["month"] = ds.month
        df = df.sort_values(["uid", "ds"], kind="stable")
        out = []
        for uid, g in df.groupby("uid", sort=True):
            out.append(
                _Series(
                    uid=str(uid),
                    category=str(g["category"].iloc[0]),
                    q=g["q"].to_numpy(np.float64),
                    log_p=g["log_p"].to_numpy(np.float64),
                    t=g["t"].to_numpy(np.float64),
                    dow=g["dow"].to_numpy(np.int64),
                    month=g["month"].to_numpy(np.int64),
                    promo=g["promo"].to_numpy(np.float64),
                    cross=g["cross"].to_numpy(np.float64),
                    offset=g["offset"].to_numpy(np.float64),
                )
            )
        return out

    def _season(self, df: pd.DataFrame) -> Floats:
        """log of a multiplicative day-of-week x 4-week-block index of units per series."""
        per = df.groupby("ds")["q"].agg(["sum", "size"])
        rate = per["sum"] / per["size"]
        ds = pd.DatetimeIndex(per.index)
        block = ((ds - ds.min()).days // SEASON_BLOCK_DAYS).to_numpy()
        overall = float(rate.mean())
        if overall <= 0:
            return np.zeros(len(df))
        level = rate.groupby(block).transform("mean") / overall
        index = level.to_numpy(np.float64)
        step = np.diff(ds.asi8).min() if len(ds) > 1 else 0
        if len(ds) > 1 and step == pd.Timedelta(days=1).value:
            dow = ds.day_of_week.to_numpy()
            ratio = (rate / (level * overall)).groupby(dow).transform("mean")
            index = index * ratio.to_numpy(np.float64)
        index = np.clip(index, 1e-3, None)
        mapped = pd.Series(np.log(index), index=per.index)
        return df["ds"].map(mapped).to_numpy(np.float64)

    def _cross(self, df: pd.DataFrame, typical: pd.Series | None = None) -> Floats:
        """Mean over the other series of the market of log(p_jt / typical p_j); typical log
        prices are the series' means in `df` unless given (prediction uses the fit's)."""
        if typical is None:
            self._typical_log_p = df.groupby("uid")["log_p"].mean()
            rel = df["log_p"] - df.groupby("uid")["log_p"].transform("mean")
        else:
            rel = df["log_p"] - df["uid"].map(typical).fillna(df["log_p"])
        keys = [df["market"], df["ds"]]
        total = rel.groupby(keys).transform("sum")
        count = rel.groupby(keys).transform("size")
        others = (count - 1).to_numpy(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(others > 0, (total - rel).to_numpy() / others, 0.0)
        return np.asarray(value, dtype=np.float64)

    def _design(self, s: _Series) -> tuple[list[str], Floats]:
        names = ["const", "log_price"]
        cols = [np.ones(len(s.q)), s.log_p]
        for c in self.controls:
            if c == "trend":
                names.append("trend")
                cols.append((s.t - float(np.mean(s.t))) / 365.0)
            elif c == "promo":
                names.append("promo")
                cols.append(s.promo)
            elif c == "cross":
                names.append("cross")
                cols.append(s.cross)
            elif c in ("dow", "month"):
                values = s.dow if c == "dow" else s.month
                for level in np.unique(values)[1:]:
                    names.append(f"{c}_{level}")
                    cols.append((values == level).astype(np.float64))
        x = np.column_stack(cols)
        # drop constant or duplicate columns (a promo flag that never changes, ...)
        keep = [0, 1]
        for j in range(2, x.shape[1]):
            if np.ptp(x[:, j]) > 0 and np.linalg.matrix_rank(x[:, [*keep, j]]) == len(keep) + 1:
                keep.append(j)
        return [names[j] for j in keep], x[:, keep]

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, data: Shop | pd.DataFrame) -> Self:
        frame = self._frame(data)
        series = self._series(frame)
        if not series:
            raise InsufficientDataError("the demand frame holds no series")
        z = _z(self.confidence)
        rows = []
        self._coefs: dict[str, pd.Series] = {}
        for s in series:
            rows.append(self._fit_one(s))
        res = pd.DataFrame(rows).set_index("product_id")
        if self.method == "glm" and self.cov_type == "quasi" and self.level == "product":
            self._quasi(res)
        pooled = self._fit_categories if self.level == "category" else None
        res = pooled(series, res) if pooled is not None else self._pool(res)
        res["ci_low"] = res["elasticity"] - z * res["std_error"]
        res["ci_high"] = res["elasticity"] + z * res["std_error"]
        self._refit(series, res)
        self.results_ = res[list(RESULT_COLUMNS)]
        self._series_by_id = {s.uid: s for s in series}
        return self

    def _fit_one(self, s: _Series) -> dict[str, Any]:
        q, log_p = s.q, s.log_p
        row: dict[str, Any] = {
            "product_id": s.uid,
            "category": s.category,
            "n_obs": len(q),
            "n_sales": int(np.sum(q > 0)),
            "units": float(np.sum(q)),
            "n_price_levels": len(np.unique(np.round(log_p, 6))),
            "log_price_std": float(np.std(log_p)),
            "ref_price": float(np.exp(np.mean(log_p))),
            "method": self.method,
            "raw_elasticity": np.nan,
            "raw_std_error": np.nan,
            "cross_elasticity": np.nan,
            "cross_std_error": np.nan,
            "status": "ok",
            "reason": "",
        }
        why = _identification(
            log_p,
            q,
            min_price_levels=self.min_price_levels,
            min_log_price_std=self.min_log_price_std,
            min_sales=self.min_sales,
        )
        if why is not None:
            row.update(status="not identified", reason=why)
            return row
        names, x = self._design(s)
        if self.method == "glm":
            fit = _fit_poisson(x, q, s.offset)
        elif self.method == "ols":
            keep = q > 0
            fit = _fit_ols(x[keep], np.log(q[keep]) - s.offset[keep])
        else:
            w = x[:, 2:]
            extra = [s.t[:, None], s.offset[:, None]]
            if "season" in self.controls or "dow" in self.controls:
                extra.append(s.dow[:, None].astype(np.float64))
            w = np.column_stack([w, *extra])
            b, se, _ = _fit_dml(
                q,
                log_p,
                w,
                n_folds=self.dml_folds,
                seed=self.random_state,
                max_iter=self.dml_max_iter,
            )
            ok = bool(np.isfinite(b) and np.isfinite(se) and abs(b) <= MAX_ABS_ELASTICITY)
            if not ok:
                row.update(status="not identified", reason="the fit did not converge")
                return row
            row.update(raw_elasticity=b, raw_std_error=se)
            return row
        if not fit.converged or abs(fit.coef[1]) > MAX_ABS_ELASTICITY:
            row.update(status="not identified", reason="the fit did not converge")
            return row
        se_all = np.sqrt(np.diag(fit.cov))
        row.update(raw_elasticity=float(fit.coef[1]), raw_std_error=float(se_all[1]))
        if fit.naive_cov is not None:
            row.update(
                _naive_se=float(np.sqrt(fit.naive_cov[1, 1])),
                _pearson=fit.pearson,
                _dof=float(fit.n - len(fit.coef)),
            )
            if "cross" in names:
                j = names.index("cross")
                row.update(_naive_cross_se=float(np.sqrt(fit.naive_cov[j, j])))
        if "cross" in names:
            j = names.index("cross")
            row.update(cross_elasticity=float(fit.coef[j]), cross_std_error=float(se_all[j]))
        return row

    def _quasi(self, res: pd.DataFrame) -> None:
        """Quasi-Poisson standard errors: model-based times the square root of the Pearson
        dispersion pooled over the category's identified products (the whole frame for
        categories with fewer than 3)."""
        ok = (res["status"] == "ok") & res.get("_dof", pd.Series(0.0, index=res.index)).gt(0)
        if not ok.any():
            return
        sub = res[ok]
        overall = float(sub["_pearson"].sum() / sub["_dof"].sum())
        sums = sub.groupby("category")[["_pearson", "_dof"]].sum()
        counts = sub.groupby("category").size()
        phi = (sums["_pearson"] / sums["_dof"]).where(counts >= 3, overall)
        factor = np.sqrt(sub["category"].map(phi).to_numpy(np.float64))
        res.loc[ok, "raw_std_error"] = sub["_naive_se"].to_numpy() * factor
        if "_naive_cross_se" in sub.columns:
            res.loc[ok, "cross_std_error"] = sub["_naive_cross_se"].to_numpy() * factor

    def _pool(self, res: pd.DataFrame) -> pd.DataFrame:
        ok = res["status"] == "ok"
        b, s = res["raw_elasticity"], res["raw_std_error"]
        glob = _paule_mandel(b[ok].to_numpy(), s[ok].to_numpy())
        res["pooled_elasticity"] = np.nan
        res["pooled_std_error"] = np.nan
        res["shrinkage"] = 0.0
        res["elasticity"] = b
        res["std_error"] = s
        for _cat, idx in res.groupby("category").groups.items():
            sub = res.loc[idx]
            good = sub["status"] == "ok"
            bb, ss = sub["raw_elasticity"][good].to_numpy(), sub["raw_std_error"][good].to_numpy()
            mu, tau2, var_mu = _paule_mandel(bb, ss) if len(bb) >= 3 else glob
            res.loc[idx, "pooled_elasticity"] = mu
            res.loc[idx, "pooled_std_error"] = np.sqrt(var_mu + tau2)
            if self.pooling == "shrinkage":
                gi = sub.index[good]
                s2 = ss**2
                shrink = s2 / (s2 + tau2) if tau2 > 0 else np.ones_like(s2)
                res.loc[gi, "elasticity"] = mu + (1.0 - shrink) * (bb - mu)
                res.loc[gi, "std_error"] = np.sqrt(s2 * (1.0 - shrink) + shrink**2 * var_mu)
                res.loc[gi, "shrinkage"] = shrink
        return res

    def _fit_categories(self, series: list[_Series], res: pd.DataFrame) -> pd.DataFrame:
        """One elasticity per category: pooled fit with product fixed effects."""
        res["shrinkage"] = np.nan
        res["elasticity"] = np.nan
        res["std_error"] = np.nan
        res["pooled_elasticity"] = np.nan
        res["pooled_std_error"] = np.nan
        by_cat: dict[str, list[_Series]] = {}
        for s in series:
            n_sales = float(res.at[s.uid, "n_sales"])  # type: ignore[arg-type]
            n_levels = float(res.at[s.uid, "n_price_levels"])  # type: ignore[arg-type]
            if res.at[s.uid, "status"] == "ok" or (n_sales > 0 and n_levels > 1):
                by_cat.setdefault(s.category, []).append(s)
        for cat, members in by_cat.items():
            blocks, ys, offs, groups = [], [], [], []
            for i, s in enumerate(members):
                _, x = self._design(s)
                blocks.append(x[:, 1:2])
                ys.append(s.q)
                offs.append(s.offset)
                groups.append(np.full(len(s.q), i))
            x_all = np.vstack(blocks)
            y_all = np.concatenate(ys)
            g_all = np.concatenate(groups)
            off_all = np.concatenate(offs)
            if self.method == "glm":
                fit = _fit_poisson_fe(x_all, y_all, off_all, g_all)
            else:
                keep = y_all > 0
                fe = pd.get_dummies(pd.Series(g_all[keep]), dtype=np.float64).to_numpy()
                fit = _fit_ols(
                    np.column_stack([x_all[keep], fe]),
                    np.log(y_all[keep]) - off_all[keep],
                    g_all[keep],
                )
            in_cat = res["category"] == cat
            if fit.converged:
                se = float(np.sqrt(fit.cov[0, 0]))
                res.loc[in_cat, ["elasticity", "std_error"]] = [float(fit.coef[0]), se]
                res.loc[in_cat, ["pooled_elasticity", "pooled_std_error"]] = [
                    float(fit.coef[0]),
                    se,
                ]
                res.loc[in_cat, ["status", "reason"]] = ["ok", "category-level estimate"]
        return res

    def _refit(self, series: list[_Series], res: pd.DataFrame) -> None:
        """Re-estimate each product's level and controls with its final elasticity fixed (an
        offset), for predictions and demand curves; ref_units = expected units per period at
        ref_price with the controls at their means."""
        units = {}
        final = res["elasticity"].fillna(res["pooled_elasticity"]).astype(np.float64)
        for s in series:
            b = float(final[s.uid])
            if not np.isfinite(b) or np.sum(s.q) <= 0:
                units[s.uid] = float(np.mean(s.q))
                continue
            names, x = self._design(s)
            others = np.delete(x, 1, axis=1)
            off = s.offset + b * s.log_p
            if self.method == "ols" and np.all(s.q > 0):
                fit = _fit_ols(others, np.log(s.q) - off)
            else:
                fit = _fit_poisson(others, s.q, off)
            coef = pd.Series(
                [*fit.coef, b], index=[*[n for n in names if n != "log_price"], "log_price"]
            )
            self._coefs[s.uid] = coef
            eta = float(np.mean(others @ fit.coef + s.offset)) + b * float(np.mean(s.log_p))
            units[s.uid] = float(np.exp(eta))
        res["ref_units"] = pd.Series(units)

    # -- using the fit ------------------------------------------------------------------------

    def predict(self, frame: pd.DataFrame) -> Floats:
        """Expected units of each row of a demand frame (the fitted products; controls and
        season taken as in the fit, future periods extrapolate the trend)."""
        if not hasattr(self, "results_"):
            raise ValueError("fit the estimator before predicting")
        price = self._price_col(frame)
        _check_frame(frame, ["unique_id", "ds", price])
        out = np.full(len(frame), np.nan)
        p = frame[price].to_numpy(dtype=np.float64)
        if np.any(~np.isfinite(p)) or np.any(p <= 0):
            raise _issue("prices must be positive to predict demand", price)
        uid = frame["unique_id"].astype(str).to_numpy()
        cross = np.zeros(len(frame))
        if "cross" in self.controls:
            if "cross" in frame.columns:
                cross = frame["cross"].to_numpy(np.float64)
            else:
                market = frame["market"] if "market" in frame.columns else frame.get("category")
                df = pd.DataFrame(
                    {
                        "uid": uid,
                        "ds": pd.to_datetime(frame["ds"]).to_numpy(),
                        "log_p": np.log(p),
                        "market": "(all)" if market is None else market.astype(str).to_numpy(),
                    }
                )
                cross = self._cross(df, self._typical_log_p)
        for u in np.unique(uid):
            rows = np.flatnonzero(uid == u)
            coef = self._coefs.get(str(u))
            if coef is None:
                continue
            s = self._series_by_id[str(u)]
            sub = frame.iloc[rows]
            eta = np.full(len(rows), float(coef["const"]))
            eta += float(coef["log_price"]) * np.log(p[rows])
            ds = pd.to_datetime(sub["ds"])
            t = (ds - self.start_).dt.days.to_numpy(np.float64)
            if "trend" in coef.index:
                eta += float(coef["trend"]) * (t - float(np.mean(s.t))) / 365.0
            if "promo" in coef.index and "promo" in sub.columns:
                eta += float(coef["promo"]) * sub["promo"].to_numpy(np.float64)
            if "cross" in coef.index:
                eta += float(coef["cross"]) * cross[rows]
            for name in coef.index:
                if name.startswith(("dow_", "month_")):
                    kind, level = name.split("_")
                    values = ds.dt.day_of_week if kind == "dow" else ds.dt.month
                    eta += float(coef[name]) * (values.to_numpy() == int(level))
            out[rows] = np.exp(eta)
        return out

    def demand_curve(
        self,
        product_id: str,
        prices: Sequence[float] | Floats | None = None,
        *,
        unit_cost: float | None = None,
    ) -> pd.DataFrame:
        """Expected units (and revenue, profit) per period at a grid of prices; see
        `demand_curve`."""
        if not hasattr(self, "results_"):
            raise ValueError("fit the estimator before asking for a demand curve")
        if product_id not in self.results_.index:
            raise KeyError(f"unknown product {product_id!r}")
        return demand_curve(
            self.results_.loc[product_id],
            prices,
            unit_cost=unit_cost,
            confidence=self.confidence,
        )


def _fit_poisson_fe(x: Floats, y: Floats, offset: Floats, groups: npt.NDArray[Any]) -> _Fit:
    """Poisson with one fixed effect per group and a common slope on x (one column), by the
    concentrated likelihood: given the slope, each group's effect is log(sum y / sum exp(...))
    (Hausman, Hall & Griliches 1984). Standard errors clustered by group."""
    codes, uniques = pd.factorize(pd.Series(groups))
    g = len(uniques)
    xv = x[:, 0]
    y_sum = np.bincount(codes, y, minlength=g)
    keep = y_sum[codes] > 0  # groups without sales carry no information on the slope
    xv, y, offset, codes = xv[keep], y[keep], offset[keep], codes[keep]
    b = 0.0
    converged = False
    for _ in range(100):
        e = np.exp(np.clip(b * xv + offset, -50.0, 50.0))
        alpha = y_sum / np.maximum(np.bincount(codes, e, minlength=g), 1e-300)
        mu = alpha[codes] * e
        m_sum = np.bincount(codes, mu, minlength=g)
        xbar = np.bincount(codes, xv * mu, minlength=g) / np.maximum(m_sum, 1e-300)
        xc = xv - xbar[codes]
        grad = float(np.sum(xc * (y - mu)))
        hess = float(np.sum(xc * xc * mu))
        if hess <= 0:
            break
        step = grad / hess
        b += step
        if abs(step) < 1e-10:
            converged = True
            break
    e = np.exp(np.clip(b * xv + offset, -50.0, 50.0))
    alpha = y_sum / np.maximum(np.bincount(codes, e, minlength=g), 1e-300)
    mu = alpha[codes] * e
    m_sum = np.bincount(codes, mu, minlength=g)
    xbar = np.bincount(codes, xv * mu, minlength=g) / np.maximum(m_sum, 1e-300)
    xc = xv - xbar[codes]
    hess = float(np.sum(xc * xc * mu))
    scores = np.bincount(codes, xc * (y - mu), minlength=g)
    n_g = int(np.sum(y_sum > 0))
    var = float(np.sum(scores**2)) / hess**2 * n_g / max(n_g - 1, 1)
    return _Fit(np.array([b]), np.array([[var]]), converged, len(y))


def _paule_mandel(b: Floats, s: Floats) -> tuple[float, float, float]:
    """Random-effects mean mu, between variance tau^2 and var(mu) of estimates b with standard
    errors s (Paule-Mandel: tau^2 solves sum w_i (b_i - mu)^2 = n - 1, w_i = 1/(s_i^2+tau^2))."""
    n = len(b)
    if n == 0:
        return float("nan"), 0.0, float("nan")
    s2 = np.maximum(s**2, 1e-12)
    if n == 1:
        return float(b[0]), 0.0, float(s2[0])

    def q(tau2: float) -> tuple[float, float]:
        w = 1.0 / (s2 + tau2)
        mu = float(np.sum(w * b) / np.sum(w))
        return float(np.sum(w * (b - mu) ** 2)) - (n - 1), mu

    lo, hi = 0.0, float(np.var(b)) * 4.0 + 1e-6
    if q(lo)[0] <= 0:
        tau2 = 0.0
    else:
        while q(hi)[0] > 0:
            hi *= 2.0
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if q(mid)[0] > 0:
                lo = mid
            else:
                hi = mid
        tau2 = 0.5 * (lo + hi)
    w = 1.0 / (s2 + tau2)
    mu = float(np.sum(w * b) / np.sum(w))
    return mu, tau2, float(1.0 / np.sum(w))


# ---------------------------------------------------------------------------------------------
# Public helpers


def estimate_elasticities(
    data: Shop | pd.DataFrame,
    *,
    level: Level = "product",
    pooling: Pooling = "shrinkage",
    controls: Sequence[str] = DEFAULT_CONTROLS,
    method: Method = "glm",
    confidence: float = 0.90,
    price_column: str | None = None,
    freq: str = "D",
    min_price_levels: int = MIN_PRICE_LEVELS,
    min_log_price_std: float = MIN_LOG_PRICE_STD,
    min_sales: int = MIN_SALES,
    cov_type: Literal["quasi", "sandwich"] = "quasi",
) -> pd.DataFrame:
    """One row per product (index product_id) with its elasticity, std_error, the
    `confidence` interval (ci_low, ci_high), status ("ok" / "not identified") and reason, the raw
    per-product estimate, the category's pooled estimate, the shrinkage weight, the cross-price
    elasticity (with "cross" in controls), n_obs, n_sales, units, price variation and the
    reference price and units of the demand curve. See `ElasticityEstimator`."""
    est = ElasticityEstimator(
        level=level,
        pooling=pooling,
        controls=controls,
        method=method,
        confidence=confidence,
        price_column=price_column,
        freq=freq,
        min_price_levels=min_price_levels,
        min_log_price_std=min_log_price_std,
        min_sales=min_sales,
        cov_type=cov_type,
    )
    return est.fit(data).results_


def demand_curve(
    estimate: pd.Series | pd.DataFrame,
    prices: Sequence[float] | Floats | None = None,
    *,
    unit_cost: float | None = None,
    confidence: float = 0.90,
    n_points: int = 41,
) -> pd.DataFrame:
    """Expected units per period at each price: ref_units x (price / ref_price) ** elasticity,
    with the band from the elasticity's interval, revenue and (given `unit_cost`) profit.

    `estimate` is a row of `estimate_elasticities` (or a one-row frame); a "not identified"
    product uses its category's pooled elasticity (column `source` says which was used).
    `prices` defaults to `n_points` prices from 0.6 to 1.4 x ref_price.
    """
    row = estimate.iloc[0] if isinstance(estimate, pd.DataFrame) else estimate
    for col in ("elasticity", "std_error", "ref_price", "ref_units"):
        if col not in row.index:
            raise ValueError(f"the estimate has no {col!r}: pass a row of estimate_elasticities")
    b, se, source = float(row["elasticity"]), float(row["std_error"]), "product"
    if not np.isfinite(b):
        b = float(row.get("pooled_elasticity", np.nan))
        se = float(row.get("pooled_std_error", np.nan))
        source = "category"
    if not np.isfinite(b):
        raise InsufficientDataError("no elasticity (own or pooled) to draw a demand curve from")
    ref_p, ref_q = float(row["ref_price"]), float(row["ref_units"])
    grid = (
        np.linspace(0.6, 1.4, n_points) * ref_p
        if prices is None
        else np.asarray(prices, dtype=np.float64)
    )
    if np.any(~np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError("prices must be positive")
    z = _z(confidence)
    ratio = grid / ref_p
    units = ref_q * ratio**b
    bounds = np.vstack([ref_q * ratio ** (b - z * se), ref_q * ratio ** (b + z * se)])
    out = pd.DataFrame(
        {
            "price": grid,
            "units": units,
            "units_low": bounds.min(axis=0),
            "units_high": bounds.max(axis=0),
            "revenue": grid * units,
        }
    )
    if unit_cost is not None:
        margin = grid - unit_cost
        out["profit"] = margin * units
        band = np.vstack([margin * out["units_low"], margin * out["units_high"]])
        out["profit_low"] = band.min(axis=0)
        out["profit_high"] = band.max(axis=0)
    out["source"] = source
    return out
