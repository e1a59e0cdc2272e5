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
import logging
import re
from dataclasses import dataclass
from datetime import UTC
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


# Fetching -----------------------------------------------------------------------------------------------
#
# A snapshot folder data/raw/cbs/{table}/{retrieval date}/ holds every response as CBS delivered it plus
# manifest.json (URLs, retrieval time, table modified date, rows and sha256 of every file). It is written
# into a temporary folder and renamed only when complete; an existing snapshot is never overwritten.

# Base URLs. v3 data come from the ODataFeed service, which pages with odata.nextLink; the ODataApi service
# refuses queries of more than 10,000 rows (cbsodata does the same). Third-party catalogues (RIVM, ...) live on
# dataderden.cbs.nl. Environment variables override configuration (a proxy, a mirror, a local test server).
V4_ENV, V3_ENV, DERDEN_ENV = "TRENDBREUK_CBS_V4_URL", "TRENDBREUK_CBS_V3_URL", "TRENDBREUK_CBS_DERDEN_URL"
V4_BASE = "https://datasets.cbs.nl/odata/v1/CBS"
V3_BASE = "https://opendata.cbs.nl/ODataFeed/odata"
DERDEN_BASE = "https://dataderden.cbs.nl/ODataFeed/odata"
CBS_CATALOG = "CBS"


class FetchError(RuntimeError):
    """A CBS table that could not be fetched; the message names the table and the URL."""


class ImplausibleSnapshotError(FetchError):
    """A fetched table that holds much less than the snapshot in use (no rows, far fewer rows, a measure without
    values, gemeenten lost from its code list): refused, so that the earlier snapshot stays the one used."""


# A new snapshot of the same selection may have at most this share fewer rows than the one in use.
MAX_SHRINK = 0.10


@dataclass(frozen=True)
class SnapshotContents:
    """What a snapshot holds, to compare a new one with the one in use: its data rows, per measure the rows with a
    value, and the gemeente codes of its region code list."""

    rows: int
    measures: dict[str, int]
    gemeenten: frozenset[str]


def _geo_codes_file(folder: Path, manifest: dict) -> str | None:
    codes = manifest.get("codes") or {}
    geo = manifest.get("geo_dimension")
    if geo is None and "RegioS" in codes:
        geo = "RegioS"
    if geo is None and manifest.get("data_properties"):
        properties = load_values(folder / manifest["data_properties"])
        geo = next((p["Key"] for p in properties if p.get("Type") in ("GeoDimension", "GeoDetail")), None)
    return codes.get(geo) if geo else None


def snapshot_contents(folder: Path, manifest: dict | None = None) -> SnapshotContents:
    """Rows, values per measure and gemeente codes of a snapshot folder (v4 or v3; our manifest or the recordings')."""
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    if "typed_data_set" in manifest:  # v3: one column per measure
        rows = [row for page in manifest["typed_data_set"] for row in load_values(folder / page)]
        measures = {
            key: sum(1 for row in rows if row.get(key) not in (None, "", ".")) for key in manifest.get("measures") or []
        }
    else:  # v4: one row per measure
        rows = [row for page in manifest["observations"] for row in load_values(folder / page)]
        measures = dict.fromkeys(manifest.get("measures") or [], 0)
        for row in rows:
            if row.get("Value") is not None:
                measures[str(row.get("Measure"))] = measures.get(str(row.get("Measure")), 0) + 1
    codes_file = _geo_codes_file(folder, manifest)
    codes = load_values(folder / codes_file) if codes_file else []
    gemeenten = frozenset(
        c for c in (str(r.get("Identifier") or r.get("Key") or "").strip() for r in codes) if c.startswith("GM")
    )
    return SnapshotContents(len(rows), measures, gemeenten)


def _same_selection(new: dict, previous: dict) -> bool:
    return (new.get("filter"), new.get("measures")) == (previous.get("filter"), previous.get("measures"))


