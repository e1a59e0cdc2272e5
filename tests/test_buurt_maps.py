"""Buurt boundaries (PDOK wijk- en buurtkaart) and the wijkprofiel's map of the buurten.

No recording of the wijk- en buurtkaart exists beside the project, so PDOK's answers are made by tests.pdok_buurten:
real gemeente boundaries (../shared/data/geo) cut into wijk strips and buurt bands, carrying the real buurt codes and
names of KWB 2020 (../shared/data/cbs/84799NED-v3). The figures on the maps are the real KWB 2020 figures, worked out
by hand from the recorded rows."""

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box, mapping

from tests.conftest import copy_project, quarto_or_skip, shared_file
from tests.pdok_buurten import BuurtenWFS, pdok_features, strip_buurten
from tests.report_html import figures, table_texts
from trendbreuk.geography import boundaries as geo
from trendbreuk.geography.boundaries import (
    BoundaryError,
    fetch_buurt_boundaries,
    load_buurt_boundaries,
    read_buurt_boundaries,
)
from trendbreuk.indicators.small_areas import SUPPRESSED

HEERLEN, SIMPELVELD = "GM0917", "GM0965"


@pytest.fixture(scope="module")
def code_list():
    """KWB 2020's own code list (WijkenEnBuurten), codes trimmed."""
    codes = pd.read_parquet(shared_file("cbs", "84799NED-v3", "cbs.v3.84799NED_WijkenEnBuurten.parquet"))
    return pd.DataFrame({"code": codes["Key"].str.strip(), "name": codes["Title"].str.strip()})


@pytest.fixture(scope="module")
def gemeenten_2023():
    return gpd.read_file(shared_file("geo", "gemeente_2023.geojson")).set_index("statcode")


def features_of(gemeente: str, code_list, gemeenten_2023, year: int = 2020) -> list[dict]:
    buurten = code_list[code_list["code"].str.startswith("BU" + gemeente[2:])]
    pieces = strip_buurten(gemeenten_2023.loc[gemeente, "geometry"], list(zip(buurten["code"], buurten["name"])))
    return pdok_features(gemeente, gemeenten_2023.loc[gemeente, "statnaam"], pieces, year)


