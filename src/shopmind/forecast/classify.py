"""Syntetos-Boylan demand classes: smooth, erratic, intermittent and lumpy series.

Reference: A. A. Syntetos, J. E. Boylan and J. D. Croston (2005), "On the categorization of demand
patterns", Journal of the Operational Research Society 56(5), 495-503. A series is placed by two
numbers:

* ADI, the average inter-demand interval = number of periods / number of periods with demand
  (1.0 when every period sells; 4.0 when one period in four does). The periods are those of the
  series as given (demand_frame starts a series at its listing or first sale).
* CV², the squared coefficient of variation of the non-zero demand sizes = (std / mean) ** 2 with
  the population standard deviation (ddof = 0).

With the paper's cut-offs ADI 1.32 and CV² 0.49: smooth (ADI < 1.32, CV² < 0.49), erratic
(ADI < 1.32, CV² >= 0.49), intermittent (ADI >= 1.32, CV² < 0.49) and lumpy (ADI >= 1.32,
CV² >= 0.49).

Edge cases: a series with a single non-zero period has CV² = 0 (one size, no variation) and is
classed by its ADI; a series with no demand at all has ADI = inf, CV² = NaN and the class "none"
(nothing to model: forecasters predict zero for it).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from shopmind.forecast.base import ID, TARGET

__all__ = [
    "ADI_CUTOFF",
    "CLASSES",
    "CV2_CUTOFF",
    "INTERMITTENT_CLASSES",
    "NO_DEMAND",
    "classify",
    "demand_classes",
]

ADI_CUTOFF: Final = 1.32
CV2_CUTOFF: Final = 0.49
CLASSES: Final = ("smooth", "erratic", "intermittent", "lumpy")
INTERMITTENT_CLASSES: Final = frozenset({"intermittent", "lumpy"})
NO_DEMAND: Final = "none"


def classify(adi: float, cv2: float) -> str:
    """The Syntetos-Boylan class of one series from its ADI and CV² ('none' when ADI is inf)."""
    if not np.isfinite(adi):
        return NO_DEMAND
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    if frequent:
        return "smooth" if steady else "erratic"
    return "intermittent" if steady else "lumpy"


def demand_classes(df: pd.DataFrame) -> pd.DataFrame:
    """Per series of a long frame (unique_id, y): n_periods, n_demands, adi, cv2 and class.

    Indexed by unique_id (sorted). Negative values count as no demand.
    """
    if ID not in df.columns or TARGET not in df.columns:
        raise ValueError(f"demand_classes needs the columns {ID} and {TARGET}")
    y = df[TARGET].to_numpy(dtype=np.float64)
    frame = pd.DataFrame({ID: df[ID].to_numpy(), "y": np.where(y > 0, y, np.nan)})
    grouped = frame.groupby(ID, sort=True)["y"]
    n_periods = grouped.size()
    n_demands = grouped.count()  # non-NaN = positive demand
    mean = grouped.mean()
    std = grouped.std(ddof=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = n_periods.astype(np.float64) / n_demands.astype(np.float64)
        cv2 = (std / mean) ** 2
    adi = adi.where(n_demands > 0, np.inf)
    cv2 = cv2.where(n_demands > 0, np.nan).where(n_demands != 1, 0.0)
    out = pd.DataFrame(
        {
            "n_periods": n_periods.astype(np.int64),
            "n_demands": n_demands.astype(np.int64),
            "adi": adi.astype(np.float64),
            "cv2": cv2.astype(np.float64),
        }
    )
    out["class"] = [classify(a, c) for a, c in zip(out["adi"], out["cv2"], strict=True)]
    out.index.name = ID
    return out
