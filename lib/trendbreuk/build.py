"""`trendbreuk build`: raw files -> tidy, checked tables in data/processed/<dataset>/.

Stages: read every source (I/O) -> counts per indicator, area and period -> pooling -> aggregation over
areas -> statistic with confidence interval -> gaps, baseline and target path -> write (atomically: the
whole folder is replaced only when everything succeeded, so a failed build leaves the previous one intact).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import __version__, config, io, paths
from trendbreuk.changes import BuildTables, compare, summary
from trendbreuk.config import Configuration
from trendbreuk.geography.areas import RegionsConfig, gemeenten_of
from trendbreuk.geography.lineage import GemeenteRegister, LineageError, harmonise, read_lineage, read_register
from trendbreuk.geography.small_areas import SmallAreaRegister
from trendbreuk.indicators.aggregate import aggregate_areas, pool_years
from trendbreuk.indicators.assess import assess, summarise_basket
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.gap import calculate_gaps
from trendbreuk.indicators.intervals import intervals_for, survey_intervals
from trendbreuk.indicators.registrations import (
    BIRTHS_CBS,
    BIRTHS_PERINED,
    add_aggregates,
    add_area_sums,
    add_reach,
    births_by_area,
    shared_registrations,
    yearly_totals,
)
from trendbreuk.indicators.schemas import validate_tables
from trendbreuk.indicators.small_areas import latest_runs, small_area_values
from trendbreuk.indicators.standardise import project_shares, regroup_ages, standard_weights, standardised_estimates
from trendbreuk.indicators.survey import aggregate_estimates
from trendbreuk.processed import INFO_FILE, slice_digests, table_file
from trendbreuk.sources.cbs import latest_snapshot, read_cbs_v4, read_manifest
from trendbreuk.sources.datasets import Dataset, SourcesConfig
from trendbreuk.sources.exports import ExportCheck, ExportFormatError, check_export
from trendbreuk.sources.problems import listing
from trendbreuk.sources.programmes import ProgrammeCatalogue
from trendbreuk.sources.registrations import read_registrations
from trendbreuk.sources.statline import (
    PROVIDER,
    age_groups_by_year,
    births_by_year,
    cbs_source,
    read_cbs_indicators,
    read_standard_population,
)

log = logging.getLogger(__name__)

NOT_FOR_SHARING = (
    "NIET DELEN. Deze map bevat onbewerkte tellingen, ook kleine aantallen die personen herkenbaar kunnen maken\n"
    "(registrations, registration_totals). Deel alleen de gerenderde rapporten: die lezen uitsluitend\n"
    "registrations_shared, waarin kleine aantallen zijn afgeschermd.\n"
)


@dataclass(frozen=True)
class BuildResult:
    folder: Path
    tables: dict[str, int]
    skipped: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


def births_for_reach(frames: dict[str, pd.DataFrame], region) -> tuple[pd.DataFrame, str]:
    """Births per gemeente, subregio, region and year for the programmes' reach, and where they come from: the
    Perined denominators when that export is there, else CBS's live births."""
    if "perined" in frames:
        return births_by_area(frames["perined"], region), BIRTHS_PERINED
    if "cbs_births" in frames:
        return add_area_sums(frames["cbs_births"][["area_code", "year", "births"]], region, "births"), BIRTHS_CBS
    return pd.DataFrame(columns=["area_code", "year", "births"]), ""


PROVIDER_LABELS = {
    "perined": "Perined",
    "wsjg": "Waar staat je gemeente",
    "gezondheidsmonitor": "Gezondheidsmonitor",
    "cbs": "CBS StatLine",
}
SOURCE_DOCS = {
    "perined": "docs/bronnen/perined.md",
    "wsjg": "docs/bronnen/waarstaatjegemeente.md",
    "gezondheidsmonitor": "docs/bronnen/gezondheidsmonitor.md",
    "cbs": "docs/bronnen/cbs.md",
}


@dataclass(frozen=True)
class Missing:
    """Why an indicator has no figures (short, for readers of a report) and what a researcher can do about it."""

    reason: str
    action: str = ""


