"""Escaping (issue 29): names come from configuration (gemeenten, subregio's, the region, focus areas, benchmarks,
indicators, programmes) and from CBS area lists. Each is given a payload that would run a script if it were placed
in the page unescaped (in the body, the <title>, an attribute, a chart's JSON or the print margins); every report kind
is rendered and opened in headless Chromium, and no payload may run."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser import WIDTHS, browser, opened

PAYLOADS = {
    "tag": '<img src=x onerror="window.__tb_xss=(window.__tb_xss||0)+1">',
    "title": "</title><script>window.__tb_xss=(window.__tb_xss||0)+1</script>",
    "script": "</script><script>window.__tb_xss=(window.__tb_xss||0)+1</script>",
    "attribute": '" onmouseover="window.__tb_xss=1" data-x="',
    "style": "</style><script>window.__tb_xss=(window.__tb_xss||0)+1</script>",
}


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory):
    """A project whose names all carry a payload, with the demo data made from that configuration and built."""
    import yaml

    from tests.conftest import CSS, ROOT
    from trendbreuk.build import build
    from trendbreuk.demo import write_demo

    root = tmp_path_factory.mktemp("hostile") / "project"
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    (root / CSS).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / CSS, root / CSS)
    regions = yaml.safe_load((root / "config/regions.yaml").read_text(encoding="utf-8"))
    region = regions["regions"]["zuid-limburg"]
    region["name"] += " " + PAYLOADS["title"]
    for number, subregio in enumerate(region["subregios"]):
        subregio["name"] += " " + PAYLOADS["style" if number == 0 else "script"]
        subregio["gemeenten"][0]["name"] += " " + PAYLOADS["tag"]
        subregio["gemeenten"][1]["name"] += " " + PAYLOADS["attribute"]
    region["focus_areas"][0]["name"] += " " + PAYLOADS["tag"]
    region["focus_areas"][0]["note"] = PAYLOADS["script"]
    for benchmark in regions["benchmarks"]:
        benchmark["name"] += " " + PAYLOADS["attribute"]
    (root / "config/regions.yaml").write_text(
        yaml.safe_dump(regions, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    catalogue = yaml.safe_load((root / "config/indicators.yaml").read_text(encoding="utf-8"))
    for entry in catalogue["indicators"][::3]:
        entry["title"] += " " + PAYLOADS["script"]
    (root / "config/indicators.yaml").write_text(
        yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    programmes = yaml.safe_load((root / "config/programmes.yaml").read_text(encoding="utf-8"))
    programmes["programmes"][1]["title"] += " " + PAYLOADS["tag"]
    (root / "config/programmes.yaml").write_text(
        yaml.safe_dump(programmes, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    write_demo(root)
    build(root=root)
    return root


@pytest.fixture(scope="module")
def hostile_reports(hostile_project, tmp_path_factory):
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import region_jobs, render_many
    from trendbreuk.reports.site import write_site

    regions = load_regions(hostile_project / "config" / "regions.yaml")
    jobs = region_jobs(regions)
    kinds = {}
    for job in jobs:  # one report of every kind, and the factsheets of the gemeenten with a payload
        if job.kind not in kinds or "GM0935" in job.filename or "GM1903" in job.filename:
            kinds[job.filename] = job
    out = tmp_path_factory.mktemp("hostile-reports")
    outcomes = list(render_many(list(kinds.values()), engine="python", root=hostile_project, out_dir=out))
    assert not [o.error for o in outcomes if o.error]
    write_site(out, regions, hostile_project)
    return sorted(out.glob("*.html"))


def test_no_payload_runs_in_any_report(hostile_reports):
    assert len(hostile_reports) >= 6
    ran = []
    with browser() as instance:
        for path in hostile_reports:
            for width in (WIDTHS["desktop"], WIDTHS["phone"]):
                with opened(instance, path, width) as page:
                    dialogs = []
                    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                    page.mouse.move(10, 10)
                    page.evaluate(
                        "() => document.querySelectorAll('[onmouseover]').forEach(e => e.dispatchEvent("
                        "new MouseEvent('mouseover')))"
                    )
                    if page.evaluate("() => window.__tb_xss") or dialogs:
                        ran.append(f"{path.name} at {width} px")
    assert ran == []


def test_the_payloads_are_shown_as_text(hostile_reports):
    """Escaped, not dropped: the reader sees the name as it is configured."""
    factsheet = next(p for p in hostile_reports if p.name.startswith("factsheet-GM0935"))
    html = factsheet.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=" in html
    assert not re.search(r"<img src=x", html)
    with browser() as instance, opened(instance, factsheet, WIDTHS["desktop"]) as page:
        assert PAYLOADS["tag"] in page.locator("h1").inner_text()
        assert "Maastricht <img src=x onerror=" in page.title()  # the <title> holds the name as text
