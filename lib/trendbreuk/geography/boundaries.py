"""Gemeente boundaries per year (CBS/PDOK gebiedsindelingen): fetch once with provenance, read, repair,
dissolve into subregio's and the region. Areas are computed in the Dutch RD projection (EPSG:28992).

Joins are on the CBS code, never on the name.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.geography.areas import AreaLookupError, Region, normalise_gemeente_code
from trendbreuk.http import download

PDOK_ENV = "TRENDBREUK_PDOK_URL"
PDOK_URL = ("https://service.pdok.nl/cbs/gebiedsindelingen/{year}/wfs/v1_0?service=WFS&version=2.0.0"
            "&request=GetFeature&typeNames=gebiedsindelingen:gemeente_gegeneraliseerd&outputFormat=json"
            "&srsName=EPSG:4326")
# Column names under which common boundary files carry the gemeente code and name, compared case-insensitively
# (CBS/PDOK: statcode/statnaam; PDOK bestuurlijke gebieden: gemeenteCode/gemeenteNaam; CBS wijk- en buurtkaart:
# GM_CODE/GM_NAAM).
CODE_FIELDS = ("statcode", "gemeentecode", "gm_code", "gemeente_code", "code")
NAME_FIELDS = ("statnaam", "gemeentenaam", "gm_naam", "gemeente_naam", "naam", "name")
RD = "EPSG:28992"


class BoundaryError(ValueError):
    """Boundaries that cannot be read or do not cover the configured gemeenten."""


def boundaries_path(year: int, root: Path | None = None) -> Path:
    return paths.raw_dir(root) / "geo" / f"gemeente_{year}" / f"gemeente_{year}.geojson"


def fetch_boundaries(year: int, *, root: Path | None = None, refresh: bool = False, timeout: float = 120.0,
                     gemeenten: tuple[str, ...] = (), accept_smaller: bool = False) -> Path:
    """Download the generalised gemeente boundaries of `year` from PDOK into data/raw/geo/ with a manifest.

    An existing download is used as it is; with refresh=True the old file and manifest are replaced only
    after the new download is complete. The URL template comes from $TRENDBREUK_PDOK_URL when set. A file that
    lacks one of `gemeenten` (the configured ones), or, on a refresh, has gemeenten fewer than the file in use, is
    refused (BoundaryError) and the file in use stays, unless accept_smaller.
    """
    target = boundaries_path(year, root)
    if target.is_file() and not refresh:
        return target
    url = os.environ.get(PDOK_ENV, PDOK_URL).format(year=year)
    response = download(url, timeout=timeout, accept="application/json", what=f"gemeentegrenzen {year}")
    try:
        payload = json.loads(response.body)
    except json.JSONDecodeError as err:
        raise BoundaryError(f"{url} did not return GeoJSON (content type {response.content_type!r})") from err
    if payload.get("type") != "FeatureCollection" or not payload.get("features"):
        raise BoundaryError(f"{url} returned no features; is {year} a published year of the CBS gebiedsindelingen?")
    problems = []
    codes = feature_codes(payload)
    missing = sorted(set(gemeenten) - codes)
    if missing:
        problems.append(f"it lacks {len(missing)} configured gemeente(n): {', '.join(missing[:10])}"
                        f"{' ...' if len(missing) > 10 else ''} (boundaries of another year's indeling?)")
    if target.is_file():
        lost = sorted(feature_codes(json.loads(target.read_text(encoding="utf-8"))) - codes)
        if lost:
            problems.append(f"it lacks {len(lost)} gemeente(n) that {target} has: {', '.join(lost[:10])}")
    if problems and not accept_smaller:
        kept = f"{target} stays in use" if target.is_file() else "nothing was saved"
        raise BoundaryError(f"gemeentegrenzen {year} from {url} refused: {'; '.join(problems)}. {kept}; to take them "
                            f"anyway: trendbreuk fetch boundaries {year} --refresh --accept-smaller")
    with io.atomic_directory(target.parent) as tmp:
        (tmp / target.name).write_bytes(response.body)
        manifest = {"url": url, "year": year, "retrieved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "features": len(payload["features"]), "sha256": io.sha256_file(tmp / target.name),
                    "licence": "CC BY 4.0, bron: CBS / Kadaster (PDOK)"}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return target


def feature_codes(payload: dict) -> set[str]:
    """The gemeente codes of a GeoJSON FeatureCollection (its code property found by name, in any letter case)."""
    codes = set()
    for feature in payload.get("features") or []:
        properties = feature.get("properties") or {}
        field = _column(properties, CODE_FIELDS)
        try:
            codes.add(normalise_gemeente_code(properties[field])) if field else None
        except AreaLookupError:
            continue
    return codes


def _column(columns, candidates: tuple[str, ...]) -> str | None:
    """The first column whose name matches one of the candidates, ignoring letter case."""
    by_lower = {str(c).lower(): c for c in columns}
    return next((by_lower[c] for c in candidates if c in by_lower), None)


def read_boundaries(path: Path, code_field: str | None = None, crs: str | None = None):
    """Read boundaries (GeoJSON, GeoPackage, shapefile, ...) into a GeoDataFrame with `code` (GMxxxx), `name` and
    valid geometries, in the coordinate system the file declares (WGS84, Amersfoort EPSG:4289, RD EPSG:28992, ...).

    The code column is found by name in any letter case (statcode, gemeenteCode, GM_CODE, ...), or given as
    `code_field`. A file that declares no coordinate system is read as WGS84 only when its coordinates are
    degrees (the GeoJSON default); otherwise pass `crs` (for example crs="EPSG:28992").
    """
    import geopandas as gpd
    from shapely import make_valid

    path = Path(path)
    if not path.is_file():
        raise BoundaryError(f"{path} not found; fetch boundaries first (trendbreuk.geography.boundaries.fetch_boundaries)")
    frame = gpd.read_file(path)
    field = code_field or _column(frame.columns, CODE_FIELDS)
    if field is None or field not in frame.columns:
        raise BoundaryError(f"{path}: no gemeente code column (looked for {', '.join(CODE_FIELDS)} in any letter case; "
                            f"the file has {', '.join(map(str, frame.columns))}); pass code_field=")
    name_field = _column(frame.columns, NAME_FIELDS)
    frame = frame.assign(code=frame[field], name=frame[name_field] if name_field else frame[field])
    frame = frame[["code", "name", "geometry"]]
    try:
        frame["code"] = frame["code"].map(normalise_gemeente_code)
    except AreaLookupError as err:
        raise BoundaryError(f"{path}, column '{field}': {err}") from err
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    elif frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryError(
                f"{path} declares no coordinate system and its coordinates (x {minx:.0f} to {maxx:.0f}) are not "
                "degrees; give the file its .prj or CRS, or pass crs= (RD New is 'EPSG:28992')")
        frame = frame.set_crs("EPSG:4326")
    invalid = ~frame.geometry.is_valid
    frame.loc[invalid, "geometry"] = frame.loc[invalid, "geometry"].map(make_valid)
    frame.attrs["repaired"] = int(invalid.sum())
    frame.attrs["source"] = str(path)
    return frame


def region_boundaries(boundaries, region: Region):
    """The region's gemeenten with their subregio, plus the subregio's and the region dissolved (RD, EPSG:28992).

    Returns (gemeenten, subregios, region) GeoDataFrames. Every configured gemeente must be present.
    """
    import pandas as pd

    members = pd.DataFrame([{"code": g.code, "gemeente": g.name, "subregio_code": g.subregio_code}
                            for g in region.gemeenten])
    missing = sorted(set(members["code"]) - set(boundaries["code"]))
    if missing:
        raise BoundaryError(
            f"{boundaries.attrs.get('source', 'boundaries')}: configured gemeenten missing: {', '.join(missing)}; "
            "are these boundaries of another year's indeling?")
    gemeenten = boundaries.merge(members, on="code").to_crs(RD)
    names = {s.code: s.name for s in region.subregios}
    subregios = gemeenten.dissolve(by="subregio_code", as_index=False)[["subregio_code", "geometry"]]
    subregios["subregio"] = subregios["subregio_code"].map(names)
    whole = gemeenten.dissolve()[["geometry"]]
    whole["region"] = region.name
    return gemeenten, subregios, whole


def load_region_boundaries(region: Region, year: int | None = None, root: Path | None = None):
    """The region's boundaries from data/raw/geo/ (the given year's, else the newest fetched), or None when none
    were fetched or they do not cover the region: maps then fall back to the schematic tile map."""
    folder = paths.raw_dir(root) / "geo"
    files = sorted(folder.glob("gemeente_*/gemeente_*.geojson")) if folder.is_dir() else []
    if year is not None and boundaries_path(year, root).is_file():
        files = [boundaries_path(year, root)]
    for path in reversed(files):
        try:  # read and dissolved once per process and region while the file is unchanged (a batch of factsheets)
            return io.remembered(("boundaries", str(path.resolve()), region), io.file_stamp(path),
                                 lambda: region_boundaries(read_boundaries(path), region))
        except BoundaryError:
            continue
    return None
