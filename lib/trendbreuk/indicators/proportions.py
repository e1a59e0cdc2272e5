"""Proportions with Wilson score confidence intervals.

Wilson, E.B. (1927) Probable inference, the law of succession, and statistical inference. JASA 22:209-212.
Computed by statsmodels (proportion_confint, method='wilson'); see also Newcombe (1998) Stat Med 17:857-872,
whose example 81/263 gives 0.2553 to 0.3662.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

METHOD = "Wilson score"


def counts_of(frame: pd.DataFrame, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators as float arrays, after checking the confidence level and that no count is
    negative (shared by every statistic computed from counts)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    num = pd.to_numeric(frame["numerator"], errors="coerce").to_numpy(dtype=float)
    den = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(dtype=float)
    if np.any(num < 0) or np.any(den < 0):
        raise ValueError(f"negative counts in rows {list(frame.index[(num < 0) | (den < 0)][:5])}")
    return num, den


def calculate_proportion(frame: pd.DataFrame, *, multiplier: float = 100.0, confidence: float = 0.95) -> pd.DataFrame:
    """Add value, lower_ci, upper_ci, confidence, statistic and method to rows with numerator and denominator.

    A missing or zero denominator gives no value (and says why in `missing_reason`); a numerator larger than
    its denominator is an error that names the row.
    """
    out = frame.copy()
    num, den = counts_of(out, confidence)
    too_big = num > den
    if np.any(too_big):
        bad = out.loc[too_big].iloc[0]
        raise ValueError(
            f"numerator {bad['numerator']} exceeds denominator {bad['denominator']} "
            f"({', '.join(f'{k}={bad[k]}' for k in ('indicator', 'area_code', 'period') if k in out.columns)})"
        )
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    value = np.full(len(out), np.nan)
    lower = np.full(len(out), np.nan)
    upper = np.full(len(out), np.nan)
    if ok.any():
        value[ok] = num[ok] / den[ok]
        lo, hi = proportion_confint(num[ok], den[ok], alpha=1 - confidence, method="wilson")
        lower[ok], upper[ok] = lo, hi
    out["value"] = value * multiplier
    out["lower_ci"] = lower * multiplier
    out["upper_ci"] = upper * multiplier
    out["confidence"] = confidence
    out["statistic"] = "proportion"
    out["method"] = METHOD
    reason = np.where(~np.isfinite(den), "noemer ontbreekt", np.where(den == 0, "noemer is 0", None))
    reason = np.where(~np.isfinite(num) & np.isfinite(den) & (den > 0), "teller ontbreekt", reason)
    if "missing_reason" in out.columns:
        out["missing_reason"] = out["missing_reason"].where(
            out["missing_reason"].notna(), pd.Series(reason, index=out.index)
        )
    else:
        out["missing_reason"] = reason
    out.loc[ok, "missing_reason"] = None
    return out
