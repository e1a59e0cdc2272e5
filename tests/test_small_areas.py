"""Wijken, buurten and focus areas: CBS's rounding in the interval, suppressed cells, indeling changes, focus areas as
sums of their members, look-ups; and the real KWB 2020 recording fetched and built, with values worked out by hand
from its rows."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from trendbreuk.geography.areas import AreaLookupError, RegionsConfigError, load_regions
from trendbreuk.geography.small_areas import SmallAreaRegister, wijk_name
from trendbreuk.indicators.catalogue import load_catalogue
from trendbreuk.indicators.small_areas import (
    IMPOSSIBLE,
    NOT_PUBLISHED,
    SUPPRESSED,
    focus_area_counts,
    latest_runs,
    percentage_denominator_half,
    rounded_intervals,
    series_runs,
)

Z = 1.959963984540054


def wilson(x: float, n: float, z: float = Z) -> tuple[float, float]:
    """Wilson (1927) score interval, written out as in Newcombe (1998), method 3, as percentages."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_the_wilson_formula_of_these_tests_gives_newcombes_example():
    low, high = wilson(81, 263)  # Newcombe (1998), Stat Med 17:857, table I: 0.2553 to 0.3662
    assert round(low / 100, 4) == 0.2553 and round(high / 100, 4) == 0.3662


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "config" / "indicators.yaml")


def test_the_interval_of_a_rounded_count_includes_the_rounding(catalogue):
    """De Koumen (Heerlen) in KWB 2020: 20 persons with bijstand (rounded to tens: 15 to 25) of 325 inhabitants of 15
    and over (four age bands, each rounded to fives: 315 to 335). By hand: Wilson's lower bound of 15/335 and upper
    bound of 25/315; the rounding makes most of the width... here 39% of it."""
    bijstand = catalogue["bijstand"]
    frame = pd.DataFrame({"indicator": ["bijstand"], "numerator": [20.0], "denominator": [325.0]})
    out = rounded_intervals(frame, bijstand, 5.0, 10.0).iloc[0]
    assert out["value"] == pytest.approx(100 * 20 / 325)
    assert out["lower_ci"] == pytest.approx(wilson(15, 335)[0]) and out["upper_ci"] == pytest.approx(wilson(25, 315)[1])
    sampling = wilson(20, 325)
    share = 1 - (sampling[1] - sampling[0]) / (wilson(25, 315)[1] - wilson(15, 335)[0])
    assert out["rounding_share"] == pytest.approx(share) and 0.35 < share < 0.45
    assert out["method"] == "Wilson score, verbreed met de afronding door CBS"


def test_zero_and_impossible_counts(catalogue):
    """A published 0 may be up to 4: the interval reaches Wilson's upper bound of 5/(denominator - 10); a numerator
    above its denominator (rounding in a tiny buurt) gives no value, and says why."""
    frame = pd.DataFrame({"indicator": ["bijstand"] * 2, "numerator": [0.0, 10.0], "denominator": [135.0, 5.0]})
    out = rounded_intervals(frame, catalogue["bijstand"], 5.0, 10.0)
    assert out["lower_ci"].iloc[0] == 0 and out["upper_ci"].iloc[0] == pytest.approx(wilson(5, 125)[1])
    assert math.isnan(out["value"].iloc[1]) and out["missing_reason"].iloc[1] == IMPOSSIBLE


def test_a_series_runs_only_across_unchanged_years():
    """Flags (CBS): 1 = the same area as the year before, 2 or 3 = changed. 2018 starts, 2019 continues, 2020 changed,
    2021 continues: two runs, and only the second is judged."""
    rows = pd.DataFrame(
        {
            "region": "r",
            "indicator": "bijstand",
            "area_code": "WK091710",
            "year_start": [2021, 2019, 2020, 2018],
            "indeling_change": [1, 1, 2, np.nan],
        }
    )
    runs = series_runs(rows).set_index("year_start")
    assert runs["series_start"].to_dict() == {2018: 2018, 2019: 2018, 2020: 2020, 2021: 2020}
    assert runs["series_break"].to_dict() == {2018: False, 2019: False, 2020: True, 2021: False}
    assert sorted(latest_runs(runs.reset_index())["year_start"]) == [2020, 2021]


