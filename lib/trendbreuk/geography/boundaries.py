"""Boundaries per year, fetched once from PDOK with provenance, read, repaired: gemeenten (CBS gebiedsindelingen),
dissolved into subregio's and the region; and buurten (CBS wijk- en buurtkaart), whose wijken are their unions.
Areas are computed in the Dutch RD projection (EPSG:28992). A file of any common format and coordinate system is
read by the same rules at both levels.

Joins are on the CBS code, never on the name.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.geography.areas import (
    AreaLookupError,
    Region,
    gemeenten_of,
    level_of,
    normalise_gemeente_code,
    wijken_of,
)
from trendbreuk.http import download

PDOK_ENV = "TRENDBREUK_PDOK_URL"
PDOK_URL = (
    "https://service.pdok.nl/cbs/gebiedsindelingen/{year}/wfs/v1_0?service=WFS&version=2.0.0"
    "&request=GetFeature&typeNames=gebiedsindelingen:gemeente_gegeneraliseerd&outputFormat=json"
    "&srsName=EPSG:4326"
)
# Column names under which common boundary files carry the gemeente code and name, compared case-insensitively
# (CBS/PDOK: statcode/statnaam; PDOK bestuurlijke gebieden: gemeenteCode/gemeenteNaam; CBS wijk- en buurtkaart:
# GM_CODE/GM_NAAM).
CODE_FIELDS = ("statcode", "gemeentecode", "gm_code", "gemeente_code", "code")
NAME_FIELDS = ("statnaam", "gemeentenaam", "gm_naam", "gemeente_naam", "naam", "name")
RD = "EPSG:28992"

# Buurten: the PDOK service of the CBS wijk- en buurtkaart, one layer per year, asked per gemeente (the whole country
# is some 14,000 ungeneralised polygons) and page by page (PDOK answers at most 1,000 features at a time).
BUURTEN_ENV = "TRENDBREUK_PDOK_BUURTEN_URL"
BUURTEN_URL = (
    "https://service.pdok.nl/cbs/wijkenbuurten/{year}/wfs/v1_0?service=WFS&version=2.0.0"
    "&request=GetFeature&typeNames={layer}&outputFormat=json&srsName=EPSG:4326"
)


def buurten_layer(year: int) -> str:
    """The name of the buurten layer in PDOK's service of `year`: 'wijkenbuurten:buurten' since the 2022 edition,
    'wijkenbuurten2020:cbs_buurten_2020' in the editions before. The properties used (buurtcode, buurtnaam,
    gemeentecode, water) have the same names in both."""
    return "wijkenbuurten:buurten" if year >= 2022 else f"wijkenbuurten{year}:cbs_buurten_{year}"


BUURTEN_PAGE = 1000
# PDOK wijkenbuurten: buurtcode/buurtnaam; CBS wijk- en buurtkaart files: BU_CODE/BU_NAAM; statcode/statnaam.
BUURT_CODE_FIELDS = ("buurtcode", "bu_code", "statcode", "code")
BUURT_NAME_FIELDS = ("buurtnaam", "bu_naam", "statnaam", "naam", "name")


class BoundaryError(ValueError):
    """Boundaries that cannot be read or do not cover the configured gemeenten."""


def boundaries_path(year: int, root: Path | None = None) -> Path:
    return paths.raw_dir(root) / "geo" / f"gemeente_{year}" / f"gemeente_{year}.geojson"


def fetch_boundaries(
    year: int,
    *,
    root: Path | None = None,
    refresh: bool = False,
    timeout: float = 120.0,
    gemeenten: tuple[str, ...] = (),
    accept_smaller: bool = False,
) -> Path:
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
        problems.append(
            f"it lacks {len(missing)} configured gemeente(n): {', '.join(missing[:10])}"
            f"{' ...' if len(missing) > 10 else ''} (boundaries of another year's indeling?)"
        )
    if target.is_file():
        lost = sorted(feature_codes(json.loads(target.read_text(encoding="utf-8"))) - codes)
        if lost:
            problems.append(f"it lacks {len(lost)} gemeente(n) that {target} has: {', '.join(lost[:10])}")
    if problems and not accept_smaller:
        kept = f"{target} stays in use" if target.is_file() else "nothing was saved"
        raise BoundaryError(
            f"gemeentegrenzen {year} from {url} refused: {'; '.join(problems)}. {kept}; to take them "
            f"anyway: trendbreuk fetch boundaries {year} --refresh --accept-smaller"
        )
    with io.atomic_directory(target.parent) as tmp:
        (tmp / target.name).write_bytes(response.body)
        manifest = {
            "url": url,
            "year": year,
            "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "features": len(payload["features"]),
            "sha256": io.sha256_file(tmp / target.name),
            "licence": "CC BY 4.0, bron: CBS / Kadaster (PDOK)",
        }
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
    path = Path(path)
    frame, field = _read_with_codes(
        path,
        code_field,
        CODE_FIELDS,
        "gemeente",
        "fetch boundaries first (trendbreuk.geography.boundaries.fetch_boundaries)",
    )
    name_field = _column(frame.columns, NAME_FIELDS)
    frame = frame.assign(code=frame[field], name=frame[name_field] if name_field else frame[field])
    frame = frame[["code", "name", "geometry"]]
    try:
        frame["code"] = frame["code"].map(normalise_gemeente_code)
    except AreaLookupError as err:
        raise BoundaryError(f"{path}, column '{field}': {err}") from err
    return _declared_and_valid(frame, path, crs)


def _read_with_codes(path: Path, code_field: str | None, candidates: tuple[str, ...], what: str, fetch_hint: str):
    """The file as a GeoDataFrame and the name of its code column (given, or found by name in any letter case)."""
    import geopandas as gpd

    if not path.is_file():
        raise BoundaryError(f"{path} not found; {fetch_hint}")
    frame = gpd.read_file(path)
    field = code_field or _column(frame.columns, candidates)
    if field is None or field not in frame.columns:
        raise BoundaryError(
            f"{path}: no {what} code column (looked for {', '.join(candidates)} in any letter case; "
            f"the file has {', '.join(map(str, frame.columns))}); pass code_field="
        )
    return frame, field


def _declared_and_valid(frame, path: Path, crs: str | None):
    """The frame in the coordinate system its file declares (or `crs`), with invalid geometries repaired. A file
    without one is read as WGS84 only when its coordinates are degrees (the GeoJSON default)."""
    from shapely import make_valid

    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    elif frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryError(
                f"{path} declares no coordinate system and its coordinates (x {minx:.0f} to {maxx:.0f}) are not "
                "degrees; give the file its .prj or CRS, or pass crs= (RD New is 'EPSG:28992')"
            )
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

    members = pd.DataFrame(
        [{"code": g.code, "gemeente": g.name, "subregio_code": g.subregio_code} for g in region.gemeenten]
    )
    missing = sorted(set(members["code"]) - set(boundaries["code"]))
    if missing:
        raise BoundaryError(
            f"{boundaries.attrs.get('source', 'boundaries')}: configured gemeenten missing: {', '.join(missing)}; "
            "are these boundaries of another year's indeling?"
        )
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
            return io.remembered(
                ("boundaries", str(path.resolve()), region),
                io.file_stamp(path),
                lambda: region_boundaries(read_boundaries(path), region),
            )
        except BoundaryError:
            continue
    return None


# Buurten ------------------------------------------------------------------------------------------------------------


def buurten_folder(year: int, root: Path | None = None) -> Path:
    return paths.raw_dir(root) / "geo" / f"buurt_{year}"


def buurten_file(year: int, gemeente: str, root: Path | None = None) -> Path:
    """One gemeente's buurten: a report reads only the gemeenten it shows (the whole country is some 14,000
    ungeneralised polygons, hundreds of MB)."""
    return buurten_folder(year, root) / f"buurt_{year}_{gemeente}.geojson"


def fetch_buurt_boundaries(
    year: int,
    gemeenten: tuple[str, ...],
    *,
    root: Path | None = None,
    refresh: bool = False,
    timeout: float = 120.0,
    accept_smaller: bool = False,
) -> Path:
    """Download the buurten of `gemeenten` in the CBS wijk- en buurtkaart of `year` from PDOK into
    data/raw/geo/buurt_<year>/, one file per gemeente, with a manifest (URL, time, features, sha256 per file).

    A gemeente already fetched is kept as it is (so a new region fetches only its own gemeenten); refresh=True asks
    PDOK again for all of them. The folder is replaced only after every answer is complete and checked: a gemeente
    for which PDOK returns no buurt, or (again) fewer buurten than its file in use, makes the download refused
    (BoundaryError) and nothing changes, unless accept_smaller (then a gemeente without buurten keeps its file in
    use). The URL template comes from $TRENDBREUK_PDOK_BUURTEN_URL when set. Returns the folder.
    """
    folder = buurten_folder(year, root)
    wanted = [g for g in gemeenten if refresh or not buurten_file(year, g, root).is_file()]
    if not wanted:
        return folder
    template = os.environ.get(BUURTEN_ENV, BUURTEN_URL).format(year=year, layer=buurten_layer(year))
    answers, empty, lost = {}, [], []
    for gemeente in wanted:
        features, crs = [], None
        for payload in _buurt_pages(template, gemeente, timeout, year):
            crs = crs or payload.get("crs")
            features += payload["features"]
        if not features:
            empty.append(gemeente)
            continue
        answers[gemeente] = {
            "type": "FeatureCollection",
            "name": f"buurten_{year}_{gemeente}",
            **({"crs": crs} if crs else {}),
            "features": features,
        }
        in_use = buurten_file(year, gemeente, root)
        if in_use.is_file():
            lost += sorted(buurt_codes(json.loads(in_use.read_text(encoding="utf-8"))) - buurt_codes(answers[gemeente]))
    problems = []
    if empty:
        problems.append(
            f"PDOK returned no buurten for {len(empty)} gemeente(n): {', '.join(empty[:10])}"
            f"{' ...' if len(empty) > 10 else ''} (not in the indeling of {year}, or a failing service)"
        )
    if lost:
        problems.append(
            f"it lacks {len(lost)} buurt(en) that the files in use have: {', '.join(lost[:10])}"
            f"{' ...' if len(lost) > 10 else ''}"
        )
    if problems and not accept_smaller:
        kept = f"the files in {folder} stay in use" if folder.is_dir() else "nothing was saved"
        raise BoundaryError(
            f"buurtgrenzen {year} from {template} refused: {'; '.join(problems)}. {kept}; to take them "
            f"anyway: trendbreuk fetch boundaries {year} --buurten --refresh --accept-smaller"
        )
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    files = dict(manifest.get("files", {}))
    retrieved = datetime.now(UTC).isoformat(timespec="seconds")
    with io.atomic_directory(folder) as tmp:
        for kept in sorted(folder.glob(f"buurt_{year}_GM*.geojson")) if folder.is_dir() else []:
            if kept.stem.rsplit("_", 1)[-1] not in answers:
                shutil.copy2(kept, tmp / kept.name)
        for gemeente, payload in answers.items():
            path = tmp / buurten_file(year, gemeente, root).name
            path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
            files[gemeente] = {
                "file": path.name,
                "url": template,
                "retrieved_at": retrieved,
                "features": len(payload["features"]),
                "sha256": io.sha256_file(path),
            }
        manifest = {
            "year": year,
            "licence": "CC BY 4.0, bron: CBS / Kadaster (PDOK), wijk- en buurtkaart",
            "files": dict(sorted(files.items())),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return folder


def _buurt_pages(template: str, gemeente: str, timeout: float, year: int):
    """The GeoJSON pages PDOK returns for one gemeente's buurten (WFS 2.0: a filter on gemeentecode, count and
    startIndex), until a page is not full."""
    from urllib.parse import quote

    condition = (
        f"<Filter><PropertyIsEqualTo><PropertyName>gemeentecode</PropertyName><Literal>{gemeente}</Literal>"
        "</PropertyIsEqualTo></Filter>"
    )
    start = 0
    while True:
        url = f"{template}&count={BUURTEN_PAGE}&startIndex={start}&FILTER={quote(condition)}"
        response = download(url, timeout=timeout, accept="application/json", what=f"buurtgrenzen {year} {gemeente}")
        try:
            payload = json.loads(response.body)
        except json.JSONDecodeError as err:
            raise BoundaryError(
                f"{url} did not return GeoJSON (content type {response.content_type!r}): {response.body[:200]!r}"
            ) from err
        if payload.get("type") != "FeatureCollection" or not isinstance(payload.get("features"), list):
            raise BoundaryError(
                f"{url} returned no FeatureCollection; is {year} a published year of the wijk- en buurtkaart?"
            )
        yield payload
        if len(payload["features"]) < BUURTEN_PAGE:
            return
        start += BUURTEN_PAGE


def buurt_codes(payload: dict) -> set[str]:
    """The buurt codes of a GeoJSON FeatureCollection (its code property found by name, in any letter case)."""
    codes = set()
    for feature in payload.get("features") or []:
        properties = feature.get("properties") or {}
        field = _column(properties, BUURT_CODE_FIELDS)
        code = str(properties[field]).strip().upper() if field else ""
        if level_of(code) == "buurt":
            codes.add(code)
    return codes


def read_buurt_boundaries(path: Path, code_field: str | None = None, crs: str | None = None):
    """Read buurt boundaries (the PDOK wijk- en buurtkaart, a CBS shapefile, ...) into a GeoDataFrame with `code`
    (BU + 8 digits), `name`, `wijk_code`, `gemeente_code` and valid geometries, by the same rules as gemeenten.

    A buurt drawn as a land part and a water part (the `water` property JA/NEE) keeps its land part; a buurt that is
    only water stays as it is (CBS publishes figures for it too). Wijk and gemeente follow from the code.
    """
    path = Path(path)
    frame, field = _read_with_codes(
        path, code_field, BUURT_CODE_FIELDS, "buurt", "fetch them first: trendbreuk fetch boundaries <year> --buurten"
    )
    codes = frame[field].astype(str).str.strip().str.upper()
    wrong = [(i, c) for i, c in enumerate(codes) if level_of(c) != "buurt"]
    if wrong:
        row, code = wrong[0]
        raise BoundaryError(
            f"{path}, column '{field}', feature {row + 1}: '{code}' is not a buurt code (BU + 8 digits, "
            f"e.g. BU09173900); {len(wrong)} such feature(s). Is this a file of wijken or gemeenten?"
        )
    name_field = _column(frame.columns, BUURT_NAME_FIELDS)
    water_field = _column(frame.columns, ("water",))
    frame = frame.assign(
        code=codes,
        name=frame[name_field].astype(str).str.strip() if name_field else codes,
        water=frame[water_field].astype(str).str.upper().eq("JA") if water_field else False,
    )
    frame = _declared_and_valid(frame[["code", "name", "water", "geometry"]], path, crs)
    attrs = dict(frame.attrs)
    land = frame.groupby("code")["water"].transform("min")  # False when the buurt has a land part
    frame = frame[frame["water"] == land]
    if frame["code"].duplicated().any():  # a buurt in several features: one (multi)polygon
        frame = frame.dissolve(by="code", as_index=False, aggfunc={"name": "first"})
    frame = frame.assign(wijk_code=wijken_of(frame["code"]), gemeente_code=gemeenten_of(frame["code"]))
    frame = frame[["code", "name", "wijk_code", "gemeente_code", "geometry"]].reset_index(drop=True)
    frame.attrs = attrs
    return frame


def load_buurt_boundaries(gemeenten: tuple[str, ...], year: int | None = None, root: Path | None = None):
    """The buurten of `gemeenten` from data/raw/geo/ in RD (EPSG:28992): from the year's folder when it has them,
    else from the newest that has any; None when none was fetched (maps then fall back to a schematic). The frame's
    attrs say the year."""
    import pandas as pd

    folder = paths.raw_dir(root) / "geo"
    folders = sorted(folder.glob("buurt_*"), key=lambda f: f.name) if folder.is_dir() else []
    if year is not None:  # the figures' own year first
        folders = [f for f in folders if f.name != f"buurt_{year}"] + [buurten_folder(year, root)]
    for candidate in reversed(folders):
        found = [candidate / f"{candidate.name}_{g}.geojson" for g in gemeenten]
        found = [p for p in found if p.is_file()]
        if not found:
            continue
        frames = [
            io.remembered(
                ("buurten", str(p.resolve())),
                io.file_stamp(p),  # once per process and file
                lambda p=p: read_buurt_boundaries(p).to_crs(RD),
            )
            for p in found
        ]
        part = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
        part.attrs = {"year": int(candidate.name.split("_")[-1]), "source": str(candidate)}
        return part
    return None


def load_wijk_boundaries(gemeenten: tuple[str, ...], year: int | None = None, root: Path | None = None):
    """The wijken of `gemeenten` as the unions of their buurten (load_buurt_boundaries), `code` the wijk code; None
    without buurt boundaries."""
    buurten = load_buurt_boundaries(gemeenten, year, root)
    if buurten is None:
        return None
    wijken = buurten.dissolve(by="wijk_code", as_index=False)[["wijk_code", "gemeente_code", "geometry"]]
    wijken = wijken.rename(columns={"wijk_code": "code"})
    wijken.attrs = dict(buurten.attrs)
    return wijken
