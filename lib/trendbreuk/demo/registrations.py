"""The programme registrations workbook of the demo, in the template's long form."""

from __future__ import annotations

import logging
from pathlib import Path

from trendbreuk import io
from trendbreuk.config import Configuration
from trendbreuk.demo.world import DEMO_NOTICE, YEARS, World
from trendbreuk.geography.areas import RegionsConfig

log = logging.getLogger(__name__)


def write_registrations(world: World, regions: RegionsConfig, target: Path, configuration: Configuration) -> None:
    """A filled-in registrations template with plausible counts; reach stays below the expected number, as seed
    004 reports for the Knooppunten and the prenatal home visit."""
    from trendbreuk.sources.registration_template import build_template

    rng = world.rng
    region = regions.region()
    programmes = configuration.programmes
    years = range(2019, YEARS[-1] + 1)
    per_gemeente = {  # (programme, measure): expected count from the gemeente's births or inhabitants
        ("knooppunt", "aanmeldingen"): lambda code, y: world.births[(code, y)] * 0.035,
        ("prenataal_huisbezoek", "huisbezoeken"): lambda code, y: world.births[(code, y)] * 0.045,
        ("voorzorg", "trajecten"): lambda code, y: world.births[(code, y)] * 0.012,
        ("stevig_ouderschap", "trajecten"): lambda code, y: world.births[(code, y)] * 0.008,
        ("nu_niet_zwanger", "deelnemers"): lambda code, y: world.population[(code, y)] / 1000 * 0.25,
        ("keigezond", "kinderen"): lambda code, y: world.population[(code, y)] * 0.0004,
        ("rookvrije_generatie", "rookvrije_plekken"): lambda code, y: 2 + (y - 2019),
    }
    rows = []
    for p in programmes.programmes:
        for m in p.measures:
            for y in years:
                ramp = min(1.0, 0.4 + 0.15 * (y - years[0]))
                if m.level == "gemeente" and (p.id, m.id) in per_gemeente:
                    quarterly = p.id == "knooppunt" and y == YEARS[-1]
                    for g in region.gemeenten:
                        mean = per_gemeente[(p.id, m.id)](g.code, y) * ramp
                        if quarterly:  # one owner reports per quarter
                            for q in range(1, 5):
                                rows.append(
                                    [g.name, f"{y}-K{q}", p.title, m.title, int(rng.poisson(mean / 4)), None, None]
                                )
                        else:
                            rows.append([g.name, str(y), p.title, m.title, int(rng.poisson(mean)), None, None])
                elif m.unit == "status" and y >= 2022:
                    for i, g in enumerate(region.gemeenten):
                        if p.id == "basisstructuur":  # 11 volledig, 5 deels in 2024 (seed 001)
                            value = "volledig" if i < 11 - 3 * (YEARS[-1] - y) else "deels"
                        else:
                            value = "actief" if y == YEARS[-1] or i % 3 else "in oprichting"
                        rows.append([g.name, str(y), p.title, m.title, value, None, None])
                elif p.id == "gezonde_school":
                    for g in region.gemeenten:
                        schools = max(3, world.population[(g.code, y)] // 2500)
                        rows.append(
                            [g.name, str(y), p.title, m.title, int(rng.binomial(schools, 0.3 * ramp)), schools, None]
                        )
                elif p.id == "gezonde_kantine":
                    for s in region.subregios:
                        schools = 8 + 3 * len(s.gemeenten)
                        rows.append(
                            [s.name, str(y), p.title, m.title, int(rng.binomial(schools, 0.4 * ramp)), schools, None]
                        )
                elif m.level == "regio":
                    mean = {"aandachtsfunctionarissen": 14, "groepen": 15, "praktijken": 10}[m.id] * ramp
                    rows.append([region.name, str(y), p.title, m.title, int(rng.poisson(mean)), None, None])
    workbook = build_template(regions, programmes)
    sheet = workbook["Registraties"]
    for row in rows:
        sheet.append(row)
    workbook["Toelichting"].insert_rows(1)
    workbook["Toelichting"]["A1"] = DEMO_NOTICE
    workbook.properties.creator = "trendbreuk demo"
    with io.atomic_path(target) as tmp:
        workbook.save(tmp)
        _make_reproducible(tmp)


def _make_reproducible(xlsx: Path) -> None:
    """openpyxl stamps the save time into docProps/core.xml and the zip entries; fix both so that the same seed
    gives byte-identical files."""
    import re
    import zipfile

    with zipfile.ZipFile(xlsx) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2025-07-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 7, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
