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

import numpy as np
import pandas as pd
from scipy.stats import norm

METHOD_SOURCE = "interval uit de bron"
METHOD_COMBINED = "gecombineerd, gewogen naar inwoners (gestratificeerd)"
METHOD_REST = "Nederland min de regio, gewogen naar inwoners"


def se_from_interval(lower, upper, confidence: float = 0.95) -> np.ndarray:
    z = norm.ppf(1 - (1 - confidence) / 2)
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * z)


def _interval(value, se, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    z = norm.ppf(1 - (1 - confidence) / 2)
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


def subtract_estimate(national: tuple[float, float, float], w_national: float,
                      part: tuple[float, float, float], w_part: float) -> tuple[float, float, float]:
    """The estimate for the nation without a part (the rest of Nederland): (value, lower, upper)."""
    if not w_national > w_part > 0:
        raise ValueError(f"weights must satisfy national ({w_national}) > part ({w_part}) > 0")
    v_nl, v_r = national[0], part[0]
    var_nl = se_from_interval(national[1], national[2]) ** 2
    var_r = se_from_interval(part[1], part[2]) ** 2
    w_rest = w_national - w_part
    value = (w_national * v_nl - w_part * v_r) / w_rest
    var = max((w_national**2 * var_nl - w_part**2 * var_r) / w_rest**2, var_nl)
    lower, upper = _interval(value, np.sqrt(var))
    return float(value), float(lower), float(upper)


def aggregate_estimates(rows: pd.DataFrame, region, weights: pd.DataFrame) -> pd.DataFrame:
    """Gemeente and NL01 estimates (value, lower_ci, upper_ci per period) -> rows for every gemeente, subregio,
    the region, Nederland and the rest of Nederland. weights: area_code, year, weight (inhabitants)."""
    cols = ["indicator", "period", "year_start", "year_end"]
    members = {g.code: g for g in region.gemeenten}
    data = rows.merge(weights.rename(columns={"year": "year_end"}), on=["area_code", "year_end"], how="left")
    out = []
    gemeenten = data[data["area_code"].isin(members)].copy()
    gemeenten["area_level"], gemeenten["area_name"] = "gemeente", gemeenten["area_code"].map({c: g.name for c, g in members.items()})
    gemeenten["method"] = METHOD_SOURCE
    out.append(gemeenten)
    national = data[data["area_code"] == "NL01"].copy()
    national["area_level"], national["area_name"], national["method"] = "nederland", "Nederland", METHOD_SOURCE
    out.append(national)
    groups = [(s.code, s.name, "subregio", {g.code for g in s.gemeenten}) for s in region.subregios]
    groups.append((region.code, region.name, "regio", set(members)))
    records, region_rows = [], {}
    complete = gemeenten.dropna(subset=["value", "lower_ci", "upper_ci", "weight"])
    for key, part in complete.groupby(cols):
        codes_present = part["area_code"].to_numpy()
        for code, name, level, codes in groups:
            inside = np.isin(codes_present, list(codes))
            if inside.sum() < len(codes):
                continue  # an aggregate needs every gemeente
            sub = part[inside]
            value, lower, upper = combine_estimates(sub["value"], sub["lower_ci"], sub["upper_ci"], sub["weight"])
            record = dict(zip(cols, key), area_code=code, area_name=name, area_level=level, value=value,
                          lower_ci=lower, upper_ci=upper, weight=sub["weight"].sum(), method=METHOD_COMBINED)
            records.append(record)
            if level == "regio":
                region_rows[key] = record
    for nl in national.dropna(subset=["value", "weight"]).to_dict("records"):
        key = tuple(nl[c] for c in cols)
        if key not in region_rows:
            continue
        r = region_rows[key]
        value, lower, upper = subtract_estimate((nl["value"], nl["lower_ci"], nl["upper_ci"]), nl["weight"],
                                                (r["value"], r["lower_ci"], r["upper_ci"]), r["weight"])
        records.append(dict(zip(cols, key), area_code="rest_nl", area_level="rest_nl",
                            area_name=f"Rest van Nederland (zonder {region.name})", value=value,
                            lower_ci=lower, upper_ci=upper, weight=nl["weight"] - r["weight"], method=METHOD_REST))
    if records:
        out.append(pd.DataFrame(records))
    result = pd.concat(out, ignore_index=True)
    result["region"] = region.key
    result["numerator"] = np.nan
    result["denominator"] = result.get("respondents", np.nan) if "respondents" in result else np.nan
    result["confidence"], result["statistic"] = 0.95, "survey"
    result["missing_reason"] = np.where(result["value"].isna(), "ontbreekt in de bron", None)
    return result.drop(columns=["weight"], errors="ignore")