def test_a_focus_area_is_the_sum_of_its_buurten_while_all_are_there():
    regions = load_regions(ROOT / "config" / "regions.yaml")
    vrieheide = regions.region("zuid-limburg").focus_area("Pluswijk Vrieheide (voorbeeld)")
    a, b, c = vrieheide.codes
    rows = pd.DataFrame(
        {
            "indicator": "bijstand",
            "area_code": [a, b, c, a, b],
            "year_start": [2020, 2020, 2020, 2021, 2021],
            "numerator": [100.0, 60.0, 70.0, 90.0, 50.0],
            "denominator": [1000.0, 900.0, 1120.0, 990.0, 910.0],
            "indeling_change": [1, 1, 3, 1, 1],
        }
    )
    focus = focus_area_counts(rows, regions).set_index("year_start")
    assert list(focus.index) == [2020]  # 2021 lacks one buurt: no sum
    assert focus.loc[2020, "numerator"] == 230 and focus.loc[2020, "denominator"] == 3020
    assert focus.loc[2020, "indeling_change"] == 2  # one buurt changed: the focus area changed
    assert focus.loc[2020, "area_code"] == "FA-pluswijk-vrieheide-voorbeeld" and focus.loc[2020, "members"] == 3


def test_wijken_and_buurten_are_found_by_code_or_name():
    register = SmallAreaRegister.from_code_list(
        [
            {"Key": "GM0917    ", "Title": "Heerlen"},
            {"Key": "WK091733  ", "Title": "Wijk 33 Heerlen-Centrum"},
            {"Key": "BU09173300", "Title": "Heerlen-Centrum"},
            {"Key": "WK093501  ", "Title": "Wijk 01 Centrum"},
            {"Key": "WK091734  ", "Title": "Wijk 34 Centrum"},
        ]
    )
    gemeenten = {"GM0917": "Heerlen", "GM0935": "Maastricht"}
    assert wijk_name("Wijk 10 Maria Gewanden en Terschuren") == "Maria Gewanden en Terschuren"
    assert register.find("wk091733").name == "Heerlen-Centrum"
    assert register.find("Heerlen-Centrum").code == "WK091733"  # the wijk before the buurt of that name
    assert register.find("Maastricht: Centrum", gemeenten).code == "WK093501"
    with pytest.raises(AreaLookupError, match="'Centrum' is the name of 2 areas: .*give the code or 'gemeente: naam'"):
        register.find("Centrum", gemeenten)
    with pytest.raises(AreaLookupError, match="closest matches: Heerlen: Heerlen-Centrum"):
        register.find("Herlen-Centrum", gemeenten)
    assert [a.code for a in register.of_gemeente("GM0917")] == ["WK091733", "WK091734"]


@pytest.mark.parametrize(
    "areas, message",
    [
        (["WK09171"], r"\['WK09171'\] are not wijk or buurt codes"),
        (["WK093501"], r"\['WK093501'\] lie in gemeenten outside"),
        ([], "give a name and the wijk or buurt codes"),
    ],
)
def test_a_focus_area_that_cannot_be_is_named(tmp_path, areas, message):
    text = (ROOT / "config" / "regions.yaml").read_text()
    text = text.replace("areas: [WK091710, WK091711, WK091712, WK091713, WK091714]", f"areas: {json.dumps(areas)}")
    (tmp_path / "regions.yaml").write_text(
        text.replace("Maastricht-Heuvelland", "MH").replace("GM0935, name: Maastricht", "GM0936, name: X")
    )
    with pytest.raises(RegionsConfigError, match=message):
        load_regions(tmp_path / "regions.yaml")


# The real recording -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kwb2020(recorded_project):
    folder = recorded_project / "data" / "processed" / "real"
    return {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in ("indicator_values", "small_area_values", "small_area_assessments")
    }


@pytest.fixture(scope="module")
def recorded():
    """The recording's own rows, trimmed codes: what the hand calculations start from."""
    table = pd.read_parquet(shared_file("cbs", "84799NED-v3", "cbs.v3.84799NED_TypedDataSet.parquet"))
    table["code"] = table["WijkenEnBuurten"].str.strip()
    return table.set_index("code")


def _inhabitants_15_plus(row) -> float:
    return row["k_15Tot25Jaar_9"] + row["k_25Tot45Jaar_10"] + row["k_45Tot65Jaar_11"] + row["k_65JaarOfOuder_12"]


