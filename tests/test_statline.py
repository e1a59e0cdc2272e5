"""CBS StatLine tables as indicator sources, read from snapshots fetched (through the same code as a real fetch) from
a mirror of the recordings in ../shared/data. Expected values are worked out by hand from the recorded table."""

import json
from dataclasses import replace

import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED, shared_file
from tests.odata_mirror import ODataMirror, add_recordings
from trendbreuk.geography.areas import load_regions
from trendbreuk.indicators.aggregate import aggregate_areas
from trendbreuk.indicators.catalogue import load_catalogue
from trendbreuk.sources.cbs_fetch import fetch_cbs_v3, fetch_plan
from trendbreuk.sources.datasets import CbsSeries, load_sources
from trendbreuk.sources.statline import CbsSourceError, read_cbs_indicators

REGIONS = load_regions(ROOT / "config" / "regions.yaml")
CATALOGUE = load_catalogue(ROOT / "config" / "indicators.yaml")
SOURCES = load_sources(root=ROOT)

# KWB 2020 (84799NED), transcribed from the recording: inhabitants, inhabitants under 15 and persons with bijstand
# (CBS rounds uitkeringen to tens) for the 16 gemeenten of Zuid-Limburg.
KWB_2020_ZUID_LIMBURG = {
    "GM0888": (15865, 1928, 290),
    "GM1954": (35938, 4627, 480),
    "GM0899": (27821, 3505, 850),
    "GM1903": (25768, 3570, 260),
    "GM1729": (14171, 1544, 160),
    "GM0917": (87086, 11048, 4210),
    "GM0928": (45749, 5652, 1720),
    "GM0882": (37445, 4673, 1110),
    "GM0935": (121575, 12617, 3820),
    "GM0938": (18828, 2396, 250),
    "GM0965": (10555, 1363, 130),
    "GM1883": (92429, 11508, 2770),
    "GM0971": (25007, 2998, 300),
    "GM0981": (10105, 1035, 300),
    "GM0994": (16367, 1787, 330),
    "GM0986": (12475, 1710, 130),
}
NL00_2020 = (17_407_585, 2_726_099, 421_110)  # the table's national row


def _fetch(table_id, mirror, cbs_dir, sources=SOURCES):
    request = next(r for r in fetch_plan(CATALOGUE, sources) if r.table.id == table_id)
    catalog_prefix = "v3" if request.table.catalog == "CBS" else "derden"
    return fetch_cbs_v3(
        table_id,
        cbs_dir,
        measures=list(request.measures),
        base=f"{mirror.url}/{catalog_prefix}",
        catalog=request.table.catalog,
        dimensions={d: list(c) for d, c in request.dimensions.items()},
    )


@pytest.fixture(scope="module")
def kwb_2020(tmp_path_factory):
    """data/raw/cbs with KWB 2020 fetched from the mirror of the recording, as `trendbreuk fetch cbs` would."""
    shared_file("cbs", "84799NED-v3")
    cbs_dir = tmp_path_factory.mktemp("cbs")
    with ODataMirror() as mirror:
        add_recordings(mirror, SHARED)
        _fetch("84799NED", mirror, cbs_dir)
    return cbs_dir


def test_kwb_2020_bijstand_of_zuid_limburg_and_nederland_from_the_recording(kwb_2020):
    read = read_cbs_indicators(CATALOGUE, SOURCES, kwb_2020)
    rows = read.rows[read.rows["indicator"] == "bijstand"]
    assert set(rows["period"]) == {"2020"}
    gemeenten = rows.set_index("area_code")
    for code, (inhabitants, under_15, bijstand) in KWB_2020_ZUID_LIMBURG.items():
        assert gemeenten.loc[code, "numerator"] == bijstand
        assert gemeenten.loc[code, "denominator"] == inhabitants - under_15  # 15 jaar en ouder
    values = aggregate_areas(rows, REGIONS.region("zuid-limburg")).set_index("area_code")
    # By hand: 17.110 persons with bijstand among 597.184 - 71.961 = 525.223 inhabitants of 15 and over: 3,258%.
    assert values.loc["ZL", ["numerator", "denominator"]].tolist() == [17_110, 525_223]
    assert values.loc["ZL", "numerator"] / values.loc["ZL", "denominator"] == pytest.approx(0.032577, abs=5e-7)
    # Nederland from CBS's own national row: 421.110 / (17.407.585 - 2.726.099) = 2,868%; the gemeenten's rounded
    # counts add up to 421.230, 0,03% more.
    assert values.loc["NL01", ["numerator", "denominator"]].tolist() == [421_110, 14_681_486]
    assert values.loc["rest_nl", "numerator"] == 421_110 - 17_110
    provenance = next(m for m in read.measures if m["indicator"] == "bijstand")
    assert provenance["numerator"] == ["PersonenPerSoortUitkeringBijstand_83 (Personen per soort uitkering; Bijstand)"]
    assert provenance["table"] == "84799NED" and provenance["year"] == 2020


