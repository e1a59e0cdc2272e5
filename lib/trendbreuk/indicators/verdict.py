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

Each function also comes in a form for many series at once (compare_with_benchmarks, recent_trends, project_gaps,
years_needed_all, verdicts): one series per row of 2-D arrays, shorter series padded with NaN. `assess` judges every
series of a build that way (a national build has some 21,000); the one-series functions above are those with one row.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr
from scipy.stats import norm

Z95 = norm.ppf(0.975)
Z998 = norm.ppf(0.999)
NO_PROGRESS = 0.10  # closing this share of the gap by 2030, or less, is no real progress
FAST = 0.40  # closing this share or more is clearly on track
POWER = 0.80  # years_needed: the chance of a verdict that the power calculation asks for
Z_EVIDENCE = Z95  # a claim needs the 95% interval (as shown in every chart) on one side of the margin
ZERO = 1e-9  # a line's gap closer to zero than this is zero (rounding noise of the fit, not a gap to close)

VERDICTS = {
    "doel_bereikt": "doel bereikt",
    "op_koers": "op koers",
    "versnelling_nodig": "versnelling nodig",
    "achterstand_groeit": "achterstand groeit",
    "geen_achterstand": "geen achterstand",
    "onvoldoende_gegevens": "onvoldoende gegevens",
}
VERDICT_RULES = (
    "Alle oordelen voor 2030 rusten op een trendlijn door de achterstanden sinds de start, niet op één meting, en op de "
    "95%-marge van die lijn; geen achterstand: volgens de lijn lag de achterstand bij de start duidelijk onder nul; "
    f"op koers: volgens de lijn wordt in 2030 een kwart ingelopen, en in elk geval meer dan {NO_PROGRESS:.0%}; doel "
    "bereikt: bovendien is dat kwart nu al ingelopen; achterstand groeit: de achterstand neemt aantoonbaar toe; "
    f"versnelling nodig: volgens de lijn wordt het doel niet gehaald, en in elk geval minder dan {FAST:.0%} ingelopen; "
    "onvoldoende gegevens: geen startwaarde (er staat bij waarom: de reeks begint pas na het startjaar, bij een wijk "
    "of buurt soms door een nieuwe indeling, of het cijfer van het startjaar ontbreekt), "
    "minder dan 3 meetpunten, geen duidelijke achterstand bij de start, of te onzeker; dan staat erbij met cijfers tot "
    "welk jaar een oordeel wel mogelijk is."
)


def compare_with_benchmark(
    value, lower95, upper95, lower998, upper998, benchmark, *, higher_is_better: bool, enough_data: bool = True
) -> tuple[str, str]:
    """('beter' | 'gelijk' | 'slechter' | 'niet_te_beoordelen', '99,8%' | '95%' | '')."""
    comparison, level = compare_with_benchmarks(
        value,
        lower95,
        upper95,
        lower998,
        upper998,
        benchmark,
        higher_is_better=higher_is_better,
        enough_data=enough_data,
    )
    return str(comparison[0]), str(level[0])


def compare_with_benchmarks(
    value, lower95, upper95, lower998, upper998, benchmark, *, higher_is_better, enough_data=True
) -> tuple[np.ndarray, np.ndarray]:
    """compare_with_benchmark for arrays of areas at once (polarity and enough_data per area or for all)."""
    value, lower95, upper95, lower998, upper998, benchmark = np.broadcast_arrays(
        *(_floats(x) for x in (value, lower95, upper95, lower998, upper998, benchmark))
    )
    judgeable = np.asarray(enough_data, dtype=bool) & np.isfinite([value, lower95, upper95, benchmark]).all(axis=0)
    with np.errstate(invalid="ignore"):
        strict = np.isfinite(lower998) & ~((lower998 <= benchmark) & (benchmark <= upper998))
        wide = ~((lower95 <= benchmark) & (benchmark <= upper95))
        better = (value > benchmark) == np.asarray(higher_is_better, dtype=bool)
    differs = judgeable & (strict | wide)
    comparison = np.where(
        ~judgeable, "niet_te_beoordelen", np.where(~differs, "gelijk", np.where(better, "beter", "slechter"))
    ).astype(object)
    level = np.where(differs & strict, "99,8%", np.where(differs, "95%", "")).astype(object)
    return comparison, level