def test_buurten_are_fetched_per_gemeente_and_page_by_page(tmp_path, monkeypatch, code_list, gemeenten_2023):
    """With pages of 4: a gemeente of n buurten takes n // 4 + 1 requests (the last page is not full, possibly
    empty). Heerlen and Simpelveld's buurten counted from the code list; one file each. A gemeente fetched before is
    not asked again: adding Simpelveld later asks only for Simpelveld."""
    n = {g: int(code_list["code"].str.startswith("BU" + g[2:]).sum()) for g in (HEERLEN, SIMPELVELD)}
    assert n[HEERLEN] > 50 and n[SIMPELVELD] > 5
    requests = {g: n[g] // 4 + 1 for g in n}
    features = features_of(HEERLEN, code_list, gemeenten_2023) + features_of(SIMPELVELD, code_list, gemeenten_2023)
    monkeypatch.setattr(geo, "BUURTEN_PAGE", 4)
    with BuurtenWFS({2020: features}) as wfs:
        monkeypatch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        folder = fetch_buurt_boundaries(2020, (HEERLEN,), root=tmp_path)
        assert len(wfs.requests) == requests[HEERLEN] and all("GM0917" in r for r in wfs.requests)
        fetch_buurt_boundaries(2020, (HEERLEN, SIMPELVELD), root=tmp_path)
        assert len(wfs.requests) == requests[HEERLEN] + requests[SIMPELVELD]
        assert all("GM0965" in r for r in wfs.requests[requests[HEERLEN] :])
        fetch_buurt_boundaries(2020, (HEERLEN, SIMPELVELD), root=tmp_path)  # both present: no new request
        assert len(wfs.requests) == requests[HEERLEN] + requests[SIMPELVELD]
    assert folder == tmp_path / "data/raw/geo/buurt_2020"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {g: f["features"] for g, f in manifest["files"].items()} == n
    heerlen = read_buurt_boundaries(folder / "buurt_2020_GM0917.geojson")
    assert len(heerlen) == n[HEERLEN] and heerlen.crs.to_epsg() == 4326 and set(heerlen["gemeente_code"]) == {HEERLEN}
    molenberg = heerlen[heerlen["wijk_code"] == "WK091739"]
    assert sorted(molenberg["code"]) == ["BU09173900", "BU09173901", "BU09173902", "BU09173903"]
    both = load_buurt_boundaries((HEERLEN, SIMPELVELD), 2020, root=tmp_path)
    assert len(both) == n[HEERLEN] + n[SIMPELVELD] and both.crs.to_epsg() == 28992


def test_an_answer_without_a_gemeentes_buurten_is_refused_and_nothing_is_lost(
    tmp_path, monkeypatch, code_list, gemeenten_2023
):
    heerlen = features_of(HEERLEN, code_list, gemeenten_2023)
    folder = tmp_path / "data/raw/geo/buurt_2020"
    with BuurtenWFS({2020: heerlen}) as wfs:
        monkeypatch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        with pytest.raises(BoundaryError, match=r"no buurten for 1 gemeente\(n\): GM0965.*nothing was saved"):
            fetch_buurt_boundaries(2020, (HEERLEN, SIMPELVELD), root=tmp_path)
        assert not folder.exists()
        fetch_buurt_boundaries(2020, (HEERLEN,), root=tmp_path)
    path = folder / "buurt_2020_GM0917.geojson"
    before = path.read_bytes()
    with BuurtenWFS({2020: heerlen[:-3]}) as wfs:  # a later answer that lacks three buurten
        monkeypatch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        lost = sorted(f["properties"]["buurtcode"] for f in heerlen[-3:])
        with pytest.raises(BoundaryError, match=f"lacks 3 buurt\\(en\\) .*{lost[0]}.*stay in use"):
            fetch_buurt_boundaries(2020, (HEERLEN,), root=tmp_path, refresh=True)
        assert path.read_bytes() == before
        fetch_buurt_boundaries(2020, (HEERLEN,), root=tmp_path, refresh=True, accept_smaller=True)
    assert len(json.loads(path.read_text())["features"]) == len(heerlen) - 3
    with BuurtenWFS({2020: []}) as wfs:  # a service that answers nothing: with --accept-smaller the file stays
        monkeypatch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        fetch_buurt_boundaries(2020, (HEERLEN,), root=tmp_path, refresh=True, accept_smaller=True)
    assert len(json.loads(path.read_text())["features"]) == len(heerlen) - 3


def _collection(tmp_path, features, name="b.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(code, geometry, water="NEE", code_field="buurtcode"):
    return {
        "type": "Feature",
        "geometry": mapping(geometry),
        "properties": {code_field: code, "buurtnaam": f"buurt {code[-2:]}", "water": water},
    }


def test_a_buurt_keeps_its_land_and_a_buurt_of_water_stays(tmp_path):
    """BU09170101 as a land part (1 x 1) and a water part (1 x 2): the land part is drawn. BU09170102 is only water
    (CBS publishes figures for it too): it stays. Wijk and gemeente follow from the code."""
    path = _collection(
        tmp_path,
        [
            _feature("BU09170101", box(5.9, 50.8, 5.91, 50.81)),
            _feature("BU09170101", box(5.91, 50.8, 5.92, 50.82), water="JA"),
            _feature("bu09170102 ", box(5.93, 50.8, 5.94, 50.81), water="JA"),
        ],
    )
    read = read_buurt_boundaries(path).set_index("code")
    assert list(read.index) == ["BU09170101", "BU09170102"]
    assert read.loc["BU09170101", "geometry"].bounds == pytest.approx((5.9, 50.8, 5.91, 50.81))
    assert read.loc["BU09170102", "wijk_code"] == "WK091701" and read.loc["BU09170102", "gemeente_code"] == "GM0917"


def test_a_file_of_wijken_is_named_with_its_column_and_feature(tmp_path):
    path = _collection(
        tmp_path,
        [_feature("BU09170101", box(5.9, 50.8, 5.91, 50.81)), _feature("WK091701", box(5.9, 50.8, 5.91, 50.81))],
    )
    with pytest.raises(
        BoundaryError, match=r"b\.geojson, column 'buurtcode', feature 2: 'WK091701' is not a buurt code"
    ):
        read_buurt_boundaries(path)
    with pytest.raises(BoundaryError, match="no buurt code column"):
        read_buurt_boundaries(
            _collection(
                tmp_path,
                [{"type": "Feature", "geometry": mapping(box(5, 50, 6, 51)), "properties": {"x": 1}}],
                "c.geojson",
            )
        )


def test_buurten_in_rd_with_cbs_shapefile_columns_read_the_same(tmp_path, code_list, gemeenten_2023):
    """The same buurten as a GeoPackage in RD New with the CBS wijk- en buurtkaart's column names (BU_CODE, BU_NAAM):
    same codes and, once both are in RD, the same areas."""
    wgs84 = _collection(tmp_path, features_of(SIMPELVELD, code_list, gemeenten_2023))
    frame = gpd.read_file(wgs84).to_crs(28992).rename(columns={"buurtcode": "BU_CODE", "buurtnaam": "BU_NAAM"})
    frame.drop(columns=["wijkcode", "gemeentecode"]).to_file(tmp_path / "b.gpkg", driver="GPKG")
    a = read_buurt_boundaries(wgs84).to_crs(28992).set_index("code")
    b = read_buurt_boundaries(tmp_path / "b.gpkg").set_index("code")
    assert list(a.index) == list(b.index) and b.crs.to_epsg() == 28992
    assert (a.area - b.area).abs().max() < 1.0  # m2
    assert list(b["name"]) == list(a["name"])


# The wijkprofiel's map, on the real KWB 2020 recording ------------------------------------------------------------


@pytest.fixture(scope="module")
def mapped_project(recorded_project, tmp_path_factory, code_list, gemeenten_2023):
    """The recorded project with buurt boundaries of every configured gemeente fetched through `trendbreuk fetch
    boundaries 2020 --buurten` from the stand-in PDOK."""
    from typer.testing import CliRunner

    from trendbreuk import cli
    from trendbreuk.geography.areas import load_regions

    root = copy_project(recorded_project, tmp_path_factory.mktemp("buurtkaart") / "project")
    gemeenten = [g.code for r in load_regions(root / "config" / "regions.yaml").regions.values() for g in r.gemeenten]
    features = [f for g in gemeenten for f in features_of(g, code_list, gemeenten_2023)]
    with BuurtenWFS({2020: features}) as wfs, pytest.MonkeyPatch.context() as patch:
        patch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        patch.setenv("TRENDBREUK_ROOT", str(root))
        result = CliRunner().invoke(cli.app, ["fetch", "boundaries", "2020", "--buurten"])
    assert result.exit_code == 0, result.output
    assert "buurtgrenzen 2020" in result.output
    return root


def _render(root, area, out, engine="python"):
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import area_job, render

    job = area_job(area, load_regions(root / "config" / "regions.yaml"), dataset="real", root=root)
    return render(job, engine=engine, root=root, out_dir=out)


def _map(page: str) -> dict:
    return next(f for f in figures(page) if "per buurt" in f["layout"]["title"]["text"])


def _bijstand_by_hand(recorded_rows, code):
    """Bijstand per 100 inhabitants of 15 and older, from the buurt's recorded row; None when CBS hid the count."""
    row = recorded_rows.loc[code]
    count = row["PersonenPerSoortUitkeringBijstand_83"]
    population = row["k_15Tot25Jaar_9"] + row["k_25Tot45Jaar_10"] + row["k_45Tot65Jaar_11"] + row["k_65JaarOfOuder_12"]
    return None if pd.isna(count) else 100 * count / population


@pytest.fixture(scope="module")
def recorded_rows():
    table = pd.read_parquet(shared_file("cbs", "84799NED-v3", "cbs.v3.84799NED_TypedDataSet.parquet"))
    return table.set_index(table["WijkenEnBuurten"].str.strip())


@pytest.mark.parametrize("wijk", ["WK091739", "WK091736"])  # Molenberg; a wijk of Heerlen with a hidden count
def test_the_buurten_on_the_map_with_their_recorded_figures(mapped_project, recorded_rows, code_list, tmp_path, wijk):
    """A wijk's buurten (Molenberg's four; WK091736's four, one with its count hidden), each filled with the colour of its bijstand share (by hand from its row) on the
    Cividis scale between the lowest and the highest; a buurt whose count CBS hid is white and says why; the hover
    says the figure; the section names the source of the boundaries."""
    from plotly.colors import sample_colorscale

    page = _render(mapped_project, wijk, tmp_path).read_text(encoding="utf-8")
    figure = _map(page)
    filled = [t for t in figure["data"] if t.get("fill") == "toself"]
    codes = [f"BU{wijk[2:]}0{i}" for i in range(4)]
    assert set(codes) <= set(code_list["code"]) and f"BU{wijk[2:]}04" not in set(code_list["code"])
    expected = {c: _bijstand_by_hand(recorded_rows, c) for c in codes}
    shown = [v for v in expected.values() if v is not None]
    assert len(shown) >= 2
    low, high = min(shown), max(shown)
    code_of = {name: code for code, name in zip(code_list["code"], code_list["name"]) if code in codes}
    seen = set()
    for trace in filled:
        code = code_of[trace["text"].split("</b>")[0].removeprefix("<b>")]
        seen.add(code)
        if expected[code] is None:
            assert trace["text"].endswith(f"geen cijfer: {SUPPRESSED}") and trace["fillcolor"] == "#FFFFFF"
        else:
            assert f"{expected[code]:.1f}".replace(".", ",") + "%" in trace["text"]
            assert trace["fillcolor"] == sample_colorscale("Cividis", [(expected[code] - low) / (high - low)])[0]
    assert seen == set(codes)
    assert "Grenzen: CBS/Kadaster, wijk- en buurtkaart 2020 (PDOK)." in page
    assert not [t for t in figure["data"] if t.get("name") == "dit gebied"]  # the whole map is the wijk


def test_a_buurt_is_outlined_among_the_buurten_of_its_wijk(mapped_project, code_list, tmp_path):
    page = _render(mapped_project, "BU09173901", tmp_path).read_text(encoding="utf-8")
    figure = _map(page)
    outline = [t for t in figure["data"] if t.get("name") == "dit gebied"]
    assert len(outline) == 1 and outline[0]["line"]["color"] == "#CC79A7"
    assert len([t for t in figure["data"] if t.get("fill") == "toself"]) == 4
    name = code_list.set_index("code").loc["BU09173901", "name"]
    assert f"{name} is omlijnd." in page


def test_without_buurt_boundaries_the_map_is_a_schematic_that_says_so(recorded_project, tmp_path):
    page = _render(recorded_project, "WK091739", tmp_path).read_text(encoding="utf-8")
    figure = _map(page)
    assert "Schematisch: elk vak is een buurt" in figure["layout"]["title"]["text"]
    assert "Schematische kaart: de buurtgrenzen van 2020 zijn niet ingelezen. Elk vakje is een buurt" in page
    assert "trendbreuk fetch" not in page  # how to fetch them is for the researcher (README), not the stuurgroep
    assert len(figure["data"][-1]["hovertext"]) == 4  # one square per buurt of Molenberg


def test_the_map_is_the_same_with_quarto_and_readable_on_a_phone(mapped_project, tmp_path):
    """The real Quarto renders the same map (data and layout) and the same tables; axe-core finds no WCAG 2.1 A/AA
    violation at 1280 and 390 px and nothing runs past the screen."""
    from tests.browser import WIDTHS, axe_violations, browser, opened, overflow

    quarto_or_skip()
    python = _render(mapped_project, "WK091739", tmp_path / "python")
    quarto = _render(mapped_project, "WK091739", tmp_path / "quarto", engine="quarto")
    ours, theirs = python.read_text(encoding="utf-8"), quarto.read_text(encoding="utf-8")
    assert _map(ours) == _map(theirs) and table_texts(ours) == table_texts(theirs)
    with browser() as instance:
        for width in WIDTHS.values():
            for path in (python, quarto):
                with opened(instance, path, width) as page:
                    assert axe_violations(page) == [], f"{path.name} at {width} px"
                    assert overflow(page)["overflowing"] == [], f"{path.name} at {width} px"
                    assert page.locator(".tb-map .js-plotly-plot .main-svg").count() >= 1


def test_load_picks_the_year_of_the_figures_and_only_the_gemeentes_buurten(mapped_project, tmp_path):
    shapes = load_buurt_boundaries((HEERLEN,), 2020, root=mapped_project)
    assert shapes.attrs["year"] == 2020 and set(shapes["gemeente_code"]) == {HEERLEN}
    assert shapes.crs.to_epsg() == 28992
    # Heerlen's 45,5 km2 (CBS): the buurten cover the generalised boundary, so their areas add up to about that
    assert math.isclose(shapes.area.sum() / 1e6, 45.5, rel_tol=0.05)
    assert load_buurt_boundaries(("GM9999",), 2020, root=mapped_project) is None
    # Two years fetched: the figures' year when there is one, else the newest that has the gemeente.
    source = mapped_project / "data/raw/geo/buurt_2020/buurt_2020_GM0917.geojson"
    for year in (2019, 2023):
        folder = tmp_path / f"data/raw/geo/buurt_{year}"
        folder.mkdir(parents=True)
        (folder / f"buurt_{year}_GM0917.geojson").write_bytes(source.read_bytes())
    assert load_buurt_boundaries((HEERLEN,), 2019, root=tmp_path).attrs["year"] == 2019
    assert load_buurt_boundaries((HEERLEN,), 2021, root=tmp_path).attrs["year"] == 2023
    assert load_buurt_boundaries((HEERLEN,), None, root=tmp_path).attrs["year"] == 2023
    assert load_buurt_boundaries((SIMPELVELD,), 2019, root=tmp_path) is None


def test_the_squares_of_a_schematic_say_what_tells_the_buurten_apart():
    """The demo's buurten all start with "Heerlen-": that word is left out, only that one. Real names are broken between words
    into at most two lines of 11 characters, a cut word or line ends in …"""
    from trendbreuk.charts.maps import tile_labels

    assert tile_labels(["Heerlen-Rade C", "Heerlen-Kaumer A", "Heerlen-Hoensbroek Centrum Noord"]) == [
        "Rade C",
        "Kaumer A",
        "Hoensbroek<br>Centrum…",
    ]
    assert tile_labels(["Terworm", "Molenbergpark", "Dr. Nolensplein en omgeving"]) == [
        "Terworm",
        "Molenbergpa…",
        "Dr.<br>Nolensplein…",
    ]
    assert tile_labels(["Heerlen-Hoek A", "Heerlen-Hoek B"]) == ["Hoek A", "Hoek B"]  # only the first word goes
    assert tile_labels(["Heerlen-Centrum"]) == ["Heerlen-<br>Centrum"]  # one name: nothing is common


def test_a_buurt_the_boundaries_do_not_know_is_named_not_drawn(mapped_project, code_list, tmp_path):
    """Boundaries of another indeling lack a buurt of the figures' year: the three others are drawn, the fourth is
    named under the map (its figure stays in the table), never placed somewhere."""
    root = copy_project(mapped_project, tmp_path / "project")
    path = root / "data/raw/geo/buurt_2020/buurt_2020_GM0917.geojson"
    payload = json.loads(path.read_text())
    payload["features"] = [f for f in payload["features"] if f["properties"]["buurtcode"] != "BU09173903"]
    path.write_text(json.dumps(payload))
    page = _render(root, "WK091739", tmp_path / "out").read_text(encoding="utf-8")
    assert len([t for t in _map(page)["data"] if t.get("fill") == "toself"]) == 3
    name = code_list.set_index("code").loc["BU09173903", "name"]
    assert f"Niet op de kaart, want niet in de grenzen van 2020 (andere indeling): {name}." in page


def test_the_factsheet_maps_its_wijken_as_the_unions_of_their_buurten(mapped_project, recorded_project, tmp_path):
    """With buurt boundaries the factsheet of Heerlen also maps its 23 wijken of KWB 2020 (each the union of its
    buurten), De Hei (WK091723, count hidden by CBS) white; Molenberg's hover has its 340 / 3805 by hand. Without
    boundaries there is no wijken map (the ranked chart shows them)."""
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import gemeente_job, render

    def factsheet(root, out):
        job = gemeente_job("Heerlen", load_regions(root / "config" / "regions.yaml"), dataset="real")
        return render(job, engine="python", root=root, out_dir=out).read_text(encoding="utf-8")

    page = factsheet(mapped_project, tmp_path / "with")
    figure = next(
        f for f in figures(page) if f["layout"]["title"]["text"].startswith("Personen met bijstand per wijk, ")
    )
    hovers = {t["text"] for t in figure["data"] if t.get("fill") == "toself"}
    assert len(hovers) == 23
    assert any(h.startswith("<b>De Hei</b>") and h.endswith(f"geen cijfer: {SUPPRESSED}") for h in hovers)
    molenberg = next(h for h in hovers if h.startswith("<b>Molenberg</b>"))
    assert f"{100 * 340 / 3805:.1f}%".replace(".", ",") in molenberg
    assert "1 wijk zonder cijfer. Grenzen: CBS/Kadaster, wijk- en buurtkaart 2020 (PDOK)." in page
    without = factsheet(recorded_project, tmp_path / "without")
    assert not [f for f in figures(without) if "per wijk, " in f["layout"]["title"]["text"]]


@pytest.mark.parametrize("year, layer", [(2020, "wijkenbuurten2020:cbs_buurten_2020"), (2023, "wijkenbuurten:buurten")])
def test_each_year_is_asked_for_by_the_layer_name_of_its_pdok_service(
    tmp_path, monkeypatch, code_list, gemeenten_2023, year, layer
):
    """PDOK renamed the layer with the 2022 edition of the wijk- en buurtkaart; the stand-in answers only the
    year's own name (another name gets an exception, as PDOK answers)."""
    from urllib.parse import parse_qs, urlparse

    with BuurtenWFS({year: features_of(SIMPELVELD, code_list, gemeenten_2023, year)}) as wfs:
        monkeypatch.setenv(geo.BUURTEN_ENV, wfs.url_template)
        folder = fetch_buurt_boundaries(year, (SIMPELVELD,), root=tmp_path)
    assert {parse_qs(urlparse(r).query)["typeNames"][0] for r in wfs.requests} == {layer}
    assert (folder / f"buurt_{year}_GM0965.geojson").is_file()


def test_boundaries_that_know_only_buurten_without_a_figure_give_a_white_map_that_says_so(mapped_project, tmp_path):
    """WK091736's boundaries cut down to its buurt whose count CBS hid: one white buurt, no colour scale, and the
    sentence says no buurt on the map has a figure."""
    root = copy_project(mapped_project, tmp_path / "project")
    values = pd.read_parquet(root / "data/processed/real/small_area_values.parquet")
    hidden = values[
        (values["indicator"] == "bijstand") & values["area_code"].str.startswith("BU091736") & values["value"].isna()
    ]["area_code"].tolist()
    assert len(hidden) == 1
    path = root / "data/raw/geo/buurt_2020/buurt_2020_GM0917.geojson"
    payload = json.loads(path.read_text())
    payload["features"] = [f for f in payload["features"] if f["properties"]["buurtcode"] in hidden]
    path.write_text(json.dumps(payload))
    page = _render(root, "WK091736", tmp_path / "out").read_text(encoding="utf-8")
    figure = _map(page)
    filled = [t for t in figure["data"] if t.get("fill") == "toself"]
    assert len(filled) == 1 and filled[0]["fillcolor"] == "#FFFFFF"
    assert not [t for t in figure["data"] if t.get("marker", {}).get("showscale")]
    assert "Personen met bijstand in 2020: geen van de buurten op de kaart heeft een cijfer." in page
