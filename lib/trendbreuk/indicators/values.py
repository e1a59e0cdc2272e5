"""An indicator's values per area from the tidy rows of its sources: the crude values (counts with their exact or
approximate interval; survey estimates combined over areas with population weights) and the age-standardised ones
(each age group combined over areas, then weighted by the standard population), and the age groups' shares of the
population behind "how much of the gap is age". `trendbreuk build` calls these in its step "the region tables"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk.geography.areas import RegionsConfig
from trendbreuk.geography.lineage import harmonise
from trendbreuk.indicators.aggregate import aggregate_areas, pool_years
from trendbreuk.indicators.catalogue import Indicator, Missing
from trendbreuk.indicators.intervals import intervals_for, survey_intervals
from trendbreuk.indicators.standardise import project_shares, regroup_ages, standard_weights, standardised_estimates
from trendbreuk.indicators.survey import aggregate_estimates
from trendbreuk.sources.datasets import PROVIDER_LABELS, SOURCE_DOCS, SourcesConfig
from trendbreuk.sources.statline import PROVIDER, cbs_source

# what aggregate_estimates combines: an estimate with its interval and respondents, per indicator, area and period
ESTIMATE_COLUMNS = [
    "indicator",
    "area_code",
    "period",
    "year_start",
    "year_end",
    "value",
    "lower_ci",
    "upper_ci",
    "respondents",
]


def population_weights(frames: dict[str, pd.DataFrame], indeling_year: int) -> pd.DataFrame:
    """Inhabitants per gemeente (and NL01) and year, in the build's indeling, for every year from 2000 to 2040
    (years outside the CBS data take the nearest year): weights for combining survey estimates."""
    population = frames["cbs_population"]
    population = population[(population["measure"] == "M000352") & population["value"].notna()].copy()
    population["year"] = population["period_start"].dt.year
    population = population[population["year"] <= indeling_year]  # never map codes backwards in time
    population = population.rename(columns={"region_code": "area_code"})[["area_code", "year", "value"]]
    if "lineage" in frames:
        population = harmonise(population, frames["lineage"], indeling_year, count_columns=["value"])
    wide = population.pivot_table(index="year", columns="area_code", values="value", aggfunc="sum")
    wide = wide.reindex(range(2000, 2041)).ffill().bfill()
    return wide.reset_index().melt(id_vars="year", var_name="area_code", value_name="weight").dropna()


def calculate_indicator_values(
    frames: dict[str, pd.DataFrame],
    indicators: dict[str, Indicator],
    regions: RegionsConfig,
    weights: pd.DataFrame | None = None,
    missing: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Values with confidence intervals for every indicator, region and area level. An indicator whose source has
    no rows for it is left out and its reason added to `missing`. The counts of all indicators are aggregated
    over all regions in one pass, and so are the survey estimates; the statistic is then computed per indicator."""
    missing = {} if missing is None else missing
    counted, surveyed, present = [], [], []
    for indicator in indicators.values():
        provider = indicator.source["provider"]
        label = PROVIDER_LABELS.get(provider, provider)
        if indicator.source.get("strata"):
            continue  # read per age group and standardised (age_standardised_values)
        if provider not in frames or indicator.id in missing:
            missing.setdefault(indicator.id, Missing(f"geen bestand van {label}"))
            continue
        rows = frames[provider]
        name = indicator.id if provider == PROVIDER else indicator.source.get("indicator", indicator.id)
        rows = rows[rows["indicator"] == name].assign(indicator=indicator.id)
        if rows.empty:
            missing[indicator.id] = Missing(
                f"de export van {label} bevat deze indicator niet",
                f"download in het portaal van {label} ook '{name}' (zie {SOURCE_DOCS.get(provider, 'docs/')})",
            )
            continue
        present.append(indicator)
        if indicator.statistic == "survey":
            if weights is None:
                raise ValueError(f"indicator {indicator.id}: survey estimates need population weights (CBS 03759ned)")
            surveyed.append(rows[ESTIMATE_COLUMNS])
        else:
            counted.append(
                pool_years(
                    rows[["indicator", "area_code", "period", "year_start", "year_end", "numerator", "denominator"]],
                    indicator.pool_years,
                )
            )
    parts = []
    if counted:
        parts.append(aggregate_areas(pd.concat(counted, ignore_index=True), regions.regions.values()))
    if surveyed:
        survey = aggregate_estimates(pd.concat(surveyed, ignore_index=True), regions.regions.values(), weights)
        parts.append(survey_intervals(survey))
    aggregated = {key: rows for part in parts for key, rows in part.groupby("indicator", sort=False)}
    results = []
    for indicator in present:
        if indicator.id not in aggregated:
            missing[indicator.id] = Missing("geen rijen voor de gemeenten van de regio's of voor Nederland")
            continue
        values = aggregated[indicator.id].reset_index(drop=True)
        if indicator.statistic != "survey":
            values = intervals_for(values, indicator)
        values["unit"] = indicator.unit
        values["source"] = indicator.source["provider"]
        results.append(values)
    columns = [
        "region",
        "indicator",
        "area_level",
        "area_code",
        "area_name",
        "period",
        "year_start",
        "year_end",
        "numerator",
        "denominator",
        "value",
        "lower_ci",
        "upper_ci",
        "lower_ci_998",
        "upper_ci_998",
        "confidence",
        "statistic",
        "method",
        "missing_reason",
        "unit",
        "source",
    ]
    if not results:
        return pd.DataFrame(columns=columns)
    return pd.concat(results, ignore_index=True)[columns]