@dataclass
class SourceData:
    """Everything read from a dataset's raw files: tidy rows by provider, the provenance of every file and table, and
    per indicator why it has no rows (the export or CBS table is not there)."""

    frames: dict[str, pd.DataFrame]
    provenance: list[dict]
    missing: dict[str, Missing]
    cbs_measures: list[dict]
    cbs_missing_tables: dict[str, list[str]]
    births_tables: list[str] = field(default_factory=list)
    export_notes: list[dict] = field(default_factory=list)
    small_areas: SmallAreaRegister | None = None  # wijken and buurten named in the CBS tables' code lists
    standard_population: pd.Series | None = None  # the standard of age standardisation, by year of age


def check_exports(
    dataset: Dataset, layouts: dict, regions: RegionsConfig, register: GemeenteRegister | None = None
) -> dict[str, ExportCheck | None]:
    """Every export of a dataset checked (None for one that is not there), so that all problems of all files can
    be reported at once."""
    return {
        provider: check_export(path, layouts[provider], regions, register) if path.is_file() else None
        for provider, path in dataset.exports.items()
    }


def read_sources(
    dataset: Dataset,
    regions: RegionsConfig,
    sources: SourcesConfig,
    indicators: dict[str, Indicator],
    programmes: ProgrammeCatalogue,
) -> SourceData:
    """Read every raw source of `dataset` that is present. A missing export or CBS table is not an error: its
    indicators are listed in `missing` with what to download where. A present but malformed file is an error."""
    frames: dict[str, pd.DataFrame] = {}
    provenance: list[dict] = []
    missing: dict[str, Missing] = {}
    snapshot = latest_snapshot(dataset.cbs_dir / "03759ned")
    manifest = read_manifest(snapshot)
    codes_file = manifest.get("codes", {}).get("RegioS")
    register = None
    if codes_file:
        try:
            frames["lineage"] = read_lineage(snapshot / codes_file)
            register = read_register(snapshot / codes_file)
        except LineageError as err:
            log.warning("no gemeente lineage: %s", err)
    checks = check_exports(dataset, sources.layouts, regions, register)
    problems = [p for c in checks.values() if c is not None for p in c.problems]
    if problems:
        raise ExportFormatError(
            f"{len(problems)} probleem/problemen in de exports van dataset {dataset.name}; er is "
            f"niets ingelezen en data/processed/ is ongemoeid:\n  " + listing(problems),
            problems,
        )
    notes = []
    for provider, checked in checks.items():
        path = dataset.exports[provider]
        if checked is None:
            log.warning("%s: %s not found; indicators from %s are skipped", provider, path, provider)
            provenance.append({"source": provider, "file": str(path), "missing": True})
            continue
        frames[provider] = checked.rows
        notes += checked.notes
        provenance.append(
            {"source": provider, "file": str(path), "sha256": io.sha256_file(path), "rows": len(checked.rows)}
        )
    for indicator in indicators.values():
        provider = indicator.source["provider"]
        if provider in dataset.exports and provider not in frames:
            missing[indicator.id] = Missing(
                f"export {PROVIDER_LABELS.get(provider, provider)} nodig",
                f"zet de export van {PROVIDER_LABELS.get(provider, provider)} in {_relative(dataset.exports[provider])} "
                f"(zie {SOURCE_DOCS.get(provider, 'docs/')})",
            )
        elif provider != PROVIDER and provider not in dataset.exports:
            missing[indicator.id] = Missing(
                f"bron '{provider}' hoort niet bij dataset {dataset.name}",
                "voeg de export toe aan de dataset in config/sources.yaml",
            )
    cbs = read_cbs_indicators(indicators, sources, dataset.cbs_dir)
    if not cbs.rows.empty:
        frames[PROVIDER] = cbs.rows
    if cbs.small_area_rows is not None:
        frames["cbs_small_areas"] = cbs.small_area_rows  # wijken and buurten: not harmonised (see small_areas)
    if cbs.strata_rows is not None:
        frames["cbs_strata"] = cbs.strata_rows  # estimates per age group, for the age-standardised variants
    if cbs.small_area_strata_rows is not None:
        frames["cbs_small_area_strata"] = cbs.small_area_strata_rows
    missing.update({k: Missing(*v) for k, v in cbs.missing.items()})
    provenance += cbs.snapshots
    frames["cbs_population"] = read_cbs_v4(snapshot)
    provenance.append(
        {
            "source": "cbs",
            "table": "03759ned",
            "title": manifest.get("table_title"),
            "snapshot": str(snapshot),
            "manifest_sha256": io.sha256_file(snapshot / "manifest.json"),
            "retrieved_at": manifest.get("retrieved_at"),
            "table_modified": manifest.get("table_modified"),
            "rows": len(frames["cbs_population"]),
        }
    )
    standard = read_standard_population(sources, dataset.cbs_dir)
    if standard is not None:
        provenance.append(standard[1])
    ages, ages_snapshots = age_groups_by_year(sources, dataset.cbs_dir)
    if not ages.empty:
        frames["cbs_age_groups"] = ages
        provenance += [s for s in ages_snapshots if s["table"] not in {p.get("table") for p in provenance}]
    small_ages, _ = age_groups_by_year(sources, dataset.cbs_dir, small_areas=True)
    if not small_ages.empty:
        frames["cbs_small_area_ages"] = small_ages
    births, births_snapshots = births_by_year(sources, dataset.cbs_dir)
    if not births.empty:
        frames["cbs_births"] = births
        provenance += [s for s in births_snapshots if s["table"] not in {p.get("table") for p in provenance}]
    if dataset.registrations is not None and dataset.registrations.is_file():
        frames["registrations"] = read_registrations(dataset.registrations, regions, programmes)
        provenance.append(
            {
                "source": "registraties",
                "file": str(dataset.registrations),
                "sha256": io.sha256_file(dataset.registrations),
                "rows": len(frames["registrations"]),
            }
        )
    return SourceData(
        frames,
        provenance,
        missing,
        cbs.measures,
        cbs.missing_tables,
        [b["table"] for b in births_snapshots],
        notes,
        cbs.small_areas,
        standard[0] if standard is not None else None,
    )


