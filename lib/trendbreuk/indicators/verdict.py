"""Where an area stands, where its gap is heading, and when we will know.

- compare_with_benchmark: as the public-health profiles do it (PHE Fingertips): the benchmark value outside the
  area's 99.8% interval is a clear difference, outside its 95% interval a difference, inside it "gelijk"; too few
  events, or no interval, is "niet te beoordelen". Polarity decides better or worse.
- recent_trend: weighted least squares (weights 1/SE^2) of the value on time over the most recent 3 to 5
  non-overlapping periods; a trend is marked when the slope is significant at 99.8% and every leave-one-out fit
  keeps its sign and stays significant at 95% (robust to one odd point).
- project_gap: weighted linear regression of the gap on time from the baseline on, extrapolated to 2030. The
  standard error combines sampling error (the weights) and lack of fit (the covariance is multiplied by the
  residual variance factor when that exceeds 1, as in meta-regression). The target is judged against the
  baseline as estimated by the same line: the target is met when c = g(2030) - (1 - share) g(t_baseline) <= 0,
  and P = Phi(-c / SE(c)) with SE(c) from the regression covariance. Using the observed baseline instead would
  let one noisy baseline year decide the verdict (regression to the mean).
- verdict: doel bereikt / op koers / versnelling nodig / achterstand groeit / geen achterstand / onvoldoende
  gegevens, from that probability (see VERDICT_RULES below and docs/methode.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

Z95 = norm.ppf(0.975)
Z998 = norm.ppf(0.999)
ON_TRACK = 0.8   # P(target met) at or above this: op koers
OFF_TRACK = 0.2  # at or below this: versnelling nodig; in between: too uncertain to say

VERDICTS = {
    "doel_bereikt": "doel bereikt",
    "op_koers": "op koers",
    "versnelling_nodig": "versnelling nodig",
    "achterstand_groeit": "achterstand groeit",
    "geen_achterstand": "geen achterstand",
    "onvoldoende_gegevens": "onvoldoende gegevens",
}
VERDICT_RULES = (
    "geen achterstand: de achterstand bij de start was 0 of kleiner; "
    "onvoldoende gegevens: geen startwaarde, minder dan 3 meetpunten vanaf de start, of een kans op het doel tussen "
    f"{OFF_TRACK:.0%} en {ON_TRACK:.0%} (te onzeker om te oordelen); "
    "doel bereikt: de laatste achterstand ligt al op of onder het doel voor 2030 en de kans is minstens "
    f"{ON_TRACK:.0%}; op koers: kans minstens {ON_TRACK:.0%}; achterstand groeit: de achterstand neemt "
    f"aantoonbaar toe (95%); versnelling nodig: kans hoogstens {OFF_TRACK:.0%}."
)


def compare_with_benchmark(value, lower95, upper95, lower998, upper998, benchmark, *, higher_is_better: bool,
                           enough_data: bool = True) -> tuple[str, str]:
    """('beter' | 'gelijk' | 'slechter' | 'niet_te_beoordelen', '99,8%' | '95%' | '')."""
    numbers = (value, lower95, upper95, benchmark)
    if not enough_data or any(x is None or not math.isfinite(x) for x in numbers):
        return "niet_te_beoordelen", ""
    if lower998 is not None and math.isfinite(lower998) and not lower998 <= benchmark <= upper998:
        level = "99,8%"
    elif not lower95 <= benchmark <= upper95:
        level = "95%"
    else:
        return "gelijk", ""
    higher = value > benchmark
    return ("beter" if higher == higher_is_better else "slechter"), level


def _wls(t: np.ndarray, y: np.ndarray, se: np.ndarray, centre: float):
    """Weighted least squares y = a + b (t - centre) with weights 1/SE^2, in closed form (the same estimates as
    statsmodels.WLS, without its per-fit overhead; tests/test_verdict.py checks the two agree). Returns
    (a, b, covariance); the covariance is the sampling covariance inv(X'WX), multiplied by the over-dispersion
    factor sum(w r^2)/(n - 2) when that exceeds 1."""
    x = np.column_stack([np.ones_like(t), t - centre])
    w = 1 / se**2
    xtwx = x.T @ (x * w[:, None])
    cov = np.linalg.inv(xtwx)
    a, b = cov @ (x.T @ (w * y))
    n = len(t)
    scale = float(np.sum(w * (y - a - b * (t - centre)) ** 2) / (n - 2)) if n > 2 else 1.0
    return float(a), float(b), cov * max(1.0, scale)


@dataclass(frozen=True)
class Trend:
    direction: str  # 'stijgend' | 'dalend' | 'geen' | 'niet_te_beoordelen'
    slope: float
    points: int


def recent_trend(t, value, se, *, max_points: int = 5) -> Trend:
    """The recent trend of a value (not the gap): see the module docstring."""
    t, value, se = (np.asarray(a, dtype=float) for a in (t, value, se))
    ok = np.isfinite(t) & np.isfinite(value) & np.isfinite(se) & (se > 0)
    t, value, se = t[ok][-max_points:], value[ok][-max_points:], se[ok][-max_points:]
    if len(t) < 3:
        return Trend("niet_te_beoordelen", math.nan, len(t))
    _, slope, cov = _wls(t, value, se, t.mean())
    if abs(slope) / math.sqrt(cov[1, 1]) < Z998:
        return Trend("geen", slope, len(t))
    if len(t) >= 4:
        for drop in range(len(t)):
            keep = np.arange(len(t)) != drop
            _, s, c = _wls(t[keep], value[keep], se[keep], t[keep].mean())
            if np.sign(s) != np.sign(slope) or abs(s) / math.sqrt(c[1, 1]) < Z95:
                return Trend("geen", slope, len(t))
    return Trend("stijgend" if slope > 0 else "dalend", slope, len(t))


@dataclass(frozen=True)
class Projection:
    gap_2030: float      # the line's gap in the target year
    se: float            # its standard error
    baseline_fit: float  # the line's gap at the baseline
    slope: float
    slope_se: float
    probability: float   # P(gap in the target year <= (1 - share) x baseline gap of the line)
    points: int


def project_gap(t, gap, se, *, t_baseline: float, share: float = 0.25, target_year: float = 2030) -> Projection | None:
    """Weighted linear projection of the gap to the target year; None with fewer than 3 usable points."""
    t, gap, se = (np.asarray(a, dtype=float) for a in (t, gap, se))
    ok = np.isfinite(t) & np.isfinite(gap) & np.isfinite(se) & (se > 0)
    t, gap, se = t[ok], gap[ok], se[ok]
    if len(t) < 3:
        return None
    intercept, slope, cov = _wls(t, gap, se, target_year)
    baseline_fit = intercept + slope * (t_baseline - target_year)
    # c = g(T) - (1 - share) g(t_b) = share * a - (1 - share) * b * (t_b - T), linear in (a, b).
    v = np.array([share, -(1 - share) * (t_baseline - target_year)])
    c = share * intercept - (1 - share) * slope * (t_baseline - target_year)
    c_se = math.sqrt(float(v @ cov @ v))
    probability = float(norm.cdf(-c / c_se)) if baseline_fit > 0 else math.nan
    return Projection(intercept, math.sqrt(cov[0, 0]), baseline_fit, slope, math.sqrt(cov[1, 1]), probability, len(t))


def chance_percent(p: float) -> str:
    """A probability in whole percents, never "0%" or "100%": a projection is never certain."""
    percent = math.floor(100 * p + 0.5)
    if percent < 1:
        return "<1%"
    if percent > 99:
        return ">99%"
    return f"{percent}%"


def verdict(baseline_gap: float | None, latest_gap: float | None, target_gap: float | None,
            projection: Projection | None) -> tuple[str, str]:
    """(verdict key, reason in Dutch)."""
    if baseline_gap is None or not math.isfinite(baseline_gap):
        return "onvoldoende_gegevens", "geen startwaarde"
    if baseline_gap <= 0:
        return "geen_achterstand", "geen achterstand bij de start"
    if projection is None:
        return "onvoldoende_gegevens", "minder dan 3 meetpunten vanaf de start"
    p = projection.probability
    if not math.isfinite(p):
        return "onvoldoende_gegevens", "volgens de trendlijn was er bij de start geen achterstand; te onzeker om te oordelen"
    chance = f"kans op het doel {chance_percent(p)}"
    if p >= ON_TRACK and latest_gap is not None and latest_gap <= target_gap:
        return "doel_bereikt", chance
    if p >= ON_TRACK:
        return "op_koers", chance
    if projection.slope > 0 and projection.slope / projection.slope_se > Z95:
        return "achterstand_groeit", chance
    if p <= OFF_TRACK:
        return "versnelling_nodig", chance
    return "onvoldoende_gegevens", f"te onzeker om te oordelen ({chance})"


def decompose(area_base: float, area_now: float, bench_base: float, bench_now: float, orientation: int):
    """Change of the gap = part due to the area + part due to the benchmark (both in the gap's orientation:
    negative numbers shrink the gap)."""
    due_to_area = orientation * (area_now - area_base)
    due_to_benchmark = -orientation * (bench_now - bench_base)
    return due_to_area + due_to_benchmark, due_to_area, due_to_benchmark


def year_known(last_data_year: int, step: int, publication_lag: int, target_year: int = 2030) -> int:
    """The year in which the figure covering the target year is published: periods end every `step` years
    from the last data year on; the first that reaches the target year, plus the publication lag."""
    if step < 1:
        raise ValueError(f"step must be at least 1 year, not {step}")
    end = last_data_year
    while end < target_year:
        end += step
    return end + publication_lag