def test_measures_the_fetched_tables_leave_empty_or_lack_say_so(kwb_2020):
    read = read_cbs_indicators(CATALOGUE, SOURCES, kwb_2020)
    # KWB 2020 was captured before CBS filled in jeugdzorg and opleidingsniveau: columns there, values empty.
    assert read.missing["jeugdhulp"] == (
        "CBS-tabel 84799NED nog zonder cijfers voor deze indicator",
        "haal later een nieuwere versie op (trendbreuk fetch cbs 84799NED)",
    )
    assert "laag_opleidingsniveau" in read.missing
    # The Gezondheidsmonitor table was never fetched.
    assert read.missing["roken"] == ("CBS-tabel 50120NED nog niet opgehaald", "trendbreuk fetch cbs 50120NED")
    # The other KWB years are absent, not an error; every indicator says which.
    assert "85984NED" in read.missing_tables["bijstand"] and "84799NED" not in read.missing_tables["bijstand"]
    assert {"bijstand", "arbeidsongeschiktheid", "ww_uitkering"} <= set(read.rows["indicator"])


def test_a_table_placed_at_the_wrong_year_of_its_series_is_refused(kwb_2020):
    kwb = SOURCES.cbs_series["kwb"]
    shifted = tuple(replace(t, year=2019) if t.id == "84799NED" else t for t in kwb.tables)
    sources = replace(SOURCES, cbs_series={"kwb": CbsSeries("kwb", kwb.title, shifted)})
    with pytest.raises(CbsSourceError, match="puts table 84799NED at 2019, but CBS says it covers 2020"):
        read_cbs_indicators(CATALOGUE, sources, kwb_2020)


def _kwb_2024_rows(properties):
    """A TypedDataSet in the exact shape of KWB 2024 (85984NED): its real keys from the recorded DataProperties, with
    made-up numbers for two gemeenten and Nederland (the data of 85984NED were not recorded)."""
    keys = {p["Key"] for p in properties if p.get("Type") == "Topic"}
    made_up = {
        "NL00      ": {
            "AantalInwoners_5": 18_000_000,
            "k_0Tot15Jaar_8": 2_800_000,
            "JongerenMetJeugdzorgInNatura_98": 480_000,
            "PercentageJongerenMetJeugdzorg_99": 9.6,
            "BasisonderwijsVmboMbo1_75": 3_000_000,
            "HavoVwoMbo24_76": 5_500_000,
            "HboWo_77": 4_500_000,
        },
        "GM0917    ": {
            "AantalInwoners_5": 87_000,
            "k_0Tot15Jaar_8": 11_000,
            "JongerenMetJeugdzorgInNatura_98": 3_075,
            "PercentageJongerenMetJeugdzorg_99": 12.3,
            "BasisonderwijsVmboMbo1_75": 20_000,
            "HavoVwoMbo24_76": 25_000,
            "HboWo_77": 10_000,
        },
        "GM0981    ": {
            "AantalInwoners_5": 10_000,
            "k_0Tot15Jaar_8": 1_000,
            "JongerenMetJeugdzorgInNatura_98": 290,
            "PercentageJongerenMetJeugdzorg_99": 14.5,
            "BasisonderwijsVmboMbo1_75": None,
            "HavoVwoMbo24_76": 3_000,
            "HboWo_77": 2_000,
        },
        "WK091700  ": {"AantalInwoners_5": 5_000},
    }
    assert set().union(*made_up.values()) <= keys, "the made-up rows must use 85984NED's real keys"
    return [
        {"ID": i, "WijkenEnBuurten": code, **{k: values.get(k) for k in sorted(keys)}}
        for i, (code, values) in enumerate(made_up.items())
    ]


def test_kwb_2024_keys_resolve_by_stem_and_the_youth_care_denominator_is_computed_back(tmp_path):
    folder = shared_file("cbs", "85984NED-v3")
    properties = json.loads((folder / "DataProperties.json").read_text(encoding="utf-8"))
    with ODataMirror() as mirror:
        mirror.add(
            "v3",
            "85984NED",
            {
                "TableInfos": json.loads((folder / "TableInfos.json").read_text(encoding="utf-8")),
                "DataProperties": properties,
                "WijkenEnBuurten": [{"Key": "GM0917    ", "Title": "Heerlen"}],
                "TypedDataSet": _kwb_2024_rows(properties),
            },
        )
        snapshot = _fetch("85984NED", mirror, tmp_path)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert "PersonenPerSoortUitkeringBijstand_94" in manifest["measures"]  # stem -> this year's suffix
    assert "BasisonderwijsVmboMbo1_75" in manifest["measures"]  # the renamed measure
    read = read_cbs_indicators(CATALOGUE, SOURCES, tmp_path)
    rows = read.rows.set_index(["indicator", "area_code"])
    # 3.075 youths with jeugdzorg at 12,3% -> 25.000 youths under 23 (by hand: 3075 / 0.123).
    assert rows.loc[("jeugdhulp", "GM0917"), ["numerator", "denominator"]].tolist() == [3_075, 25_000]
    assert rows.loc[("jeugdhulp", "GM0981"), "denominator"] == 2_000  # 290 / 0.145
    assert rows.loc[("jeugdhulp", "NL01"), "denominator"] == 5_000_000  # 480.000 / 0.096
    # Laag opleidingsniveau: 20.000 of 20.000 + 25.000 + 10.000; Vaals lacks one term, so it has no value at all.
    assert rows.loc[("laag_opleidingsniveau", "GM0917"), ["numerator", "denominator"]].tolist() == [20_000, 55_000]
    assert pd.isna(rows.loc[("laag_opleidingsniveau", "GM0981"), "denominator"])
    assert not rows.index.get_level_values("area_code").str.startswith("WK").any()  # wijken dropped
    used = next(m for m in read.measures if m["indicator"] == "laag_opleidingsniveau")
    assert used["numerator"] == ["BasisonderwijsVmboMbo1_75 (Basisonderwijs, vmbo, mbo1)"]


