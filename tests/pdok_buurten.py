"""A stand-in for PDOK's wijk- en buurtkaart WFS on 127.0.0.1, for tests of the buurt boundaries.

No recording of the wijk- en buurtkaart exists beside the project (only gemeente boundaries), so the buurten served
here are made by the test: the real boundary of a gemeente (../shared/data/geo) cut into one vertical strip per wijk
and each strip into one horizontal band per buurt, with the real buurt codes and names of a CBS code list. The
answers have PDOK's form: a GeoJSON FeatureCollection per page, properties as PDOK's `wijkenbuurten:buurten` layer
names them (buurtcode, buurtnaam, wijkcode, gemeentecode, gemeentenaam, water, jaar), the features of one gemeente
picked by the FILTER of the request and paged by count and startIndex.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

from tests.local_server import Served, send


def strip_buurten(gemeente_geometry, buurten: list[tuple[str, str]]) -> list:
    """One polygon per (code, name) of `buurten`, cutting `gemeente_geometry` (WGS84) into a vertical strip per
    wijk (the code's first 8 characters) and each strip into a horizontal band per buurt of that wijk."""
    from shapely.geometry import box

    by_wijk: dict[str, list[tuple[str, str]]] = {}
    for code, name in sorted(buurten):
        by_wijk.setdefault(code[2:8], []).append((code, name))
    gemeente_geometry = _largest(gemeente_geometry)
    minx, miny, maxx, maxy = gemeente_geometry.bounds
    width = (maxx - minx) / len(by_wijk)
    pieces = []
    for i, members in enumerate(by_wijk.values()):
        # the largest piece of a connected polygon's strip is connected: every band across it is not empty
        strip = _largest(gemeente_geometry.intersection(box(minx + i * width, miny, minx + (i + 1) * width, maxy)))
        s_minx, s_miny, s_maxx, s_maxy = strip.bounds
        height = (s_maxy - s_miny) / len(members)
        for j, (code, name) in enumerate(members):
            band = strip.intersection(box(s_minx, s_miny + j * height, s_maxx, s_miny + (j + 1) * height))
            pieces.append((code, name, band))
    return pieces


def _largest(geometry):
    return max(geometry.geoms, key=lambda g: g.area) if hasattr(geometry, "geoms") else geometry


def pdok_features(gemeente_code: str, gemeente_name: str, pieces: list, year: int) -> list[dict]:
    from shapely.geometry import mapping

    return [
        {
            "type": "Feature",
            "id": f"buurten.{code}",
            "geometry": mapping(geometry),
            "properties": {
                "buurtcode": code,
                "buurtnaam": name,
                "wijkcode": "WK" + code[2:8],
                "gemeentecode": gemeente_code,
                "gemeentenaam": gemeente_name,
                "water": "NEE",
                "jaar": year,
            },
        }
        for code, name, geometry in pieces
    ]


class BuurtenWFS(Served):
    """Serves `features` for /wijkenbuurten/<year>/wfs: the gemeente of the FILTER, `count` from `startIndex`; a
    request for another layer than the year's gets PDOK's kind of answer to that (an XML exception)."""

    def __init__(self, features_by_year: dict[int, list[dict]]):
        self.features_by_year = features_by_year
        # the layer names of PDOK's services (2022 on, and the editions before), written out here
        self.layers = {
            y: "wijkenbuurten:buurten" if y >= 2022 else f"wijkenbuurten{y}:cbs_buurten_{y}" for y in features_by_year
        }
        self.requests: list[str] = []
        outer = self

        from http.server import BaseHTTPRequestHandler

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.requests.append(self.path)
                url = urlparse(self.path)
                match = re.fullmatch(r"/wijkenbuurten/(\d{4})/wfs", url.path)
                if not match or int(match[1]) not in outer.features_by_year:
                    return send(self, 404, "text/plain", b"not found")
                query = {k.lower(): v[0] for k, v in parse_qs(url.query).items()}
                if query.get("typenames") != outer.layers.get(int(match[1])):
                    return send(self, 400, "text/xml", b"<ExceptionReport>unknown typeNames</ExceptionReport>")
                gemeente = re.search(r"<Literal>(GM\d{4})</Literal>", query.get("filter", ""))
                chosen = [
                    f
                    for f in outer.features_by_year[int(match[1])]
                    if gemeente is None or f["properties"]["gemeentecode"] == gemeente[1]
                ]
                start, count = int(query.get("startindex", 0)), int(query.get("count", 10**6))
                body = {
                    "type": "FeatureCollection",
                    "numberMatched": len(chosen),
                    "numberReturned": len(chosen[start : start + count]),
                    "features": chosen[start : start + count],
                }
                send(self, 200, "application/json; subtype=geojson", json.dumps(body).encode())

            def log_message(self, *args):
                pass

        self.serve(Handler)

    @property
    def url_template(self) -> str:
        return f"{self.url}/wijkenbuurten/{{year}}/wfs?service=WFS&version=2.0.0&request=GetFeature&typeNames={{layer}}"
