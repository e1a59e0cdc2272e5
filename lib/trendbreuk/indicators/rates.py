"""Rates (events per population or per person-time) with Byar's approximation to the exact Poisson interval,
and the exact (Garwood) Poisson interval below 10 events, as the UK public-health profiles do.

Byar's method: Breslow NE, Day NE (1987). Statistical Methods in Cancer Research II, IARC, p.69:
    lower = O (1 - 1/(9 O) - z / (3 sqrt O))^3,  upper = (O+1) (1 - 1/(9 (O+1)) + z / (3 sqrt(O+1)))^3
Exact interval: Garwood F (1936) Biometrika 28:437 via the chi-square distribution (scipy.stats.chi2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from trendbreuk.indicators.proportions import counts_of

EXACT_BELOW = 10


def byar_interval(events: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's interval for a Poisson count (not divided by the denominator).

    For very small counts at high confidence the approximation's lower limit turns negative (a count of 1 at
    99.8%: 1 - 1/9 - 3.09/3 < 0); there the exact (Garwood) lower limit is returned instead, so the limit is never
    below 0. `calculate_rate` uses the exact interval below 10 events anyway."""
    o = np.asarray(events, dtype=float)
    z = norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = 1 - 1 / (9 * o) - z / (3 * np.sqrt(o))
        lower = np.where(o > 0, o * base**3, 0.0)
    lower = np.where((o > 0) & ~(base > 0), exact_poisson_interval(o, confidence)[0], lower)
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def exact_poisson_interval(events: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for a Poisson count."""
    o = np.asarray(events, dtype=float)
    alpha = 1 - confidence
    lower = np.where(o > 0, chi2.ppf(alpha / 2, 2 * o) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
    return lower, upper


def calculate_rate(frame: pd.DataFrame, *, multiplier: float = 1000.0, confidence: float = 0.95) -> pd.DataFrame:
    """Add value, lower_ci, upper_ci, confidence, statistic and method to rows with numerator (events) and
    denominator (population or person-years). Exact Poisson below 10 events, Byar from 10 on."""
    out = frame.copy()
    o, n = counts_of(out, confidence)
    ok = np.isfinite(o) & np.isfinite(n) & (n > 0)
    lo_b, hi_b = byar_interval(np.where(ok, o, 0), confidence)
    lo_e, hi_e = exact_poisson_interval(np.where(ok, o, 0), confidence)
    exact = o < EXACT_BELOW
    lower = np.where(exact, lo_e, lo_b)
    upper = np.where(exact, hi_e, hi_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(ok, o / n * multiplier, np.nan)
        out["lower_ci"] = np.where(ok, lower / n * multiplier, np.nan)
        out["upper_ci"] = np.where(ok, upper / n * multiplier, np.nan)
    out["confidence"] = confidence
    out["statistic"] = "rate"
    out["method"] = np.where(exact, "exact Poisson (Garwood)", "Byar")
    out["missing_reason"] = np.where(
        ok, None, np.where(np.isfinite(n) & (n == 0), "noemer is 0", "teller of noemer ontbreekt")
    )
    return out
