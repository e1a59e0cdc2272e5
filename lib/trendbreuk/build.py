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
from trendbreuk.geography.small_areas import SmallAreaRegister
from trendbreuk.indicators.assess import assess, summarise_basket
from trendbreuk.indicators.catalogue import Indicator, Missing
from trendbreuk.indicators.gap import gaps_to_benchmarks
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
from trendbreuk.indicators.values import (
    age_shares,
    age_standardised_values,
    calculate_indicator_values,
    population_weights,
    small_area_standardised,
    strata_weights,
)
from trendbreuk.ingest import (
    INDICATOR_PROVIDERS,
    SourceData,
    harmonise_sources,
    read_sources,
    relative_path,
)
from trendbreuk.processed import INFO_FILE, SMALL_AREA_TABLES, slice_digests, table_file
from trendbreuk.sources.datasets import Dataset, SourcesConfig

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


PATH_KEYS = ("file", "snapshot")


def portable(info, root: Path):
    """build_info with every file and snapshot named relative to the project root, so that a build or an edition
    copied to a colleague's machine still says which of its own files it came from."""
    if isinstance(info, dict):
        return {
            k: relative_path(v, root)
            if k in PATH_KEYS and isinstance(v, str) and Path(v).is_absolute()
            else portable(v, root)
            for k, v in info.items()
        }
    if isinstance(info, list):
        return [portable(v, root) for v in info]
    return info


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


SMALL_AREA_ROW_GROUP = 20_000


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
        gaps = gaps_to_benchmarks(values, indicators, regions)
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
        small_gaps = gaps_to_benchmarks(pd.concat([judged, benchmarks], ignore_index=True), indicators, regions)
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