def _floats(x) -> np.ndarray:
    """At least one dimension, floats, None as NaN."""
    return np.atleast_1d(np.asarray(np.nan if x is None else x, dtype=float))


def _rows(*arrays) -> list[np.ndarray]:
    """One series per row: a 1-D series becomes one row."""
    return [np.atleast_2d(np.asarray(a, dtype=float)) for a in arrays]


@dataclass(frozen=True)
class Lines:
    """Weighted least-squares lines y = a + b (t - centre), one per series; the covariance includes the
    over-dispersion factor (scale). Arrays with one element per series."""

    a: np.ndarray
    b: np.ndarray
    var_a: np.ndarray
    cov_ab: np.ndarray
    var_b: np.ndarray
    scale: np.ndarray
    n: np.ndarray  # points used


def fit_lines(t, y, se, centre) -> Lines:
    """Weighted least squares y = a + b (t - centre) with weights 1/SE^2, for many series at once (one per row of the
    2-D arrays t, y, se; a point with a missing value or an SE that is not positive is left out), in closed form
    (the same estimates as statsmodels.WLS; tests/test_verdict.py checks the two agree). The covariance is the
    sampling covariance inv(X'WX), multiplied by the over-dispersion factor sum(w r^2)/(n - 2) when that exceeds 1
    (as in meta-regression). A series with fewer than 2 points gets NaN."""
    t, y, se = _rows(t, y, se)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(t) & np.isfinite(y) & np.isfinite(se) & (se > 0)
        w = np.where(ok, 1 / np.where(ok, se, 1.0) ** 2, 0.0)
        x = np.where(ok, t - np.reshape(centre, (-1, 1)), 0.0)
        y = np.where(ok, y, 0.0)
        s0, s1, s2 = w.sum(axis=1), (w * x).sum(axis=1), (w * x * x).sum(axis=1)
        sy, sxy = (w * y).sum(axis=1), (w * x * y).sum(axis=1)
        det = s0 * s2 - s1 * s1
        a = (s2 * sy - s1 * sxy) / det
        b = (s0 * sxy - s1 * sy) / det
        n = ok.sum(axis=1)
        residual = (w * (y - a[:, None] - b[:, None] * x) ** 2).sum(axis=1)
        scale = np.where(n > 2, np.maximum(1.0, residual / np.maximum(n - 2, 1)), 1.0)
        return Lines(a, b, s2 / det * scale, -s1 / det * scale, s0 / det * scale, scale, n)


def _last_points(ok: np.ndarray, count: int) -> np.ndarray:
    """Per row, the last `count` of the points marked ok."""
    from_end = np.cumsum(ok[:, ::-1], axis=1)[:, ::-1]  # 1 for the last ok point, 2 for the one before, ...
    return ok & (from_end <= count)


@dataclass(frozen=True)
class Trend:
    direction: str  # 'stijgend' | 'dalend' | 'geen' | 'niet_te_beoordelen'
    slope: float
    points: int


def recent_trend(t, value, se, *, max_points: int = 5) -> Trend:
    """The recent trend of a value (not the gap): see the module docstring."""
    direction, slope, points = recent_trends(t, value, se, max_points=max_points)
    return Trend(str(direction[0]), float(slope[0]), int(points[0]))


