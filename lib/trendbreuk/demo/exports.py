"""The portal exports of the demo: Perined (';', UTF-8 with BOM, decimal comma), Waar staat je gemeente
(';', Windows-1252, names instead of codes) and the Gezondheidsmonitor (estimates with their 95% interval)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from trendbreuk import io
from trendbreuk.config import Configuration
from trendbreuk.demo.world import World, dutch_number, export_names_of, gemeente_names, indicators_of, split_merged
from trendbreuk.geography.areas import RegionsConfig

log = logging.getLogger(__name__)


def write_perined(
    world: World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict
) -> None:
    names, export_names = gemeente_names(regions), export_names_of(configuration, "perined")
    frames = [
        world.counts(key, truth["indicators"][key], truth["bases"])
        for key in indicators_of(configuration, "perined", truth)
    ]
    data = split_merged(pd.concat(frames, ignore_index=True), ["numerator", "denominator"], world.rng)
    data = data.sort_values(["indicator", "year", "area_code"], kind="stable")
    export = pd.DataFrame(
        {
            "Gemeentecode": data["area_code"].where(data["area_code"] != "NL01", ""),
            "Gemeente": data["area_code"].map(names),
            "Periode": data["year"].astype(str),
            "Indicator": data["indicator"].map(export_names),
            "Teller": data["numerator"].astype(str),
            "Noemer": data["denominator"].map(lambda v: dutch_number(v, 0, thousands=True)),
            "Percentage": (100 * data["numerator"] / data["denominator"]).map(lambda v: dutch_number(v, 1)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")


def write_wsjg(world: World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict) -> None:
    """WSJG reports today's gemeenten for all years (it harmonises itself), by name, in Windows-1252."""
    names, export_names = gemeente_names(regions), export_names_of(configuration, "wsjg")
    frames = [
        world.counts(key, truth["indicators"][key], truth["bases"])
        for key in indicators_of(configuration, "wsjg", truth)
    ]
    data = pd.concat(frames, ignore_index=True)
    export = pd.DataFrame(
        {
            "Indicator": data["indicator"].map(export_names),
            "Gebied": data["area_code"].map(names),
            "Periode": data["year"].astype(str),
            "Waarde": (100 * data["numerator"] / data["denominator"]).map(lambda v: dutch_number(v, 2)),
            "Teller": data["numerator"].map(lambda v: dutch_number(v, 0, thousands=True)),
            "Noemer": data["denominator"].map(lambda v: dutch_number(v, 0, thousands=True)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="cp1252")


def write_gezondheidsmonitor(
    world: World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict
) -> None:
    names, export_names = gemeente_names(regions), export_names_of(configuration, "gezondheidsmonitor")
    frames = [
        world.survey(key, truth["indicators"][key], truth["survey"])
        for key in indicators_of(configuration, "gezondheidsmonitor", truth)
    ]
    data = pd.concat(frames, ignore_index=True)
    export = pd.DataFrame(
        {
            "Gemeentecode": data["area_code"].where(data["area_code"] != "NL01", ""),
            "Gemeente": data["area_code"].map(names),
            "Jaar": data["year"].astype(str),
            "Indicator": data["indicator"].map(export_names),
            "Percentage": data["value"].map(lambda v: dutch_number(v, 1)),
            "Ondergrens": data["lower"].map(lambda v: dutch_number(v, 1)),
            "Bovengrens": data["upper"].map(lambda v: dutch_number(v, 1)),
            "Aantal respondenten": data["respondents"].map(lambda v: dutch_number(v, 0, thousands=True)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")
