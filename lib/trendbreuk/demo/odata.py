"""CBS StatLine snapshots as `trendbreuk fetch cbs` stores them: OData v4 (03759ned: inhabitants; the standard
population) and v3 (TableInfos, DataProperties, code lists, TypedDataSet pages with odata.nextLink)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import io
from trendbreuk.demo.world import (
    DEMO_NOTICE,
    MERGERS,
    SNAPSHOT_DATE,
    YEARS,
    World,
    gemeente_names,
    merger_description,
    split_merged,
)
from trendbreuk.geography.areas import RegionsConfig

log = logging.getLogger(__name__)


def write_cbs_population(world: World, regions: RegionsConfig, folder: Path) -> None:
    """A CBS OData v4 snapshot of 03759ned (population on 1 January), in the shape datasets.cbs.nl returns."""
    names = gemeente_names(regions)
    population = pd.DataFrame([{"area_code": c, "year": y, "value": v} for (c, y), v in world.population.items()])
    population = split_merged(population, ["value"], world.rng)
    existing = {(c, y) for c, y in zip(population["area_code"], population["year"])}
    values = dict(zip(zip(population["area_code"], population["year"]), population["value"]))
    codes = sorted({c for c, _ in existing} | set(MERGERS))
    observations = []
    for year in YEARS:
        for code in codes:
            value = values.get((code, year))
            observations.append(
                {
                    "Id": len(observations),
                    "Measure": "M000352",
                    "ValueAttribute": "None" if value is not None else "Impossible",
                    "Value": int(value) if value is not None else None,
                    "StringValue": None,
                    "BurgerlijkeStaat": "T001019",
                    "Geslacht": "T001038",
                    "Leeftijd": "10000",
                    "RegioS": code,
                    "Perioden": f"{year}JJ00",
                }
            )
    meta = {
        "RegioSCodes.json": [
            {
                "Identifier": code,
                "Index": i + 1,
                "Title": name,
                "Description": merger_description(code),
                "DimensionGroupId": None,
            }
            for i, (code, name) in enumerate(sorted(names.items()))
        ],
        "PeriodenCodes.json": [
            {
                "Identifier": f"{y}JJ00",
                "Index": i + 1,
                "Title": str(y),
                "Description": "",
                "DimensionGroupId": "0",
                "Status": "Definitief",
            }
            for i, y in enumerate(YEARS)
        ],
    }
    write_v4_snapshot(
        folder,
        "03759ned",
        "DEMO - Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio",
        observations,
        meta,
    )


def write_v4_snapshot(
    folder: Path, table: str, title: str, observations: list[dict], codes: dict[str, list[dict]]
) -> None:
    """A CBS OData v4 snapshot in the shape fetch_cbs_v4 writes (measure M000352, Observations in two pages joined by
    @odata.nextLink, one code list per dimension in `codes`, named <Dimension>Codes.json) plus manifest.json."""
    base = f"https://datasets.cbs.nl/odata/v1/CBS/{table}"
    half = len(observations) // 2
    pages = {
        "Observations-1.json": {
            "@odata.context": f"{base}/$metadata#Observations",
            "value": observations[:half],
            "@odata.nextLink": f"{base}/Observations?$skip={half}",
        },
        "Observations-2.json": {"@odata.context": f"{base}/$metadata#Observations", "value": observations[half:]},
    }
    meta = {
        "Properties.json": {
            "@odata.context": f"{base}/$metadata#Properties",
            "Identifier": table,
            "Title": title,
            "Modified": f"{SNAPSHOT_DATE}T00:00:00+02:00",
            "Description": DEMO_NOTICE,
        },
        "MeasureCodes.json": {
            "@odata.context": f"{base}/$metadata#MeasureCodes",
            "value": [
                {
                    "Identifier": "M000352",
                    "Index": 5,
                    "Title": "Bevolking op 1 januari",
                    "Description": "",
                    "MeasureGroupId": None,
                    "DataType": "Long",
                    "Unit": "aantal",
                    "Decimals": 0,
                    "PresentationType": "Absolute",
                }
            ],
        },
        **{
            name: {"@odata.context": f"{base}/$metadata#{name[:-5]}", "value": values} for name, values in codes.items()
        },
    }
    with io.atomic_directory(folder) as tmp:
        files = {**pages, **meta}
        for name, content in files.items():
            (tmp / name).write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        manifest = {
            "table": table,
            "api": "odata-v4",
            "demo": True,
            "notice": DEMO_NOTICE,
            "retrieved_at": f"{SNAPSHOT_DATE}T00:00:00+00:00",
            "table_modified": meta["Properties.json"]["Modified"],
            "table_title": title,
            "urls": [
                f"{base}/Observations",
                f"{base}/Observations?$skip={half}",
                f"{base}/Properties",
                f"{base}/MeasureCodes",
                *(f"{base}/{name[:-5]}" for name in codes),
            ],
            "observations": list(pages),
            "properties": "Properties.json",
            "measure_codes": "MeasureCodes.json",
            "codes": {name[: -len("Codes.json")]: name for name in codes},
            "row_count": len(observations),
            "sha256": {name: io.sha256_file(tmp / name) for name in files},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def write_standard_population(folder: Path, year: int, total: int = 17_590_000) -> None:
    """The standard population's slice of 03759ned in its v4 shape: Nederland on 1 January of `year` by single year
    of age 0-104, "95 jaar of ouder", "105 jaar of ouder" and the total, as CBS codes them (10010 = 0 jaar, 10100 =
    1 jaar, ..., 19901-19904 = 100-104 jaar). The numbers are a smooth made-up age pyramid (demo data)."""
    ages = np.arange(0, 106)
    shape = np.where(ages < 58, 1.0, np.clip(1 - (np.clip(ages - 58, 0, None) / 36.0) ** 1.8, 0.002, None))
    counts = np.round(total * shape / shape.sum()).astype(int)

    def code(age: int) -> str:
        return "10010" if age == 0 else f"{10000 + 100 * age}" if age < 100 else f"{19901 + age - 101 + 1}"

    entries = [(code(a), f"{a} jaar", int(counts[a])) for a in range(0, 105)]
    entries += [
        ("22000", "95 jaar of ouder", int(counts[95:].sum())),
        ("22300", "105 jaar of ouder", int(counts[105])),
        ("10000", "Totaal", int(counts.sum())),
    ]
    observations = [
        {
            "Id": i,
            "Measure": "M000352",
            "ValueAttribute": "None",
            "Value": value,
            "StringValue": None,
            "BurgerlijkeStaat": "T001019",
            "Geslacht": "T001038",
            "Leeftijd": ident,
            "RegioS": "NL01",
            "Perioden": f"{year}JJ00",
        }
        for i, (ident, _, value) in enumerate(entries)
    ]
    codes = {
        "LeeftijdCodes.json": [
            {"Identifier": ident, "Index": i + 1, "Title": title, "Description": "", "DimensionGroupId": None}
            for i, (ident, title, _) in enumerate(entries)
        ],
        "RegioSCodes.json": [
            {"Identifier": "NL01", "Index": 1, "Title": "Nederland", "Description": "", "DimensionGroupId": None}
        ],
        "PeriodenCodes.json": [
            {
                "Identifier": f"{year}JJ00",
                "Index": 1,
                "Title": str(year),
                "Description": "",
                "DimensionGroupId": "0",
                "Status": "Definitief",
            }
        ],
    }
    write_v4_snapshot(
        folder,
        "03759ned",
        "DEMO - Bevolking op 1 januari naar leeftijd (Nederland), standaardbevolking",
        observations,
        codes,
    )


def padded_code(code: str) -> str:
    return code.ljust(10)


def write_v3_snapshot(
    folder: Path,
    table: str,
    title: str,
    properties: list[dict],
    dimensions: dict[str, list[dict]],
    rows: list[dict],
    *,
    catalog: str = "CBS",
    period: str | None = None,
) -> None:
    """A CBS OData v3 snapshot in the shape fetch_cbs_v3 writes: every response as the API delivers it (the data
    in two pages joined by odata.nextLink) plus manifest.json."""
    base = (
        "https://opendata.cbs.nl/ODataFeed/odata" if catalog == "CBS" else "https://dataderden.cbs.nl/ODataFeed/odata"
    )
    root = f"{base}/{table}"
    info = {
        "ID": 0,
        "Identifier": table,
        "Title": f"DEMO - {title}",
        "ShortTitle": title,
        "Catalog": catalog,
        "Period": period or "",
        "Modified": f"{SNAPSHOT_DATE}T02:00:00",
        "Summary": DEMO_NOTICE,
    }
    half = (len(rows) + 1) // 2
    files = {
        "TableInfos.json": {"odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TableInfos", "value": [info]},
        "DataProperties.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.DataProperties",
            "value": properties,
        },
        **{
            f"{d}.json": {"odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.{d}", "value": codes}
            for d, codes in dimensions.items()
        },
        "TypedDataSet.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TypedDataSet",
            "value": rows[:half],
            "odata.nextLink": f"{root}/TypedDataSet?$format=json&$skip={half}",
        },
        "TypedDataSet-2.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TypedDataSet",
            "value": rows[half:],
        },
    }
    with io.atomic_directory(folder) as tmp:
        for name, content in files.items():
            (tmp / name).write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        manifest = {
            "table": table,
            "api": "odata-v3",
            "catalog": catalog,
            "demo": True,
            "notice": DEMO_NOTICE,
            "retrieved_at": f"{SNAPSHOT_DATE}T00:00:00+00:00",
            "source": root,
            "table_title": info["Title"],
            "table_period": info["Period"],
            "table_modified": info["Modified"],
            "row_count": len(rows),
            "typed_data_set": ["TypedDataSet.json", "TypedDataSet-2.json"],
            "table_infos": "TableInfos.json",
            "data_properties": "DataProperties.json",
            "codes": {d: f"{d}.json" for d in dimensions},
            "measures": [p["Key"] for p in properties if p.get("Type") == "Topic"],
            "files": [{"file": name, "sha256": io.sha256_file(tmp / name)} for name in files],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