def implausible(
    new: SnapshotContents,
    new_manifest: dict,
    previous: SnapshotContents | None = None,
    previous_manifest: dict | None = None,
    in_use: str = "the snapshot in use",
) -> list[str]:
    """What makes a newly fetched snapshot much less than the one in use (or empty): each a sentence that says what
    was expected and what came. Empty when it is plausible."""
    problems = []
    if new.rows == 0:
        problems.append("no rows for the selection" + (f", where {in_use} has {previous.rows}" if previous else ""))
    elif (
        previous
        and previous.rows
        and _same_selection(new_manifest, previous_manifest or {})
        and new.rows < (1 - MAX_SHRINK) * previous.rows
    ):
        problems.append(
            f"{new.rows} rows, {1 - new.rows / previous.rows:.0%} fewer than the {previous.rows} of "
            f"{in_use} for the same selection (more than {MAX_SHRINK:.0%} fewer)"
        )
    # A measure without values: refused when the snapshot in use had values for it; in a v4 answer, whose filter asks
    # for exactly these measures, also without a snapshot in use. (A v3 table may hold a column CBS has not filled
    # yet, as KWB tables do in their first year.)
    asked_by_filter = "observations" in new_manifest
    if new.rows:
        for measure, count in new.measures.items():
            before = previous.measures.get(measure, 0) if previous else 0
            if count == 0 and (before > 0 or (asked_by_filter and previous is None)):
                problems.append(
                    f"no values for measure {measure}"
                    + (f", where {in_use} has {before}" if before else ", which the catalogue needs")
                )
    if previous:
        lost = sorted(previous.gemeenten - new.gemeenten)
        if lost:
            problems.append(
                f"its region code list lacks {len(lost)} gemeente(n) that {in_use} has: "
                f"{', '.join(lost[:10])}{' ...' if len(lost) > 10 else ''}"
            )
    return problems


def base_url(api: str, configured: str | None = None, catalog: str = CBS_CATALOG) -> str:
    """The API base URL: environment variable, else configuration, else CBS's own address. `catalog` chooses between
    CBS's own v3 catalogue and the third-party catalogues (RIVM, ...) on dataderden.cbs.nl."""
    import os

    if api == "v4":
        env, default = V4_ENV, V4_BASE
    elif catalog.upper() == CBS_CATALOG:
        env, default = V3_ENV, V3_BASE
    else:
        env, default = DERDEN_ENV, DERDEN_BASE
    return (os.environ.get(env) or configured or default).rstrip("/")


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


def resolve_measures(terms, topics: dict[str, str], table: str) -> tuple[list[str], list[str]]:
    """Resolve the terms one table is asked for: (keys found, terms this edition does not have). A yearly series
    gains measures over the years (jeugdzorg in KWB from 2015 on), so an absent measure is noted, not fatal; a table
    that has none of them, or a term matching two measures, is an error."""
    keys, absent = [], []
    for term in dict.fromkeys(terms):
        try:
            key = resolve_measure(term, topics, table)
        except MeasureNotFoundError as err:
            if "matches several" in str(err):
                raise FetchError(f"{err}; nothing was saved") from err
            absent.append(term)
            last_error = err
            continue
        if key not in keys:
            keys.append(key)
    if terms and not keys:
        raise FetchError(f"{last_error}; nothing was saved")
    if absent:
        log.warning("CBS table %s lacks %s; fetched the other measures", table, ", ".join(absent))
    return keys, absent


def v3_topics(data_properties: list[dict]) -> dict[str, str]:
    """Measure keys -> titles of a v3 table (its DataProperties entries of type Topic)."""
    return {
        str(p["Key"]): str(p.get("Title") or "").strip()
        for p in data_properties
        if p.get("Type") == "Topic" and p.get("Key")
    }


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def build_v4_filter(
    *,
    measures: list[str] = (),
    dimensions: dict[str, list[str]] | None = None,
    region_prefixes: list[str] = (),
    regions: list[str] = (),
    from_period: str | None = None,
) -> str:
    """An OData v4 $filter for datasets.cbs.nl Observations: only what is needed.

    >>> build_v4_filter(measures=["M000352"], region_prefixes=["GM"], regions=["NL01"], from_period="2012JJ00")
    "Measure eq 'M000352' and (startswith(RegioS,'GM') or RegioS eq 'NL01') and Perioden ge '2012JJ00'"
    """
    parts = []
    if measures:
        parts.append(_any("Measure", measures))
    for dim, codes in (dimensions or {}).items():
        parts.append(_any(dim, codes))
    region_terms = [f"startswith(RegioS,{_quote(p)})" for p in region_prefixes] + [
        f"RegioS eq {_quote(r)}" for r in regions
    ]
    if region_terms:
        parts.append(region_terms[0] if len(region_terms) == 1 else "(" + " or ".join(region_terms) + ")")
    if from_period:
        parts.append(f"Perioden ge {_quote(from_period)}")
    return " and ".join(parts)


