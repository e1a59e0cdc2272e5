"""Boundaries (real 2023 PDOK file, read in place and served from 127.0.0.1), maps, and the HTTP helper."""

import json

import pandas as pd
import pytest

from tests.conftest import ROOT, shared_file
from tests.local_server import LocalServer, Reply
from trendbreuk.charts.maps import figure_map
from trendbreuk.geography.areas import load_regions
from trendbreuk.geography.boundaries import BoundaryError, fetch_boundaries, read_boundaries, region_boundaries
from trendbreuk.http import DownloadError, download

REGIONS = load_regions(ROOT / "config" / "regions.yaml")
ZL = REGIONS.region("zuid-limburg")


@pytest.fixture(scope="module")
def boundaries_2023():
    return read_boundaries(shared_file("geo", "gemeente_2023.geojson"))


def test_real_boundaries_are_read_and_repaired(boundaries_2023):
    assert len(boundaries_2023) == 342
    assert boundaries_2023.attrs["repaired"] == 5  # the five invalid geometries in the file
    assert boundaries_2023.geometry.is_valid.all()


def test_zuid_limburg_dissolves_into_plausible_pieces(boundaries_2023):
    gemeenten, subregios, region = region_boundaries(boundaries_2023, ZL)
    assert set(gemeenten["code"]) == {g.code for g in ZL.gemeenten}
    assert gemeenten.crs.to_epsg() == 28992
    # CBS gives 661 km2 for COROP Zuid-Limburg; generalised boundaries differ a little.
    assert 640 < region.area.item() / 1e6 < 680
    assert all(geometry.geom_type == "Polygon" for geometry in subregios.geometry)  # each subregio one piece
    assert sorted(subregios["subregio"]) == ["Maastricht-Heuvelland", "Parkstad", "Westelijke Mijnstreek"]


def test_missing_gemeente_in_boundaries_is_named(boundaries_2023):
    with pytest.raises(BoundaryError, match="missing: GM0917"):
        region_boundaries(boundaries_2023[boundaries_2023["code"] != "GM0917"], ZL)


def test_boundaries_without_a_code_column_are_refused(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"naam": "A"},
                        "geometry": {"type": "Point", "coordinates": [5, 51]},
                    }
                ],
            }
        )
    )
    with pytest.raises(BoundaryError, match="no gemeente code column"):
        read_boundaries(path)


def test_fetch_boundaries_downloads_once_with_provenance(tmp_path, monkeypatch):
    body = shared_file("geo", "gemeente_2023.geojson").read_bytes()
    with LocalServer() as server:
        server.script.add("/wfs/2023", Reply(503), Reply(200, body))
        monkeypatch.setenv("TRENDBREUK_PDOK_URL", server.url + "/wfs/{year}?typeNames=gemeente")
        monkeypatch.setattr("time.sleep", lambda s: None)
        path = fetch_boundaries(2023, root=tmp_path)
        assert path.read_bytes() == body
        manifest = json.loads((path.parent / "manifest.json").read_text())
        assert manifest["features"] == 342 and manifest["url"].startswith(server.url)
        assert len(server.script.requests) == 2  # one 503, one success
        fetch_boundaries(2023, root=tmp_path)  # cached: no new request
        assert len(server.script.requests) == 2


def test_fetch_boundaries_html_error_page_leaves_nothing(tmp_path, monkeypatch):
    with LocalServer() as server:
        server.script.add("/wfs/2031", Reply(200, b"<html>Service onderhoud</html>", "text/html"))
        monkeypatch.setenv("TRENDBREUK_PDOK_URL", server.url + "/wfs/{year}")
        with pytest.raises(BoundaryError, match="did not return GeoJSON"):
            fetch_boundaries(2031, root=tmp_path)
    assert not (tmp_path / "data" / "raw" / "geo" / "gemeente_2031").exists()


