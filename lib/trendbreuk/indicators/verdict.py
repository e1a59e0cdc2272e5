"""Where an area stands, where its gap is heading, and when we will know.

- compare_with_benchmark: as the public-health profiles do it (PHE Fingertips): the benchmark value outside the
  area's 99.8% interval is a clear difference, outside its 95% interval a difference, inside it "gelijk"; too few
  events, or no interval, is "niet te beoordelen". Polarity decides better or worse.
- recent_trend: weighted least squares (weights 1/SE^2) of the value on time over the most recent 3 to 5
  non-overlapping periods; a trend is marked when the slope is significant at 99.8% and every leave-one-out fit
  keeps its sign and stays significant at 95% (robust to one odd point).
- project_gap: weighted linear regression of the gap on time from the baseline on, extrapolated to 2030. The
  standard error combines sampling error (the weights) and lack of fit (the covariance is multiplied by the
  residual variance factor when that exceeds 1, as in meta-regression). Everything is judged on the line, never on
  one observed point: the baseline gap is the line at the baseline (with its interval), the target is met in 2030
  when c = g(2030) - (1 - share) g(t_baseline) <= 0, and it is met already when the same holds at the latest data
  point. P = Phi(-c / SE(c)) with SE(c) from the regression covariance. (A single noisy baseline year would let
  chance decide: regression to the mean.)
- verdict: doel bereikt / op koers / versnelling nodig / achterstand groeit / geen achterstand / onvoldoende
  gegevens, designed as a test with an indifference zone (Bechhofer 1954; as in non-inferiority trials): the target
  is 25% closed by 2030; closing 10% or less counts as no real progress (NO_PROGRESS), closing 40% or more as
  clearly on track (FAST). "Op koers" needs the line's best estimate on the 25% path and the 95% interval of the
  share closed in 2030 entirely above 10%, so that a gap closing 10% or less is called "op koers" at most 2.5% of
  the time, whatever the numbers. "Versnelling nodig" is the mirror image (estimate off the path, the 95% interval
  entirely below 40%).
  "Geen achterstand" needs a baseline (on the line) whose 95% interval lies below zero. Calibrated on simulated
  series with a known truth (trendbreuk.indicators.calibration, docs/kalibratie.md).
- years_needed: a power calculation for "onvoldoende gegevens": the first data year at which, with the area's own
  precision, a gap closing 40% by 2030 would be called "op koers" with 80% probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

Z95 = norm.ppf(0.975)
Z998 = norm.ppf(0.999)
NO_PROGRESS = 0.10   # closing this share of the gap by 2030, or less, is no real progress
FAST = 0.40          # closing this share or more is clearly on track
POWER = 0.80         # years_needed: the chance of a verdict that the power calculation asks for
Z_EVIDENCE = Z95     # a claim needs the 95% interval (as shown in every chart) on one side of the margin

VERDICTS = {
    "doel_bereikt": "doel bereikt",
    "op_koers": "op koers",
    "versnelling_nodig": "versnelling nodig",
    "achterstand_groeit": "achterstand groeit",
    "geen_achterstand": "geen achterstand",
    "onvoldoende_gegevens": "onvoldoende gegevens",
}
VERDICT_RULES = (
    "alle oordelen rusten op een trendlijn door de achterstanden sinds de start, niet op één meting, en op de "
    "95%-marge van die lijn; geen achterstand: volgens de lijn lag de achterstand bij de start duidelijk onder nul; "
    f"op koers: volgens de lijn wordt in 2030 een kwart ingelopen, en in elk geval meer dan {NO_PROGRESS:.0%}; doel "
    "bereikt: bovendien is dat kwart nu al ingelopen; achterstand groeit: de achterstand neemt aantoonbaar toe; "
    f"versnelling nodig: volgens de lijn wordt het doel niet gehaald, en in elk geval minder dan {FAST:.0%} ingelopen; "
    "onvoldoende gegevens: geen startwaarde, "
    "minder dan 3 meetpunten, geen duidelijke achterstand bij de start, of te onzeker; dan staat erbij met cijfers tot "
    "welk jaar een oordeel wel mogelijk is."
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


def _wls(t: np.ndarray, y: np.ndarray, se: np.ndarray, centre: float, with_scale: bool = False):
    """Weighted least squares y = a + b (t - centre) with weights 1/SE^2, in closed form (the same estimates as
    statsmodels.WLS, without its per-fit overhead; tests/test_verdict.py checks the two agree). Returns
    (a, b, covariance[, scale]); the covariance is the sampling covariance inv(X'WX), multiplied by the over-dispersion
    factor sum(w r^2)/(n - 2) when that exceeds 1."""
    x = np.column_stack([np.ones_like(t), t - centre])
    w = 1 / se**2
    xtwx = x.T @ (x * w[:, None])
    cov = np.linalg.inv(xtwx)
    a, b = cov @ (x.T @ (w * y))
    n = len(t)
    scale = max(1.0, float(np.sum(w * (y - a - b * (t - centre)) ** 2) / (n - 2)) if n > 2 else 1.0)
    if with_scale:
        return float(a), float(b), cov * scale, scale
    return float(a), float(b), cov * scale


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
    """The weighted line through the gaps since the baseline: g(t) = a + b (t - target_year)."""

    coefficients: np.ndarray  # (a, b)
    cov: np.ndarray           # their covariance, over-dispersion included
    t_baseline: float
    target_year: float
    share: float              # the target: this share of the baseline gap closed by the target year
    points: int
    t_first: float
    t_last: float
    scale: float              # the over-dispersion factor applied to the covariance (1 when none)

    def at(self, t: float) -> tuple[float, float]:
        """The line's gap at time t and its standard error."""
        x = np.array([1.0, t - self.target_year])
        return float(x @ self.coefficients), math.sqrt(float(x @ self.cov @ x))

    def contrast(self, share: float, t: float | None = None) -> tuple[float, float]:
        """c = g(t) - (1 - share) g(t_baseline) (negative: more than `share` of the gap closed at t) and its SE."""
        v = _contrast(share, self.target_year if t is None else t, self.t_baseline, self.target_year)
        return float(v @ self.coefficients), math.sqrt(float(v @ self.cov @ v))

    @property
    def gap_2030(self) -> float:
        return self.at(self.target_year)[0]

    @property
    def se(self) -> float:
        return self.at(self.target_year)[1]

    @property
    def baseline_fit(self) -> float:
        return self.at(self.t_baseline)[0]

    @property
    def baseline_se(self) -> float:
        return self.at(self.t_baseline)[1]

    @property
    def slope(self) -> float:
        return float(self.coefficients[1])

    @property
    def slope_se(self) -> float:
        return math.sqrt(float(self.cov[1, 1]))

    @property
    def probability(self) -> float:
        """P(the target is met in the target year), from the line; NaN when the line has no gap at the baseline."""
        if self.baseline_fit <= 0:
            return math.nan
        c, se = self.contrast(self.share)
        return float(norm.cdf(-c / se))

    @property
    def probability_now(self) -> float:
        """P(the target share is already closed at the latest data point)."""
        if self.baseline_fit <= 0:
            return math.nan
        c, se = self.contrast(self.share, self.t_last)
        return float(norm.cdf(-c / se))

    def closes_more_than(self, share: float, t: float | None = None) -> bool:
        """The 95% interval says more than `share` of the gap is closed at t (default: the target year)."""
        c, se = self.contrast(share, t)
        return c + Z_EVIDENCE * se < 0

    def closes_less_than(self, share: float, t: float | None = None) -> bool:
        c, se = self.contrast(share, t)
        return c - Z_EVIDENCE * se > 0

    @property
    def clearly_no_gap(self) -> bool:
        return self.baseline_fit + Z95 * self.baseline_se < 0

    @property
    def clear_gap(self) -> bool:
        return self.baseline_fit - Z95 * self.baseline_se > 0


def _contrast(share: float, t: float, t_baseline: float, target_year: float) -> np.ndarray:
    """v such that v . (a, b) = g(t) - (1 - share) g(t_baseline) for the line g(x) = a + b (x - target_year)."""
    return np.array([share, (t - target_year) - (1 - share) * (t_baseline - target_year)])


def project_gap(t, gap, se, *, t_baseline: float, share: float = 0.25, target_year: float = 2030) -> Projection | None:
    """Weighted linear projection of the gap to the target year; None with fewer than 3 usable points."""
    t, gap, se = (np.asarray(a, dtype=float) for a in (t, gap, se))
    ok = np.isfinite(t) & np.isfinite(gap) & np.isfinite(se) & (se > 0)
    t, gap, se = t[ok], gap[ok], se[ok]
    if len(t) < 3:
        return None
    intercept, slope, cov, scale = _wls(t, gap, se, target_year, with_scale=True)
    return Projection(np.array([intercept, slope]), cov, float(t_baseline), float(target_year), share, len(t),
                      float(t.min()), float(t.max()), scale)


def years_needed(t, se, *, t_baseline: float, baseline_gap: float, step: int = 1, share: float = 0.25,
                 target_year: float = 2030, scale: float = 1.0, horizon: int = 10) -> float | None:
    """The first period midpoint (data up to and including it) at which a verdict becomes likely: with future points
    every `step` years at the precision of the latest point, the SE of the contrast drops to
    (FAST - NO_PROGRESS) x baseline_gap / (z_0.975 + z_0.80), so that a gap closing FAST (40%) by the target year
    is called "op koers" with 80% probability. None when no baseline gap is there to close, or when even `horizon`
    years after the target year would not suffice. A standard power calculation for a one-sided test at 2.5% (e.g.
    Fleiss, Statistical Methods for Rates and Proportions, ch. 4) with the area's own standard errors."""
    t, se = (np.asarray(a, dtype=float) for a in (t, se))
    ok = np.isfinite(t) & np.isfinite(se) & (se > 0)
    t, se = t[ok], se[ok]
    if not (baseline_gap and baseline_gap > 0) or len(t) == 0:
        return None
    wanted = (FAST - NO_PROGRESS) * baseline_gap / (Z_EVIDENCE + norm.ppf(POWER))
    future_se = float(np.median(se[-3:]))
    v = _contrast(NO_PROGRESS, target_year, t_baseline, target_year)
    points, errors = list(t), list(se)
    last = float(t.max())
    while True:
        if len(points) >= 3:
            x = np.column_stack([np.ones(len(points)), np.array(points) - target_year])
            cov = np.linalg.inv(x.T @ (x / np.array(errors)[:, None] ** 2)) * max(1.0, scale)
            if math.sqrt(float(v @ cov @ v)) <= wanted:
                return last
        last += step
        if last > target_year + horizon:
            return None
        points.append(last)
        errors.append(future_se)


def chance_percent(p: float) -> str:
    """A probability in whole percents, never "0%" or "100%": a projection is never certain."""
    percent = math.floor(100 * p + 0.5)
    if percent < 1:
        return "<1%"
    if percent > 99:
        return ">99%"
    return f"{percent}%"


def _span(projection: Projection) -> str:
    first, last = int(round(projection.t_first)), int(round(projection.t_last))
    return f"trendlijn door {projection.points} meetpunten ({first}–{last})"


def verdict(baseline_gap: float | None, projection: Projection | None, *, baseline_upper: float | None = None,
            data_until: int | None = None, known_in: int | None = None, beyond_reach: bool = False) -> tuple[str, str]:
    """(verdict key, reason in Dutch). `baseline_gap` and `baseline_upper` (its 95% upper bound) are the observed gap
    at the baseline, used only when there is no line. For the reason of "onvoldoende gegevens": `data_until` and
    `known_in` from years_needed, or `beyond_reach` when years_needed found no year."""
    def more_data(text: str) -> tuple[str, str]:
        if data_until is not None:
            when = f" (bekend in {known_in})" if known_in else ""
            text += f"; met de huidige aantallen is een oordeel te verwachten met cijfers tot en met {data_until}{when}"
        elif beyond_reach:
            text += "; ook met cijfers tot ver na 2030 niet: de aantallen zijn te klein, kijk naar subregio of regio"
        return "onvoldoende_gegevens", text

    if baseline_gap is None or not math.isfinite(baseline_gap):
        return "onvoldoende_gegevens", "geen startwaarde"
    if projection is None:
        if baseline_upper is not None and math.isfinite(baseline_upper) and baseline_upper < 0:
            return "geen_achterstand", "bij de start duidelijk geen achterstand (95%-marge onder nul); te weinig meetpunten voor een trendlijn"
        return more_data("minder dan 3 meetpunten vanaf de start")
    basis = _span(projection)
    if projection.clearly_no_gap:
        return "geen_achterstand", f"{basis}: bij de start duidelijk geen achterstand (95%-marge onder nul)"
    if not projection.clear_gap:
        return more_data(f"{basis}: bij de start geen duidelijke achterstand om in te lopen (95%-marge rond nul)")
    p = projection.probability
    chance = f"kans op het doel {chance_percent(p)}"
    on_path = p >= 0.5  # the line's best estimate closes at least the target share by the target year
    if on_path and projection.closes_more_than(NO_PROGRESS):
        if projection.probability_now >= 0.5 and projection.closes_more_than(NO_PROGRESS, projection.t_last):
            return "doel_bereikt", f"{basis}: een kwart van de achterstand is nu al ingelopen; {chance}"
        return "op_koers", f"{basis}; {chance}"
    if projection.slope > 0 and projection.slope / projection.slope_se > Z95:
        return "achterstand_groeit", f"{basis}: de achterstand neemt aantoonbaar toe; {chance}"
    if not on_path and projection.closes_less_than(FAST):
        return "versnelling_nodig", f"{basis}; {chance}"
    return more_data(f"{basis}: te onzeker om te oordelen ({chance})")


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