def test_heerlens_wijken_from_the_recording(kwb2020, recorded):
    """Heerlen has 23 wijken in KWB 2020. Molenberg (WK091739), worked by hand from its row: bijstand 340 of
    k_15Tot25 + k_25Tot45 + k_45Tot65 + k_65+ inhabitants, with the rounding (tens; fives per band) in the interval.
    De Hei's count is not published. The highest wijk share is about three times the national 2,9%."""
    values = kwb2020["small_area_values"]
    bijstand = values[
        (values["indicator"] == "bijstand") & (values["area_level"] == "wijk") & (values["gemeente_code"] == "GM0917")
    ].set_index("area_code")
    assert len(bijstand) == 23 and bijstand.loc["WK091739", "area_name"] == "Molenberg"
    row = recorded.loc["WK091739"]
    count, population = row["PersonenPerSoortUitkeringBijstand_83"], _inhabitants_15_plus(row)
    assert (count, population) == (340, 3805)
    molenberg = bijstand.loc["WK091739"]
    assert molenberg["value"] == pytest.approx(100 * 340 / 3805)
    assert molenberg["lower_ci"] == pytest.approx(wilson(335, 3815)[0])
    assert molenberg["upper_ci"] == pytest.approx(wilson(345, 3795)[1])
    assert bijstand.loc["WK091723", "missing_reason"] == SUPPRESSED and pd.isna(bijstand.loc["WK091723", "value"])
    large = kwb2020["indicator_values"]
    national = large[(large["indicator"] == "bijstand") & (large["area_code"] == "NL01")]["value"].iloc[0]
    assert round(national, 1) == 2.9 and round(bijstand["value"].max(), 1) == 8.9


def test_a_focus_area_of_wijken_from_the_recording(kwb2020, recorded):
    """Pluswijk Hoensbroek (voorbeeld): the sum of Heerlen's wijken 10 to 14, by hand from their rows; its rounding
    is that of five wijken (numerator within 25, denominator within 5 x 4 x 2.5 = 50)."""
    values = kwb2020["small_area_values"]
    focus = values[
        (values["indicator"] == "bijstand") & (values["area_code"] == "FA-pluswijk-hoensbroek-voorbeeld")
    ].iloc[0]
    members = recorded.loc[[f"WK09171{i}" for i in range(5)]]
    count = members["PersonenPerSoortUitkeringBijstand_83"].sum()
    population = sum(_inhabitants_15_plus(r) for _, r in members.iterrows())
    assert (focus["numerator"], focus["denominator"]) == (count, population)
    assert focus["lower_ci"] == pytest.approx(wilson(count - 25, population + 50)[0])
    assert focus["upper_ci"] == pytest.approx(wilson(count + 25, population - 50)[1])
    assert focus["area_level"] == "focus" and focus["gemeente_code"] == "GM0917"


def test_a_buurt_and_a_focus_area_of_buurten_from_the_recording(kwb2020, recorded):
    """Schiffelerveld (BU09173903): bijstand 10 of 10 + 35 + 50 + 45 = 140 inhabitants of 15 and older in its row;
    the count stands for 5 to 15, the four bands for 140 - 10 to 140 + 10, so the interval runs from Wilson's lower
    bound of 5 / 150 to Wilson's upper bound of 15 / 130. Pluswijk Vrieheide (voorbeeld) is buurten 00, 01 and 04 of
    wijk 20: 70 + 110 + 50 = 230 of 315 + 1455 + 1250 = 3020, its rounding that of three buurten (numerator within
    15, denominator within 3 x 4 x 2.5 = 30)."""
    values = kwb2020["small_area_values"]
    bijstand = values[(values["indicator"] == "bijstand") & (values["period"] == "2020")].set_index("area_code")
    row = recorded.loc["BU09173903"]
    assert (row["PersonenPerSoortUitkeringBijstand_83"], _inhabitants_15_plus(row)) == (10, 140)
    buurt = bijstand.loc["BU09173903"]
    assert buurt["area_level"] == "buurt" and buurt["value"] == pytest.approx(100 * 10 / 140)
    assert buurt["lower_ci"] == pytest.approx(wilson(5, 150)[0])
    assert buurt["upper_ci"] == pytest.approx(wilson(15, 130)[1])
    members = recorded.loc[["BU09172000", "BU09172001", "BU09172004"]]
    assert members["PersonenPerSoortUitkeringBijstand_83"].sum() == 230
    assert sum(_inhabitants_15_plus(r) for _, r in members.iterrows()) == 3020
    focus = bijstand.loc["FA-pluswijk-vrieheide-voorbeeld"]
    assert (focus["numerator"], focus["denominator"]) == (230, 3020)
    assert focus["lower_ci"] == pytest.approx(wilson(215, 3050)[0])
    assert focus["upper_ci"] == pytest.approx(wilson(245, 2990)[1])


