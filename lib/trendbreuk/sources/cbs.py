"""CBS StatLine, OData v4 (datasets.cbs.nl) and v3: read a stored snapshot into tidy long rows (fetching one is
sources/cbs_fetch.py).

A snapshot is one folder holding the responses as CBS delivered them: observation pages and the metadata
tables (Properties, MeasureCodes, {Dimension}Codes). Its `manifest.json` says which file is which. The
recordings in ../shared/data use an `index.json` of the same purpose; both are understood.

Tidy rows keep codes and put labels beside them: table, measure, measure_label, unit, region_code (trimmed),
region_label, period_code, period_start, period_end, frequency, value, value_attribute, missing_reason,
plus one column per other dimension.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pandas as pd

from trendbreuk.sources.periods import PeriodError, parse_period

log = logging.getLogger(__name__)

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


def load_values(path: Path) -> list[dict]:
    """The rows of one stored OData response (its 'value' list; a bare list is accepted too)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise SnapshotError(f"{path} is listed in the snapshot's manifest but missing; fetch the table again") from err
    except json.JSONDecodeError as err:
        raise SnapshotError(f"{path} is not valid JSON ({err}); the snapshot is damaged, fetch it again") from err
    if isinstance(data, list):
        return data
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
        rows.extend(load_values(snapshot / page))
    if not rows:
        raise SnapshotError(f"{snapshot}: table {table} snapshot holds no observations")
    obs = pd.DataFrame(rows)
    for column in ("Measure", "Value", "RegioS", "Perioden"):
        if column not in obs.columns:
            raise SnapshotError(f"{snapshot}: observations of {table} have no '{column}' column")

    measures = pd.DataFrame(load_values(snapshot / manifest["measure_codes"]))[["Identifier", "Title", "Unit"]]
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
    other_dims = [
        c
        for c in obs.columns
        if c not in {"Id", "Measure", "ValueAttribute", "Value", "StringValue", "RegioS", "Perioden"}
    ]
    for dim in other_dims:
        tidy[dim] = obs[dim].astype(str).str.strip()
    tidy["missing_reason"] = tidy["value_attribute"].map(MISSING_REASONS)
    tidy.loc[tidy["value"].isna() & tidy["missing_reason"].isna(), "missing_reason"] = "ontbreekt"
    tidy = tidy.merge(measures, on="measure", how="left")

    region_file = manifest.get("codes", {}).get("RegioS")
    if region_file:
        regions = pd.DataFrame(load_values(snapshot / region_file))[["Identifier", "Title"]]
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
    candidates = (
        sorted(p for p in table_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        if table_dir.is_dir()
        else []
    )
    complete = [p for p in candidates if (p / "manifest.json").is_file() or (p / "index.json").is_file()]
    if not complete:
        raise SnapshotError(
            f"no complete snapshot of CBS table {table_dir.name} in {table_dir}; "
            f"fetch it first (trendbreuk fetch cbs {table_dir.name})"
        )
    return max(complete, key=lambda p: (str(read_manifest(p).get("retrieved_at") or ""), p.name))


# Measures ------------------------------------------------------------------------------------------------
#
# v3 measure keys carry a position suffix that changes between editions of a table series
# ('PersonenPerSoortUitkeringBijstand_83' in KWB 2020, '..._94' in KWB 2024). The catalogue names a measure by its
# stable stem; alternatives separated by '|' cover a stem that CBS renamed ('OpleidingsniveauLaag |
# BasisonderwijsVmboMbo1'). Each table resolves the stem against its own DataProperties.

SUFFIX = re.compile(r"_\d+$")


class MeasureNotFoundError(ValueError):
    """A catalogue measure that a CBS table does not have, or has more than once; the message lists candidates."""


def key_stem(key: str) -> str:
    """'PersonenPerSoortUitkeringBijstand_94' -> 'PersonenPerSoortUitkeringBijstand' (v4 codes stay as they are)."""
    return SUFFIX.sub("", str(key).strip())


def resolve_measure(term: str, topics: dict[str, str], table: str) -> str:
    """The key in `topics` (key -> title) that a catalogue term stands for: an exact key, else the one key with the
    same stem, trying the '|'-separated alternatives in order."""
    alternatives = [a.strip() for a in str(term).split("|") if a.strip()]
    if not alternatives:
        raise MeasureNotFoundError(f"CBS table {table}: empty measure name in the catalogue")
    for alternative in alternatives:
        if alternative in topics:
            return alternative
        same_stem = [k for k in topics if key_stem(k) == key_stem(alternative)]
        if len(same_stem) == 1:
            return same_stem[0]
        if len(same_stem) > 1:
            listed = "; ".join(f"{k} ({topics[k]})" for k in same_stem)
            raise MeasureNotFoundError(
                f"CBS table {table}: '{alternative}' matches several measures: {listed}. "
                "Name the full key in config/indicators.yaml"
            )
    import difflib

    stems = {key_stem(k): k for k in topics}
    close = difflib.get_close_matches(key_stem(alternatives[0]), list(stems), n=3, cutoff=0.6)
    hint = ", ".join(f"{stems[c]} ({topics[stems[c]]})" for c in close) or "none"
    raise MeasureNotFoundError(f"CBS table {table} has no measure '{term}' (compared by key stem); closest: {hint}")


def v3_topics(data_properties: list[dict]) -> dict[str, str]:
    """Measure keys -> titles of a v3 table (its DataProperties entries of type Topic)."""
    return {
        str(p["Key"]): str(p.get("Title") or "").strip()
        for p in data_properties
        if p.get("Type") == "Topic" and p.get("Key")
    }


# Reading OData v3 ----------------------------------------------------------------------------------------

V3_DIMENSION_TYPES = ("Dimension", "GeoDimension", "GeoDetail", "TimeDimension")


def tidy_v3(
    typed: pd.DataFrame,
    data_properties: list[dict],
    dimensions: dict[str, pd.DataFrame],
    table: str,
    measures: list[str] | None = None,
) -> pd.DataFrame:
    """Tidy long rows from a v3 TypedDataSet (one column per measure) and its DataProperties.

    Region codes are trimmed ('GM0935    ' -> 'GM0935'); '.' and empty cells become missing values with the
    reason kept; string topics (names, codes) are kept in `string_value`.
    """
    props = {p["Key"]: p for p in data_properties if p.get("Key")}
    dims = [k for k, p in props.items() if p.get("Type") in V3_DIMENSION_TYPES and k in typed.columns]
    geo = next((k for k in dims if props[k]["Type"] in ("GeoDimension", "GeoDetail")), None)
    time_dim = next((k for k in dims if props[k]["Type"] == "TimeDimension"), None)
    topics = [k for k, p in props.items() if p.get("Type") == "Topic" and k in typed.columns]
    if measures:
        unknown = sorted(set(measures) - set(topics))
        if unknown:
            raise SnapshotError(f"CBS table {table}: measure(s) {unknown} not in its DataProperties")
        topics = list(measures)
    frame = typed[dims + topics].copy()
    for dim in dims:
        frame[dim] = frame[dim].astype(str).str.strip()
    long = frame.melt(id_vars=dims, value_vars=topics, var_name="measure", value_name="raw")
    raw = long["raw"]
    text = raw.astype("string").str.strip()
    long["value"] = pd.to_numeric(raw, errors="coerce")
    is_string = long["measure"].map(lambda m: str(props[m].get("Datatype", "")).lower() == "string")
    long["string_value"] = text.where(is_string)
    long["missing_reason"] = None
    long.loc[~is_string & (text == "."), "missing_reason"] = "ontbreekt of geheim ('.')"
    long.loc[~is_string & raw.isna(), "missing_reason"] = "ontbreekt"
    long["value_attribute"] = None
    long["table"] = table
    long["measure_label"] = long["measure"].map(lambda m: str(props[m].get("Title", "")).strip())
    long["unit"] = long["measure"].map(lambda m: props[m].get("Unit"))
    long = long.rename(columns={geo: "region_code"} if geo else {})
    if geo and geo in dimensions:
        labels = dimensions[geo][["Key", "Title"]].copy()
        labels.columns = ["region_code", "region_label"]
        labels["region_code"] = labels["region_code"].astype(str).str.strip()
        labels["region_label"] = labels["region_label"].astype(str).str.strip()
        long = long.merge(labels, on="region_code", how="left")
    if time_dim:
        long = long.rename(columns={time_dim: "period_code"})
        parsed = {c: parse_period(c) for c in long["period_code"].unique()}
        long["period_start"] = pd.to_datetime(long["period_code"].map(lambda c: parsed[c].start))
        long["period_end"] = pd.to_datetime(long["period_code"].map(lambda c: parsed[c].end))
        long["frequency"] = long["period_code"].map(lambda c: parsed[c].frequency)
    return long.drop(columns=["raw"])


def read_cbs_v3(snapshot: Path, measures: list[str] | None = None) -> pd.DataFrame:
    """Read a v3 snapshot written by fetch_cbs_v3 into tidy long rows."""
    snapshot = Path(snapshot)
    manifest = read_manifest(snapshot)
    typed = pd.DataFrame([row for page in manifest["typed_data_set"] for row in load_values(snapshot / page)])
    properties = load_values(snapshot / manifest["data_properties"])
    dimensions = {d: pd.DataFrame(load_values(snapshot / f)) for d, f in manifest.get("codes", {}).items()}
    return tidy_v3(typed, properties, dimensions, manifest["table"], measures)


def read_cbs_v3_csv(folder: Path, measures: list[str] | None = None) -> pd.DataFrame:
    """Read a v3 table downloaded as CSV files (data.csv, DataProperties.csv, one CSV per dimension)."""
    folder = Path(folder)
    try:
        typed = pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False)
        properties = pd.read_csv(folder / "DataProperties.csv", dtype=str, keep_default_na=False).to_dict("records")
    except FileNotFoundError as err:
        raise SnapshotError(f"{folder}: not a CBS v3 CSV download ({err.filename} missing)") from err
    typed = typed.replace("", None)
    dims = {
        p["Key"]: pd.read_csv(folder / f"{p['Key']}.csv", dtype=str, keep_default_na=False)
        for p in properties
        if p.get("Type") in V3_DIMENSION_TYPES and (folder / f"{p['Key']}.csv").is_file()
    }
    return tidy_v3(typed, properties, dims, folder.name.split("-")[0], measures)
