"""Is the trend breaking? Interrupted time series around the programme's start (segmented regression).

The model (Wagner et al. 2002, J Clin Pharm Ther 27:299-309; Lopez Bernal, Cummins & Gasparrini 2017, Int J
Epidemiol 46:348-355), with T the programme's start year and after(t) = 1 from T on:

    y(t) = level + slope (t - T) + level_change after(t) + slope_change (t - T) after(t)  [+ extra terms]

`level` and `slope` describe the course before the start (the level it would have had at T), `level_change` and
`slope_change` what changed from T on. The counterfactual is the course before, continued: level + slope (t - T),
with its band from the covariance of those two coefficients.

Two families, as the tutorial advises:
- **counts** with a population at risk: Poisson with offset log(population) and a log link; overdispersion is
  estimated from Pearson's X2 (quasi-Poisson, as R's `quasipoisson`); exp(coefficient) is a rate ratio.
- **estimates with a standard error** (survey percentages, published figures, and the gap between an area and
  its benchmark): weighted least squares with weights 1/se^2. The spread around the lines is estimated, but never
  taken smaller than the sampling error the standard errors state (scale = max(1, X2 / df)): with a dozen yearly
  points the estimated spread alone is too unstable to trust when it comes out small.
Autocorrelation: the residuals' lag-1 autocorrelation is reported. For estimates the default covariance treats
each point as its sampling error (independent between years) plus a true fluctuation between years that lingers
(AR(1), correlation 0.7), its size estimated from the residuals (GLS-type sandwich, `_fluctuation_covariance`):
with a dozen yearly points neither the correlation nor Newey-West's estimate can be trusted on its own, and
ignoring a lingering fluctuation made a false "trendbreuk zichtbaar" twice as frequent as allowed in the
calibration. Newey-West (Bartlett kernel, correction n / (n - p)) is available for both families
(`autocorrelation="newey-west"`). Intervals use t with n - p degrees of freedom for
estimates (few points) and the normal distribution for counts (R's `ci.lin`, as in the tutorial).

The verdict on a gap (`gap_break`) is about its slope, in the words the stuurgroep reads (CATEGORIES):
"trendbreuk zichtbaar" when the gap's slope changed in the right direction and the 95% interval of that change
excludes no change, "trend verslechterd" when it changed in the wrong direction likewise, "trend onveranderd"
otherwise, and "te weinig jaren" when there are fewer than MIN_BEFORE points before the start or MIN_AFTER from it
on. Calibrated on simulated series with a known truth (indicators.calibration, docs/kalibratie.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.sandwich_covariance import S_hac_simple

from trendbreuk.indicators.catalogue import Indicator

START_YEAR = 2018
FLUCTUATION_RHO = 0.7  # set, not estimated (see _fluctuation_covariance); 0.5 gave 6-7% false breaks when
#                        year-to-year swings linger strongly (correlation 0.8), 0.7 about 4-6% at a few points less power
MIN_BEFORE, MIN_AFTER = 4, 4
TERMS = ("level", "slope", "level_change", "slope_change")
CATEGORIES = {
    "zichtbaar": "trendbreuk zichtbaar",
    "onveranderd": "trend onveranderd",
    "verslechterd": "trend verslechterd",
    "te_weinig": "te weinig jaren",
}


def harmonics(month, pairs: int = 2, period: float = 12.0) -> pd.DataFrame:
    """Fourier terms for season (R's tsModel::harmonic): sin and cos of 2 pi k month / period, k = 1..pairs."""
    month = np.asarray(month, dtype=float)
    columns = {}
    for k in range(1, pairs + 1):
        columns[f"sin{k}"] = np.sin(2 * np.pi * k * month / period)
        columns[f"cos{k}"] = np.cos(2 * np.pi * k * month / period)
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class SegmentedFit:
    """A fitted segmented regression: `estimates` (one row per term), the model's description and what is needed to
    draw the course and the counterfactual (`course`)."""

    estimates: pd.DataFrame
    family: str  # "counts" or "estimates"
    start: float
    n_before: int
    n_after: int
    dispersion: float  # quasi-Poisson phi, or the WLS scale (at least 1)
    autocorrelation: float  # lag-1 autocorrelation of the standardised residuals
    covariance: str  # how the covariance was estimated, in words
    confidence: float
    slope_change: bool
    _params: np.ndarray = field(repr=False, default=None)
    _cov: np.ndarray = field(repr=False, default=None)
    _df: float = field(repr=False, default=np.inf)

    def estimate(self, term: str) -> pd.Series:
        return self.estimates.set_index("term").loc[term]

    def course_line(self, first: float, last: float, steps: int = 20) -> pd.DataFrame:
        """`course` on a fine grid from `first` to `last`, broken at the start (for drawing the two lines)."""
        t = np.concatenate([np.linspace(first, self.start - 1e-6, steps), np.linspace(self.start, last, steps)])
        return self.course(t)

    def course(self, t, exposure=None) -> pd.DataFrame:
        """At times `t`: the fitted course (before and after the start) and the counterfactual (the course before,
        continued) with its band. Counts are on the rate scale (per unit of exposure) unless `exposure` is given."""
        t = np.asarray(t, dtype=float)
        x = t - self.start
        after = (x >= 0).astype(float)
        design = np.column_stack([np.ones_like(x), x, after, x * after][: 4 if self.slope_change else 3])
        # extra terms (season) are left at 0: the course is the trend, not the season
        k = design.shape[1]
        b = self._params[:k]
        fitted = design @ b
        base = design[:, :2]
        counterfactual = base @ b[:2]
        se = np.sqrt(np.einsum("ij,jk,ik->i", base, self._cov[:2, :2], base))
        q = _quantile(self.confidence, self._df)
        lower, upper = counterfactual - q * se, counterfactual + q * se
        if self.family == "counts":
            scale = 1.0 if exposure is None else np.asarray(exposure, dtype=float)
            fitted, counterfactual, lower, upper = (np.exp(v) * scale for v in (fitted, counterfactual, lower, upper))
        return pd.DataFrame(
            {
                "t": t,
                "fitted": fitted,
                "counterfactual": counterfactual,
                "counterfactual_lower": lower,
                "counterfactual_upper": upper,
                "after": after > 0,
            }
        )


def _quantile(confidence: float, df: float) -> float:
    tail = 1 - (1 - confidence) / 2
    return float(stats.norm.ppf(tail) if not np.isfinite(df) else stats.t.ppf(tail, df))


def _design(t: np.ndarray, start: float, slope_change: bool, extra: pd.DataFrame | None) -> tuple[np.ndarray, list]:
    x = t - start
    after = (x >= 0).astype(float)
    columns = [np.ones_like(x), x, after] + ([x * after] if slope_change else [])
    names = list(TERMS[: len(columns)])
    if extra is not None and len(extra.columns):
        columns += [np.asarray(extra[c], dtype=float) for c in extra.columns]
        names += [str(c) for c in extra.columns]
    return np.column_stack(columns), names


def _lag1(residuals: np.ndarray) -> float:
    r = residuals - residuals.mean()
    denominator = float(r @ r)
    return float(r[1:] @ r[:-1] / denominator) if len(r) > 2 and denominator > 0 else float("nan")


def segmented_regression(
    t,
    *,
    start: float,
    outcome,
    se=None,
    exposure=None,
    extra: pd.DataFrame | None = None,
    slope_change: bool = True,
    autocorrelation: str | None = "default",
    lags: int = 1,
    rho: float = FLUCTUATION_RHO,
    confidence: float = 0.95,
) -> SegmentedFit:
    """Fit the segmented regression of `outcome` on time `t` around `start`.

    Counts: give `exposure` (the population at risk); the model is quasi-Poisson with offset log(exposure).
    Estimates: give `se` (their standard errors); the model is weighted least squares.
    `extra`: further terms (for example `harmonics(month)` for monthly data), one column each.
    `autocorrelation`: "default" (None for counts, "ar1" for estimates), None (model-based covariance),
    "newey-west" (Bartlett kernel, `lags` lags) or "ar1" (estimates: sampling error plus a fluctuation between years
    that is AR(1) with correlation `rho`, its size estimated from the residuals).
    Points are taken in the order given; they should be in time order for the autocorrelation to mean anything."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if (se is None) == (exposure is None):
        raise ValueError("give either exposure (counts: quasi-Poisson) or se (estimates: weighted least squares)")
    counts = exposure is not None
    if autocorrelation == "default":
        autocorrelation = None if counts else "ar1"
    if autocorrelation not in (None, "newey-west", "ar1") or (counts and autocorrelation == "ar1"):
        raise ValueError(
            f"autocorrelation must be None, 'newey-west' or (estimates only) 'ar1', not {autocorrelation!r}"
        )
    newey_west = autocorrelation == "newey-west"
    X, names = _design(t, start, slope_change, extra)
    n, p = X.shape
    if n <= p:
        raise ValueError(f"{n} points for {p} coefficients: a segmented regression needs more points than terms")
    if counts:
        offset = np.log(np.asarray(exposure, dtype=float))
        model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
        fit = model.fit(scale="X2")
        params = np.asarray(fit.params)
        pearson = np.asarray(fit.resid_pearson)
        dispersion = float(fit.scale)
        if newey_west:
            cov = np.asarray(model.fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}).cov_params())
            how = f"Newey-West ({lags} jaar/periode vertraging)"
        else:
            cov = np.asarray(fit.cov_params())
            how = "quasi-Poisson (overdispersie geschat met Pearsons X²)"
        df = np.inf
    else:
        se = np.asarray(se, dtype=float)
        if not (np.isfinite(se).all() and (se > 0).all()):
            raise ValueError("every estimate needs a positive standard error")
        fit = sm.WLS(y, X, weights=1 / se**2).fit()
        params = np.asarray(fit.params)
        pearson = np.asarray(fit.wresid)
        df = n - p
        dispersion = max(1.0, float(pearson @ pearson) / df)
        whitened = X / se[:, None]
        bread = np.linalg.inv(whitened.T @ whitened)
        if autocorrelation == "newey-west":
            meat = S_hac_simple(whitened * pearson[:, None], nlags=lags)
            cov = bread @ meat @ bread * n / df
            how = f"Newey-West ({lags} periode vertraging)"
        elif autocorrelation == "ar1":
            tau2, cov = _fluctuation_covariance(t, se, whitened, bread, pearson, df, rho)
            dispersion = 1.0 + tau2
            how = (
                f"steekproeffout plus schommeling tussen de jaren (AR(1), rho {rho:g}; geschatte omvang "
                f"{np.sqrt(tau2):.3g} in de eenheid van de reeks)"
            )
        else:
            cov = dispersion * bread
            how = "gewogen kleinste kwadraten, spreiding minstens de steekproeffout"
    se_params = np.sqrt(np.diag(cov))
    q = _quantile(confidence, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = params / se_params
    p_values = 2 * (stats.norm.sf(np.abs(z)) if not np.isfinite(df) else stats.t.sf(np.abs(z), df))
    estimates = pd.DataFrame(
        {
            "term": names,
            "estimate": params,
            "se": se_params,
            "lower": params - q * se_params,
            "upper": params + q * se_params,
            "p_value": p_values,
        }
    )
    if counts:
        for column in ("estimate", "lower", "upper"):
            estimates[f"ratio_{column}" if column != "estimate" else "ratio"] = np.exp(estimates[column])
    after = t >= start
    return SegmentedFit(
        estimates=estimates,
        family="counts" if counts else "estimates",
        start=float(start),
        n_before=int((~after).sum()),
        n_after=int(after.sum()),
        dispersion=dispersion,
        autocorrelation=_lag1(pearson),
        covariance=how,
        confidence=confidence,
        slope_change=slope_change,
        _params=params,
        _cov=cov,
        _df=float(df),
    )


def _fluctuation_covariance(t, se, whitened, bread, residuals, df, rho):
    """The covariance of WLS estimates when each point carries its own sampling error (independent between years:
    other births, other respondents) plus a true fluctuation between years with variance tau2 and AR(1) correlation
    `rho` (a cold winter, a change in registration practice: these linger). tau2 by the method of moments: the
    weighted residual sum of squares is expected to be df + tau2 x trace(M V), M the residual maker, V the
    fluctuation's correlation in weighted units. A dozen points cannot estimate rho itself, so it is set (0.7: on the
    cautious side, since a false break is the costlier error; calibrated in docs/kalibratie.md)."""
    n = len(t)
    correlation = rho ** np.abs(np.subtract.outer(t, t))
    V = correlation / np.outer(se, se)
    M = np.eye(n) - whitened @ bread @ whitened.T
    tau2 = max(0.0, (float(residuals @ residuals) - df) / float(np.trace(M @ V)))
    return tau2, bread @ (whitened.T @ whitened + tau2 * whitened.T @ V @ whitened) @ bread


# --- the gap between an area and its benchmark -------------------------------------------------------------------


def standard_errors(lower, upper, confidence: float = 0.95) -> np.ndarray:
    """Standard errors recovered from 95% intervals: (upper - lower) / (2 z)."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * z)