def _relative(path: Path, root: Path | None = None) -> str:
    """A path as the project names it (relative to its root, with /), or as given when it lies outside."""
    try:
        return Path(path).resolve().relative_to(Path(root or paths.project_root()).resolve()).as_posix()
    except (ValueError, paths.ProjectNotFoundError):
        return str(path)


PATH_KEYS = ("file", "snapshot")


def portable(info, root: Path):
    """build_info with every file and snapshot named relative to the project root, so that a build or an edition
    copied to a colleague's machine still says which of its own files it came from."""
    if isinstance(info, dict):
        return {
            k: _relative(v, root)
            if k in PATH_KEYS and isinstance(v, str) and Path(v).is_absolute()
            else portable(v, root)
            for k, v in info.items()
        }
    if isinstance(info, list):
        return [portable(v, root) for v in info]
    return info


def harmonise_sources(frames: dict[str, pd.DataFrame], indeling_year: int) -> tuple[dict[str, pd.DataFrame], dict]:
    """Express every indicator source (and the CBS births) in the gemeente indeling of `indeling_year`, using the
    lineage parsed from the CBS code list. A row's own indeling is its `indeling_year` (a CBS table can declare
    one for all its years, e.g. indeling 2022), else its first year. Without a lineage the data are used as
    delivered, and the build says so."""
    lineage = frames.get("lineage")
    note = {"indeling_year": indeling_year, "lineage": None, "mergers": [], "flagged_rows": 0}
    if lineage is None:
        return frames, note
    note["lineage"] = {"file": lineage.attrs.get("source"), "sha256": lineage.attrs.get("sha256")}
    out = dict(frames)
    used: set[tuple] = set()
    for provider in (*INDICATOR_PROVIDERS, "cbs_strata", "cbs_births", "cbs_age_groups"):
        if provider not in frames:
            continue
        rows = frames[provider]
        if provider == "cbs_births":
            harmonised = harmonise(
                rows, lineage, indeling_year, count_columns=["births"], year_column="indeling_year", keys=["year"]
            )
        elif provider == "cbs_age_groups":
            harmonised = harmonise(
                rows,
                lineage,
                indeling_year,
                count_columns=["inhabitants"],
                year_column="indeling_year",
                keys=["year", "age_from", "age_to"],
            )
        else:
            if "indeling_year" not in rows.columns:
                rows = rows.assign(indeling_year=rows["year_start"])
            harmonised = harmonise(
                rows,
                lineage,
                indeling_year,
                count_columns=["numerator", "denominator", "respondents"],
                rate_columns=["value", "lower_ci", "upper_ci"],
                year_column="indeling_year",
                keys=[
                    "source",
                    "indicator",
                    "period",
                    "year_start",
                    "year_end",
                    *(["stratum"] if provider == "cbs_strata" else []),
                ],
            )
            note["flagged_rows"] += int((harmonised["harmonisation_flag"] != "").sum())
        old_codes = set(rows["area_code"]) - set(harmonised["area_code"])
        used |= {
            (r.from_code, r.from_name, r.to_code, r.to_name, r.year)
            for r in lineage.itertuples()
            if r.from_code in old_codes and r.kind == "opgeheven" and r.year <= indeling_year
        }
        out[provider] = harmonised
    note["mergers"] = [
        {"from_code": f, "from_name": fn, "to_code": t, "to_name": tn, "year": int(y)}
        for f, fn, t, tn, y in sorted(used)
    ]
    return out, note


