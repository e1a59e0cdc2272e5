"""Regions for the whole country from CBS's own lists, for a national run and for comparing regions.

CBS publishes per gemeente the regions it belongs to: "Gebieden in Nederland" (a StatLine table per year, with
GGD-regio's among its columns) and the PDOK/CBS "KoppelCodes" list (gemeente -> veiligheidsregio -> provincie).
The Wet publieke gezondheid lets every GGD region coincide with a veiligheidsregio, so either list gives the GGD
regions; a GGD column is preferred when the file has one.

`read_area_list` finds the columns by name in any letter case (a CSV with `;` or `,`, any common encoding, or a
parquet file); `national_regions` turns the list into a regions configuration: the regions already configured
keep their key, name and subregio's when they hold exactly the same gemeenten, every other region becomes a
region with one subregio (itself). `write_regions_file` writes it as YAML beside config/regions.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trendbreuk import io
from trendbreuk.geography.areas import AREA_CODE, CONTROL, GEMEENTE_CODE, RegionsConfig, _as_code, slugify


class AreaListError(ValueError):
    """An area list that cannot be read as gemeente -> region; the message names the file and what is missing."""


# Column names, normalised (lower case, letters and digits only), by what they hold. First match wins.
GEMEENTE_CODE_COLUMNS = ("gemeentecode", "gemeentcode", "gmcode", "statcode", "codegemeente", "gemeentencode")
GEMEENTE_NAME_COLUMNS = ("gemeentenaam", "gemeentnaam", "gmnaam", "statnaam", "naamgemeente", "gemeentennaam")
REGION_KINDS = (  # (kind, code columns, name columns, what the region is called in reports)
    (
        "ggd",
        ("ggdregiocode", "ggdregioscode", "ggdcode", "codeggdregio"),
        ("ggdregionaam", "ggdregiosnaam", "ggdnaam", "naamggdregio"),
        "GGD-regio",
    ),
    (
        "veiligheidsregio",
        ("veiligheidsregiocode", "vrcode", "codeveiligheidsregio"),
        ("veiligheidsregionaam", "vrnaam", "naamveiligheidsregio"),
        "veiligheidsregio",
    ),
)


@dataclass(frozen=True)
class AreaList:
    """Gemeenten with the region they belong to, as read from one file."""

    path: Path
    kind: str  # "ggd" or "veiligheidsregio"
    frame: pd.DataFrame  # gemeente_code, gemeente_name, region_code, region_name


def _norm(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(column).lower().replace("'", ""))


def _find(columns: dict[str, str], wanted: tuple[str, ...]) -> str | None:
    return next((columns[w] for w in wanted if w in columns), None)


def read_area_list(path: Path) -> AreaList:
    """Read a gemeente -> GGD-regio (or veiligheidsregio) list. Raises AreaListError naming the file, the column
    or the row at fault."""
    path = Path(path)
    if not path.is_file():
        raise AreaListError(f"{path} not found; download CBS 'Gebieden in Nederland' (CSV) or the KoppelCodes list")
    if path.suffix.lower() == ".parquet":
        raw = pd.read_parquet(path)
    else:
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        separator = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
        from io import StringIO

        raw = pd.read_csv(StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    columns = {_norm(c): c for c in raw.columns}
    code_column = _find(columns, GEMEENTE_CODE_COLUMNS)
    name_column = _find(columns, GEMEENTE_NAME_COLUMNS)
    if code_column is None:
        raise AreaListError(
            f"{path}: no gemeente code column (looked for {', '.join(GEMEENTE_CODE_COLUMNS)} in any "
            f"letter case); columns are {', '.join(map(str, raw.columns))}"
        )
    for kind, code_names, region_names, _ in REGION_KINDS:
        region_code, region_name = _find(columns, code_names), _find(columns, region_names)
        if region_code and region_name:
            break
    else:
        raise AreaListError(
            f"{path}: no GGD-regio or veiligheidsregio columns (code and name); columns are "
            f"{', '.join(map(str, raw.columns))}"
        )
    frame = pd.DataFrame(
        {
            "gemeente_code": raw[code_column].astype(str).str.strip(),
            "gemeente_name": raw[name_column].astype(str).str.strip() if name_column else raw[code_column],
            "region_code": raw[region_code].astype(str).str.strip(),
            "region_name": raw[region_name].astype(str).str.strip(),
        }
    )
    codes = frame["gemeente_code"].map(_as_code)
    bad = frame.index[codes.isna()]
    if len(bad):
        row = int(bad[0])
        raise AreaListError(
            f"{path}, row {row + 2}, column {code_column}: '{frame.at[row, 'gemeente_code']}' is not a "
            "gemeente code (GM followed by 4 digits)"
        )
    frame["gemeente_code"] = codes
    twice = frame[frame["gemeente_code"].duplicated(keep=False)]
    clash = twice.groupby("gemeente_code")["region_code"].nunique()
    if (clash > 1).any():
        code = clash[clash > 1].index[0]
        raise AreaListError(
            f"{path}: gemeente {code} is listed in more than one region "
            f"({', '.join(sorted(twice.loc[twice['gemeente_code'] == code, 'region_code']))})"
        )
    # codes become parts of report file names and names appear in reports: checked where they enter
    for column, bad in (
        ("region_code", ~frame["region_code"].str.match(AREA_CODE.pattern)),
        ("region_name", frame["region_name"].str.contains(CONTROL.pattern, regex=True)),
        ("gemeente_name", frame["gemeente_name"].str.contains(CONTROL.pattern, regex=True)),
    ):
        rows = frame.index[bad & frame[column].ne("")]
        if len(rows):
            row = int(rows[0])
            raise AreaListError(
                f"{path}, row {row + 2}: {column.replace('_', ' ')} {frame.at[row, column]!r} is not "
                "usable (a code of letters, digits and '_'; a name without control characters)"
            )
    empty = frame.index[frame["region_code"].eq("") | frame["region_name"].eq("")]
    if len(empty):
        raise AreaListError(
            f"{path}, row {int(empty[0]) + 2}: gemeente {frame.at[int(empty[0]), 'gemeente_code']} has no region"
        )
    return AreaList(path=path, kind=kind, frame=frame.drop_duplicates("gemeente_code").reset_index(drop=True))


def national_regions(areas: AreaList, configured: RegionsConfig) -> tuple[dict, list[str]]:
    """The raw regions configuration (as in regions.yaml) for every region of the list, and notes on what was
    kept and replaced. A configured region is kept as configured (key, code, name, subregio's, tiles) when it
    holds exactly the gemeenten of one region of the list; otherwise the list's region replaces it."""
    label = next(called for kind, _, _, called in REGION_KINDS if kind == areas.kind)
    by_members = {frozenset(g.code for g in r.gemeenten): r for r in configured.regions.values()}
    regions: dict[str, dict] = {}
    notes = []
    for (code, name), members in areas.frame.groupby(["region_code", "region_name"], sort=True):
        kept = by_members.get(frozenset(members["gemeente_code"]))
        if kept is not None:
            regions[kept.key] = _region_dict(kept)
            regions[kept.key]["source_note"] = (
                f"{kept.source_note} Zelfde gemeenten als {label} {code} {name} in {areas.path.name}."
            ).strip()
            notes.append(f"{kept.name}: as configured (its subregio's kept), equal to {label} {code} {name}")
            continue
        key = slugify(name)
        if key in regions or key in configured.regions:
            key = f"{key}-{code.lower()}"
        subregio = {
            "code": f"{code}S",
            "name": name,  # one subregio: the whole region, under its own code
            "gemeenten": [{"code": c, "name": n} for c, n in zip(members["gemeente_code"], members["gemeente_name"])],
        }
        regions[key] = {
            "code": code,
            "name": name,
            "source_note": f"{label} {code} {name} uit {areas.path.name}",
            "subregios": [subregio],
        }
    for region in configured.regions.values():
        if region.key not in regions:
            notes.append(
                f"{region.name}: configured with other gemeenten than any {label} of {areas.path.name}; "
                f"replaced by the {label} that holds them"
            )
    return regions, notes


def _region_dict(region) -> dict:
    """A configured region as it stands in config/regions.yaml: subregio's, gemeenten and focus areas."""
    out = {
        "code": region.code,
        "name": region.name,
        "source_note": region.source_note,
        "subregios": [
            {
                "code": s.code,
                "name": s.name,
                "gemeenten": [
                    {"code": g.code, "name": g.name, **({"tile": list(g.tile)} if g.tile else {})} for g in s.gemeenten
                ],
            }
            for s in region.subregios
        ],
    }
    if region.focus_areas:
        out["focus_areas"] = [
            {"name": f.name, "areas": list(f.codes), **({"note": f.note} if f.note else {})} for f in region.focus_areas
        ]
    return out


def write_regions_file(areas: AreaList, configured: RegionsConfig, target: Path) -> list[str]:
    """Write a regions file for the whole country (the configured file's benchmarks, target and default region,
    the list's regions); returns the notes of national_regions."""
    import yaml

    regions, notes = national_regions(areas, configured)
    default = configured.default_region if configured.default_region in regions else next(iter(regions))
    raw = {
        "benchmarks": [{"code": c, "name": n} for c, n in configured.benchmarks.items()],
        "default_benchmark": configured.default_benchmark,
        "target_year": configured.target_year,
        "target_share_closed": configured.target_share_closed,
        "baseline_year": configured.baseline_year,
        "indeling_year": configured.indeling_year,
        "default_region": default,
        "regions": regions,
    }
    header = (
        f"# Every region of the country, written by `trendbreuk regions national {areas.path.name}`\n"
        f"# from {configured.path.name} and {areas.path} ({len(areas.frame)} gemeenten, {len(regions)} regions).\n"
        "# Use it with `trendbreuk --regions <this file> ...`. Regenerate rather than edit.\n"
    )
    io.write_text_atomic(Path(target), header + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=120))
    return notes


__all__ = ["AreaList", "AreaListError", "GEMEENTE_CODE", "national_regions", "read_area_list", "write_regions_file"]