def recent_trends(t, value, se, *, max_points: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """recent_trend for many series at once (one per row): (direction, slope, points) arrays."""
    t, value, se = _rows(t, value, se)
    with np.errstate(invalid="ignore"):
        keep = _last_points(np.isfinite(t) & np.isfinite(value) & np.isfinite(se) & (se > 0), max_points)
    points = keep.sum(axis=1)
    centre = np.where(keep, t, 0.0).sum(axis=1) / np.maximum(points, 1)
    fit = fit_lines(np.where(keep, t, np.nan), value, se, centre)
    with np.errstate(invalid="ignore", divide="ignore"):
        robust = (points >= 3) & (np.abs(fit.b) / np.sqrt(fit.var_b) >= Z998)
        # Every leave-one-out fit (from 4 points on) keeps the sign and stays significant at 95%.
        order = np.cumsum(keep, axis=1)  # 1 for the first kept point, ...
        for drop in range(1, max_points + 1):
            applies = (points >= 4) & (drop <= points)
            kept = keep & (order != drop)
            centre = np.where(kept, t, 0.0).sum(axis=1) / np.maximum(points - 1, 1)
            loo = fit_lines(np.where(kept, t, np.nan), value, se, centre)
            fails = (np.sign(loo.b) != np.sign(fit.b)) | ~(np.abs(loo.b) / np.sqrt(loo.var_b) >= Z95)
            robust &= ~(applies & fails)
    direction = np.where(
        points < 3, "niet_te_beoordelen", np.where(~robust, "geen", np.where(fit.b > 0, "stijgend", "dalend"))
    ).astype(object)
    return direction, np.where(points < 3, np.nan, fit.b), points


def _one(x):
    """A 0-d result as a scalar (np.float64, np.bool_); arrays unchanged."""
    return x[()] if isinstance(x, np.ndarray) else x


@dataclass(frozen=True)
class Projection:
    """The weighted line through the gaps since the baseline: g(t) = a + b (t - target_year), for one series (float
    fields) or many (array fields, NaN for a series with fewer than 3 points)."""

    a: np.ndarray
    b: np.ndarray
    var_a: np.ndarray  # covariance of (a, b), over-dispersion included
    cov_ab: np.ndarray
    var_b: np.ndarray
    t_baseline: np.ndarray
    target_year: float
    share: float  # the target: this share of the baseline gap closed by the target year
    points: np.ndarray
    t_first: np.ndarray
    t_last: np.ndarray
    scale: np.ndarray  # the over-dispersion factor applied to the covariance (1 when none)

    def at(self, t) -> tuple:
        """The line's gap at time t and its standard error."""
        x = np.asarray(t, dtype=float) - self.target_year
        with np.errstate(invalid="ignore"):
            return _one(self.a + self.b * x), _one(np.sqrt(self.var_a + 2 * x * self.cov_ab + x * x * self.var_b))

    def contrast(self, share: float, t=None) -> tuple:
        """c = g(t) - (1 - share) g(t_baseline) (negative: more than `share` of the gap closed at t) and its SE."""
        t = self.target_year if t is None else t
        v0, v1 = (
            share,
            (np.asarray(t, dtype=float) - self.target_year) - (1 - share) * (self.t_baseline - self.target_year),
        )
        with np.errstate(invalid="ignore"):
            return (
                _one(v0 * self.a + v1 * self.b),
                _one(np.sqrt(v0 * v0 * self.var_a + 2 * v0 * v1 * self.cov_ab + v1 * v1 * self.var_b)),
            )

    @property
    def gap_2030(self):
        return self.at(self.target_year)[0]

    @property
    def se(self):
        return self.at(self.target_year)[1]

    @property
    def baseline_fit(self):
        return self.at(self.t_baseline)[0]

    @property
    def baseline_se(self):
        return self.at(self.t_baseline)[1]

    @property
    def slope(self):
        return self.b

    @property
    def slope_se(self):
        return _one(np.sqrt(self.var_b))

    def _chance(self, t=None):
        """P(the target share is closed at t), from the line; NaN when the line has no gap at the baseline."""
        c, se = self.contrast(self.share, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _one(np.where(self.baseline_fit > ZERO, ndtr(-np.divide(c, se)), np.nan))

    @property
    def probability(self):
        """P(the target is met in the target year)."""
        return self._chance()

    @property
    def probability_now(self):
        """P(the target share is already closed at the latest data point)."""
        return self._chance(self.t_last)

    def closes_more_than(self, share: float, t=None):
        """The 95% interval says more than `share` of the gap is closed at t (default: the target year)."""
        c, se = self.contrast(share, t)
        with np.errstate(invalid="ignore"):
            return _one(np.asarray(c + Z_EVIDENCE * se < 0))

    def closes_less_than(self, share: float, t=None):
        c, se = self.contrast(share, t)
        with np.errstate(invalid="ignore"):
            return _one(np.asarray(c - Z_EVIDENCE * se > 0))

    @property
    def clearly_no_gap(self):
        with np.errstate(invalid="ignore"):
            return _one(np.asarray(self.baseline_fit + Z95 * self.baseline_se < 0))

    @property
    def clear_gap(self):
        with np.errstate(invalid="ignore"):
            return _one(np.asarray(self.baseline_fit - Z95 * self.baseline_se > 0))


def project_gap(t, gap, se, *, t_baseline: float, share: float = 0.25, target_year: float = 2030) -> Projection | None:
    """Weighted linear projection of the gap to the target year; None with fewer than 3 usable points."""
    lines = project_gaps(t, gap, se, t_baseline=t_baseline, share=share, target_year=target_year)
    if lines.points[0] < 3:
        return None
    return Projection(
        *(float(getattr(lines, f)[0]) for f in ("a", "b", "var_a", "cov_ab", "var_b", "t_baseline")),
        float(target_year),
        share,
        int(lines.points[0]),
        float(lines.t_first[0]),
        float(lines.t_last[0]),
        float(lines.scale[0]),
    )


def project_gaps(t, gap, se, *, t_baseline, share: float = 0.25, target_year: float = 2030) -> Projection:
    """project_gap for many series at once (one per row of t, gap, se; NaN where a series has no point): one
    Projection with array fields, NaN for a series with fewer than 3 usable points."""
    t, gap, se = _rows(t, gap, se)
    fit = fit_lines(t, gap, se, target_year)
    line = fit.n >= 3
    with np.errstate(invalid="ignore"):
        used = np.where(np.isfinite(t) & np.isfinite(gap) & np.isfinite(se) & (se > 0), t, np.nan)
    first = np.where(line, np.nanmin(np.where(line[:, None], used, 0.0), axis=1), np.nan)
    last = np.where(line, np.nanmax(np.where(line[:, None], used, 0.0), axis=1), np.nan)
    nan = np.where(line, 1.0, np.nan)
    return Projection(
        fit.a * nan,
        fit.b * nan,
        fit.var_a * nan,
        fit.cov_ab * nan,
        fit.var_b * nan,
        np.broadcast_to(np.asarray(t_baseline, dtype=float), fit.a.shape) * nan,
        float(target_year),
        share,
        fit.n,
        first,
        last,
        fit.scale * nan,
    )


def years_needed(
    t,
    se,
    *,
    t_baseline: float,
    baseline_gap: float,
    step: int = 1,
    share: float = 0.25,
    target_year: float = 2030,
    scale: float = 1.0,
    horizon: int = 10,
) -> float | None:
    """The first period midpoint (data up to and including it) at which a verdict becomes likely: with future points
    every `step` years at the precision of the latest point, the SE of the contrast drops to
    (FAST - NO_PROGRESS) x baseline_gap / (z_0.975 + z_0.80), so that a gap closing FAST (40%) by the target year
    is called "op koers" with 80% probability. None when no baseline gap is there to close, or when even `horizon`
    years after the target year would not suffice. A standard power calculation for a one-sided test at 2.5% (e.g.
    Fleiss, Statistical Methods for Rates and Proportions, ch. 4) with the area's own standard errors."""
    middle = years_needed_all(
        t,
        se,
        t_baseline=t_baseline,
        baseline_gap=np.nan if baseline_gap is None else baseline_gap,
        step=step,
        share=share,
        target_year=target_year,
        scale=scale,
        horizon=horizon,
    )
    return None if np.isnan(middle[0]) else float(middle[0])


def years_needed_all(
    t,
    se,
    *,
    t_baseline,
    baseline_gap,
    step=1,
    share: float = 0.25,
    target_year: float = 2030,
    scale=1.0,
    horizon: int = 10,
) -> np.ndarray:
    """years_needed for many series at once (one per row of t and se; t_baseline, baseline_gap, step and scale per
    series or for all): the years, NaN where years_needed gives None."""
    t, se = _rows(t, se)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(t) & np.isfinite(se) & (se > 0)
        count = ok.sum(axis=1)
        gap = np.broadcast_to(np.asarray(baseline_gap, dtype=float), count.shape)
        open_ = (gap > ZERO) & (count > 0)
        wanted = (FAST - NO_PROGRESS) * gap / (Z_EVIDENCE + norm.ppf(POWER))
        with warnings.catch_warnings():  # a series without points has no median: it is not open anyway
            warnings.simplefilter("ignore", RuntimeWarning)
            future_se = np.nanmedian(np.where(_last_points(ok, 3), se, np.nan), axis=1)
        # The contrast v . (a, b) for NO_PROGRESS in the target year; cov(a, b) = [[S2, -S1], [-S1, S0]] / det.
        v0 = NO_PROGRESS
        v1 = -(1 - NO_PROGRESS) * (np.asarray(t_baseline, dtype=float) - target_year)
        w = np.where(ok, 1 / np.where(ok, se, 1.0) ** 2, 0.0)
        x = np.where(ok, t - target_year, 0.0)
        s0, s1, s2 = w.sum(axis=1), (w * x).sum(axis=1), (w * x * x).sum(axis=1)
        last = np.nanmax(np.where(ok, t, -np.inf), axis=1)
        factor = np.maximum(1.0, np.asarray(scale, dtype=float))
        step = np.broadcast_to(np.asarray(step, dtype=float), count.shape)
        result = np.full(count.shape, np.nan)
        while open_.any():
            var = (v0 * v0 * s2 - 2 * v0 * v1 * s1 + v1 * v1 * s0) / (s0 * s2 - s1 * s1) * factor
            done = open_ & (count >= 3) & (np.sqrt(var) <= wanted)
            result[done] = last[done]
            open_ &= ~done
            last = last + step
            open_ &= last <= target_year + horizon
            wf, xf = 1 / future_se**2, last - target_year
            s0, s1, s2, count = s0 + wf, s1 + wf * xf, s2 + wf * xf * xf, count + 1
    return result


def chance_percent(p: float) -> str:
    """A probability in whole percents, never "0%" or "100%": a projection is never certain."""
    percent = math.floor(100 * p + 0.5)
    if percent < 1:
        return "<1%"
    if percent > 99:
        return ">99%"
    return f"{percent}%"


# The verdict rules in the order in which they are tried: (verdict, reason; "{basis}" is the line's span, "{chance}"
# the probability of the target; a reason marked True says until when more data are needed).
RULES = (
    ("onvoldoende_gegevens", "geen startwaarde", False),
    (
        "geen_achterstand",
        "bij de start duidelijk geen achterstand (95%-marge onder nul); te weinig meetpunten voor een trendlijn",
        False,
    ),
    ("onvoldoende_gegevens", "minder dan 3 meetpunten vanaf de start", True),
    ("geen_achterstand", "{basis}: bij de start duidelijk geen achterstand (95%-marge onder nul)", False),
    (
        "onvoldoende_gegevens",
        "{basis}: bij de start geen duidelijke achterstand om in te lopen (95%-marge rond nul)",
        True,
    ),
    ("doel_bereikt", "{basis}: een kwart van de achterstand is nu al ingelopen; {chance}", False),
    ("op_koers", "{basis}; {chance}", False),
    ("achterstand_groeit", "{basis}: de achterstand neemt aantoonbaar toe; {chance}", False),
    ("versnelling_nodig", "{basis}; {chance}", False),
    ("onvoldoende_gegevens", "{basis}: te onzeker om te oordelen ({chance})", True),
)


def verdict(
    baseline_gap: float | None,
    projection: Projection | None,
    *,
    baseline_upper: float | None = None,
    data_until: int | None = None,
    known_in: int | None = None,
    beyond_reach: bool = False,
) -> tuple[str, str]:
    """(verdict key, reason in Dutch). `baseline_gap` and `baseline_upper` (its 95% upper bound) are the observed gap
    at the baseline, used only when there is no line. For the reason of "onvoldoende gegevens": `data_until` and
    `known_in` from years_needed, or `beyond_reach` when years_needed found no year."""
    if projection is None:
        projection = Projection(*[np.nan] * 6, 2030.0, 0.25, 0, np.nan, np.nan, np.nan)
    keys, reasons = verdicts(
        _floats(baseline_gap),
        projection,
        baseline_upper=_floats(baseline_upper),
        data_until=_floats(data_until),
        known_in=_floats(known_in),
        beyond_reach=beyond_reach,
    )
    return str(keys[0]), reasons[0]


def verdicts(
    baseline_gap, projection: Projection, *, baseline_upper, data_until, known_in, beyond_reach
) -> tuple[np.ndarray, list[str]]:
    """verdict for many series at once: arrays per series, and a Projection with array fields (a series without a
    line has fewer than 3 points). Returns the keys and the reasons."""
    baseline_gap = np.asarray(baseline_gap, dtype=float)
    shape = baseline_gap.shape
    with np.errstate(invalid="ignore"):
        line = np.broadcast_to(np.asarray(projection.points) >= 3, shape)
        p = np.broadcast_to(np.asarray(projection.probability, dtype=float), shape)
        on_path = p >= 0.5  # the line's best estimate closes at least the target share by the target year
        progress = on_path & projection.closes_more_than(NO_PROGRESS)
        slope_z = np.asarray(projection.slope) / np.asarray(projection.slope_se)
        tried = [
            ~np.isfinite(baseline_gap),
            ~line & (np.asarray(baseline_upper, dtype=float) < 0),
            ~line,
            projection.clearly_no_gap,
            ~np.asarray(projection.clear_gap),
            progress
            & (np.asarray(projection.probability_now) >= 0.5)
            & projection.closes_more_than(NO_PROGRESS, projection.t_last),
            progress,
            (np.asarray(projection.slope) > 0) & (slope_z > Z95),
            ~on_path & projection.closes_less_than(FAST),
            np.ones(shape, dtype=bool),
        ]
    rule = np.select([np.broadcast_to(c, shape) for c in tried], range(len(RULES)))
    points, first, last = (
        np.broadcast_to(np.asarray(x), shape) for x in (projection.points, projection.t_first, projection.t_last)
    )
    data_until, known_in = (np.broadcast_to(np.asarray(x, dtype=float), shape) for x in (data_until, known_in))
    beyond_reach = np.broadcast_to(np.asarray(beyond_reach, dtype=bool), shape)
    reasons = []
    for i, r in enumerate(rule.flat):
        _, text, more_data = RULES[r]
        if "{basis}" in text:
            text = text.format(
                basis=f"trendlijn door {points.flat[i]} meetpunten "
                f"({int(round(first.flat[i]))}–{int(round(last.flat[i]))})",
                chance=f"kans op het doel {chance_percent(p.flat[i])}" if "{chance}" in text else "",
            )
        if more_data and np.isfinite(data_until.flat[i]):
            when = f" (bekend in {int(known_in.flat[i])})" if np.isfinite(known_in.flat[i]) else ""
            text += f"; met de huidige aantallen is een oordeel te verwachten met cijfers tot en met {int(data_until.flat[i])}{when}"
        elif more_data and beyond_reach.flat[i]:
            text += "; ook met cijfers tot ver na 2030 niet: de aantallen zijn te klein, kijk naar subregio of regio"
        reasons.append(text)
    keys = np.array([RULES[r][0] for r in range(len(RULES))], dtype=object)[rule]
    return keys, reasons


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