def _any(field: str, codes: list[str]) -> str:
    terms = [f"{field} eq {_quote(c)}" for c in codes]
    return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"


def _get_json(url: str, table: str, *, timeout: float, retries: int):
    from trendbreuk.http import DownloadError, download

    try:
        response = download(url, timeout=timeout, retries=retries, what=f"CBS-tabel {table}")
    except DownloadError as err:
        raise FetchError(f"CBS table {table}: {err}") from err
    try:
        return response, json.loads(response.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        kind = (
            "an HTML page"
            if "html" in response.content_type.lower() or response.body.lstrip()[:1] == b"<"
            else "invalid JSON"
        )
        raise FetchError(
            f"CBS table {table}: {url} returned {kind} where JSON was expected "
            f"(content type {response.content_type!r}, {len(response.body)} bytes); nothing was saved"
        ) from err


class _SnapshotWriter:
    """Collects responses in a temporary folder and publishes it as a dated snapshot when complete."""

    def __init__(self, table_dir: Path, table: str, api: str):
        import tempfile

        from trendbreuk import io

        self.table_dir = table_dir
        with io.writing_in(table_dir):
            table_dir.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=table_dir))
        self.files: list[dict] = []
        self.table, self.api = table, api

    def save(self, name: str, url: str, body: bytes, rows: int | None) -> None:
        from trendbreuk import io

        with io.writing_in(self.table_dir):
            (self.tmp / name).write_bytes(body)
        self.files.append({"file": name, "url": url, "rows": rows, "sha256": io.sha256_file(self.tmp / name)})

    def fetch_pages(self, url: str, name: str, *, timeout: float, retries: int) -> list[str]:
        """Follow @odata.nextLink / odata.nextLink; save every page as delivered."""
        names = []
        page = 1
        while url:
            response, payload = _get_json(url, self.table, timeout=timeout, retries=retries)
            if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
                raise FetchError(f"CBS table {self.table}: {url} is not an OData list (no 'value')")
            file_name = f"{name}.json" if page == 1 else f"{name}-{page}.json"
            self.save(file_name, url, response.body, len(payload["value"]))
            names.append(file_name)
            url = payload.get("@odata.nextLink") or payload.get("odata.nextLink")
            page += 1
            if page > 10_000:
                raise FetchError(f"CBS table {self.table}: more than 10.000 pages; is the server looping?")
        return names

    def publish(self, manifest: dict, accept_smaller: bool = False) -> Path:
        """Make the collected responses the newest snapshot, unless they hold much less than the snapshot in use
        (see implausible): then ImplausibleSnapshotError, and the snapshot in use stays the newest. With
        accept_smaller the new snapshot is taken anyway, and its manifest says what was accepted."""
        import os
        from datetime import datetime

        now = datetime.now(UTC)
        manifest = {
            "table": self.table,
            "api": self.api,
            "retrieved_at": now.isoformat(timespec="seconds"),
            "demo": False,
            **manifest,
            "files": self.files,
        }
        manifest["checked"] = self.check(manifest, accept_smaller)
        from trendbreuk import io

        with io.writing_in(self.table_dir):
            (self.tmp / "manifest.json").write_text(
                json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8"
            )
            name, n = now.date().isoformat(), 1
            while (self.table_dir / name).exists():  # never overwrite an earlier snapshot
                n += 1
                name = f"{now.date().isoformat()}-{n}"
            target = self.table_dir / name
            os.replace(self.tmp, target)
        return target

    def check(self, manifest: dict, accept_smaller: bool) -> dict:
        try:
            previous = latest_snapshot(self.table_dir)
        except SnapshotError:
            previous = None
        new = snapshot_contents(self.tmp, manifest)
        before = None
        if previous is not None:
            try:
                before = snapshot_contents(previous)
            except (SnapshotError, KeyError, OSError) as err:  # a damaged snapshot in use: nothing to compare with
                log.warning("CBS table %s: snapshot %s cannot be compared with (%s)", self.table, previous, err)
        in_use = f"the snapshot in use ({previous.name})" if previous is not None else "the snapshot in use"
        problems = implausible(new, manifest, before, read_manifest(previous) if before else None, in_use)
        if problems and not accept_smaller:
            kept = f"{previous} stays in use" if previous is not None else "nothing was saved"
            raise ImplausibleSnapshotError(
                f"CBS table {self.table}: the answer was refused: {'; '.join(problems)}. {kept}. Check the table on "
                f"CBS StatLine (a revision, a new code list, maintenance); to take it anyway: trendbreuk fetch cbs "
                f"{self.table} --accept-smaller"
            )
        return {
            "rows": new.rows,
            "compared_with": previous.name if before else None,
            "previous_rows": before.rows if before else None,
            "accepted_despite": problems,
        }

    def discard(self) -> None:
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)