def usable_points(rows: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """The periods a segmented regression of the gap may use: a gap with an interval, from the year the series is
    comparable on (the catalogue's `comparable_from`, a wijk's own series start), in time order."""
    ok = rows["gap"].notna() & rows["gap_lower"].notna() & rows["gap_upper"].notna()
    ok &= rows["gap_upper"] > rows["gap_lower"]
    first = indicator.comparable_from
    if first:
        ok &= rows["year_start"] >= first
    if "series_start" in rows.columns:
        ok &= rows["series_start"].isna() | (rows["year_start"] >= rows["series_start"].fillna(0))
    return rows[ok].sort_values("t")


def _judged(out: dict, fit: SegmentedFit, good_sign: int) -> dict:
    """`out` with the four estimates and their intervals, the slope since the start, the category (good_sign: the sign
    of a slope change for the better) and the fit itself."""
    table = fit.estimates.set_index("term")
    for term in TERMS:
        out[term] = float(table.loc[term, "estimate"])
        out[f"{term}_lower"], out[f"{term}_upper"] = float(table.loc[term, "lower"]), float(table.loc[term, "upper"])
    out["slope_after"] = out["slope"] + out["slope_change"]
    out["autocorrelation"], out["dispersion"] = fit.autocorrelation, fit.dispersion
    out["category"] = _category(out["slope_change_lower"], out["slope_change_upper"], good_sign)
    out["fit"] = fit
    return out


def _category(slope_change_lower: float, slope_change_upper: float, good_sign: int) -> str:
    """zichtbaar when the whole interval of the slope change lies on the good side (good_sign: the sign of a change
    for the better), verslechterd when it lies wholly on the bad side, onveranderd otherwise."""
    low, high = sorted((good_sign * slope_change_lower, good_sign * slope_change_upper))
    if low > 0:
        return "zichtbaar"
    if high < 0:
        return "verslechterd"
    return "onveranderd"


def _start_of(indicator: Indicator, start: float | None) -> float:
    """The start of the programme's effect: as asked, else the indicator's baseline year, else START_YEAR."""
    return float(start if start is not None else (indicator.baseline_year or START_YEAR))


def _outline(points: pd.DataFrame, start: float, min_before: int, min_after: int) -> dict:
    """What every break result starts with: "te_weinig" until judged, and the points before and from `start`."""
    return {
        "category": "te_weinig",
        "start": int(start),
        "points_before": int((points["t"] < start).sum()),
        "points_after": int((points["t"] >= start).sum()),
        "needed_before": min_before,
        "needed_after": min_after,
    }


def gap_break(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    start: float | None = None,
    min_before: int = MIN_BEFORE,
    min_after: int = MIN_AFTER,
) -> dict:
    """The interrupted time series of one area's gap with one benchmark (rows of the gaps table): its category and
    estimates, in the gap's unit per year (a positive gap is behind, so a negative slope change is the right
    direction). Without enough points: category "te_weinig" with what is missing and when it comes."""
    start = _start_of(indicator, start)
    points = usable_points(rows, indicator)
    out = _outline(points, start, min_before, min_after)
    before, after = out["points_before"], out["points_after"]
    out.update(first_year=np.nan, last_year=np.nan, data_until=np.nan, known_in=np.nan)
    for term in TERMS:
        out.update({term: np.nan, f"{term}_lower": np.nan, f"{term}_upper": np.nan})
    out.update(slope_after=np.nan, autocorrelation=np.nan, dispersion=np.nan)
    if len(points):
        out["first_year"], out["last_year"] = int(points["year_start"].min()), int(points["year_end"].max())
    if before < min_before or after < min_after:
        if before >= min_before:
            last = int(points["year_end"].max()) if after else int(start) - 1
            missing = min_after - after
            out["data_until"] = max(last, int(start) - 1) + missing * indicator.step_years
            out["known_in"] = out["data_until"] + indicator.publication_lag
        return out
    fit = segmented_regression(
        points["t"].to_numpy(),
        start=start,
        outcome=points["gap"].to_numpy(),
        se=standard_errors(points["gap_lower"], points["gap_upper"]),
    )
    return _judged(out, fit, good_sign=-1)  # a falling gap is good


def value_break(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    start: float | None = None,
    min_before: int = MIN_BEFORE,
    min_after: int = MIN_AFTER,
) -> dict:
    """The interrupted time series of an area's own value (rows of indicator_values for one area): counted
    proportions and rates as quasi-Poisson with offset log(denominator) (the slopes are then changes of the log rate
    per year: exp(slope) - 1 is the relative change a year), survey estimates and published figures by WLS on their
    standard errors. The category follows the indicator's polarity (a falling rate is good when lower is better)."""
    from trendbreuk.indicators.aggregate import period_midpoint

    start = _start_of(indicator, start)
    points = rows[rows["value"].notna()].copy()
    points["t"] = period_midpoint(points["year_start"], points["year_end"])
    if indicator.comparable_from:
        points = points[points["year_start"] >= indicator.comparable_from]
    counted = (
        indicator.statistic in ("proportion", "rate")
        and points["numerator"].notna().all()
        and (points["denominator"] > 0).all()
        and len(points) > 0
    )
    if not counted:
        points = points[points["upper_ci"] > points["lower_ci"]]
    points = points.sort_values("t")
    out = _outline(points, start, min_before, min_after)
    out.update(family="counts" if counted else "estimates", points=points)
    if out["points_before"] < min_before or out["points_after"] < min_after:
        return out
    if counted:
        fit = segmented_regression(
            points["t"].to_numpy(),
            start=start,
            outcome=points["numerator"].to_numpy(),
            exposure=points["denominator"].to_numpy(),
        )
    else:
        fit = segmented_regression(
            points["t"].to_numpy(),
            start=start,
            outcome=points["value"].to_numpy(),
            se=standard_errors(points["lower_ci"], points["upper_ci"]),
        )
    return _judged(out, fit, good_sign=-1 if not indicator.higher_is_better else 1)


def gap_breaks(
    gaps: pd.DataFrame,
    catalogue: dict[str, Indicator],
    *,
    start: float | None = None,
    min_before: int = MIN_BEFORE,
    min_after: int = MIN_AFTER,
) -> pd.DataFrame:
    """`gap_break` for every region, indicator, area and benchmark in a gaps table (indicators not in the catalogue
    are left out). One row each, without the fitted models."""
    keys = ["region", "indicator", "area_code", "benchmark"]
    rows = []
    for key, group in gaps[gaps["indicator"].isin(list(catalogue))].groupby(keys, sort=True):
        result = gap_break(group, catalogue[key[1]], start=start, min_before=min_before, min_after=min_after)
        result.pop("fit", None)
        rows.append(dict(zip(keys, key)) | {"area_name": group["area_name"].iloc[0]} | result)
    columns = keys + ["area_name", "category"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
