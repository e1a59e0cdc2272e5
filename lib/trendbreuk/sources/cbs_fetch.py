"""Fetching CBS StatLine tables (OData v4 and v3) into snapshots, the way `trendbreuk fetch cbs` does: every response as
CBS delivered it, with a manifest, written into a temporary folder and renamed into place when complete; an answer
that holds much less than the snapshot in use is refused (`implausible`). Reading a snapshot is sources/cbs.py.

A snapshot folder data/raw/cbs/{table}/{retrieval date}/ holds every response as CBS delivered it plus
manifest.json (URLs, retrieval time, table modified date, rows and sha256 of every file); an existing snapshot is
never overwritten."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from trendbreuk import io
from trendbreuk.sources.cbs import (
    V3_DIMENSION_TYPES,
    MeasureNotFoundError,
    SnapshotError,
    latest_snapshot,
    load_values,
    read_manifest,
    resolve_measure,
    v3_topics,
)
from trendbreuk.sources.datasets import CbsTable, SourcesConfig
from trendbreuk.sources.statline import Indicator, births_tables, cbs_sources, measure_terms

log = logging.getLogger(__name__)

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

        self.table_dir = table_dir
        with io.writing_in(table_dir):
            table_dir.mkdir(parents=True, exist_ok=True)
            self.tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=table_dir))
        self.files: list[dict] = []
        self.table, self.api = table, api

    def save(self, name: str, url: str, body: bytes, rows: int | None) -> None:

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


@dataclass(frozen=True)
class TableRequest:
    """One table for `trendbreuk fetch cbs`: the measures and dimension codes every indicator (and the births for
    the programmes' reach) needs from it."""

    table: CbsTable
    measures: tuple[str, ...]
    dimensions: dict[str, tuple[str, ...]]
    purposes: tuple[str, ...]


def fetch_plan(catalogue: dict[str, Indicator], sources: SourcesConfig) -> list[TableRequest]:
    """Every table the workbook needs: the always-fetched tables of config/sources.yaml (population), each table
    of each CBS indicator's source, and the births. Measures and dimension codes are merged per table."""
    plan: dict[str, dict] = {}

    def need(table: CbsTable, measures, dimensions: dict, purpose: str) -> None:
        entry = plan.setdefault(table.directory, {"table": table, "measures": [], "dimensions": {}, "purposes": []})
        for measure in measures:
            if measure not in entry["measures"]:
                entry["measures"].append(measure)
        for dim, code in dimensions.items():
            codes = entry["dimensions"].setdefault(dim, [])
            codes += [c for c in measure_terms(code) if c not in codes]
        if purpose not in entry["purposes"]:
            entry["purposes"].append(purpose)

    for table in sources.cbs_tables.values():
        if table.measures or table.api == "v4":
            need(table, table.measures, table.dimensions or {}, "vaste tabel")
    for series in sources.cbs_series.values():
        for table in series.tables:
            if table.measures:
                need(table, table.measures, table.dimensions or {}, f"vaste maten van {series.title}")
    for source in cbs_sources(catalogue, sources).values():
        for table in source.tables:
            strata = {source.strata_dimension: list(source.strata)} if source.strata else {}
            need(table, source.terms, {**source.dimensions, **strata}, source.indicator)
    if sources.age_groups is not None:
        for table in sources.cbs_series[sources.age_groups.series].tables:
            need(table, list(sources.age_groups.groups), {}, "leeftijdsopbouw per gemeente")
    if sources.standard_population is not None:
        standard = sources.standard_population
        need(
            standard.table,
            standard.table.measures,
            standard.table.dimensions or {},
            f"standaardbevolking {standard.year} (leeftijdsstandaardisatie)",
        )
    if sources.births:
        for table in births_tables(sources):
            need(table, [sources.births["measure"]], {}, "geboorten (bereik van de programma's)")
    return [
        TableRequest(
            e["table"], tuple(e["measures"]), {d: tuple(c) for d, c in e["dimensions"].items()}, tuple(e["purposes"])
        )
        for e in plan.values()
    ]