def fetch_cbs_v4(
    table: str,
    raw_cbs_dir: Path,
    *,
    measures: list[str] = (),
    dimensions: dict | None = None,
    region_prefixes: list[str] = ("GM",),
    regions: list[str] = ("NL01",),
    from_period: str | None = None,
    base: str | None = None,
    timeout: float = 120.0,
    retries: int = 3,
    accept_smaller: bool = False,
    folder: str | None = None,
) -> Path:
    """Fetch an OData v4 table (datasets.cbs.nl): Properties, Dimensions, MeasureCodes, every {Dimension}Codes
    and the filtered Observations, into a new snapshot folder under raw_cbs_dir/<folder or table>. Returns the
    snapshot folder. An answer that holds much less than the snapshot in use is refused (ImplausibleSnapshotError)
    unless accept_smaller."""
    root = f"{base_url('v4', base)}/{table}"
    writer = _SnapshotWriter(Path(raw_cbs_dir) / (folder or table), table, "odata-v4")
    try:
        response, properties = _get_json(f"{root}/Properties", table, timeout=timeout, retries=retries)
        if not isinstance(properties, dict) or "Identifier" not in properties:
            raise FetchError(f"CBS table {table}: {root}/Properties does not describe a table")
        writer.save("Properties.json", f"{root}/Properties", response.body, None)
        writer.fetch_pages(f"{root}/Dimensions", "Dimensions", timeout=timeout, retries=retries)
        dimensions_payload = json.loads((writer.tmp / "Dimensions.json").read_text(encoding="utf-8"))["value"]
        writer.fetch_pages(f"{root}/MeasureCodes", "MeasureCodes", timeout=timeout, retries=retries)
        listed = json.loads((writer.tmp / "MeasureCodes.json").read_text(encoding="utf-8"))["value"]
        topics = {str(m["Identifier"]): str(m.get("Title", "")).strip() for m in listed}
        measures, _ = resolve_measures(measures, topics, table)
        codes = {}
        for dim in dimensions_payload:
            if dim.get("ContainsCodes", True):
                ident = dim["Identifier"]
                codes[ident] = writer.fetch_pages(
                    f"{root}/{ident}Codes", f"{ident}Codes", timeout=timeout, retries=retries
                )[0]
        query = build_v4_filter(
            measures=list(measures),
            dimensions=dimensions,
            region_prefixes=list(region_prefixes),
            regions=list(regions),
            from_period=from_period,
        )
        from urllib.parse import quote

        url = f"{root}/Observations" + (f"?$filter={quote(query, safe=chr(39) + '(),')}" if query else "")
        pages = writer.fetch_pages(url, "Observations", timeout=timeout, retries=retries)
        rows = sum(f["rows"] for f in writer.files if f["file"] in pages)
        return writer.publish(
            {
                "source": root,
                "filter": query,
                "measures": list(measures),
                "table_title": properties.get("Title"),
                "table_modified": properties.get("Modified"),
                "row_count": rows,
                "observations": pages,
                "properties": "Properties.json",
                "measure_codes": "MeasureCodes.json",
                "codes": codes,
                "geo_dimension": "RegioS" if "RegioS" in codes else None,
                "licence": "CC BY 4.0, bron: CBS",
            },
            accept_smaller,
        )
    except BaseException:
        writer.discard()
        raise


