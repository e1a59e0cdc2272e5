"""CBS tables about the population rather than an indicator: births per gemeente and year (the expected numbers
behind a programme's reach), the standard population by year of age (age standardisation) and inhabitants per age
group (the age structure of gemeenten, wijken and buurten)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import polars as pl

from trendbreuk.sources.cbs import (
    MeasureNotFoundError,
    load_values,
    resolve_measure,
)
from trendbreuk.sources.datasets import SourcesConfig
from trendbreuk.sources.statline import births_tables, read_newest, snapshot_provenance, with_years

log = logging.getLogger(__name__)


def births_by_year(sources: SourcesConfig, cbs_dir: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Live births per gemeente (and NL01) and year from the configured CBS measure: area_code, year, births,
    indeling_year; plus the snapshots read. Empty when nothing was fetched."""
    if not sources.births:
        return pd.DataFrame(columns=["area_code", "year", "births", "indeling_year"]), []
    parts, used = [], []
    for table in births_tables(sources):
        wide = read_newest(Path(cbs_dir) / table.id)
        if wide is None:
            continue
        key = resolve_measure(sources.births["measure"], wide.topics, wide.table)
        if key not in wide.frame.columns:
            continue
        frame = wide.frame.filter(pl.col("region_code").str.starts_with("GM"))
        frame = with_years(frame, table, wide)
        parts.append(
            frame.select(
                pl.col("region_code").alias("area_code"),
                "year",
                pl.col(key).cast(pl.Float64).alias("births"),
                pl.lit(table.indeling).fill_null(pl.col("year")).cast(pl.Int64).alias("indeling_year"),
            )
            .drop_nulls("births")
            .to_pandas()
        )
        used.append(snapshot_provenance(wide, table))
    births = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["area_code", "year", "births", "indeling_year"])
    )
    return births, used


class StandardPopulationError(ValueError):
    """The standard population's snapshot cannot give numbers by year of age; the message says what to fetch."""


def read_standard_population(sources: SourcesConfig, cbs_dir: Path) -> tuple[pd.Series, dict] | None:
    """The standard population by year of age (index: age in years, an open top group at its lower age) and the
    provenance of its snapshot; None when it is not configured or not fetched. A snapshot that holds no numbers by
    single year of age for the configured year and region is an error that names the folder."""
    standard = sources.standard_population
    if standard is None:
        return None
    folder = Path(cbs_dir) / standard.table.directory
    wide = read_newest(folder)
    if wide is None:
        return None
    where = f"standard population {wide.snapshot}"
    codes_file = (wide.manifest.get("codes") or {}).get(standard.age_dimension)
    if standard.age_dimension not in wide.frame.columns or not codes_file:
        raise StandardPopulationError(
            f"{where}: no dimension {standard.age_dimension}; fetch it again "
            f"(trendbreuk fetch cbs {standard.table.directory})"
        )
    titles = {
        str(c.get("Identifier", c.get("Key"))).strip(): str(c.get("Title", "")).strip()
        for c in load_values(wide.snapshot / codes_file)
    }
    frame = wide.frame.filter(
        (pl.col("region_code") == standard.region) & (pl.col("period_code") == f"{standard.year}JJ00")
    )
    if standard.measure not in frame.columns:
        raise StandardPopulationError(f"{where}: no measure {standard.measure}")
    counts = {
        str(code): value
        for code, value in zip(frame[standard.age_dimension], frame[standard.measure])
        if value is not None
    }
    single, open_top = {}, {}
    for code, count in counts.items():
        title = titles.get(code, "")
        if match := SINGLE_AGE.fullmatch(title):
            single[int(match.group(1))] = float(count)
        elif match := OPEN_AGE.fullmatch(title):
            open_top[int(match.group(1))] = float(count)
    if not single:
        raise StandardPopulationError(
            f"{where}: no numbers by single year of age for {standard.region} in {standard.year} (only "
            f"{sorted(titles.get(c, c) for c in counts)[:5]}); fetch it again (trendbreuk fetch cbs "
            f"{standard.table.directory})"
        )
    oldest = max(single)
    top = [age for age in open_top if age == oldest + 1]  # "105 jaar of ouder" after 104; not "95 jaar of ouder"
    ages = pd.Series({**single, **{age: open_top[age] for age in top}}).sort_index()
    provenance = {
        **snapshot_provenance(wide, standard.table),
        "standard_year": standard.year,
        "region": standard.region,
    }
    return ages, provenance


SINGLE_AGE = re.compile(r"(\d+) jaar")
OPEN_AGE = re.compile(r"(\d+) jaar of ouder")


def age_groups_by_year(
    sources: SourcesConfig, cbs_dir: Path, small_areas: bool = False
) -> tuple[pd.DataFrame, list[dict]]:
    """Inhabitants per configured age group (cbs.age_groups) per gemeente, NL01 and year (with `small_areas`: per
    wijk and buurt instead): area_code, year, age_from, age_to (inf: open), inhabitants, indeling_year; plus the
    snapshots read. Empty when nothing was fetched; a year whose table lacks a group is left out whole, and so is an
    area with a hidden group (a partial age structure would mislead)."""
    columns = ["area_code", "year", "age_from", "age_to", "inhabitants", "indeling_year"]
    if sources.age_groups is None:
        return pd.DataFrame(columns=columns), []
    parts, used = [], []
    tables = sources.cbs_series[sources.age_groups.series].tables
    for table in sorted(tables, key=lambda t: t.year or 0, reverse=True) if small_areas else tables:
        if small_areas and parts:  # wijken and buurten: the newest year only (their indeling changes yearly)
            break
        wide = read_newest(Path(cbs_dir) / table.id)
        if wide is None:
            continue
        try:
            keys = {stem: resolve_measure(stem, wide.topics, wide.table) for stem in sources.age_groups.groups}
        except MeasureNotFoundError as err:
            log.info("age groups: %s", err)
            continue
        if not set(keys.values()) <= set(wide.frame.columns):
            continue
        levels = ("WK", "BU") if small_areas else ("GM", "NL")
        frame = wide.frame.filter(
            pl.col("region_code").str.starts_with(levels[0]) | pl.col("region_code").str.starts_with(levels[1])
        )
        frame = with_years(
            frame.with_columns(
                pl.when(pl.col("region_code").str.starts_with("NL"))
                .then(pl.lit("NL01"))
                .otherwise(pl.col("region_code"))
                .alias("area_code")
            ),
            table,
            wide,
        )
        for stem, (low, high) in sources.age_groups.groups.items():
            parts.append(
                frame.select(
                    "area_code",
                    "year",
                    pl.lit(float(low)).alias("age_from"),
                    pl.lit(float("inf") if high is None else float(high)).alias("age_to"),
                    pl.col(keys[stem]).cast(pl.Float64).alias("inhabitants"),
                    pl.lit(table.indeling).fill_null(pl.col("year")).cast(pl.Int64).alias("indeling_year"),
                ).to_pandas()
            )
        used.append(snapshot_provenance(wide, table))
    if not parts:
        return pd.DataFrame(columns=columns), used
    rows = pd.concat(parts, ignore_index=True)
    complete = rows["inhabitants"].notna().groupby([rows["area_code"], rows["year"]]).transform("all")
    return rows[complete].reset_index(drop=True)[columns], used
