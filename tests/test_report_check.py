"""The report check: every report kind, rendered from the demo and from the real recordings, read as the stuurgroep
reads it (issue 28).

- the visible text (chart titles, legends and descriptions included; tests/report_text.py): no plural noun after 1, no
  '1 van de 1', no sentence starting in lower case, no dash where a number belongs, no source named twice, no command
  or file path;
- one number, one source: the median share of the gap closed in the regional headline is the one under its chart;
- in headless Chromium: at 1280 px no table needs a horizontal scroll; at 390 px no chart does, the headline table
  shows indicator, Nu and Oordeel 2030 within the screen, and the factsheet's folded sections halve its height;
- on paper: every report kind prints to A4 with its title, date and page number on every page, DEMODATA on every page
  of a demo report, and no chart wider than the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.browser import WIDTHS, browser, opened
from tests.conftest import REPORT_KINDS
from tests.report_text import language_findings, lowercase_blocks, visible_text


@pytest.fixture(scope="module")
def recorded_reports(recorded_project, tmp_path_factory):
    """Every report kind from the real recordings (03759ned and KWB 2020, dataset `real`): the factsheet of Heerlen,
    Parkstad, the regional and programme reports, and the wijkprofiel of Molenberg (WK091739)."""
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import area_job, gemeente_job, programma_job, regio_job, render_many, subregio_job

    regions = load_regions(recorded_project / "config" / "regions.yaml")
    jobs = [
        gemeente_job("GM0917", regions, dataset="real"),
        subregio_job("PS", regions, dataset="real"),
        regio_job(regions, dataset="real"),
        programma_job(regions, dataset="real"),
        area_job("WK091739", regions, dataset="real", root=recorded_project),
    ]
    out = tmp_path_factory.mktemp("recorded-reports")
    outcomes = list(render_many(jobs, engine="python", root=recorded_project, out_dir=out))
    assert not [o.error for o in outcomes if o.error]
    return {
        kind: out / job.filename for kind, job in zip(("factsheet", "subregio", "regio", "programma", "wijk"), jobs)
    }


@pytest.fixture(scope="module")
def all_reports(python_reports, recorded_reports):
    return {
        **{f"demo {k}": v for k, v in python_reports.items()},
        **{f"echt {k}": v for k, v in recorded_reports.items()},
    }


def test_the_scanner_finds_what_the_issue_found():
    """The checks themselves, on the sentences the issue quotes (so that a clean report means something)."""
    quoted = (
        "Van de 19 indicatoren heeft er nog maar 1 cijfers.\nBij 1 vergelijkingen geeft toeval er 0,1.\n"
        "Heerlen scoort op 1 van de 1 doelindicatoren duidelijk slechter.\n"
        "Gemiddeld (mediaan) – van die achterstand ingelopen.\n"
        "Het jaar waarin het cijfer over 2030 verschijnt. alle oordelen rusten op een lijn.\n"
        "Bronnen: 03759ned (03759ned).\nEen wijkprofiel per wijk: trendbreuk render wijken --gemeente Heerlen."
    )
    problems = {f.problem.split(" (")[0] for f in language_findings("quoted", quoted)}
    assert problems == {
        "meervoud na 1",
        "'1 van de 1'",
        "streepje waar een getal hoort",
        "kleine letter na punt",
        "bron dubbel genoemd",
        "opdracht of bestandspad voor onderzoekers",
    }
    fine = (
        "Heerlen scoort nu op de enige doelindicator duidelijk slechter dan de rest van Nederland. Bij 1 vergelijking "
        "t.o.v. de rest van Nederland is de kans 5%. Gegevens over 2,5 jaar. Bevolking op 1 januari (03759ned)."
    )
    assert language_findings("fine", fine) == []


def test_reports_read_right(all_reports):
    findings = []
    for name, path in all_reports.items():
        html = path.read_text(encoding="utf-8")
        findings += language_findings(name, visible_text(html)) + lowercase_blocks(name, html)
    assert findings == [], "\n".join(map(str, findings[:20]))


@pytest.mark.parametrize("source", ["demo", "echt"])
def test_the_headline_median_is_the_charts(all_reports, source):
    text = visible_text(all_reports[f"{source} regio"].read_text(encoding="utf-8"))
    headline = re.search(r"is (?:gemiddeld \(mediaan\) )?(-?\d+%) van die achterstand ingelopen", text)
    chart = re.search(r"(?:Mediaan van het ingelopen deel|Ingelopen): (-?\d+%)", text)
    if chart is None:  # no indicator with a clear gap at the start: then the headline says so, with no number
        assert headline is None and (
            "Geen enkele doelindicator had bij de start een duidelijke achterstand" in text
            or "Voor geen enkele doelindicator is er een cijfer over het startjaar" in text
        )
    else:
        assert headline is not None and headline[1] == chart[1]


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


HORIZONTAL = """(selector) => [...document.querySelectorAll(selector)].filter(b => b.scrollWidth > b.clientWidth + 1)
    .map(b => (b.getAttribute('aria-label') || '').slice(0, 60) + ' ' + b.scrollWidth + ' > ' + b.clientWidth)"""


def test_no_table_scrolls_on_a_desktop_and_no_chart_on_a_phone(chromium, all_reports):
    problems = []
    for name, path in all_reports.items():
        with opened(chromium, path, WIDTHS["desktop"]) as page:
            problems += [f"{name} 1280 px tabel: {t}" for t in page.evaluate(HORIZONTAL, ".tb-scroll")]
        with opened(chromium, path, WIDTHS["phone"]) as page:
            problems += [f"{name} 390 px grafiek: {t}" for t in page.evaluate(HORIZONTAL, ".tb-plot")]
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"], name
    assert problems == []


@pytest.mark.parametrize("source", ["demo", "echt"])
def test_on_a_phone_the_headline_table_shows_the_answer_and_the_factsheet_is_half_as_tall(
    chromium, all_reports, source
):
    path = all_reports[f"{source} factsheet"]
    with opened(chromium, path, WIDTHS["phone"]) as page:
        cells = page.evaluate("""() => [...document.querySelectorAll('.tb-summary tbody tr:not(.tb-group)')].slice(0, 3)
            .flatMap(r => [...r.querySelectorAll('td')].filter(td => /^(Nu|Oordeel \\d{4})$/.test(td.dataset.label)
                           || td === r.querySelector('td')).map(td => td.getBoundingClientRect().right))""")
        assert cells and max(cells) <= WIDTHS["phone"], cells
        folded = page.evaluate("document.documentElement.scrollHeight")
        page.evaluate("() => document.querySelectorAll('details.tb-fold').forEach(d => d.open = true)")
        unfolded = page.evaluate("document.documentElement.scrollHeight")
    assert folded <= unfolded / 2, (folded, unfolded)


def _pdf_pages(pdf: bytes, tmp_path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed: the printed pages are not read")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


@pytest.mark.parametrize("kind", sorted(REPORT_KINDS))
def test_every_report_kind_prints_to_a4(chromium, python_reports, kind, tmp_path):
    path = python_reports[kind]
    title = re.search(r"<h1>(.*?)</h1>", path.read_text(encoding="utf-8"))[1]
    with opened(chromium, path, WIDTHS["desktop"]) as page:
        page.emulate_media(media="print")
        page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_timeout(300)
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot .main-svg')]"
            ".map(s => s.getBoundingClientRect().width)"
        )
        assert widths and max(widths) <= 690, widths  # A4 less 2 x 14 mm is 688 px
        assert page.evaluate("() => [...document.querySelectorAll('details.tb-fold')].every(d => d.open)")
        pages = _pdf_pages(page.pdf(format="A4", prefer_css_page_size=True), tmp_path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Trendbreuk · {title}" in text and "gemaakt op" in text, f"page {number}"
        assert f"pagina {number} van {len(pages)}" in text, f"page {number}"
        assert "DEMODATA – geen echte cijfers" in text, f"page {number}"
    assert "DEMODATA – GEEN ECHTE CIJFERS." in pages[0]


def test_a_name_cannot_end_the_title_or_the_page_margins():
    """A name from the configuration lands in the page's <title> and in the printed page margins (CSS strings): it
    stays text in both."""
    from trendbreuk.reports.common import print_margins
    from trendbreuk.reports.page import html_document

    name = 'Heerlen</title><script>alert(1)</script>"\\'
    page = html_document(name, "<p>tekst</p>")
    assert "<script>alert(1)" not in page and "<title>Heerlen&lt;/title&gt;&lt;script&gt;" in page
    margins = print_margins(f"Trendbreuk · {name}", "gemaakt op 6 december 2026", demo=True)
    assert margins.count("</style>") == 1 and margins.endswith("</style>") and "<script>" not in margins
    assert '"Trendbreuk · Heerlen\\3c \\2f title\\3e ' in margins  # '<', '/' and '>' as CSS escapes
    assert "\\22 " in margins and "\\5c " in margins