def test_download_gives_up_naming_the_url(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    with LocalServer() as server:
        server.script.add("/x", Reply(500, b"boom"))
        with pytest.raises(DownloadError, match=r"/x answered HTTP 500"):
            download(server.url + "/x", retries=2)
        assert len(server.script.requests) == 3


def test_download_retries_a_truncated_body(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    with LocalServer() as server:
        server.script.add("/t", Reply(200, b'{"value": [1, 2, 3]}', truncate_to=5), Reply(200, b'{"value": []}'))
        assert download(server.url + "/t").body == b'{"value": []}'


def test_download_times_out(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    with LocalServer() as server:
        server.script.add("/slow", Reply(200, b"{}", delay=1.5))
        with pytest.raises(DownloadError, match="failed after 2 attempts"):
            download(server.url + "/slow", timeout=0.3, retries=1)


def test_tile_map_is_labelled_as_a_schematic():
    values = pd.DataFrame({"area_code": [g.code for g in ZL.gemeenten], "value": range(16)})
    fig = figure_map(values, ZL, title="Test")
    assert "Schematische kaart" in fig.title
    assert len(fig.traces[0]["x"]) == 16
    assert "geo" not in fig["layout"]


def test_boundary_map_draws_every_gemeente_without_a_web_base_map(boundaries_2023):
    values = pd.DataFrame(
        {"area_code": [g.code for g in ZL.gemeenten], "category": ["slechter", "gelijk", "beter", "onbekend"] * 4}
    )
    fig = figure_map(values, ZL, title="Test", boundaries=region_boundaries(boundaries_2023, ZL))
    filled = [t for t in fig.traces if t.get("fill") == "toself"]
    assert len({t["text"] for t in filled}) == 16
    assert {t["name"] for t in fig.traces if t.get("showlegend")} >= {
        "duidelijk slechter",
        "niet duidelijk anders",
        "duidelijk beter",
        "grens subregio",
    }
    assert "geo" not in fig["layout"]  # a plotly geo map would fetch its base map when opened
    fig.to_plotly()  # and it is a valid plotly figure


def _rewrite(boundaries_wgs84, path, epsg, rename, driver):
    """The real 2023 boundaries, reprojected and written under another code column name, as other tools deliver them."""
    frame = boundaries_wgs84.rename(columns={"code": rename}).drop(columns=["name"]).to_crs(epsg)
    frame.to_file(path, driver=driver)
    return path


@pytest.mark.parametrize(
    "epsg, column, suffix, driver",
    [
        (4289, "GM_CODE", "geojson", "GeoJSON"),  # Amersfoort geographic, CBS wijk- en buurtkaart column name
        (28992, "gemeenteCode", "gpkg", "GPKG"),  # RD New in a GeoPackage, PDOK bestuurlijke gebieden column name
        (4326, "STATCODE", "geojson", "GeoJSON"),  # another letter case
    ],
)
def test_boundaries_in_any_declared_crs_and_code_column_give_the_same_map(
    boundaries_2023, tmp_path, epsg, column, suffix, driver
):
    path = _rewrite(boundaries_2023, tmp_path / f"gemeenten.{suffix}", epsg, column, driver)
    read = read_boundaries(path)
    assert read.crs.to_epsg() == epsg
    gemeenten, _, region = region_boundaries(read, ZL)
    _, _, reference = region_boundaries(boundaries_2023, ZL)
    assert abs(region.area.item() / reference.area.item() - 1) < 0.001
    # Maastricht's centre lies in RD between x 172-182 km and y 311-323 km (topographic map of Maastricht).
    centre = gemeenten.loc[gemeenten["code"] == "GM0935"].geometry.item().centroid
    assert 172_000 < centre.x < 182_000 and 311_000 < centre.y < 323_000


def test_boundaries_without_a_declared_crs_in_metres_are_refused_until_the_crs_is_given(boundaries_2023, tmp_path):
    path = tmp_path / "rd.shp"
    zuid_limburg = boundaries_2023[boundaries_2023["code"].isin([g.code for g in ZL.gemeenten])]
    frame = zuid_limburg.rename(columns={"code": "GM_CODE"}).drop(columns=["name"]).to_crs(28992)
    frame.to_file(path)
    path.with_suffix(".prj").unlink()  # a shapefile delivered without its .prj
    with pytest.raises(BoundaryError, match="declares no coordinate system.*EPSG:28992"):
        read_boundaries(path)
    read = read_boundaries(path, crs="EPSG:28992")
    assert read.crs.to_epsg() == 28992 and "GM0935" in set(read["code"])


def test_a_code_that_is_not_a_gemeente_code_names_the_file_and_column(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"GM_CODE": "Maastricht"},
                        "geometry": {"type": "Point", "coordinates": [5.7, 50.8]},
                    }
                ],
            }
        )
    )
    with pytest.raises(BoundaryError, match="x.geojson, column 'GM_CODE': 'Maastricht' is not a gemeente code"):
        read_boundaries(path)


def test_boundaries_without_the_regions_gemeenten_are_refused_and_the_file_in_use_stays(tmp_path, monkeypatch):
    """The real 2023 file, served once whole and then without Heerlen and Vaals: the refreshed download is refused,
    the whole file stays in use; --accept-smaller (accept_smaller) takes it after all."""
    body = shared_file("geo", "gemeente_2023.geojson").read_bytes()
    payload = json.loads(body)
    payload["features"] = [f for f in payload["features"] if f["properties"]["statcode"] not in ("GM0917", "GM0981")]
    smaller = json.dumps(payload).encode()
    zuid_limburg = tuple(
        g.code for g in load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg").gemeenten
    )
    monkeypatch.setattr("time.sleep", lambda s: None)
    with LocalServer() as server:
        server.script.add("/wfs/2023", Reply(200, body), Reply(200, smaller))
        monkeypatch.setenv("TRENDBREUK_PDOK_URL", server.url + "/wfs/{year}")
        path = fetch_boundaries(2023, root=tmp_path, gemeenten=zuid_limburg)
        with pytest.raises(
            BoundaryError,
            match=r"refused: it lacks 2 configured gemeente\(n\): GM0917, GM0981 .*"
            r"it lacks 2 gemeente\(n\) that .* has: GM0917, GM0981. .* stays in use",
        ):
            fetch_boundaries(2023, root=tmp_path, refresh=True, gemeenten=zuid_limburg)
        assert path.read_bytes() == body
        fetch_boundaries(2023, root=tmp_path, refresh=True, gemeenten=zuid_limburg, accept_smaller=True)
        assert path.read_bytes() == smaller
