"""Estimates that come with their own confidence interval from the source (survey percentages of the
Gezondheidsmonitor, weighted by the GGD/CBS/RIVM): kept as published for gemeenten and Nederland, combined for
larger areas, and differenced for the rest of Nederland.

Standard errors are recovered from the published 95% interval: SE = (upper - lower) / (2 x 1.96)
(Altman & Bland 2011, BMJ 343:d2090, "How to obtain the confidence interval from a P value").

- Combining independent gemeente estimates into a subregio or region is a stratified estimate with population
  weights w: p = sum(w p) / sum(w), var = sum((w / W)^2 SE^2) (Cochran 1977, Sampling Techniques, ch. 5).
- The rest of Nederland: p_rest = (W_NL p_NL - W_R p_R) / (W_NL - W_R). The region's estimate is part of the
  national one, so cov(p_NL, p_R) = (W_R / W_NL) var_R and var_rest = (W_NL^2 var_NL - W_R^2 var_R) / W_rest^2,
  floored at var_NL (the rest of the country is never known more precisely than the whole).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.stats import norm

from trendbreuk.geography.areas import Region
from trendbreuk.indicators.aggregate import NATIONAL, memberships

METHOD_SOURCE = "interval uit de bron"
METHOD_COMBINED = "gecombineerd, gewogen naar inwoners (gestratificeerd)"
METHOD_REST = "Nederland min de regio, gewogen naar inwoners"


@functools.cache
def _z(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.959964 for 95%)."""
    return float(norm.ppf(1 - (1 - confidence) / 2))


def se_from_interval(lower, upper, confidence: float = 0.95) -> np.ndarray:
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * _z(confidence))


