"""The indicator catalogue as a whole, the catalogue check against real CBS metadata, and the table contracts."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, shared_file
from trendbreuk.indicators.catalogue import LIFE_PHASES, load_catalogue
from trendbreuk.indicators.check import check_catalogue, problems
from trendbreuk.indicators.schemas import ContractError, validate_tables
from trendbreuk.sources.datasets import load_sources
from trendbreuk.sources.statline import cbs_sources

CATALOGUE = load_catalogue(ROOT / "config" / "indicators.yaml")
SOURCES = load_sources(root=ROOT)


def test_catalogue_size_and_coverage():
    assert 25 <= len(CATALOGUE) <= 40
    assert {i.life_phase for i in CATALOGUE.values()} == set(LIFE_PHASES)
    assert {i.theme for i in CATALOGUE.values()} >= {"voeding", "bewegen", "welbevinden", "bestaanszekerheid"}
    assert sum(i.target_basket for i in CATALOGUE.values()) >= 15


def test_every_indicator_is_documented_and_has_demo_data():
    layouts = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text())["layouts"]
    truth = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["indicators"]
    cbs = cbs_sources(CATALOGUE, SOURCES)  # raises on a malformed CBS source
    for i in CATALOGUE.values():
        assert i.definition and i.numerator and i.denominator and i.period_type, i.id
        if i.id not in cbs:
            assert i.verified, f"{i.id}: say why an export indicator could not be verified"
            assert i.id in layouts[i.source["provider"]]["indicator_names"].values(), f"{i.id}: no export name"
        assert i.family in truth, f"{i.id}: no demo truth in config/demo.yaml"  # a variant shares its indicator's


def test_variants_are_versions_of_their_indicator_and_only_one_version_judges(tmp_path):
    """bijstand has a second definition over the inhabitants of 15 to 65: its own id, the indicator's fields with its
    own denominator on top, and no place in the target basket while CBS's own measure judges (the default)."""
    from trendbreuk.indicators.catalogue import CatalogueError, beside, judging, load_catalogue

    variant = CATALOGUE["bijstand_15_65"]
    assert variant.variant_of == "bijstand" and variant.variant_kind == "population_at_risk"
    assert variant.source["denominator"] == ["k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar"]
    assert variant.source["numerator"] == CATALOGUE["bijstand"].source["numerator"]
    assert (CATALOGUE["bijstand"].target_basket, variant.target_basket) == (True, False)
    assert [i.id for i in beside(CATALOGUE, "bijstand")] == ["bijstand_15_65"]
    assert "bijstand_15_65" not in [i.id for i in judging(CATALOGUE)]
    assert CATALOGUE["roken_leeftijd"].source["strata"] == {"Leeftijd": {"53115": [18, 65], "80200": [65, None]}}

    text = (ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8")
    moved = text.replace("  judged_by: bijstand\n", "  judged_by: bijstand_15_65\n")
    (tmp_path / "moved.yaml").write_text(moved, encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "moved.yaml")
    assert [i.id for i in judging(catalogue)].count("bijstand_15_65") == 1
    assert (catalogue["bijstand"].target_basket, catalogue["bijstand_15_65"].target_basket) == (False, True)
    (tmp_path / "wrong.yaml").write_text(
        text.replace("  judged_by: bijstand\n", "  judged_by: bijstand_65\n"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="judged_by 'bijstand_65' is neither"):
        load_catalogue(tmp_path / "wrong.yaml")


def _report(*folders):
    return check_catalogue(CATALOGUE, SOURCES, [shared_file("cbs", f) for f in folders])


def test_catalogue_check_shows_the_key_of_every_year_from_real_cbs_metadata():
    """KWB 2020 (84799NED, a dump with a parquet DataProperties) and KWB 2024 (85984NED, raw DataProperties.json):
    the same stems resolve to other suffixes, and renamed measures to their new keys."""
    report = _report("84799NED-v3", "85984NED-v3").set_index(["indicator", "table", "measure"]).sort_index()

    def key(indicator, table, measure):
        found = report.loc[(indicator, table, measure), "key"]
        return found if isinstance(found, str) else found.iloc[0]  # a term in numerator and denominator: two rows

    assert key("bijstand", "84799NED", "PersonenPerSoortUitkeringBijstand") == "PersonenPerSoortUitkeringBijstand_83"
    assert key("bijstand", "85984NED", "PersonenPerSoortUitkeringBijstand") == "PersonenPerSoortUitkeringBijstand_94"
    laag = "OpleidingsniveauLaag | BasisonderwijsVmboMbo1"
    assert key("laag_opleidingsniveau", "84799NED", laag) == "OpleidingsniveauLaag_64"
    assert key("laag_opleidingsniveau", "85984NED", laag) == "BasisonderwijsVmboMbo1_75"
    assert key("jeugdhulp", "85984NED", "PercentageJongerenMetJeugdzorg") == "PercentageJongerenMetJeugdzorg_99"
    row = report.loc[("bijstand", "85984NED", "PersonenPerSoortUitkeringBijstand")]
    assert (
        row["year"] == 2024
        and row["status"] == "gevonden"
        and "Personen per soort uitkering; Bijstand" in row["detail"]
    )
    assert (report.loc[("roken", "50120NED")]["status"] == "geen metadata").all()  # not recorded
    assert problems(report.reset_index()).empty


def test_catalogue_check_names_a_measure_no_table_has():
    wrong = {
        "bijstand": replace(
            CATALOGUE["bijstand"], source={**CATALOGUE["bijstand"].source, "numerator": "PersonenMetBijstnd"}
        )
    }
    report = check_catalogue(wrong, SOURCES, [shared_file("cbs", "85984NED-v3")])
    bad = problems(report)
    assert bad["measure"].tolist() == ["PersonenMetBijstnd"] and bad["status"].tolist() == ["nergens gevonden"]
    assert "closest: PersonenPerSoortUitkeringBijstand_94" in bad["detail"].item()


def test_contracts_list_every_failure_at_once():
    values = pd.DataFrame(
        {
            "region": ["r", "r"],
            "indicator": ["x", "x"],
            "area_level": ["gemeente", "straat"],
            "area_code": ["GM0001", "GM0002"],
            "area_name": ["A", "B"],
            "period": ["2020", "2020"],
            "year_start": [2020, 2020],
            "year_end": [2020, 2020],
            "numerator": [5.0, -1.0],
            "denominator": [10.0, 10.0],
            "value": [50.0, 20.0],
            "lower_ci": [60.0, 10.0],
            "upper_ci": [70.0, 30.0],
            "lower_ci_998": [np.nan] * 2,
            "upper_ci_998": [np.nan] * 2,
            "statistic": ["proportion"] * 2,
            "method": ["Wilson score"] * 2,
            "gemeente_code": [None] * 2,
            "rounding_share": [np.nan] * 2,
            "series_start": [pd.NA] * 2,
            "series_break": [False] * 2,
        }
    )
    with pytest.raises(ContractError) as err:
        validate_tables({"indicator_values": values})
    message = str(err.value)
    assert "area_level" in message and "'straat'" in message
    assert "numerator" in message and "-1.0" in message
    assert "value outside its own interval" in message
