"""Ingest: a dataset's raw files read and checked, and brought into one gemeente indeling. `read_sources` reads
every provider (CBS snapshots, the portal exports, the registrations) into tidy rows with their provenance and, per
indicator, why it has no figures; `harmonise_sources` maps every source onto the gemeenten of one year (mergers
summed, with the lineage of CBS's own code list). `trendbreuk build` (build.py) starts with these two steps."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from trendbreuk import io, paths
from trendbreuk.geography.areas import RegionsConfig
from trendbreuk.geography.lineage import GemeenteRegister, LineageError, harmonise, read_lineage, read_register
from trendbreuk.geography.small_areas import SmallAreaRegister
from trendbreuk.indicators.catalogue import Indicator, Missing
from trendbreuk.sources.cbs import latest_snapshot, read_cbs_v4, read_manifest
from trendbreuk.sources.datasets import PROVIDER_LABELS, SOURCE_DOCS, Dataset, SourcesConfig
from trendbreuk.sources.exports import ExportCheck, ExportFormatError, check_export
from trendbreuk.sources.population import age_groups_by_year, births_by_year, read_standard_population
from trendbreuk.sources.problems import listing
from trendbreuk.sources.programmes import ProgrammeCatalogue
from trendbreuk.sources.registrations import read_registrations
from trendbreuk.sources.statline import PROVIDER, read_cbs_indicators

log = logging.getLogger(__name__)


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
                f"zet de export van {PROVIDER_LABELS.get(provider, provider)} in {relative_path(dataset.exports[provider])} "
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


def relative_path(path: Path, root: Path | None = None) -> str:
    """A path as the project names it (relative to its root, with /), or as given when it lies outside."""
    try:
        return Path(path).resolve().relative_to(Path(root or paths.project_root()).resolve()).as_posix()
    except (ValueError, paths.ProjectNotFoundError):
        return str(path)


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
