import hashlib
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import ROOT
from trendbreuk.build import build
from trendbreuk.demo import write_demo
from trendbreuk.geography.areas import load_regions
from trendbreuk.processed import load_processed
from trendbreuk.sources.cbs import read_cbs_v4


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_is_deterministic(tmp_path):
    import time

    for name in ("a", "b"):
        shutil.copytree(ROOT / "config", tmp_path / name / "config")
        write_demo(tmp_path / name, seed=7)
        time.sleep(1.1)  # a file that carries its save time would differ between the two runs
    assert _digest(tmp_path / "a" / "data" / "raw" / "demo") == _digest(tmp_path / "b" / "data" / "raw" / "demo")


def test_demo_files_are_in_the_real_formats(project):
    demo = project / "data" / "raw" / "demo"
    assert (demo / "perined" / "perined-export.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    first = (demo / "perined" / "perined-export.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert first.count(";") == 6 and "," in first.split(";")[-1]  # decimal comma
    manifest = json.loads(next((demo / "cbs" / "03759ned").iterdir()).joinpath("manifest.json").read_text())
    assert manifest["demo"] is True and len(manifest["observations"]) == 2  # paged like OData
    page1 = json.loads(next((demo / "cbs" / "03759ned").iterdir()).joinpath("Observations-1.json").read_text())
    assert "@odata.nextLink" in page1
    assert "DEMODATA" in (demo / "LEESMIJ.txt").read_text()


def test_demo_has_small_gemeenten_with_under_100_births(project):
    perined = pd.read_csv(
        project / "data/raw/demo/perined/perined-export.csv", sep=";", encoding="utf-8-sig", dtype=str
    )
    vaals = perined[(perined["Gemeente"] == "Vaals") & (perined["Indicator"].str.startswith("Vroeggeboorte ("))]
    births = vaals["Noemer"].str.replace(".", "", regex=False).astype(int)
    assert births.max() < 100 and births.min() > 30


def test_build_aggregates_match_the_gemeenten(project):
    processed = load_processed(root=project)
    assert processed.demo
    values = processed.indicator_values
    zl = values[(values["region"] == "zuid-limburg") & (values["statistic"] != "survey")]
    for (indicator, period), rows in zl.groupby(["indicator", "period"]):
        gemeenten = rows[rows["area_level"] == "gemeente"]
        region = rows[rows["area_level"] == "regio"]
        if len(gemeenten) == 16:
            assert region["numerator"].item() == gemeenten["numerator"].sum()
            nl = rows[rows["area_code"] == "NL01"]
            rest = rows[rows["area_code"] == "rest_nl"]
            assert rest["denominator"].item() == nl["denominator"].item() - gemeenten["denominator"].sum()


def test_demo_population_reads_through_the_cbs_reader(project):
    snapshot = next((project / "data/raw/demo/cbs/03759ned").iterdir())
    tidy = read_cbs_v4(snapshot)
    regions = load_regions(project / "config" / "regions.yaml")
    assert set(g.code for g in regions.region().gemeenten) <= set(tidy["region_code"])


def test_failed_build_leaves_the_previous_tables_untouched(project):
    processed = project / "data" / "processed" / "demo"
    before = _digest(processed)
    export = project / "data/raw/demo/perined/perined-export.csv"
    good = export.read_bytes()
    try:
        export.write_text("Gemeentecode;Gemeente;Periode\nGM0981;Vaals;2018\n", encoding="utf-8")
        with pytest.raises(ValueError, match="kolom 'Indicator' ontbreekt of is hernoemd"):
            build(root=project)
    finally:
        export.write_bytes(good)
    assert _digest(processed) == before
    assert not [p for p in processed.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_build_sums_the_predecessors_of_a_merged_gemeente(project):
    """Beekdaelen (2019) in 2016-2018 must equal Nuth + Onderbanken + Schinnen as the raw export reports them."""
    raw = pd.read_csv(project / "data/raw/demo/perined/perined-export.csv", sep=";", encoding="utf-8-sig", dtype=str)
    raw = raw[raw["Indicator"].str.startswith("Vroeggeboorte (") & raw["Periode"].isin(["2016", "2017", "2018"])]
    predecessors = raw[raw["Gemeente"].isin(["Nuth", "Onderbanken", "Schinnen"])]
    assert len(predecessors) == 9 and not (raw["Gemeente"] == "Beekdaelen").any()
    expected = (predecessors["Teller"].astype(int).sum(), predecessors["Noemer"].str.replace(".", "").astype(int).sum())
    values = load_processed(root=project).indicator_values
    row = values[
        (values["area_code"] == "GM1954")
        & (values["indicator"] == "vroeggeboorte")
        & (values["period"] == "2016-2018")
        & (values["region"] == "zuid-limburg")
    ]
    assert (row["numerator"].item(), row["denominator"].item()) == expected
    info = load_processed(root=project).info
    assert info["indeling_year"] == 2024
    assert {m["from_name"] for m in info["harmonisation"]["mergers"]} == {"Nuth", "Onderbanken", "Schinnen"}


def test_the_demo_worlds_magnitudes_come_from_config_demo_yaml(tmp_path):
    """config/demo.yaml's `world` sets the sizes: Vaals at 9 900 inhabitants in 2018 (the file's figure) grows with
    the region's -0.3% a year, so 9 900 x 0.997 = 9 870 in 2019 (rounded); a world whose age shares do not add up
    to 1 is refused with the file and the field named."""
    import yaml

    from trendbreuk.config import DemoConfigError

    root = tmp_path / "project"
    shutil.copytree(ROOT / "config", root / "config")
    demo = write_demo(root)
    population = read_cbs_v4(demo / "cbs" / "03759ned" / "2025-07-01")
    vaals = population[(population["region_code"] == "GM0981") & (population["measure"] == "M000352")]
    by_year = dict(zip(vaals["period_start"].dt.year, vaals["value"]))
    assert by_year[2018] == 9_900
    assert by_year[2019] == round(9_900 * 0.997)

    truth = yaml.safe_load((root / "config" / "demo.yaml").read_text(encoding="utf-8"))
    truth["world"]["age_shares"]["ZL"] = [0.5, 0.5, 0.5, 0.5, 0.5]
    (root / "config" / "demo.yaml").write_text(yaml.safe_dump(truth), encoding="utf-8")
    with pytest.raises(DemoConfigError, match=r"demo.yaml: world: age_shares \['ZL'\]"):
        write_demo(root)