def _interval(value, se, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    z = _z(confidence)
    return value - z * se, value + z * se


def combine_estimates(values, lowers, uppers, weights) -> tuple[float, float, float]:
    """Population-weighted combination of independent estimates: (value, lower, upper)."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    se = se_from_interval(lowers, uppers)
    share = weights / weights.sum()
    value = float(np.sum(share * values))
    combined_se = float(np.sqrt(np.sum(share**2 * se**2)))
    lower, upper = _interval(value, combined_se)
    return value, float(lower), float(upper)


def subtract_estimate(
    national: tuple[float, float, float], w_national: float, part: tuple[float, float, float], w_part: float
) -> tuple[float, float, float]:
    """The estimate for the nation without a part (the rest of Nederland): (value, lower, upper)."""
    if not w_national > w_part > 0:
        raise ValueError(f"weights must satisfy national ({w_national}) > part ({w_part}) > 0")
    return tuple(float(x) for x in subtract_estimates(national, w_national, part, w_part))


def subtract_estimates(national, w_national, part, w_part):
    """subtract_estimate for arrays of estimates at once (weights already checked): (values, lowers, uppers)."""
    v_nl, v_r = np.asarray(national[0], dtype=float), np.asarray(part[0], dtype=float)
    w_national, w_part = np.asarray(w_national, dtype=float), np.asarray(w_part, dtype=float)
    var_nl = se_from_interval(national[1], national[2]) ** 2
    var_r = se_from_interval(part[1], part[2]) ** 2
    w_rest = w_national - w_part
    value = (w_national * v_nl - w_part * v_r) / w_rest
    var = np.maximum((w_national**2 * var_nl - w_part**2 * var_r) / w_rest**2, var_nl)
    lower, upper = _interval(value, np.sqrt(var))
    return value, lower, upper


def aggregate_estimates(rows: pd.DataFrame, region: Region | Iterable[Region], weights: pd.DataFrame) -> pd.DataFrame:
    """Gemeente and NL01 estimates (value, lower_ci, upper_ci per period) -> rows for every gemeente, subregio,
    the region, Nederland and the rest of Nederland; for several regions, those rows for each region in turn, from
    one grouped pass over all of them. weights: area_code, year, weight (inhabitants)."""
    regions = [region] if isinstance(region, Region) else list(region)
    cols = ["indicator", "period", "year_start", "year_end"]
    members = memberships(regions)
    data = rows.merge(weights.rename(columns={"year": "year_end"}), on=["area_code", "year_end"], how="left")
    gemeenten = data.merge(members, on="area_code")
    gemeenten["area_level"], gemeenten["method"] = "gemeente", METHOD_SOURCE

    complete = gemeenten.dropna(subset=["value", "lower_ci", "upper_ci", "weight"])
    numbers = [complete[c].to_numpy(dtype=float) for c in ("value", "lower_ci", "upper_ci", "weight")]

    def _combine(by: list[str], size: str, code: str, name: str, level: str) -> pd.DataFrame:
        """Combined estimates for each group (subregio or region) and period in which every gemeente has one."""
        groups = complete.groupby(by + cols, sort=False)
        summed = groups.agg(
            present=("area_code", "nunique"), size=(size, "first"), area_code=(code, "first"), area_name=(name, "first")
        ).reset_index()
        ids = groups.ngroup().to_numpy()
        order = np.argsort(ids, kind="stable")
        bounds = np.searchsorted(ids[order], np.arange(len(summed) + 1))
        value, lower, upper, weight = (x[order] for x in numbers)
        full = (summed["present"] == summed["size"]).to_numpy()  # an aggregate needs every gemeente
        combined = [
            (*combine_estimates(value[a:b], lower[a:b], upper[a:b], weight[a:b]), np.sum(weight[a:b]))
            for a, b in zip(bounds[:-1][full], bounds[1:][full])
        ]
        summed = summed[full].drop(columns=["present", "size"])
        summed[["value", "lower_ci", "upper_ci", "weight"]] = np.array(combined).reshape(-1, 4)
        summed["area_level"], summed["method"] = level, METHOD_COMBINED
        return summed

    subregios = _combine(["region", "subregio_code"], "subregio_size", "subregio_code", "subregio_name", "subregio")
    region_rows = _combine(["region"], "region_size", "region_code", "region_name", "regio")

    national = members[["region"]].drop_duplicates().merge(data[data["area_code"] == NATIONAL], how="cross")
    national["area_level"], national["area_name"], national["method"] = "nederland", "Nederland", METHOD_SOURCE

    rest = national.dropna(subset=["value", "weight"]).merge(
        region_rows, on=["region", *cols], suffixes=("", "_region")
    )
    if not (rest["weight"] > rest["weight_region"]).all() or not (rest["weight_region"] > 0).all():
        bad = rest[~((rest["weight"] > rest["weight_region"]) & (rest["weight_region"] > 0))].iloc[0]
        raise ValueError(
            f"{bad['indicator']} {bad['period']}: weights must satisfy national ({bad['weight']}) > "
            f"{bad['area_name_region']} ({bad['weight_region']}) > 0"
        )
    value, lower, upper = subtract_estimates(
        (rest["value"], rest["lower_ci"], rest["upper_ci"]),
        rest["weight"],
        (rest["value_region"], rest["lower_ci_region"], rest["upper_ci_region"]),
        rest["weight_region"],
    )
    rest = rest[["region", *cols]].assign(
        area_code="rest_nl",
        area_level="rest_nl",
        area_name=rest["area_name_region"].map(lambda name: f"Rest van Nederland (zonder {name})"),
        value=value,
        lower_ci=lower,
        upper_ci=upper,
        weight=rest["weight"] - rest["weight_region"],
        method=METHOD_REST,
    )

    parts = [gemeenten, national, subregios, region_rows, rest]
    result = pd.concat(
        [
            p.drop(
                columns=[c for c in p.columns if c in members.columns and c not in ("region", "area_code", "area_name")]
            )
            for p in parts
        ],
        ignore_index=True,
    )
    result["numerator"] = np.nan
    result["denominator"] = result["respondents"] if "respondents" in result else np.nan
    result["confidence"], result["statistic"] = 0.95, "survey"
    result["missing_reason"] = np.where(result["value"].isna(), "ontbreekt in de bron", None)
    order = {r.key: i for i, r in enumerate(regions)}
    result = result.sort_values(["region"], key=lambda s: s.map(order), kind="stable", ignore_index=True)
    return result.drop(columns=["weight"], errors="ignore")