def strata_weights(
    indicators: dict[str, Indicator], sources: SourcesConfig, standard: pd.Series | None, missing: dict[str, Missing]
) -> dict[str, dict[str, float]]:
    """Per age-standardised indicator, the standard population's share of each of its age groups; an indicator
    without a standard population is added to `missing` with what to fetch."""
    weights = {}
    for indicator in indicators.values():
        if not indicator.source.get("strata") or indicator.id in missing:
            continue
        if standard is None:
            folder = sources.standard_population.table.directory if sources.standard_population else "?"
            missing[indicator.id] = Missing(
                "standaardbevolking naar leeftijd nog niet opgehaald", f"trendbreuk fetch cbs {folder}"
            )
            continue
        weights[indicator.id] = standard_weights(standard, cbs_source(indicator, sources).strata)
    return weights


STRATA_KEYS = ["region", "area_level", "area_code", "area_name", "period", "year_start", "year_end"]


def age_standardised_values(
    frames: dict[str, pd.DataFrame],
    indicators: dict[str, Indicator],
    regions: RegionsConfig,
    weights: pd.DataFrame,
    strata_weights: dict[str, dict[str, float]],
    missing: dict[str, Missing],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The age-standardised variants: each age group's estimates combined over the areas like any survey estimate
    (gemeenten, subregio's, region, Nederland, rest of Nederland), then weighted by the standard population's
    shares of the groups. Returns the variants' values (the columns of indicator_values) and the age groups' own
    estimates with their standard weight (table age_strata)."""
    strata = frames.get("cbs_strata")
    wanted = [i for i in strata_weights if i not in missing]
    if strata is None or not wanted:
        for indicator in wanted:
            missing[indicator] = Missing("geen schattingen per leeftijdsgroep in de CBS-tabel")
        return pd.DataFrame(), pd.DataFrame()
    rows = strata[strata["indicator"].isin(wanted)].copy()
    rows["family"] = rows["indicator"]
    rows["indicator"] = rows["indicator"] + "|" + rows["stratum"].astype(str)
    combined = aggregate_estimates(
        rows[ESTIMATE_COLUMNS],
        regions.regions.values(),
        weights,
    )
    combined[["indicator", "stratum"]] = combined["indicator"].str.split("|", n=1, expand=True)
    values, tables = [], []
    for indicator_id, part in combined.groupby("indicator", sort=False):
        standard = strata_weights[indicator_id]
        out = standardised_estimates(part, standard, STRATA_KEYS)
        out = survey_intervals(out)
        out["indicator"], out["numerator"], out["denominator"] = indicator_id, np.nan, np.nan
        out["confidence"], out["statistic"] = 0.95, "survey"
        out["method"] = "direct gestandaardiseerd naar leeftijd (standaardbevolking)"
        out["unit"], out["source"] = indicators[indicator_id].unit, indicators[indicator_id].source["provider"]
        values.append(out)
        tables.append(
            part.assign(standard_weight=part["stratum"].map(standard))[
                ["indicator", *STRATA_KEYS, "stratum", "value", "lower_ci", "upper_ci", "standard_weight"]
            ]
        )
    for indicator in wanted:
        if indicator not in set(combined["indicator"]):
            missing[indicator] = Missing("geen schattingen per leeftijdsgroep voor de gemeenten van de regio's")
    return (
        pd.concat(values, ignore_index=True) if values else pd.DataFrame(),
        pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(),
    )


def small_area_standardised(strata: pd.DataFrame, strata_weights: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The age-standardised estimates of wijken and buurten, in the shape of the small areas' source rows (each area's
    own estimates per age group, weighted by the standard population; no combining over areas)."""
    keys = ["source", "indicator", "area_code", "period", "year_start", "year_end", "indeling_year", "indeling_change"]
    rows = strata[strata["indicator"].isin(strata_weights)].copy()
    rows["indeling_change"] = rows["indeling_change"].fillna(-1)  # a key may not be missing; -1: unknown
    parts = [
        standardised_estimates(part, strata_weights[indicator], keys)
        for indicator, part in rows.groupby("indicator", sort=False)
    ]
    if not parts:
        return rows.iloc[0:0].drop(columns="stratum")
    out = pd.concat(parts, ignore_index=True)
    out["indeling_change"] = out["indeling_change"].where(out["indeling_change"] >= 0)
    out["numerator"], out["denominator"], out["respondents"] = np.nan, np.nan, np.nan
    return out


def age_shares(
    frames: dict[str, pd.DataFrame], indicators: dict[str, Indicator], sources: SourcesConfig, regions: RegionsConfig
) -> pd.DataFrame:
    """The share of each age group of the age-standardised indicators in the population those groups cover (the
    adults: 18-64 and 65+), per gemeente, subregio, region, Nederland and rest of Nederland and year, from the
    inhabitants per age group (cbs.age_groups), plus that share in the target year on the trend of the last six
    years (`projected`): the age structure behind "how much of the gap is age" and "how much ageing alone moves it"."""
    ages = frames.get("cbs_age_groups")
    bandings = {
        tuple(sorted(cbs_source(i, sources).strata.items())) for i in indicators.values() if i.source.get("strata")
    }
    if ages is None or ages.empty or not bandings:
        return pd.DataFrame()
    parts = []
    for banding in bandings:
        bands = dict(banding)
        counts = regroup_ages(ages, bands, ["area_code", "year"])
        counts["denominator"] = counts.groupby(["area_code", "year"])["inhabitants"].transform("sum")
        counts = counts.rename(columns={"stratum": "indicator", "inhabitants": "numerator"})
        counts["period"], counts["year_start"], counts["year_end"] = (
            counts["year"].astype(str),
            counts["year"],
            counts["year"],
        )
        summed = aggregate_areas(counts.drop(columns="year"), regions.regions.values())
        summed = summed.rename(columns={"indicator": "stratum", "year_end": "year"})
        summed["share"] = summed["numerator"] / summed["denominator"]
        summed["age_from"] = summed["stratum"].map({k: float(v[0]) for k, v in bands.items()})
        summed["age_to"] = summed["stratum"].map({k: np.inf if v[1] is None else float(v[1]) for k, v in bands.items()})
        observed = summed[
            [
                "region",
                "area_level",
                "area_code",
                "area_name",
                "stratum",
                "age_from",
                "age_to",
                "year",
                "share",
                "numerator",
            ]
        ].rename(columns={"numerator": "inhabitants"})
        observed["projected"], observed["basis"] = False, "CBS, Kerncijfers wijken en buurten"
        projected = project_shares(
            observed,
            ["region", "area_level", "area_code", "area_name", "stratum", "age_from", "age_to"],
            regions.target_year,
        )
        projected["projected"], projected["inhabitants"] = True, np.nan
        parts += [observed] + ([projected] if not projected.empty else [])  # one year: no trend to project
    return pd.concat(parts, ignore_index=True)