def test_wijken_are_judged_by_the_same_rules_and_say_why_not_yet(kwb2020):
    """One year of data: every wijk honestly gets "onvoldoende gegevens" (no baseline), with the comparison now."""
    assessments = kwb2020["small_area_assessments"]
    assert not kwb2020["indicator_values"]["area_level"].isin(["wijk", "buurt", "focus"]).any()  # their own tables
    wijken = assessments[
        (assessments["area_level"] == "wijk")
        & (assessments["indicator"] == "bijstand")
        & (assessments["benchmark"] == "rest_nl")
    ]
    assert len(wijken) > 90 and set(wijken["verdict"]) == {"onvoldoende_gegevens"}
    molenberg = wijken.set_index("area_code").loc["WK091739"]
    assert molenberg["comparison"] == "slechter"
    # the recording is KWB 2020 alone and the programme starts in 2018 (config/regions.yaml)
    assert molenberg["verdict_reason"] == "geen startwaarde: de reeks begint pas in 2020, na het startjaar 2018"


def test_the_age_structure_of_a_wijk_from_the_recording(recorded_project, recorded, tmp_path, monkeypatch):
    """Molenberg's age bands in KWB 2020, by hand from the recorded rows: each band over the sum of the five bands;
    the rest of Heerlen is Heerlen's row minus Molenberg's; the rest of Nederland is NL00 minus the 16 gemeenten of
    Zuid-Limburg. The range of a share from CBS's rounding to fives (5 bands): (b - 2,5) / (T + 7,5) to
    (b + 2,5) / (T - 7,5)."""
    from tests.report_html import table_texts
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import area_job, render_many

    monkeypatch.setenv("TRENDBREUK_ROOT", str(recorded_project))
    bands = ["k_0Tot15Jaar_8", "k_15Tot25Jaar_9", "k_25Tot45Jaar_10", "k_45Tot65Jaar_11", "k_65JaarOfOuder_12"]
    regions = load_regions(recorded_project / "config" / "regions.yaml")
    zuid = [g.code for g in regions.regions["zuid-limburg"].gemeenten]
    molenberg = recorded.loc["WK091739", bands].astype(float)
    rest_heerlen = recorded.loc["GM0917", bands].astype(float) - molenberg
    rest_nl = recorded.loc["NL00", bands].astype(float) - recorded.loc[zuid, bands].astype(float).sum()
    total = molenberg.sum()

    job = area_job("WK091739", regions, dataset="real", root=recorded_project)
    outcomes = list(render_many([job], engine="python", root=recorded_project, out_dir=tmp_path, workers=1))
    assert not [o.error for o in outcomes if o.error]
    page = (tmp_path / job.filename).read_text(encoding="utf-8")
    cells = next(t for t in table_texts(page) if t[:2] == ["Leeftijd", "Molenberg"])  # cell texts, row by row
    table = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    header, rows = table[0], {row[0]: row for row in table[1:]}
    assert header == [
        "Leeftijd",
        "Molenberg",
        "Marge (afronding)",
        "Rest van Heerlen",
        "Parkstad",
        "Zuid-Limburg",
        "De rest van Nederland",
    ]
    oldest = rows["65 jaar of ouder"]
    pct = lambda x: f"{100 * x:.1f}".replace(".", ",") + "%"
    assert oldest[1] == pct(molenberg["k_65JaarOfOuder_12"] / total)
    low = (molenberg["k_65JaarOfOuder_12"] - 2.5) / (total + 7.5)
    high = (molenberg["k_65JaarOfOuder_12"] + 2.5) / (total - 7.5)
    assert oldest[2] == f"{100 * low:.1f} – {100 * high:.1f}".replace(".", ",")
    assert oldest[3] == pct(rest_heerlen["k_65JaarOfOuder_12"] / rest_heerlen.sum())
    assert oldest[6] == pct(rest_nl["k_65JaarOfOuder_12"] / rest_nl.sum())
    parkstad = (
        recorded.loc[[g.code for g in regions.regions["zuid-limburg"].subregio_of("GM0917").gemeenten], bands]
        .astype(float)
        .sum()
    )
    assert oldest[4] == pct(parkstad["k_65JaarOfOuder_12"] / parkstad.sum())
    assert rows["0 tot 15 jaar"][1] == pct(molenberg["k_0Tot15Jaar_8"] / total)
    assert "CBS, Kerncijfers wijken en buurten 2020" in page


