"""An indicator from a CBS table the workbook has never read, added in configuration only (one entry in
config/indicators.yaml): the demo writes that table in StatLine's shape, the build reads it like a real snapshot and
the factsheet shows it. No code, no demo truth (config/demo.yaml's default for counts)."""

import json
import shutil

from tests.conftest import CSS, ROOT

ENTRY = """
- id: wmo_maatwerk
  title: Inwoners met een Wmo-maatwerkarrangement
  definition: Inwoners met een maatwerkarrangement van de Wmo, als percentage van alle inwoners.
  unit: '%'
  polarity: lower_is_better
  life_phase: Fase-overstijgend
  source:
    provider: cbs
    table: 83262NED
    numerator: ClientenMetMaatwerkarrangement
    denominator: Inwoners
  multiplier: 100
  decimals: 1
  target_basket: true
  statistic: proportion
  ci_method: wilson
  pool_years: 1
  publication_lag: 1
  min_count: 5
  baseline_year: 2018
"""


def test_an_indicator_from_a_new_cbs_table_needs_configuration_only(tmp_path):
    from trendbreuk.build import build
    from trendbreuk.demo import write_demo
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.render import gemeente_job, render

    root = tmp_path / "project"
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    (root / CSS).parent.mkdir(parents=True)
    shutil.copy2(ROOT / CSS, root / CSS)
    with (root / "config" / "indicators.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write(ENTRY)

    demo = write_demo(root)
    snapshot = next((demo / "cbs" / "83262NED").iterdir())
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["api"] == "odata-v3" and manifest["demo"] is True
    rows = [
        r
        for page in manifest["typed_data_set"]
        for r in json.loads((snapshot / page).read_text(encoding="utf-8"))["value"]
    ]
    keys = {k.rsplit("_", 1)[0]: k for k in rows[0] if k not in ("ID", "RegioS", "Perioden")}
    heerlen = next(r for r in rows if r["RegioS"].strip() == "GM0917" and r["Perioden"] == "2020JJ00")
    expected = 100 * heerlen[keys["ClientenMetMaatwerkarrangement"]] / heerlen[keys["Inwoners"]]
    # before its merger in 2019 Beekdaelen is in the table as its three predecessors, as CBS publishes it
    assert {r["RegioS"].strip() for r in rows if r["Perioden"] == "2018JJ00"} >= {"GM0951", "GM0881", "GM0962"}

    build(root=root)
    values = load_processed(root=root).indicator_values
    own = values[(values["indicator"] == "wmo_maatwerk") & (values["region"] == "zuid-limburg")]
    assert set(own["year_start"]) == set(range(2012, 2025))
    got = own[(own["area_code"] == "GM0917") & (own["period"] == "2020")]["value"].item()
    assert abs(got - expected) < 1e-9
    assert own[own["area_code"] == "GM1954"]["year_start"].min() == 2012  # harmonised from its predecessors

    page = render(
        gemeente_job("Heerlen", load_regions(root / "config" / "regions.yaml")),
        engine="python",
        root=root,
        out_dir=tmp_path / "reports",
    ).read_text(encoding="utf-8")
    assert "Inwoners met een Wmo-maatwerkarrangement" in page
    assert f"{expected:.1f}".replace(".", ",") + "%" in page
