"""Every report kind of both engines, and the site pages, in headless Chromium at a desktop (1280 px) and a phone
(390 px) width: no WCAG 2.1 A or AA violation that axe-core finds, nothing that runs past the screen, every chart
drawn, no script errors; on a phone every chart fits and the indicator sections fold."""

import functools
import http.server
import threading

import pytest

from tests.browser import WIDTHS, axe_violations, browser, opened, overflow
from tests.conftest import REPORT_KINDS

ENGINES = ("python", "quarto")


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


@pytest.fixture(scope="module")
def report_files(request):
    """kind -> file per engine, rendering only what a test asks for (the Quarto site is slow to make)."""

    def of(engine: str, kind: str):
        if engine == "python":
            return request.getfixturevalue("python_reports")[kind]
        return request.getfixturevalue("quarto_site") / REPORT_KINDS[kind]

    return of


def _check(page, what: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{what}: " + "; ".join(
        f"{v['rule']} ({v['impact']}, {v['count']}x: {v['help']}; {', '.join(v['elements'])})" for v in violations
    )
    found = overflow(page)
    assert found["overflowing"] == [] and found["pageWidth"] <= found["width"], f"{what}: {found}"
    assert page.errors == [], f"{what}: {page.errors[:3]}"


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("kind", sorted(REPORT_KINDS))
@pytest.mark.parametrize("engine", ENGINES)
def test_report_is_accessible_and_fits_the_screen(chromium, report_files, engine, kind, width):
    path = report_files(engine, kind)
    charts = path.read_text(encoding="utf-8").count("Plotly.newPlot(")
    with opened(chromium, path, WIDTHS[width]) as page:
        assert page.locator(".js-plotly-plot .main-svg").count() >= charts >= 1, "not every chart was drawn"
        _check(page, f"{engine} {kind} at {WIDTHS[width]} px")


@pytest.fixture(scope="module")
def served(quarto_site):
    """The Quarto website over HTTP, as `quarto preview` serves it (its navigation scripts are ES modules, which
    a browser does not load from file://)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(quarto_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("page_name", ["index.html", "docs/methode.html", "docs/verkennen.html"])
def test_quarto_site_pages_are_accessible(chromium, served, page_name, width):
    with opened(chromium, f"{served}/{page_name}", WIDTHS[width]) as page:
        _check(page, f"quarto site {page_name} at {WIDTHS[width]} px")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_python_site_pages_are_accessible(chromium, python_reports, project, width):
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.site import write_site

    folder = python_reports["factsheet"].parent
    index = write_site(folder, load_regions(project / "config" / "regions.yaml"), project)
    for path in (index, folder / "docs" / "methode.html", folder / "docs" / "verkennen.html"):
        with opened(chromium, path, WIDTHS[width]) as page:
            _check(page, f"python site {path.name} at {WIDTHS[width]} px")


@pytest.mark.parametrize("engine", ENGINES)
def test_on_a_phone_charts_fit_and_sections_fold(chromium, report_files, engine):
    """At 390 px no chart needs a sideways swipe (each takes its phone layout), and the indicator sections are folded
    but open with a tap; at 1280 px they are open."""
    path = report_files(engine, "factsheet")
    with opened(chromium, path, WIDTHS["phone"]) as page:
        wide = page.evaluate(
            "() => [...document.querySelectorAll('.tb-plot')].filter(b => b.scrollWidth > b.clientWidth + 1)"
            ".map(b => b.getAttribute('aria-label').slice(0, 60))"
        )
        assert wide == []
        folds = page.locator("details.tb-fold")
        assert folds.count() >= 10 and page.evaluate(
            "() => [...document.querySelectorAll('details.tb-fold')].every(d => !d.open)"
        )
        with_chart = page.locator("details.tb-fold:has(.js-plotly-plot)").first
        with_chart.locator("> summary").click()
        assert with_chart.evaluate("d => d.open") and with_chart.locator(".js-plotly-plot").first.is_visible()
    with opened(chromium, path, WIDTHS["desktop"]) as page:
        assert page.evaluate("() => [...document.querySelectorAll('details.tb-fold')].every(d => d.open)")


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_a_wijk_profile_with_a_new_series_is_accessible_and_fits(chromium, project, tmp_path_factory, width):
    """A wijk whose indeling changed (the chart's dotted line and its label) and its buurten table."""
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.render import area_job, render

    values = load_processed(root=project).small_areas("small_area_values", area_level="wijk")
    broken = values[values["series_break"]]["area_code"].iloc[0]
    job = area_job(broken, load_regions(project / "config" / "regions.yaml"), root=project)
    path = render(job, engine="python", root=project, out_dir=tmp_path_factory.mktemp("wijk"))
    with opened(chromium, path, WIDTHS[width]) as page:
        _check(page, f"python wijkprofiel {broken} at {WIDTHS[width]} px")