def test_a_wijk_stands_beside_its_subregio(recorded_project, recorded, tmp_path, monkeypatch):
    """Molenberg's table has Parkstad beside the rest of Heerlen: Parkstad's bijstand share by hand from the
    recorded rows of its seven gemeenten (counts over inhabitants of 15 and older, summed)."""
    from tests.report_html import table_texts
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import area_job, render

    monkeypatch.setenv("TRENDBREUK_ROOT", str(recorded_project))
    regions = load_regions(recorded_project / "config" / "regions.yaml")
    parkstad = [g.code for g in regions.regions["zuid-limburg"].subregio_of("GM0917").gemeenten]
    assert len(parkstad) == 7
    rows = recorded.loc[parkstad]
    share = (
        100
        * rows["PersonenPerSoortUitkeringBijstand_83"].sum()
        / sum(_inhabitants_15_plus(r) for _, r in rows.iterrows())
    )
    page = render(
        area_job("WK091739", regions, dataset="real", root=recorded_project),
        engine="python",
        root=recorded_project,
        out_dir=tmp_path,
    ).read_text(encoding="utf-8")
    cells = next(t for t in table_texts(page) if t[:2] == ["Indicator", "Molenberg"])
    header = cells[: cells.index("Oordeel 2030") + 1]
    assert header == [
        "Indicator",
        "Molenberg",
        "Marge",
        "Rest van Heerlen",
        "Parkstad",
        "Zuid-Limburg",
        "De rest van Nederland",
        "Nu",
        "Oordeel 2030",
    ]
    bijstand = cells[cells.index("Personen met bijstand (2020)") :][: len(header)]
    assert bijstand[header.index("Parkstad")] == f"{share:.1f}%".replace(".", ",")


def test_a_denominator_computed_back_from_a_rounded_count_and_percentage():
    """85 jongeren with jeugdzorg (rounded to fives: 82,5 to 87,5) and 12,3% (12,25 to 12,35): the denominator CBS
    leaves out is 100 x 85 / 12,3 = 691 (rounded), and lies between 100 x 82,5 / 12,35 = 668,02 and
    100 x 87,5 / 12,25 = 714,29: at most 23,29 away, plus half a person for rounding it: 23,79."""
    half = percentage_denominator_half(85, 691, 2.5, 0.05)
    assert half == pytest.approx(max(8750 / 12.25 - 691, 691 - 8250 / 12.35) + 0.5)
    assert half == pytest.approx(23.79, abs=0.005)
    catalogue = load_catalogue(ROOT / "config" / "indicators.yaml")
    row = pd.DataFrame(
        {
            "indicator": ["jeugdhulp"],
            "numerator": [85.0],
            "denominator": [691.0],
            "year_start": [2024],
            "year_end": [2024],
            "period": ["2024"],
        }
    )
    out = rounded_intervals(row, catalogue["jeugdhulp"], 2.5, half).iloc[0]
    assert out["lower_ci"] == pytest.approx(wilson(82.5, 691 + half)[0])
    assert out["upper_ci"] == pytest.approx(wilson(87.5, 691 - half)[1])


