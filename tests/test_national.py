"""Regions for the whole country from CBS's area lists, and the regional report's comparison of regions."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from trendbreuk.geography.areas import load_regions
from trendbreuk.geography.national import AreaListError, national_regions, read_area_list, write_regions_file

ZUID_LIMBURG = {
    "GM0935",
    "GM1903",
    "GM1729",
    "GM0938",
    "GM0981",
    "GM0994",
    "GM0917",
    "GM0928",
    "GM0882",
    "GM0899",
    "GM0965",
    "GM0986",
    "GM1954",
    "GM1883",
    "GM0888",
    "GM0971",
}


def test_the_real_koppelcodes_list_gives_the_25_regions_of_the_country():
    areas = read_area_list(shared_file("geo", "KoppelCodes.csv"))  # UTF-8 with BOM, CRLF, ';'
    assert areas.kind == "veiligheidsregio"
    assert len(areas.frame) == 342 and areas.frame["region_code"].nunique() == 25
    vr24 = areas.frame[areas.frame["region_code"] == "VR24"]
    assert set(vr24["gemeente_code"]) == ZUID_LIMBURG and vr24["region_name"].iloc[0] == "Limburg-Zuid"
    regions, notes = national_regions(areas, load_regions(ROOT / "config" / "regions.yaml"))
    assert len(regions) == 25
    # Zuid-Limburg holds exactly VR24's gemeenten: kept as configured, with its three subregio's
    assert [s["code"] for s in regions["zuid-limburg"]["subregios"]] == ["MH", "PS", "WM"]
    # The configured Noord- en Midden-Limburg leaves out Mook en Middelaar (GM0944): VR23 replaces it
    assert "noord-en-midden-limburg" not in regions
    vr23 = next(r for r in regions.values() if r["code"] == "VR23")
    assert len(vr23["subregios"][0]["gemeenten"]) == 15 and vr23["subregios"][0]["code"] == "VR23S"
    assert any("Noord- en Midden-Limburg" in n and "replaced" in n for n in notes)


def _write(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


def test_ggd_columns_are_found_in_any_letter_case_and_preferred(tmp_path):
    # A 'Gebieden in Nederland'-like CSV: ',' separated, Windows-1252, both GGD and veiligheidsregio columns
    path = tmp_path / "gebieden.csv"
    _write(
        path,
        "GemeenteCode,GemeenteNaam,VeiligheidsregioCode,VeiligheidsregioNaam,GGDregioCode,GGDregioNaam\n"
        "GM0935,Maastricht,VR24,Limburg-Zuid,GG3432,GGD Zuid-Limburg\n"
        "0917,Heerlen,VR24,Limburg-Zuid,GG3432,GGD Zuid-Limburg\n"
        "GM1900,Súdwest-Fryslân,VR02,Fryslân,GG0012,GGD Fryslân\n",
        encoding="cp1252",
    )
    areas = read_area_list(path)
    assert areas.kind == "ggd"
    assert list(areas.frame["gemeente_code"]) == ["GM0935", "GM0917", "GM1900"]
    assert list(areas.frame["region_code"]) == ["GG3432", "GG3432", "GG0012"]
    assert areas.frame["gemeente_name"].iloc[2] == "Súdwest-Fryslân"


@pytest.mark.parametrize(
    "text, message",
    [
        ("gemeente;regio\nGM0935;VR24\n", "no gemeente code column"),
        ("gemeentecode;gemeentenaam\nGM0935;Maastricht\n", "no GGD-regio or veiligheidsregio columns"),
        (
            "gemeentecode;veiligheidsregiocode;veiligheidsregionaam\nGM0935;VR24;Limburg-Zuid\nMaastricht;VR24;Limburg-Zuid\n",
            r"row 3, column gemeentecode: 'Maastricht' is not a gemeente code",
        ),
        (
            "gemeentecode;veiligheidsregiocode;veiligheidsregionaam\nGM0935;VR24;Limburg-Zuid\nGM0935;VR23;Limburg-Noord\n",
            "GM0935 is listed in more than one region",
        ),
        ("gemeentecode;veiligheidsregiocode;veiligheidsregionaam\nGM0935;;\n", "row 2: gemeente GM0935 has no region"),
    ],
)
def test_an_unusable_area_list_says_file_row_and_column(tmp_path, text, message):
    path = tmp_path / "lijst.csv"
    _write(path, text)
    with pytest.raises(AreaListError, match=message) as caught:
        read_area_list(path)
    assert str(path) in str(caught.value)


def _three_region_list(tmp_path):
    """Zuid-Limburg and the configured Noord- en Midden-Limburg as they are, plus a small third region."""
    configured = load_regions(ROOT / "config" / "regions.yaml")
    rows = [(g.code, g.name, "VR24", "Limburg-Zuid") for g in configured.region("zuid-limburg").gemeenten]
    rows += [(g.code, g.name, "VR23", "Limburg-Noord") for g in configured.region("noord-en-midden-limburg").gemeenten]
    rows += [
        ("GM0944", "Mook en Middelaar", "VR08", "Gelderland-Zuid"),
        ("GM0268", "Nijmegen", "VR08", "Gelderland-Zuid"),
        ("GM1945", "Berg en Dal", "VR08", "Gelderland-Zuid"),
    ]
    path = tmp_path / "KoppelCodes-test.csv"
    pd.DataFrame(rows, columns=["gemeentCode", "gemeenteNaam", "veiligheidsRegioCode", "veiligheidsRegioNaam"]).to_csv(
        path, sep=";", index=False, encoding="utf-8-sig"
    )
    return path, configured


def test_a_written_regions_file_loads_and_keeps_what_was_configured(tmp_path):
    path, configured = _three_region_list(tmp_path)
    target = tmp_path / "regions-nl.yaml"
    write_regions_file(read_area_list(path), configured, target)
    loaded = load_regions(target)
    assert list(loaded.regions) == ["gelderland-zuid", "noord-en-midden-limburg", "zuid-limburg"]
    assert loaded.region("zuid-limburg").subregios == configured.region("zuid-limburg").subregios  # tiles too
    third = loaded.region("gelderland-zuid")
    assert [s.code for s in third.subregios] == ["VR08S"] and len(third.gemeenten) == 3
    assert loaded.default_region == "zuid-limburg" and loaded.target_year == configured.target_year


@pytest.fixture(scope="module")
def three_regions(tmp_path_factory):
    """A scratch project whose regions file holds three regions, with the demo built for all of them."""
    from trendbreuk.build import build
    from trendbreuk.demo import write_demo

    root = tmp_path_factory.mktemp("drie-regios")
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    path, configured = _three_region_list(root)
    write_regions_file(read_area_list(path), configured, root / "config" / "regions.yaml")
    write_demo(root)
    build(root=root)
    return root


def test_the_regional_report_ranks_the_region_among_all_regions(three_regions, monkeypatch):
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.area import AreaReport

    monkeypatch.setenv("TRENDBREUK_ROOT", str(three_regions))
    html = AreaReport.load(region="zuid-limburg").among_regions().data
    assert "Zuid-Limburg tussen de GGD-regio's" in html and "alle 3 regio's" in html
    # Check one row by hand from the regional values: rank by sorting, lower is better for bijstand
    values = load_processed(root=three_regions).indicator_values
    bijstand = values[(values["indicator"] == "bijstand") & (values["area_level"] == "regio")]
    latest = bijstand[bijstand["year_end"] == bijstand["year_end"].max()]
    ordered = sorted(latest.itertuples(), key=lambda r: r.value)  # most favourable (lowest) first
    rank = [r.area_code for r in ordered].index("ZL") + 1
    row = re.search(
        r'<td data-label="Indicator">Personen met bijstand</td><td data-label="Periode">(\d{4})</td>'
        r'<td data-label="Zuid-Limburg">([\d,]+%)</td><td data-label="Plaats \(1 = gunstigst\)">(\d) van 3</td>',
        html,
    )
    assert row and int(row.group(1)) == latest["year_end"].iloc[0] and int(row.group(3)) == rank
    assert html.count('class="tb-figure"') >= 10  # a ranked dot plot per target indicator with values


def test_a_subregio_report_and_a_two_region_build_have_no_ranking(project, monkeypatch):
    from trendbreuk.reports.area import AreaReport

    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    assert AreaReport.load(region="zuid-limburg").among_regions().data == ""  # the demo has two regions
    assert AreaReport.load(area="Parkstad", region="zuid-limburg").among_regions().data == ""


def test_ranked_dot_plot_puts_the_most_favourable_on_top_and_marks_the_region():
    from trendbreuk.charts.compare import figure_ranked

    rows = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "area_name": ["Aa", "Bb", "Cc"],
            "value": [5.0, 3.0, 4.0],
            "lower_ci": [4.0, 2.5, 3.0],
            "upper_ci": [6.0, 3.5, 5.0],
        }
    )
    fig = figure_ranked(rows, title="t", unit="%", decimals=1, higher_is_better=False, highlight="C", centre=4.2)
    spec = fig.specification()
    # plotly draws the first category at the bottom: worst (5%) at the bottom, best (3%) on top
    assert spec["layout"]["yaxis"]["categoryarray"] == ["Aa", "Cc", "Bb"]
    own = [t for t in spec["data"] if t["marker"]["symbol"] == "diamond"]
    assert len(own) == 1 and list(own[0]["y"]) == ["Cc"]
    assert spec["layout"]["shapes"][0]["x0"] == 4.2