def _health_table():
    """A table in the shape of RIVM's 'Gezondheid per wijk en buurt' (50120NED): dimensions Marges, Leeftijd,
    WijkenEnBuurten and Perioden, measures with the keys RIVM uses (made-up numbers)."""
    properties = [
        {"Key": "Marges", "Type": "Dimension", "Title": "Marges"},
        {"Key": "Leeftijd", "Type": "Dimension", "Title": "Leeftijd"},
        {"Key": "WijkenEnBuurten", "Type": "GeoDetail", "Title": "Wijken en buurten"},
        {"Key": "Perioden", "Type": "TimeDimension", "Title": "Perioden"},
        {"Key": "Roker_11", "Type": "Topic", "Title": "Roker", "Unit": "%"},
        {
            "Key": "ErvarenGezondheidGoedZeerGoed_4",
            "Type": "Topic",
            "Title": "Ervaren gezondheid (zeer) goed",
            "Unit": "%",
        },
    ]
    rows = []
    for code, (value, lower, upper) in {"GM0917    ": (24.1, 22.0, 26.3), "NL01      ": (19.5, 19.3, 19.7)}.items():
        for age, shift in (("20300", 0.0), ("53115", 3.0), ("80200", -7.0)):
            for margin, number in (("MW00000", value), ("MOG0095", lower), ("MBG0095", upper)):
                rows.append(
                    {
                        "ID": len(rows),
                        "Marges": margin,
                        "Leeftijd": age,
                        "WijkenEnBuurten": code,
                        "Perioden": "2022JJ00",
                        "Roker_11": number + shift,
                        "ErvarenGezondheidGoedZeerGoed_4": None,
                    }
                )
    return {
        "TableInfos": [{"Identifier": "50120NED", "Title": "Gezondheid per wijk en buurt; 2022 (indeling 2022)"}],
        "DataProperties": properties,
        "Marges": [
            {"Key": k, "Title": t}
            for k, t in (
                ("MW00000", "Waarde"),
                ("MOG0095", "Ondergrens 95%-interval"),
                ("MBG0095", "Bovengrens 95%-interval"),
            )
        ],
        "Leeftijd": [
            {"Key": "20300", "Title": "18 jaar of ouder"},
            {"Key": "53115", "Title": "18 tot 65 jaar"},
            {"Key": "80200", "Title": "65 jaar of ouder"},
        ],
        "WijkenEnBuurten": [{"Key": "GM0917    ", "Title": "Heerlen"}, {"Key": "NL01      ", "Title": "Nederland"}],
        "Perioden": [{"Key": "2022JJ00", "Title": "2022"}],
        "TypedDataSet": rows,
    }


def test_survey_estimates_come_with_their_published_interval_and_the_table_indeling(tmp_path):
    with ODataMirror() as mirror:
        mirror.add("derden", "50120NED", _health_table())
        _fetch("50120NED", mirror, tmp_path)
    read = read_cbs_indicators(CATALOGUE, SOURCES, tmp_path)
    smoking = read.rows[read.rows["indicator"] == "roken"].set_index("area_code")
    assert smoking.loc["GM0917", ["value", "lower_ci", "upper_ci"]].tolist() == [24.1, 22.0, 26.3]  # 18+, not 18-64
    assert smoking.loc["NL01", "value"] == 19.5
    assert (smoking["indeling_year"] == 2022).all()  # the table says: indeling 2022, for every survey year
    assert read.missing["ervaren_gezondheid"][0] == "CBS-tabel 50120NED nog zonder cijfers voor deze indicator"
    # the age-standardised variant reads the two age groups, apart from the crude rows
    strata = read.strata_rows[read.strata_rows["indicator"] == "roken_leeftijd"].set_index(["area_code", "stratum"])
    assert strata.loc[("GM0917", "53115"), ["value", "lower_ci", "upper_ci"]].tolist() == [27.1, 25.0, 29.3]
    assert strata.loc[("GM0917", "80200"), "value"] == pytest.approx(17.1)
    assert "roken_leeftijd" not in set(read.rows["indicator"])
