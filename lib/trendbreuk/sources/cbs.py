"""CBS StatLine, OData v4 (datasets.cbs.nl): read a stored snapshot into tidy long rows.

A snapshot is one folder holding the responses as CBS delivered them: observation pages and the metadata
tables (Properties, MeasureCodes, {Dimension}Codes). Its `manifest.json` says which file is which. The
recordings in ../shared/data use an `index.json` of the same purpose; both are understood.

Tidy rows keep codes and put labels beside them: table, measure, measure_label, unit, region_code (trimmed),
region_label, period_code, period_start, period_end, frequency, value, value_attribute, missing_reason,
plus one column per other dimension.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trendbreuk.sources.periods import PeriodError, parse_period

# ValueAttribute values that mean "no value here", with the reason shown to researchers.
MISSING_REASONS = {
    "Impossible": "bestaat niet (gebied of periode bestond toen niet)",
    "Confidential": "geheim",
    "Missing": "ontbreekt",
    "NotApplicable": "niet van toepassing",
}


class SnapshotError(ValueError):
    """A CBS snapshot folder that is incomplete or not in the expected format."""


def read_manifest(snapshot: Path) -> dict:
    """Return the snapshot's file index: our manifest.json, or the recordings' index.json."""
    snapshot = Path(snapshot)
    for name in ("manifest.json", "index.json"):
        path = snapshot / name
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if "observationPages" in data:  # recordings' index.json
                files = data.get("files", {})
                return {
                    "table": data["tableId"],
                    "observations": data["observationPages"],
                    "properties": files.get("properties"),
                    "measure_codes": files.get("measure-codes"),
                    "codes": {k.removeprefix("codes-"): v for k, v in files.items() if k.startswith("codes-")},
                    "retrieved_at": data.get("capturedAt"),
                    "source": data.get("source"),
                    "demo": False,
                }
            return data
    raise SnapshotError(
        f"{snapshot} has no manifest.json: it is not a complete CBS snapshot. "
        "Fetch the table again (trendbreuk fetch) or point to another snapshot."
    )


def _load_values(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SnapshotError(f"{path} is listed in the snapshot's manifest but missing") from err
    except json.JSONDecodeError as err:
        raise SnapshotError(f"{path} is not valid JSON ({err}); the snapshot is damaged, fetch it again") from err
    if not isinstance(data, dict) or "value" not in data:
        raise SnapshotError(f"{path} is not an OData response (no 'value' list)")
    return data["value"]


def read_cbs_v4(snapshot: Path) -> pd.DataFrame:
    """Read a CBS OData v4 snapshot folder into tidy long rows (see module docstring)."""
    snapshot = Path(snapshot)
    manifest = read_manifest(snapshot)
    table = manifest["table"]
    rows: list[dict] = []
    for page in manifest["observations"]:
        rows.extend(_load_values(snapshot / page))
    if not rows:
        raise SnapshotError(f"{snapshot}: table {table} snapshot holds no observations")
    obs = pd.DataFrame(rows)
    for column in ("Measure", "Value", "RegioS", "Perioden"):
        if column not in obs.columns:
            raise SnapshotError(f"{snapshot}: observations of {table} have no '{column}' column")

    measures = pd.DataFrame(_load_values(snapshot / manifest["measure_codes"]))[["Identifier", "Title", "Unit"]]
    measures.columns = ["measure", "measure_label", "unit"]
    measures["measure_label"] = measures["measure_label"].str.strip()

    tidy = pd.DataFrame(
        {
            "table": table,
            "measure": obs["Measure"].astype(str),
            "region_code": obs["RegioS"].astype(str).str.strip(),
            "period_code": obs["Perioden"].astype(str).str.strip(),
            "value": pd.to_numeric(obs["Value"], errors="coerce"),
            "value_attribute": obs.get("ValueAttribute", pd.Series("None", index=obs.index)).fillna("None").astype(str),
        }
    )
    other_dims = [c for c in obs.columns if c not in {"Id", "Measure", "ValueAttribute", "Value", "StringValue", "RegioS", "Perioden"}]
    for dim in other_dims:
        tidy[dim] = obs[dim].astype(str).str.strip()
    tidy["missing_reason"] = tidy["value_attribute"].map(MISSING_REASONS)
    tidy.loc[tidy["value"].isna() & tidy["missing_reason"].isna(), "missing_reason"] = "ontbreekt"
    tidy = tidy.merge(measures, on="measure", how="left")

    region_file = manifest.get("codes", {}).get("RegioS")
    if region_file:
        regions = pd.DataFrame(_load_values(snapshot / region_file))[["Identifier", "Title"]]
        regions.columns = ["region_code", "region_label"]
        regions["region_code"] = regions["region_code"].str.strip()
        regions["region_label"] = regions["region_label"].str.strip()
        tidy = tidy.merge(regions, on="region_code", how="left")

    periods = {}
    for code in tidy["period_code"].unique():
        try:
            periods[code] = parse_period(code)
        except PeriodError as err:
            raise SnapshotError(f"{snapshot}: table {table}: {err}") from err
    tidy["period_start"] = pd.to_datetime(tidy["period_code"].map(lambda c: periods[c].start))
    tidy["period_end"] = pd.to_datetime(tidy["period_code"].map(lambda c: periods[c].end))
    tidy["frequency"] = tidy["period_code"].map(lambda c: periods[c].frequency)
    return tidy


def latest_snapshot(table_dir: Path) -> Path:
    """The newest complete snapshot (a dated folder with a manifest) of one table."""
    table_dir = Path(table_dir)
    candidates = sorted(p for p in table_dir.iterdir() if p.is_dir() and not p.name.startswith(".")) if table_dir.is_dir() else []
    complete = [p for p in candidates if (p / "manifest.json").is_file() or (p / "index.json").is_file()]
    if not complete:
        raise SnapshotError(
            f"no complete snapshot of CBS table {table_dir.name} in {table_dir}; "
            f"fetch it first (trendbreuk fetch {table_dir.name})"
        )
    return complete[-1]
