"""Every table a build writes has a contract (indicators/schemas.py), and each contract refuses what it is for."""

import pandas as pd
import pytest

from trendbreuk.indicators.schemas import SCHEMAS, ContractError, validate_tables
from trendbreuk.processed import TABLES


def test_every_table_a_build_writes_has_a_contract(project):
    written = {p.stem for p in (project / "data" / "processed" / "demo").glob("*.parquet")}
    assert written, "the demo build wrote no tables"
    assert written <= set(TABLES), written - set(TABLES)
    assert written <= set(SCHEMAS), f"tables without a contract: {sorted(written - set(SCHEMAS))}"
    assert set(TABLES) <= set(SCHEMAS)


def _summary(**changes) -> pd.DataFrame:
    row = {
        "region": "zuid-limburg",
        "area_code": "GM0917",
        "area_name": "Heerlen",
        "area_level": "gemeente",
        "life_phase": "Kansrijke Start",
        "indicators": 3,
        "n_doel_bereikt": 1,
        "n_op_koers": 0,
        "n_versnelling_nodig": 0,
        "n_achterstand_groeit": 1,
        "n_geen_achterstand": 0,
        "n_onvoldoende_gegevens": 1,
        "median_share_closed": 0.1,
        "n_differences_95": 1,
        "expected_by_chance_95": 0.15,
    }
    return pd.DataFrame([row | changes])


def _shared(**changes) -> pd.DataFrame:
    row = {
        "region": "zuid-limburg",
        "area_code": "GM0917",
        "programme": "stevig_ouderschap",
        "measure": "gezinnen",
        "year": 2023,
        "display_value": "<10",
        "suppressed": "primair",
        "value": float("nan"),
    }
    return pd.DataFrame([row | changes])


def test_the_contracts_refuse_what_they_are_for():
    validate_tables({"basket_summary": _summary(), "registrations_shared": _shared()})  # as a build writes them
    with pytest.raises(ContractError, match="add up"):
        validate_tables({"basket_summary": _summary(n_op_koers=2)})  # 4 verdicts for 3 indicators
    with pytest.raises(ContractError, match="suppressed cell has no value"):
        validate_tables({"registrations_shared": _shared(value=7.0)})  # a hidden count kept in the table
    with pytest.raises(ContractError, match="period_code"):
        validate_tables(
            {"population": pd.DataFrame({"region_code": ["GM0917"], "period_code": ["2023"], "value": [86000.0]})}
        )
    with pytest.raises(ContractError, match="from_code"):
        validate_tables(
            {
                "lineage": pd.DataFrame(
                    {
                        "from_code": ["0917"],
                        "to_code": ["GM1954"],
                        "year": [2019],
                        "kind": ["opgeheven"],
                        "share": [1.0],
                    }
                )
            }
        )