def test_youth_care_per_wijk_in_the_demo_from_its_kwb_row(project):
    """The demo's KWB 2024 row of a Heerlen wijk (count rounded to fives, percentage with one decimal), read from the
    written file: the build's value and interval are those of the count over the denominator computed back."""
    folder = next((project / "data/raw/demo/cbs/85984NED").iterdir())
    properties = json.loads((folder / "DataProperties.json").read_text(encoding="utf-8"))["value"]
    key = {p["Title"]: p["Key"] for p in properties if p.get("Key")}
    rows = []
    for page in sorted(folder.glob("TypedDataSet*.json")):
        rows += json.loads(page.read_text(encoding="utf-8"))["value"]
    wijken = {r["WijkenEnBuurten"].strip(): r for r in rows if r["WijkenEnBuurten"].startswith("WK0917")}
    code, row = next(
        (c, r)
        for c, r in sorted(wijken.items())
        if r[key["JongerenMetJeugdzorgInNatura"]] and r[key["PercentageJongerenMetJeugdzorg"]]
    )
    count, percentage = row[key["JongerenMetJeugdzorgInNatura"]], row[key["PercentageJongerenMetJeugdzorg"]]
    assert count % 5 == 0
    denominator = round(100 * count / percentage)
    half = (
        max(
            100 * (count + 2.5) / (percentage - 0.05) - denominator,
            denominator - 100 * (count - 2.5) / (percentage + 0.05),
        )
        + 0.5
    )
    values = pd.read_parquet(project / "data/processed/demo/small_area_values.parquet")
    built = values[
        (values["indicator"] == "jeugdhulp") & (values["area_code"] == code) & (values["period"] == "2024")
    ].iloc[0]
    assert (built["numerator"], built["denominator"]) == (count, denominator)
    assert built["lower_ci"] == pytest.approx(wilson(count - 2.5, denominator + half)[0])
    assert built["upper_ci"] == pytest.approx(wilson(count + 2.5, denominator - half)[1])


def test_youth_care_that_cbs_has_not_published_yet_is_said_so(kwb2020, recorded, recorded_project):
    """KWB 2020 as recorded has the jeugdzorg columns, entirely empty (not yet published when captured): the build
    names the indicator as without figures in that table, and no wijk or buurt gets a figure for it."""
    assert recorded["JongerenMetJeugdzorgInNatura_87"].isna().all()
    assert recorded["PercentageJongerenMetJeugdzorg_88"].isna().all()
    info = json.loads((recorded_project / "data/processed/real/build_info.json").read_text(encoding="utf-8"))
    skipped = {s["indicator"]: s for s in info["skipped_indicators"]}
    assert "84799NED nog zonder cijfers" in skipped["jeugdhulp"]["reason"]
    assert not (kwb2020["small_area_values"]["indicator"] == "jeugdhulp").any()


def test_youth_care_whose_wijk_percentages_are_left_empty(project, tmp_path, monkeypatch):
    """A KWB edition with the gemeenten's jeugdzorg percentage filled but every wijk's and buurt's left empty (as
    the demo wrote it before): the build still runs, the gemeenten keep their figure, and every wijk row says the
    column is not published, not that the cell is secret."""
    from tests.conftest import copy_project
    from trendbreuk import io
    from trendbreuk.build import build

    root = copy_project(project, tmp_path / "p")
    monkeypatch.setenv("TRENDBREUK_ROOT", str(root))
    for folder in (root / "data/raw/demo/cbs").glob("*/*"):
        properties = folder / "DataProperties.json"
        if not properties.is_file():
            continue
        keys = [
            p["Key"]
            for p in json.loads(properties.read_text(encoding="utf-8"))["value"]
            if p.get("Title") == "PercentageJongerenMetJeugdzorg"
        ]
        if not keys:
            continue
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for page in folder.glob("TypedDataSet*.json"):
            rows = json.loads(page.read_text(encoding="utf-8"))
            for row in rows["value"]:
                if row["WijkenEnBuurten"].startswith(("WK", "BU")):
                    row[keys[0]] = None
            page.write_text(json.dumps(rows), encoding="utf-8")
            for entry in manifest["files"]:
                if entry["file"] == page.name:
                    entry["sha256"] = io.sha256_file(page)
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    build(root=root)
    small = pd.read_parquet(root / "data/processed/demo/small_area_values.parquet")
    youth = small[small["indicator"] == "jeugdhulp"]
    assert len(youth) > 1000 and youth["value"].isna().all()
    assert set(youth["missing_reason"]) == {NOT_PUBLISHED}
    large = pd.read_parquet(root / "data/processed/demo/indicator_values.parquet")
    heerlen = large[(large["indicator"] == "jeugdhulp") & (large["area_code"] == "GM0917")]
    assert heerlen["value"].notna().all() and len(heerlen) > 5