def fetch_cbs_v3(
    table: str,
    raw_cbs_dir: Path,
    *,
    measures: list[str] = (),
    dimensions: dict | None = None,
    region_prefixes: list[str] = ("GM", "NL"),
    from_period: str | None = None,
    base: str | None = None,
    catalog: str = CBS_CATALOG,
    timeout: float = 120.0,
    retries: int = 3,
    accept_smaller: bool = False,
) -> Path:
    """Fetch an OData v3 table (opendata.cbs.nl, or a third-party catalogue on dataderden.cbs.nl): TableInfos,
    DataProperties, the dimension code lists and the filtered TypedDataSet (measures are columns there), into a new
    snapshot folder. `measures` are catalogue terms (keys or key stems, see resolve_measure), resolved against the
    table's own DataProperties; `dimensions` keeps only the given codes of other dimensions. Returns the folder.
    An answer that holds much less than the snapshot in use is refused (ImplausibleSnapshotError) unless
    accept_smaller."""
    from urllib.parse import quote

    root = f"{base_url('v3', base, catalog)}/{table}"
    writer = _SnapshotWriter(Path(raw_cbs_dir) / table, table, "odata-v3")
    get = {"timeout": timeout, "retries": retries}
    try:
        writer.fetch_pages(f"{root}/TableInfos?$format=json", "TableInfos", **get)
        info = json.loads((writer.tmp / "TableInfos.json").read_text(encoding="utf-8"))["value"]
        writer.fetch_pages(f"{root}/DataProperties?$format=json", "DataProperties", **get)
        properties = json.loads((writer.tmp / "DataProperties.json").read_text(encoding="utf-8"))["value"]
        keys, absent = resolve_measures(measures, v3_topics(properties), table)
        dims = [p["Key"] for p in properties if p.get("Type") in V3_DIMENSION_TYPES]
        codes = {d: writer.fetch_pages(f"{root}/{d}?$format=json", d, **get)[0] for d in dims}
        for dim, wanted in (dimensions or {}).items():
            if dim not in codes:
                raise FetchError(
                    f"CBS table {table} has no dimension '{dim}' (it has {', '.join(dims)}); nothing was saved"
                )
            listed = json.loads((writer.tmp / codes[dim]).read_text(encoding="utf-8"))["value"]
            known = {str(c["Key"]).strip(): str(c.get("Title", "")).strip() for c in listed}
            unknown = [c for c in wanted if str(c).strip() not in known]
            if unknown:
                sample = "; ".join(f"{k} ({t})" for k, t in list(known.items())[:12])
                raise FetchError(
                    f"CBS table {table}: dimension {dim} has no code(s) {unknown}; it has {sample}. Nothing was saved"
                )
        geo = next((p["Key"] for p in properties if p.get("Type") in ("GeoDimension", "GeoDetail")), None)
        time_dim = next((p["Key"] for p in properties if p.get("Type") == "TimeDimension"), None)
        terms = []
        if geo and region_prefixes:
            terms.append("(" + " or ".join(f"startswith({geo},{_quote(p)})" for p in region_prefixes) + ")")
        for dim, wanted in (dimensions or {}).items():
            terms.append(_any(dim, [str(c) for c in wanted]))
        if time_dim and from_period:
            terms.append(f"{time_dim} ge {_quote(from_period)}")
        params = ["$format=json"]
        if terms:
            params.append("$filter=" + quote(" and ".join(terms), safe="'(),"))
        if keys:
            params.append("$select=" + ",".join(["ID", *dims, *keys]))
        url = f"{root}/TypedDataSet?" + "&".join(params)
        pages = writer.fetch_pages(url, "TypedDataSet", **get)
        rows = sum(f["rows"] for f in writer.files if f["file"] in pages)
        return writer.publish(
            {
                "source": root,
                "catalog": catalog,
                "filter": " and ".join(terms),
                "measures": keys,
                "measures_absent": absent,
                "table_title": info[0].get("Title") if info else None,
                "table_period": info[0].get("Period") if info else None,
                "table_modified": info[0].get("Modified") if info else None,
                "row_count": rows,
                "typed_data_set": pages,
                "table_infos": "TableInfos.json",
                "data_properties": "DataProperties.json",
                "codes": codes,
                "geo_dimension": geo,
                "licence": "CC BY 4.0, bron: CBS" + ("" if catalog.upper() == CBS_CATALOG else f" / {catalog}"),
            },
            accept_smaller,
        )
    except BaseException:
        writer.discard()
        raise


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
