"""Mergers and harmonisation: a hand-written code list in CBS's own wording, and the real CBS code lists."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from trendbreuk.geography.lineage import (
    LineageError,
    harmonise,
    parse_lineage,
    read_dissolved_v3,
    read_lineage,
    successors,
)
from trendbreuk.sources.cbs import read_cbs_v4

# Three gemeenten merge into GM0003 (2019); GM0004 is split over GM0005 (1/4) and GM0006 (3/4) in 2020;
# GM0007 gives 100 inhabitants to GM0008 in 2021. Wording as in CBS's RegioSCodes descriptions.
CODES = [
    {
        "Identifier": "GM0001",
        "Title": "Aa",
        "Description": "Opgeheven per 01-01-2019, overgegaan naar:\r\n- Cee (GM0003),\r\n... 10 hectare met 5 woningen en 1000 inwoners\r\n",
    },
    {
        "Identifier": "GM0002",
        "Title": "Bee",
        "Description": "Opgeheven per 01-01-2019, overgegaan naar:\r\n- Cee (GM0003),\r\n... 20 hectare met 9 woningen en 2000 inwoners\r\n",
    },
    {
        "Identifier": "GM0003",
        "Title": "Cee",
        "Description": "Ontstaan per 01-01-2019, ontvangen van:\r\n- Aa (GM0001),\r\n... 10 hectare met 5 woningen en 1000 inwoners\r\n"
        "- Bee (GM0002),\r\n... 20 hectare met 9 woningen en 2000 inwoners\r\nBegindatum 01-01-2019\r\n",
    },
    {
        "Identifier": "GM0004",
        "Title": "Dee",
        "Description": "Opgeheven per 01-01-2020, overgegaan naar:\r\n- Ee (GM0005),\r\n... 5 hectare met 2 woningen en 250 inwoners\r\n"
        "- Ef (GM0006),\r\n... 15 hectare met 6 woningen en 750 inwoners\r\n",
    },
    {
        "Identifier": "GM0007",
        "Title": "Gee",
        "Description": "Grenswijziging per 01-01-2021, overgegaan naar:\r\n- Haa (GM0008),\r\n... 3 hectare met 40 woningen en 100 inwoners\r\n",
    },
    {"Identifier": "NL01", "Title": "Nederland", "Description": ""},
]
LINEAGE = parse_lineage(CODES)


def test_parser_reads_mergers_splits_and_boundary_corrections():
    rows = {(r.from_code, r.to_code): r for r in LINEAGE.itertuples()}
    assert rows[("GM0001", "GM0003")].kind == "opgeheven" and rows[("GM0001", "GM0003")].year == 2019
    assert rows[("GM0001", "GM0003")].share == 1.0
    assert rows[("GM0004", "GM0006")].share == pytest.approx(0.75)
    assert rows[("GM0007", "GM0008")].kind == "grenswijziging" and rows[("GM0007", "GM0008")].inwoners == 100
    assert len(LINEAGE) == 5  # the merger is described from both sides but counted once


def test_successors_follow_the_target_year():
    assert successors(LINEAGE, "GM0001", 2018, 2018) == [("GM0001", 1.0)]
    assert successors(LINEAGE, "GM0001", 2018, 2024) == [("GM0003", 1.0)]
    assert successors(LINEAGE, "GM0004", 2019, 2024) == [("GM0005", 0.25), ("GM0006", 0.75)]


def test_harmonise_sums_counts_and_refuses_to_keep_rates():
    series = pd.DataFrame(
        {
            "area_code": ["GM0001", "GM0002", "GM0003", "NL01"],
            "year": [2018, 2018, 2019, 2018],
            "numerator": [10, 20, 35, 500],
            "denominator": [100, 200, 310, 5000],
            "rate": [10.0, 10.0, 11.3, 10.0],
        }
    )
    out = harmonise(series, LINEAGE, 2024, count_columns=["numerator", "denominator"], rate_columns=["rate"]).set_index(
        ["area_code", "year"]
    )
    assert out.loc[("GM0003", 2018), ["numerator", "denominator"]].tolist() == [30, 300]
    assert np.isnan(out.loc[("GM0003", 2018), "rate"])
    assert "opnieuw berekenen" in out.loc[("GM0003", 2018), "harmonisation_flag"]
    assert out.loc[("GM0003", 2019), "rate"] == 11.3  # already in the new indeling: kept
    assert out.loc[("NL01", 2018), "numerator"] == 500  # not a gemeente: unchanged
    assert set(out["indeling"]) == {2024}


def test_harmonise_flags_splits_and_boundary_corrections():
    series = pd.DataFrame({"area_code": ["GM0004", "GM0007"], "year": [2019, 2019], "count": [400, 50]})
    out = harmonise(series, LINEAGE, 2024, count_columns=["count"]).set_index("area_code")
    assert out.loc["GM0005", "count"] == 100 and out.loc["GM0006", "count"] == 300
    assert "benadering" in out.loc["GM0005", "harmonisation_flag"]
    assert out.loc["GM0007", "count"] == 50
    assert "100 inwoners van Gee naar Haa per 01-01-2021" in out.loc["GM0007", "harmonisation_flag"]


def test_harmonise_partial_predecessors_leave_the_sum_missing():
    series = pd.DataFrame({"area_code": ["GM0001", "GM0002"], "year": [2018, 2018], "count": [5, np.nan]})
    out = harmonise(series, LINEAGE, 2024, count_columns=["count"])
    assert np.isnan(out.set_index("area_code").loc["GM0003", "count"])


def test_harmonising_backwards_is_refused():
    with pytest.raises(ValueError, match="back to the 2018 indeling"):
        successors(LINEAGE, "GM0003", 2020, 2018)


def test_not_a_code_list_is_a_clear_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"value": [{"Identifier": "GM0001", "Title": "A", "Description": "Begindatum 1830"}]}))
    with pytest.raises(LineageError, match="no gemeente transfers"):
        read_lineage(path)


# Real CBS files -------------------------------------------------------------------------------------


def test_beekdaelen_comes_out_of_the_real_cbs_code_list():
    lineage = read_lineage(shared_file("cbs", "03759ned-v4", "codes-RegioS.json"))
    into = lineage[(lineage["to_code"] == "GM1954") & (lineage["kind"] == "opgeheven")]
    assert set(into["from_code"]) == {"GM0951", "GM0881", "GM0962"}  # Nuth, Onderbanken, Schinnen
    assert set(into["year"]) == {2019}
    assert lineage.attrs["sha256"]


def test_real_v3_dissolved_gemeenten_agree_with_the_v4_lineage():
    lineage = read_lineage(shared_file("cbs", "03759ned-v4", "codes-RegioS.json"))
    dissolved = read_dissolved_v3(shared_file("cbs", "83262NED-v3-csv", "RegioS.csv"))
    assert {"GM0951", "GM0881"} <= set(dissolved["code"])
    opgeheven = set(
        zip(
            lineage.loc[lineage["kind"] == "opgeheven", "from_code"],
            lineage.loc[lineage["kind"] == "opgeheven", "date"],
        )
    )
    assert all((c, d) in opgeheven for c, d in zip(dissolved["code"], dissolved["date"]))


def test_real_population_harmonised_to_2026_is_complete_and_sums_to_nederland():
    folder = shared_file("cbs", "03759ned-v4")
    lineage = read_lineage(folder / "codes-RegioS.json")
    tidy = read_cbs_v4(folder)
    population = tidy[(tidy["measure"] == "M000352") & tidy["value"].notna()].copy()
    population["year"] = population["period_code"].str[:4].astype(int)
    out = harmonise(
        population.rename(columns={"region_code": "area_code"})[["area_code", "year", "value"]],
        lineage,
        2026,
        count_columns=["value"],
    )
    from trendbreuk.geography.areas import load_regions

    zl = {g.code for g in load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg").gemeenten}
    codes_2026 = set(out.loc[(out["year"] == 2026) & out["area_code"].str.startswith("GM"), "area_code"])
    for year, rows in out.groupby("year"):
        gemeenten = rows[rows["area_code"].str.startswith("GM")]
        assert set(gemeenten["area_code"]) == codes_2026, year
        assert gemeenten["value"].sum() == rows.loc[rows["area_code"] == "NL01", "value"].item(), year
        assert zl <= set(gemeenten.dropna(subset=["value"])["area_code"]), year