EXPORT_PROVIDERS = ("perined", "wsjg", "gezondheidsmonitor")
INDICATOR_PROVIDERS = (*EXPORT_PROVIDERS, PROVIDER)


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
            surveyed.append(
                rows[
                    [
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
                ]
            )
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
        rows[
            [
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
        ],
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


def area_age_groups(frames: dict[str, pd.DataFrame], regions: RegionsConfig) -> pd.DataFrame:
    """The inhabitants per age group (cbs.age_groups: the KWB bands) of every wijk, buurt and focus area of the
    regions' gemeenten in the newest year that has them, with the gemeenten and Nederland in that same year: the age
    structure of a wijkprofiel. A focus area is the sum of its members (only when all of them have the year)."""
    small, large = frames.get("cbs_small_area_ages"), frames.get("cbs_age_groups")
    if small is None or small.empty or large is None:
        return pd.DataFrame()
    year = int(small["year"].max())
    gemeenten = {g.code for r in regions.regions.values() for g in r.gemeenten}
    small = small[small["year"] == year].assign(gemeente_code=lambda f: gemeenten_of(f["area_code"]))
    small = small[small["gemeente_code"].isin(gemeenten)]
    small = small.assign(area_level=np.where(small["area_code"].str.startswith("WK"), "wijk", "buurt"))
    parts = [small]
    for region in regions.regions.values():
        for area in region.focus_areas:
            members = small[small["area_code"].isin(area.codes)]
            if members["area_code"].nunique() != len(area.codes):
                continue
            summed = members.groupby(["age_from", "age_to"], as_index=False)["inhabitants"].sum()
            parts.append(
                summed.assign(
                    area_code=area.code, area_level="focus", year=year, gemeente_code=",".join(area.gemeente_codes)
                )
            )
    large = large[(large["year"] == year) & (large["area_code"].isin(gemeenten) | (large["area_code"] == "NL01"))]
    parts.append(
        large.assign(
            area_level=np.where(large["area_code"] == "NL01", "nederland", "gemeente"),
            gemeente_code=np.where(large["area_code"] == "NL01", "", large["area_code"]),
        )
    )
    columns = ["area_level", "area_code", "gemeente_code", "year", "age_from", "age_to", "inhabitants"]
    return pd.concat([p[columns] for p in parts], ignore_index=True).sort_values(
        ["gemeente_code", "area_code", "age_from"], ignore_index=True
    )


SMALL_AREA_TABLES = ("small_area_values", "small_area_gaps", "small_area_assessments")
SMALL_AREA_ROW_GROUP = 20_000


def all_gaps(values: pd.DataFrame, indicators: dict[str, Indicator], regions: RegionsConfig) -> pd.DataFrame:
    """The gaps of every area in `values` to each configured benchmark (whose rows `values` must hold)."""
    return pd.concat(
        [
            calculate_gaps(
                values,
                indicators,
                benchmark,
                baseline_year=regions.baseline_year,
                target_year=regions.target_year,
                share=regions.target_share_closed,
            )
            for benchmark in regions.benchmarks
        ],
        ignore_index=True,
    )


def skipped_list(missing: dict[str, Missing], indicators: dict[str, Indicator]) -> list[dict]:
    """The indicators without figures, in catalogue order, with the reason and the remedy in Dutch (for
    build_info, the build's output and the reports)."""
    return [
        {
            "indicator": i.id,
            "title": i.title,
            "provider": i.source["provider"],
            "reason": missing[i.id].reason,
            "action": missing[i.id].action,
            **({"variant_of": i.variant_of} if i.variant_of else {}),
        }
        for i in indicators.values()
        if i.id in missing
    ]


@contextmanager
def _step(what: str):
    """Log how long a step of the build took (`trendbreuk -v build`)."""
    started = time.perf_counter()
    yield
    log.info("build: %s in %.2f s", what, time.perf_counter() - started)


def changes_since_last_edition(dataset: str, root: Path, current: BuildTables) -> tuple[pd.DataFrame, dict] | None:
    """What changed since the newest saved edition of the dataset, and why (None without editions). An edition
    saved before editions kept their configuration cannot be compared; the build says so in its log."""
    from trendbreuk.editions import list_editions

    saved = list_editions(dataset, root)
    if not saved:
        return None
    previous = saved[-1]
    try:
        found = compare(BuildTables.read(previous.folder, previous.name), current)
    except FileNotFoundError as err:
        log.warning("no comparison with edition %s: %s", previous.name, err)
        return None
    return found, {
        "edition": previous.name,
        "saved_at": previous.manifest.get("saved_at"),
        "built_at": previous.manifest.get("built_at"),
        "summary": summary(found, previous.name),
    }


def build(
    dataset_name: str | None = None, root: Path | None = None, configuration: Configuration | None = None
) -> BuildResult:
    """Raw files -> the processed tables of a dataset in data/processed/<dataset>/, in named steps: read and check
    the sources, harmonise to one indeling, the region tables (values, gaps, verdicts), the wijken, buurten and focus
    areas, the registrations, what changed since the last edition, the contracts, and the write (atomic). The
    configuration is the project's (config.project: `trendbreuk --regions FILE build` passes another regions file);
    the build saves a copy beside its tables, which the reports then read."""
    root = root or paths.project_root()
    configuration = configuration or config.project(root)
    regions, indicators = configuration.regions, configuration.catalogue
    sources, programmes = configuration.sources, configuration.programmes
    dataset = sources.dataset(dataset_name)
    log.info("build: dataset %s (demo=%s), %d indicators", dataset.name, dataset.demo, len(indicators))

    with _step("read and check the sources"):
        data = read_sources(dataset, regions, sources, indicators, programmes)
    present = _providers_with_figures(data, indicators, dataset)
    frames, harmonisation = _harmonised(data.frames, present, regions)
    tables, standard_shares = region_tables(
        frames, data, indicators, sources, regions, dataset, harmonisation["indeling_year"]
    )
    with _step("wijken, buurten and focus areas"):
        tables.update(small_area_tables(frames, tables["indicator_values"], indicators, regions, data, standard_shares))
    if "lineage" in frames:
        tables["lineage"] = frames["lineage"]
    if "registrations" in frames:
        with _step("registrations, reach and small-count suppression"):
            tables.update(registration_tables(frames, regions, programmes))
    skipped = skipped_list(data.missing, indicators)
    info = _build_info(dataset, data, harmonisation, tables, skipped)
    with _step("what changed since the last edition"):
        current = BuildTables(
            "deze build", info, tables["indicator_values"], tables["assessments"], indicators, regions
        )
        since = changes_since_last_edition(dataset.name, root, current)
        if since is not None:
            tables["changes"], info["changes_since"] = since
    info["configuration"] = {
        name: {"file": str(path), "sha256": io.sha256_file(path)}
        for name, path in configuration.files.items()
        if path.is_file()
    }
    info = portable(info, root)
    with _step("check the tables' contract"):
        tables = validate_tables(tables)
    with _step("digests of each report's slice"):
        info["digests"] = slice_digests(tables)
    target = paths.processed_dir(root) / dataset.name
    with _step("write"):
        _write(target, tables, info, configuration.files)
    return BuildResult(folder=target, tables=info["tables"], skipped=skipped, notes=data.export_notes)


def _providers_with_figures(data: SourceData, indicators: dict[str, Indicator], dataset: Dataset) -> list[str]:
    """The indicator sources that delivered figures; none is an error that says, per indicator, what is missing."""
    present = [p for p in INDICATOR_PROVIDERS if p in data.frames]
    if not present:
        reasons = "\n  ".join(
            f"{i['title']}: {i['reason']} ({i['action']})" for i in skipped_list(data.missing, indicators)
        )
        raise FileNotFoundError(
            f"dataset {dataset.name}: no indicator has figures; nothing to build. Per indicator:\n  "
            f"{reasons}\nFetch the CBS tables (trendbreuk fetch cbs --dataset {dataset.name}) or put "
            "the portal exports in place (docs/bronnen/)."
        )
    return present


def _harmonised(frames: dict[str, pd.DataFrame], present: list[str], regions: RegionsConfig):
    """Every source in one gemeente indeling: the newest the data know (today's gemeenten), unless configured."""
    population_years = frames["cbs_population"].dropna(subset=["value"])["period_start"].dt.year
    last_year = int(max([frames[p]["year_end"].max() for p in present] + [population_years.max()]))
    with _step("harmonise to one indeling"):
        return harmonise_sources(frames, regions.indeling_year or last_year)


def region_tables(
    frames: dict[str, pd.DataFrame],
    data: SourceData,
    indicators: dict[str, Indicator],
    sources: SourcesConfig,
    regions: RegionsConfig,
    dataset: Dataset,
    indeling_year: int,
) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables of gemeenten, subregio's, regions and the benchmarks: values (with the age-standardised variants),
    gaps, assessments, the basket summary, the population, and the age strata and shares. Also returns the standard
    population's weights per stratum, which the wijken use too."""
    with _step("population weights"):
        weights = population_weights(frames, indeling_year)
    with _step("indicator values per area"):
        values = calculate_indicator_values(frames, indicators, regions, weights, data.missing)
    with _step("age: standardised variants and the age structure"):
        standard_shares = strata_weights(indicators, sources, data.standard_population, data.missing)
        standardised, strata = age_standardised_values(
            frames, indicators, regions, weights, standard_shares, data.missing
        )
        if not standardised.empty:
            values = pd.concat([values, standardised[values.columns]], ignore_index=True)
        shares = age_shares(frames, indicators, sources, regions)
    if values.empty:
        raise FileNotFoundError(
            f"dataset {dataset.name}: the sources hold no rows for any catalogue indicator; nothing to build"
        )
    with _step("gaps"):
        gaps = all_gaps(values, indicators, regions)
    population = frames["cbs_population"]
    population = population[population["measure"] == "M000352"][["region_code", "period_code", "period_start", "value"]]
    with _step("assessments, verdicts and the basket summary"):
        assessments = assess(
            values,
            gaps,
            indicators,
            target_year=regions.target_year,
            share=regions.target_share_closed,
            baseline_year=regions.baseline_year,
        )
        basket = summarise_basket(assessments, benchmark=regions.default_benchmark)
    tables = {
        "indicator_values": values,
        "gaps": gaps,
        "assessments": assessments,
        "basket_summary": basket,
        "population": population,
    }
    if not strata.empty:
        tables["age_strata"] = strata
    if not shares.empty:
        tables["age_shares"] = shares
    return tables, standard_shares


def small_area_tables(
    frames: dict[str, pd.DataFrame],
    values: pd.DataFrame,
    indicators: dict[str, Indicator],
    regions: RegionsConfig,
    data: SourceData,
    standard_shares: dict,
) -> dict[str, pd.DataFrame]:
    """Wijken, buurten and focus areas: the same statistics, gaps and verdicts, in tables of their own (a national
    build holds millions of their rows), sorted by gemeente, which a report reads filtered (Processed.small_areas);
    and the inhabitants per age group of every area (age_groups)."""
    tables: dict[str, pd.DataFrame] = {}
    small_rows = frames.get("cbs_small_areas")
    if "cbs_small_area_strata" in frames and standard_shares:
        small_rows = pd.concat(
            [small_rows, small_area_standardised(frames["cbs_small_area_strata"], standard_shares)],
            ignore_index=True,
        )
    small = small_area_values(small_rows, indicators, regions, data.small_areas or SmallAreaRegister({}))
    if not small.empty:
        judged = latest_runs(small)
        benchmarks = values[values["area_code"].isin(regions.benchmarks)]
        small_gaps = all_gaps(pd.concat([judged, benchmarks], ignore_index=True), indicators, regions)
        # one indicator at a time: assess lays every series out as a padded 2-D array, which for all wijken
        # and buurten of the country at once was the build's peak of memory (3,1 GB); the rows are the same
        small_assessments = pd.concat(
            [
                assess(
                    judged[judged["indicator"] == k],
                    small_gaps[small_gaps["indicator"] == k],
                    indicators,
                    target_year=regions.target_year,
                    share=regions.target_share_closed,
                    baseline_year=regions.baseline_year,
                )
                for k in sorted(set(small_gaps["indicator"]))
            ],
            ignore_index=True,
        )
        order = {b: i for i, b in enumerate(regions.benchmarks)}  # the row order of one call: benchmark first
        small_assessments = small_assessments.sort_values(
            "benchmark", key=lambda b: b.map(order), kind="stable", ignore_index=True
        )
        gemeente = small.drop_duplicates("area_code").set_index("area_code")["gemeente_code"]
        unsorted = dict(zip(SMALL_AREA_TABLES, (small, small_gaps, small_assessments)))
        del small, small_gaps, small_assessments, judged  # each table once in memory: the national peak
        for name in SMALL_AREA_TABLES:
            frame = unsorted.pop(name)
            if "gemeente_code" not in frame.columns:
                frame = frame.assign(gemeente_code=frame["area_code"].map(gemeente))
            tables[name] = frame.sort_values(["gemeente_code", "area_code"], kind="stable", ignore_index=True)
            del frame
    ages = area_age_groups(frames, regions)
    if not ages.empty:
        tables["age_groups"] = ages
    return tables


def registration_tables(frames: dict[str, pd.DataFrame], regions: RegionsConfig, programmes) -> dict[str, pd.DataFrame]:
    """The programmes' own registrations: as read, yearly totals with reach, and the shared table after disclosure
    control (the only one reports read)."""
    region = regions.region()
    totals = add_aggregates(yearly_totals(frames["registrations"]), region)
    totals = add_reach(totals, *births_for_reach(frames, region), programmes)
    return {
        "registrations": frames["registrations"],
        "registration_totals": totals,
        "registrations_shared": shared_registrations(totals, region, programmes),
    }


def _build_info(dataset: Dataset, data: SourceData, harmonisation: dict, tables: dict, skipped: list[dict]) -> dict:
    """build_info.json: where the numbers come from (every source with its hash), what was set aside, and when."""
    return {
        "dataset": dataset.name,
        "demo": dataset.demo,
        "description": dataset.description,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "workbook_version": __version__,
        "indeling_year": harmonisation["indeling_year"],
        "harmonisation": harmonisation,
        "sources": data.provenance,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "skipped_indicators": skipped,
        "cbs_measures": data.cbs_measures,
        "cbs_missing_tables": data.cbs_missing_tables,
        "births_tables": data.births_tables,
        "export_notes": data.export_notes,
    }


def _write(target: Path, tables: dict[str, pd.DataFrame], info: dict, configuration: dict[str, Path]) -> None:
    """Every table, build_info.json, the do-not-share note and the configuration, into `target` at once (a
    temporary folder renamed into place: a failed or killed build leaves the previous one)."""
    with io.atomic_directory(target) as tmp:
        for name, frame in tables.items():
            # small row groups sorted by gemeente: a report reads only the row groups of its own gemeente
            frame.to_parquet(
                table_file(tmp, name),
                index=False,
                row_group_size=SMALL_AREA_ROW_GROUP if name in SMALL_AREA_TABLES else None,
            )
        (tmp / INFO_FILE).write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / "NIET-DELEN.txt").write_text(NOT_FOR_SHARING, encoding="utf-8")
        (tmp / "config").mkdir()
        for name, path in configuration.items():  # the configuration the tables were made with, beside them
            if path.is_file():
                shutil.copy2(path, tmp / "config" / name)
