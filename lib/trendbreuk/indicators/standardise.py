"""Age standardisation: how much of a gap is the age structure of the population.

Zuid-Limburg is older than the rest of the Netherlands, so a crude comparison mixes two things: how often something
happens at a given age, and how many people are at the ages where it happens. Three named methods separate them:

- **Direct standardisation of counts** (`direct_standardised_rate`): the area's age-specific rates weighted by a
  standard population, DSR = sum(w_i x_i / n_i) / sum(w_i), with Dobson et al.'s interval: the exact (here Byar's)
  interval of the total count O = sum(x_i), scaled by the DSR's standard error per event,
  DSR + sqrt(var(DSR) / O) (O_lower - O), var(DSR) = sum((w_i / n_i)^2 x_i) / sum(w_i)^2. Dobson AJ, Kuulasmaa K,
  Eberle E, Scherer J (1991). Confidence intervals for weighted sums of Poisson parameters. Stat Med 10:457-462; as
  PHEindicatormethods' `phe_dsr` (Fingertips). Below 10 events a DSR is not given (Morris et al. 2018,
  Popul Health Metr 16:9: the interval's coverage fails there).
- **Direct standardisation of survey strata** (`standardised_estimate`): the area's estimate per age group (as
  RIVM's "Gezondheid per wijk en buurt" publishes them, 18-64 and 65+, each with its 95% margins) weighted by the
  standard population's shares, p = sum(w_k p_k); the strata are independent samples, so
  var(p) = sum(w_k^2 SE_k^2) with SE_k from each published interval (Altman & Bland 2011), and the interval is normal.
- **Indirect standardisation** (`indirectly_standardised_ratio`): where only the area's age structure is known, the
  expected count from the benchmark's age-specific rates, E = sum(n_i r_i), and the standardised ratio O / E with
  Byar's interval for O (exact Garwood interval below 10 events), divided by E (Breslow & Day 1987, IARC Sci Publ 82).

`age_part_of_gap` says which share of a crude gap the age structure accounts for, and `ageing_change` how much a
crude value moves when only the age shares move (everything else as it is): "demography", not the programmes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from trendbreuk.indicators.rates import EXACT_BELOW, byar_interval, exact_poisson_interval
from trendbreuk.indicators.survey import se_from_interval

DSR_MINIMUM_EVENTS = 10


@dataclass(frozen=True)
class Standardised:
    """A standardised value with its interval; `value` is missing when `reason` says why."""

    value: float
    lower: float
    upper: float
    method: str
    reason: str = ""


def _z(confidence: float) -> float:
    return float(norm.ppf(1 - (1 - confidence) / 2))


def direct_standardised_rate(
    events, population, standard, *, multiplier: float = 100_000, confidence: float = 0.95
) -> Standardised:
    """The directly standardised rate of one area from its events and population per age band and the standard
    population's numbers in the same bands, with Dobson et al.'s interval (Byar's limits for the total count)."""
    x, n, w = (np.asarray(a, dtype=float) for a in (events, population, standard))
    if not (x.shape == n.shape == w.shape):
        raise ValueError(
            f"events, population and standard need one number per age band ({x.shape}, {n.shape}, {w.shape})"
        )
    if np.any(n <= 0) or np.any(x < 0) or np.any(w < 0) or not np.all(np.isfinite(np.concatenate([x, n, w]))):
        raise ValueError("every age band needs a positive population and a count of events of 0 or more")
    total = float(x.sum())
    method = "direct gestandaardiseerd (Dobson)"
    if total < DSR_MINIMUM_EVENTS:
        return Standardised(
            np.nan,
            np.nan,
            np.nan,
            method,
            f"minder dan {DSR_MINIMUM_EVENTS} gebeurtenissen: geen betrouwbaar gestandaardiseerd cijfer",
        )
    weights = w / w.sum()
    rate = float(np.sum(weights * x / n))
    variance = float(np.sum((weights / n) ** 2 * x))
    lower_count, upper_count = (float(v[0]) for v in byar_interval(np.array([total]), confidence))
    scale = np.sqrt(variance / total)
    return Standardised(
        rate * multiplier,
        (rate + scale * (lower_count - total)) * multiplier,
        (rate + scale * (upper_count - total)) * multiplier,
        method,
    )


def standardised_estimate(
    values, lowers, uppers, weights, *, confidence: float = 0.95, bounds: tuple[float, float] = (0.0, 100.0)
) -> Standardised:
    """A survey percentage standardised over age strata: the strata's estimates (with their published 95%
    intervals) weighted by the standard population's shares of those strata. Missing when a stratum is missing."""
    value, lower, upper = standardised_arrays(
        np.atleast_2d(values),
        np.atleast_2d(lowers),
        np.atleast_2d(uppers),
        weights,
        confidence=confidence,
        bounds=bounds,
    )
    method = "direct gestandaardiseerd over leeftijdsgroepen"
    if np.isnan(value[0]):
        return Standardised(np.nan, np.nan, np.nan, method, MISSING_STRATUM)
    return Standardised(float(value[0]), float(lower[0]), float(upper[0]), method)


MISSING_STRATUM = "niet voor elke leeftijdsgroep een schatting"


def standardised_arrays(
    values, lowers, uppers, weights, *, confidence: float = 0.95, bounds: tuple[float, float] = (0.0, 100.0)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`standardised_estimate` for many areas at once: one row per area, one column per stratum; NaN where a
    stratum is missing."""
    p, lo, hi = (np.asarray(a, dtype=float) for a in (values, lowers, uppers))
    share = np.asarray(weights, dtype=float)
    share = share / share.sum()
    complete = np.isfinite(p).all(axis=1) & np.isfinite(lo).all(axis=1) & np.isfinite(hi).all(axis=1)
    value = np.where(complete, np.nansum(share * p, axis=1), np.nan)
    se = np.sqrt(np.nansum(share**2 * se_from_interval(lo, hi) ** 2, axis=1))
    z = _z(confidence)
    lower = np.where(complete, np.maximum(bounds[0], value - z * se), np.nan)
    upper = np.where(complete, np.minimum(bounds[1], value + z * se), np.nan)
    return value, lower, upper


def standardised_estimates(strata: pd.DataFrame, weights: dict[str, float], keys: list[str]) -> pd.DataFrame:
    """Standardised estimates of many areas from a long table: one row per area (`keys`) and stratum (column
    `stratum`) with value, lower_ci and upper_ci; `weights` the standard share of each stratum. An area without an
    estimate for every stratum gets no value and says so in `missing_reason`."""
    wanted = list(weights)
    wide = (
        strata[strata["stratum"].isin(wanted)]
        .groupby([*keys, "stratum"], sort=False, dropna=False)[["value", "lower_ci", "upper_ci"]]
        .first()
        .unstack("stratum")
    )
    columns = {
        name: wide[name].reindex(columns=wanted).to_numpy(dtype=float)
        if name in wide
        else np.full((len(wide), len(wanted)), np.nan)
        for name in ("value", "lower_ci", "upper_ci")
    }
    value, lower, upper = standardised_arrays(
        columns["value"], columns["lower_ci"], columns["upper_ci"], [weights[s] for s in wanted]
    )
    out = wide.index.to_frame(index=False)
    out["value"], out["lower_ci"], out["upper_ci"] = value, lower, upper
    out["missing_reason"] = np.where(np.isnan(value), MISSING_STRATUM, None)
    return out


def indirectly_standardised_ratio(
    observed: float, population, reference_rates, *, confidence: float = 0.95, multiplier: float = 100.0
) -> tuple[Standardised, float]:
    """The indirectly standardised ratio O / E (x `multiplier`, 100 = "as often as expected") with Byar's interval
    for O (exact below 10 events), and the expected count E from the reference's age-specific rates."""
    n, r = np.asarray(population, dtype=float), np.asarray(reference_rates, dtype=float)
    if n.shape != r.shape:
        raise ValueError(f"population and reference rates need one number per age band ({n.shape}, {r.shape})")
    expected = float(np.sum(n * r))
    method = "indirect gestandaardiseerd (Byar)"
    if not expected > 0:
        return Standardised(np.nan, np.nan, np.nan, method, "geen verwachte aantallen"), expected
    interval = exact_poisson_interval if observed < EXACT_BELOW else byar_interval
    lower, upper = (float(v[0]) for v in interval(np.array([float(observed)]), confidence))
    return Standardised(
        observed / expected * multiplier, lower / expected * multiplier, upper / expected * multiplier, method
    ), expected


def standard_weights(population_by_age: pd.Series, bands: dict[str, tuple[int, int | None]]) -> dict[str, float]:
    """The standard population's share of each age band (lower age inclusive, upper exclusive, None = open), from
    numbers by single year of age (an open top age such as "95 jaar of ouder" counts as its lower age). The shares
    add up to 1 over the bands given (the population the standardised figure speaks of: 18+ for the survey)."""
    ages = pd.Series(population_by_age, dtype=float)
    counts = {}
    for stratum, (low, high) in bands.items():
        inside = (ages.index >= low) & ((ages.index < high) if high is not None else True)
        counts[stratum] = float(ages[inside].sum())
        if counts[stratum] <= 0:
            raise ValueError(
                f"the standard population has nobody aged {low}-{high if high is not None else ''} "
                f"(stratum {stratum}); check the standard population table"
            )
    total = sum(counts.values())
    return {stratum: count / total for stratum, count in counts.items()}


def age_part_of_gap(crude_gap, adjusted_gap) -> np.ndarray:
    """The share of a crude gap that the age structure accounts for, (crude - adjusted) / crude, where both point
    the same way; missing where the adjustment flips the gap or the crude gap is nil (a share says nothing there)."""
    crude, adjusted = np.asarray(crude_gap, dtype=float), np.asarray(adjusted_gap, dtype=float)
    same_way = (np.sign(crude) == np.sign(adjusted)) & (crude != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(same_way, (crude - adjusted) / crude, np.nan)


def ageing_change(stratum_values, shares_now, shares_later) -> float:
    """How much a crude value (sum over strata of share x stratum value) moves when only the population's shares of
    the strata move from `shares_now` to `shares_later`, the strata's own values as they are."""
    p = np.asarray(stratum_values, dtype=float)
    now, later = np.asarray(shares_now, dtype=float), np.asarray(shares_later, dtype=float)
    return float(np.sum((later / later.sum() - now / now.sum()) * p))


def regroup_ages(groups: pd.DataFrame, bands: dict[str, tuple[int, int | None]], keys: list[str]) -> pd.DataFrame:
    """Inhabitants per stratum (`bands`: [from, to), None open) from inhabitants per published age group (columns
    age_from, age_to (inf or NaN: open), inhabitants), one set per `keys`: a group that a band cuts is split in proportion
    to the years of age on each side (people spread evenly over the group's years: 18-65 takes 7 of the 10 years
    of 15-25). An open group can only go whole into an open band that starts at or before it."""
    out = []
    for stratum, (low, high) in bands.items():
        g_from, g_to = groups["age_from"].to_numpy(float), groups["age_to"].to_numpy(float)
        b_high = np.inf if high is None else float(high)
        open_group = ~np.isfinite(g_to)
        if (open_group & (g_from < low) & (b_high == np.inf)).any() or (
            open_group & (g_from < b_high) & (b_high < np.inf)
        ).any():
            raise ValueError(
                f"stratum {stratum} ({low}-{high}) cuts an open age group; the age groups cannot say how "
                "many people it has"
            )
        closed_to = np.where(open_group, g_from + 1, g_to)
        overlap = np.clip(np.minimum(closed_to, b_high) - np.maximum(g_from, low), 0, None)
        fraction = np.where(
            open_group,
            ((g_from >= low) & (b_high == np.inf)).astype(float),
            overlap / np.maximum(closed_to - g_from, 1e-9),
        )
        part = groups[keys].copy()
        part["stratum"] = stratum
        part["inhabitants"] = groups["inhabitants"].to_numpy(float) * fraction
        out.append(part)
    return (
        pd.concat(out, ignore_index=True)
        .groupby([*keys, "stratum"], as_index=False, sort=False)["inhabitants"]
        .sum(min_count=1)
    )


def project_shares(
    shares: pd.DataFrame, keys: list[str], to_year: int, *, last_years: int = 6, minimum_years: int = 3
) -> pd.DataFrame:
    """Each stratum's share (column `share`, per `keys` and `year`) in `to_year` on the straight line through its
    last `last_years` observed years (least squares), clipped to 0-1; the basis says which years. Areas with fewer
    than `minimum_years` observed years get no projection."""
    rows = []
    for key, part in shares.dropna(subset=["share"]).groupby(keys, sort=False):
        part = part.sort_values("year").tail(last_years)
        if part["year"].nunique() < minimum_years:
            continue
        slope, intercept = np.polyfit(part["year"].to_numpy(float), part["share"].to_numpy(float), 1)
        rows.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,))),
                "year": to_year,
                "share": float(np.clip(intercept + slope * to_year, 0, 1)),
                "basis": f"trend {int(part['year'].min())}-{int(part['year'].max())} doorgetrokken",
            }
        )
    return pd.DataFrame(rows, columns=[*keys, "year", "share", "basis"])
