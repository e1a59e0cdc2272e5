"""`trendbreuk check catalogue`: which CBS table and measure key every catalogue indicator uses, year by year.

Each CBS indicator's measures (key stems, see trendbreuk.sources.cbs.resolve_measure) are resolved against the
metadata of every table of its source, with the same function the build uses, so the answer is the key the build
reads: from an OData v3 DataProperties list (DataProperties.json, or the `..._DataProperties.parquet` of a table
dump) or an OData v4 MeasureCodes list (MeasureCodes.json, measure-codes.json), found in folders given on the
command line (a folder whose name contains the table id) or in the newest snapshot under data/raw/cbs/<table>/.
Indicators from a portal export get one row saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.sources.cbs import MeasureNotFoundError, resolve_measure
from trendbreuk.sources.datasets import SourcesConfig
from trendbreuk.sources.statline import PROVIDER, cbs_sources

COLUMNS = ["indicator", "year", "table", "role", "measure", "status", "key", "detail"]
ROLES = {"numerator": "teller", "denominator": "noemer", "percentage": "percentage", "value": "waarde"}
FOUND, ABSENT, AMBIGUOUS, UNKNOWN, NO_METADATA, EXPORT = (
    "gevonden",
    "niet in deze tabel",
    "dubbelzinnig",
    "nergens gevonden",
    "geen metadata",
    "portaalexport",
)


def _records(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_dict("records")
    payload = json.loads(path.read_text(encoding="utf-8"))
    return payload["value"] if isinstance(payload, dict) else payload


def topics_in(folder: Path) -> dict[str, str] | None:
    """Measure keys -> titles from the metadata files in a folder, or None when it holds none."""
    folder = Path(folder)
    files = [folder / n for n in ("DataProperties.json", "MeasureCodes.json", "measure-codes.json")]
    files += sorted(folder.glob("*DataProperties.parquet"))
    found = None
    for path in files:
        if not path.is_file():
            continue
        found = found or {}
        for record in _records(path):
            key = record.get("Identifier") or record.get("Key")
            if key and (record.get("Type") in (None, "Topic")):
                found[str(key)] = str(record.get("Title") or "").strip()
    return found


def _metadata_for(table: str, folders: list[Path], raw_cbs_dir: Path | None) -> tuple[dict[str, str] | None, str]:
    candidates = [f for f in folders if table.lower() in Path(f).name.lower()]
    if raw_cbs_dir is not None and (Path(raw_cbs_dir) / table).is_dir():
        snapshots = sorted(
            (p for p in (Path(raw_cbs_dir) / table).iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.name,
        )
        candidates += list(reversed(snapshots))
    for folder in candidates:
        topics = topics_in(folder)
        if topics is not None:
            return topics, str(folder)
    return None, ""


def check_catalogue(
    catalogue: dict[str, Indicator],
    sources: SourcesConfig,
    metadata_folders: list[Path] = (),
    raw_cbs_dir: Path | None = None,
) -> pd.DataFrame:
    """One row per CBS indicator, table (year) and measure with the key it resolves to (status gevonden), or why not
    (niet in deze tabel, dubbelzinnig, geen metadata); a measure found in none of the tables that have metadata is
    'nergens gevonden'. One row per export indicator (portaalexport) with its `verified` note."""
    rows = []
    folders = [Path(f) for f in metadata_folders]
    for source in cbs_sources(catalogue, sources).values():
        for table in source.tables:
            topics, where = _metadata_for(table.id, folders, raw_cbs_dir)
            roles = [("numerator", t) for t in source.numerator] + [("denominator", t) for t in source.denominator]
            roles += [(r, t) for r, t in (("percentage", source.percentage), ("value", source.value)) if t]
            for role, term in roles:
                row = {
                    "indicator": source.indicator,
                    "year": table.year,
                    "table": table.id,
                    "role": ROLES[role],
                    "measure": term,
                    "key": "",
                }
                if topics is None:
                    row.update(status=NO_METADATA, detail=f"haal de tabel op: trendbreuk fetch cbs {table.id}")
                else:
                    try:
                        key = resolve_measure(term, topics, table.id)
                        row.update(status=FOUND, key=key, detail=f"{topics[key]} ({where})")
                    except MeasureNotFoundError as err:
                        row.update(status=AMBIGUOUS if "matches several" in str(err) else ABSENT, detail=str(err))
                rows.append(row)
    report = pd.DataFrame(rows, columns=COLUMNS)
    if not report.empty:
        with_metadata = report[report["status"] != NO_METADATA]
        never = with_metadata.groupby(["indicator", "measure"])["status"].apply(lambda s: (s == ABSENT).all())
        for indicator, measure in never[never].index:
            hit = (report["indicator"] == indicator) & (report["measure"] == measure) & (report["status"] == ABSENT)
            report.loc[hit, "status"] = UNKNOWN
    exports = [
        {
            "indicator": i.id,
            "year": None,
            "table": "",
            "role": "",
            "measure": "",
            "status": EXPORT,
            "key": "",
            "detail": f"{i.source['provider']}: {i.verified or 'geen toelichting'}",
        }
        for i in catalogue.values()
        if i.source.get("provider") != PROVIDER
    ]
    return pd.concat([report, pd.DataFrame(exports, columns=COLUMNS)], ignore_index=True)


def problems(report: pd.DataFrame) -> pd.DataFrame:
    """The rows that make the check fail: a measure no table with metadata has, or one that matches two keys."""
    return report[report["status"].isin([UNKNOWN, AMBIGUOUS])]
