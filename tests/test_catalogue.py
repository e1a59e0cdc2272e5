"""The indicator catalogue as a whole, the catalogue check against real CBS metadata, and the table contracts."""

import numpy as np
import pandas as pd
import pytest
import yaml

from trendbreuk.indicators.catalogue import LIFE_PHASES, load_catalogue
from trendbreuk.indicators.check import check_catalogue
from trendbreuk.indicators.schemas import ContractError, validate_tables
from tests.conftest import ROOT, shared_file

CATALOGUE = load_catalogue(ROOT / "config" / "indicators.yaml")


def test_catalogue_size_and_coverage():
    assert 25 <= len(CATALOGUE) <= 40
    assert {i.life_phase for i in CATALOGUE.values()} == set(LIFE_PHASES)
    assert {i.theme for i in CATALOGUE.values()} >= {"voeding", "bewegen", "welbevinden", "bestaanszekerheid"}
    assert sum(i.target_basket for i in CATALOGUE.values()) >= 15


def test_every_indicator_is_documented_and_has_demo_data():
    layouts = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text())["layouts"]
    truth = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["indicators"]
    for i in CATALOGUE.values():
        assert i.definition and i.numerator and i.denominator and i.period_type, i.id
        assert i.cbs_reference or i.verified, f"{i.id}: say where it was verified, or why it could not be"
        assert i.id in layouts[i.source["provider"]]["indicator_names"].values(), f"{i.id}: no export name"
        assert i.id in truth, f"{i.id}: no demo truth in config/demo.yaml"


def test_catalogue_check_against_real_cbs_metadata(tmp_path):
    folder = shared_file("cbs", "85984NED-v3")
    report = check_catalogue(CATALOGUE, [folder])
    referenced = report[report["table"] == "85984NED"]
    assert len(referenced) >= 5 and (referenced["status"] == "gevonden").all()
    bijstand = referenced[referenced["measure"] == "PersonenPerSoortUitkeringBijstand_94"]
    assert "Personen per soort uitkering; Bijstand" in bijstand["detail"].item()


def test_catalogue_check_reports_a_wrong_key_and_missing_metadata(tmp_path):
    folder = shared_file("cbs", "85984NED-v3")
    wrong = {k: v for k, v in CATALOGUE.items() if k == "bijstand"}
    from dataclasses import replace

    wrong["bijstand"] = replace(wrong["bijstand"], cbs_reference={"table": "85984NED", "measures": ["Bijstand_999"]})
    assert check_catalogue(wrong, [folder])["status"].tolist() == ["niet gevonden"]
    assert check_catalogue(wrong, [])["status"].tolist() == ["geen metadata"]


def test_contracts_list_every_failure_at_once():
    values = pd.DataFrame({
        "region": ["r", "r"], "indicator": ["x", "x"], "area_level": ["gemeente", "buurt"], "area_code": ["GM0001", "GM0002"],
        "area_name": ["A", "B"], "period": ["2020", "2020"], "year_start": [2020, 2020], "year_end": [2020, 2020],
        "numerator": [5.0, -1.0], "denominator": [10.0, 10.0], "value": [50.0, 20.0], "lower_ci": [60.0, 10.0],
        "upper_ci": [70.0, 30.0], "lower_ci_998": [np.nan] * 2, "upper_ci_998": [np.nan] * 2,
        "statistic": ["proportion"] * 2, "method": ["Wilson score"] * 2,
    })
    with pytest.raises(ContractError) as err:
        validate_tables({"indicator_values": values})
    message = str(err.value)
    assert "area_level" in message and "'buurt'" in message
    assert "numerator" in message and "-1.0" in message
    assert "value outside its own interval" in message
