"""The demo data set: fake numbers in the real sources' file formats.

`write_demo()` writes, deterministically from one seed, into data/raw/demo/:
- cbs/03759ned/<date>/ : a CBS OData v4 snapshot (observation pages with @odata.nextLink, MeasureCodes,
  RegioSCodes, PeriodenCodes, Properties, manifest.json) of population on 1 January;
- cbs/<table>/<date>/ : CBS OData v3 snapshots (TableInfos, DataProperties, code lists, TypedDataSet pages with
  odata.nextLink) of every table the indicator catalogue reads from CBS StatLine: the yearly Kerncijfers wijken en
  buurten (padded codes, NL00, key suffixes that change every year, a measure renamed in 2024, measures that start
  in later editions, Beekdaelen's predecessors before 2019) and the RIVM table with survey estimates and their
  margins;
- perined/perined-export.csv : a Perined-style export (';', UTF-8 with BOM, decimal comma);
- wsjg/wsjg-export.csv : a Waar-staat-je-gemeente-style export (';', Windows-1252, decimal comma,
  thousands point, gemeente names instead of codes);
- gezondheidsmonitor/gezondheidsmonitor-export.csv : survey estimates with their 95% interval per gemeente
  and for Nederland, in the survey years;
- registraties/registraties.xlsx : a programme registrations workbook in the template's long form.

The made-up truth per indicator is in config/demo.yaml. The magnitudes are plausible, nothing more: gemeente sizes are rounded approximations, the rates are made up.
Zuid-Limburg is made somewhat worse than the rest of the Netherlands; some gaps narrow, some widen. Small
gemeenten (Vaals: about 70 births a year) make noise and small numbers a real problem, as in real data.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from trendbreuk import config, io, paths
from trendbreuk.config import Configuration
from trendbreuk.demo.cbs_tables import write_cbs_tables
from trendbreuk.demo.exports import write_gezondheidsmonitor, write_perined, write_wsjg
from trendbreuk.demo.odata import write_cbs_population, write_standard_population
from trendbreuk.demo.registrations import write_registrations
from trendbreuk.demo.wijken import SmallAreaWorld
from trendbreuk.demo.world import (
    DEMO_NOTICE,
    MERGERS,
    SEED,
    SNAPSHOT_DATE,
    Magnitudes,
    World,
    gemeente_names,
    load_truth,
)

log = logging.getLogger(__name__)


def write_demo(
    root: Path | None = None, seed: int = SEED, national: bool = False, configuration: Configuration | None = None
) -> Path:
    """Write the whole demo data set into data/raw/demo/ and return that folder. With `national`, the demo of
    every gemeente of the regions file (which must cover the country: `trendbreuk regions national`) goes into
    data/raw/demo-nl/, the dataset demo-nl."""
    root = root or paths.project_root()
    configuration = configuration or config.project(root)
    regions_path = configuration.files["regions.yaml"]
    regions = configuration.regions
    truth = load_truth(configuration)
    rng = np.random.default_rng(seed)
    world = World(regions, rng, Magnitudes.from_config(truth.get("world") or {}))
    population = {g.code: world.population[(g.code, 2018)] for g, _ in world.gemeenten}
    population.update({old: inhabitants for merger in MERGERS.values() for old, _, inhabitants in merger["from"]})
    world.small_areas = SmallAreaWorld(gemeente_names(regions), population, regions, seed)
    if national and not world.national:
        raise ValueError(
            f"{regions_path} holds {len(world.gemeenten)} gemeenten, not the whole country: write a "
            "national regions file with `trendbreuk regions national <CBS area list>` and pass it with "
            "`trendbreuk --regions config/regions-nl.yaml demo --national`"
        )
    demo = paths.raw_dir(root) / ("demo-nl" if national else "demo")
    demo.mkdir(parents=True, exist_ok=True)
    write_cbs_population(world, regions, demo / "cbs" / "03759ned" / SNAPSHOT_DATE)
    standard = configuration.sources.standard_population
    if standard is not None:
        write_standard_population(demo / "cbs" / standard.table.directory / SNAPSHOT_DATE, standard.year)
    write_cbs_tables(world, regions, demo / "cbs", configuration, truth)
    write_perined(world, regions, demo / "perined" / "perined-export.csv", configuration, truth)
    write_wsjg(world, regions, demo / "wsjg" / "wsjg-export.csv", configuration, truth)
    monitor = demo / "gezondheidsmonitor" / "gezondheidsmonitor-export.csv"
    write_gezondheidsmonitor(world, regions, monitor, configuration, truth)
    write_registrations(world, regions, demo / "registraties" / "registraties.xlsx", configuration)
    io.write_text_atomic(
        demo / "LEESMIJ.txt",
        f"{DEMO_NOTICE}\n\nDeze map is gemaakt door `trendbreuk demo` (seed {seed}). De bestanden hebben de vorm van de\n"
        "echte bronnen (CBS OData v4 en v3, Perined-export, Waar staat je gemeente-export, registratiewerkboek),\n"
        "maar alle getallen zijn verzonnen. Gebruik ze nooit als echte cijfers.\n",
    )
    return demo
