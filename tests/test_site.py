"""The report site: reports/index.html lists what is in the folder, by region, type, subregio and gemeente, and
the method page exists for the links in every report; the Quarto project files. Quarto's own rendering of the site
is tested in test_quarto.py."""

import os
import re
import time

import pytest
import yaml

from tests.conftest import ROOT, copy_project
from trendbreuk.geography.areas import load_regions
from trendbreuk.reports.render import quarto_report_project, region_jobs
from trendbreuk.reports.site import SiteIndex, write_site

DEMO_PAGE = '<html><body><div class="tb-demo" role="alert">DEMODATA</div></body></html>'
REAL_PAGE = "<html><body><h1>echt</h1></body></html>"


@pytest.fixture
def folder(tmp_path):
    """A reports folder with a mix of files, as a researcher's folder looks after a few renders."""
    out = tmp_path / "reports"
    out.mkdir()
    files = {
        "regio-ZL-zuid-limburg.html": DEMO_PAGE,
        "subregio-PS-parkstad.html": DEMO_PAGE,
        "factsheet-GM0917-heerlen.html": DEMO_PAGE,
        "factsheet-GM0917-heerlen-nl01.html": DEMO_PAGE,
        "factsheet-GM0981-vaals.html": DEMO_PAGE,
        "factsheet-GM0983-venlo.html": REAL_PAGE,
        "factsheet-GM9999-nergens.html": DEMO_PAGE,
        "aantekeningen.html": REAL_PAGE,
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    week_ago = time.time() - 7 * 86400
    os.utime(out / "factsheet-GM0981-vaals.html", (week_ago, week_ago))
    return out


def _sections(index_html: str) -> dict[str, str]:
    parts = re.split(r"<h2>(.*?)</h2>", index_html)
    return dict(zip(parts[1::2], parts[2::2]))


def test_region_batch_is_the_whole_set():
    regions = load_regions(ROOT / "config" / "regions.yaml")
    jobs = region_jobs(regions)
    focus = len(regions.region().focus_areas)
    assert [j.kind for j in jobs].count("factsheet") == 16 and [j.kind for j in jobs].count("focus") == focus == 3
    assert len(jobs) == 2 + 3 + 16 + focus


def test_index_lists_the_folder_by_region_type_and_subregio(folder):
    index = SiteIndex.load(folder, load_regions(ROOT / "config" / "regions.yaml")).html()
    sections = _sections(index)
    assert list(sections) == [
        "Zuid-Limburg",
        "Noord- en Midden-Limburg",
        "Overige rapporten (niet in config/regions.yaml)",
    ]
    zl = sections["Zuid-Limburg"]
    # kinds in reading order: regional report, subregio reports, factsheets (no programme report in this folder)
    assert (
        zl.index("Regionale voortgangsrapportage") < zl.index("Subregiorapporten") < zl.index("Factsheets per gemeente")
    )
    assert "Programma's en bereik" not in zl
    assert '<a href="regio-ZL-zuid-limburg.html">Zuid-Limburg</a>' in zl
    assert '<a href="subregio-PS-parkstad.html">Parkstad</a>' in zl
    # factsheets sit in the row of their subregio: Heerlen (and its variant) in Parkstad, Vaals in Maastricht-Heuvelland
    rows = dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', zl))
    assert set(rows) == {"Parkstad", "Maastricht-Heuvelland"}
    assert '<a href="factsheet-GM0917-heerlen.html">Heerlen</a>' in rows["Parkstad"]
    assert '<a href="factsheet-GM0917-heerlen-nl01.html">Heerlen (tegen Nederland)</a>' in rows["Parkstad"]
    assert "factsheet-GM0981-vaals.html" in rows["Maastricht-Heuvelland"]
    # Vaals was rendered a week before the rest: the index says so
    assert re.search(r'vaals.html">Vaals</a> <span class="tb-note">ouder: gemaakt \d+ \w+ \d{4}</span>', zl)
    assert "ouder" not in rows["Parkstad"]
    assert "5 rapporten" in zl and "alle met DEMODATA" in zl
    # the other region holds one real report; the unknown code is listed, not dropped; non-report files are not
    assert "factsheet-GM0983-venlo.html" in sections["Noord- en Midden-Limburg"]
    assert "DEMODATA" not in sections["Noord- en Midden-Limburg"]
    assert "factsheet-GM9999-nergens.html" in sections["Overige rapporten (niet in config/regions.yaml)"]
    assert "aantekeningen.html" not in index
    assert "Een deel van de rapporten hieronder is (zie per regio) gemaakt met verzonnen cijfers" in index


def test_index_lists_the_folder_quarto_renders_into(project, tmp_path, monkeypatch):
    """index.qmd lists the reports beside it: in TRENDBREUK_REPORTS when `trendbreuk render` renders the site for a
    folder, in the project's output-dir (_site) when Quarto renders the project, else reports/."""
    project = copy_project(project, tmp_path / "project")
    for folder in ("reports", "_site", "elders"):
        (project / folder).mkdir()
    (project / "reports" / "regio-ZL-zuid-limburg.html").write_text(DEMO_PAGE)
    (project / "_site" / "subregio-PS-parkstad.html").write_text(DEMO_PAGE)
    (project / "elders" / "factsheet-GM0917-heerlen.html").write_text(DEMO_PAGE)
    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    for name in ("TRENDBREUK_REPORTS", "QUARTO_PROJECT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    listed = lambda: [r.filename for r in SiteIndex.for_quarto().reports]
    assert listed() == ["regio-ZL-zuid-limburg.html"]
    monkeypatch.setenv("QUARTO_PROJECT_ROOT", str(project))  # quarto render at the top
    assert listed() == ["subregio-PS-parkstad.html"]
    assert '<a href="subregio-PS-parkstad.html">Parkstad</a>' in SiteIndex.for_quarto().html()
    monkeypatch.setenv("TRENDBREUK_REPORTS", str(project / "elders"))  # trendbreuk render --engine quarto
    assert listed() == ["factsheet-GM0917-heerlen.html"]


def test_the_index_shows_itself_as_raw_html_to_quarto(folder, monkeypatch):
    """In a kernel that Quarto runs, the index is markdown holding one raw HTML block: text/html would make Quarto
    load require.js and jQuery from a CDN."""
    index = SiteIndex.load(folder, load_regions(ROOT / "config" / "regions.yaml"))
    for name in ("QUARTO_EXECUTE_INFO", "QUARTO_FIG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    assert index._repr_html_() == index.html() and index._repr_markdown_() is None
    monkeypatch.setenv("QUARTO_EXECUTE_INFO", "/tmp/info.json")
    assert index._repr_html_() is None
    assert index._repr_markdown_() == "```{=html}\n" + index.html() + "\n```\n"


def test_empty_folder_says_how_to_make_reports(tmp_path):
    index = SiteIndex.load(tmp_path, load_regions(ROOT / "config" / "regions.yaml")).html()
    assert "trendbreuk render all" in index and "DEMODATA" not in index


def test_python_engine_writes_the_index_and_the_method_page(folder):
    index = write_site(folder, load_regions(ROOT / "config" / "regions.yaml"), ROOT)
    assert index == folder / "index.html"
    page = index.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nl">' in page
    assert '<a href="docs/methode.html">de methode</a>' in page
    method = (folder / "docs" / "methode.html").read_text(encoding="utf-8")
    assert "<h2>Voor de stuurgroep (in gewone woorden)</h2>" in method  # a heading of docs/methode.md
    assert '<table class="tb-table">' in method  # its tables are real tables
    assert '<a href="../index.html">' in method


def test_every_report_links_to_the_method_page_the_site_writes():
    from trendbreuk.reports.common import METHOD_LINK
    from trendbreuk.reports.site import METHOD_PAGE

    assert f'href="{METHOD_PAGE}"' in METHOD_LINK


# Quarto --------------------------------------------------------------------------------------------------


def test_quarto_project_is_a_website_that_never_empties_reports():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    # a full `quarto render` empties output-dir first: it must not be reports/, which holds the rendered reports
    assert config["project"]["type"] == "website" and config["project"]["output-dir"] == "_site"
    assert (ROOT / config["project"]["pre-render"]).is_file()  # renders the reports into the site first
    for source in config["project"]["render"]:
        assert (ROOT / source).is_file(), source
    for item in config["website"]["navbar"]["left"]:
        assert (ROOT / item["href"]).is_file(), item
    html = config["format"]["html"]
    assert html["lang"] == "nl" and (ROOT / html["css"]).is_file()
    assert "embed-resources" not in html  # not in a website (quarto-cli#5748); see notebooks/_quarto.yml
    assert config["execute"]["echo"] is False


def test_reports_have_one_self_contained_quarto_project():
    """notebooks/_quarto.yml: what `quarto render notebooks/factsheet.ipynb` uses, and, with execution off, what
    the workbook's Quarto engine converts its executed notebooks with."""
    own = yaml.safe_load((ROOT / "notebooks" / "_quarto.yml").read_text())
    assert own["execute"] == {"enabled": True, "echo": False, "warning": False}
    assert (ROOT / "notebooks" / own["format"]["html"]["css"]).resolve() == (
        ROOT / "lib/trendbreuk/reports/templates/trendbreuk.css"
    )
    for notebook in own["project"]["render"]:
        assert (ROOT / "notebooks" / notebook).is_file()
    derived = quarto_report_project(ROOT)
    assert derived["project"] == {"type": "default"} and "website" not in derived
    assert derived["execute"]["enabled"] is False and derived["execute"]["echo"] is False
    html = derived["format"]["html"]
    assert html["embed-resources"] is True and html["lang"] == "nl" and html["html-table-processing"] == "none"


def test_a_report_against_another_benchmark_sits_beside_the_default(tmp_path):
    from trendbreuk.reports.render import regio_job, subregio_job

    regions = load_regions(ROOT / "config" / "regions.yaml")
    names = [
        subregio_job("Parkstad", regions).filename,
        subregio_job("Parkstad", regions, benchmark="NL01").filename,
        regio_job(regions).filename,
        regio_job(regions, benchmark="NL01").filename,
    ]
    assert names == [
        "subregio-PS-parkstad.html",
        "subregio-PS-parkstad-nl01.html",
        "regio-ZL-zuid-limburg.html",
        "regio-ZL-zuid-limburg-nl01.html",
    ]
    for name in names:
        (tmp_path / name).write_text(REAL_PAGE)
    index = SiteIndex.load(tmp_path, regions).html()
    assert '<a href="subregio-PS-parkstad-nl01.html">Parkstad (tegen Nederland)</a>' in index
    assert '<a href="regio-ZL-zuid-limburg-nl01.html">Zuid-Limburg (tegen Nederland)</a>' in index


def test_render_all_reports_a_failure_without_stopping_the_others(project, tmp_path, monkeypatch):
    """`trendbreuk render all`: the failed report is named, the others and the index are written, exit code 1."""
    from dataclasses import replace

    from typer.testing import CliRunner

    from trendbreuk import cli
    from trendbreuk.reports import render as render_module

    regions = load_regions(project / "config" / "regions.yaml")
    broken = replace(
        render_module.gemeente_job("Heerlen", regions), parameters={"gemeente": "GM0917", "dataset": "bestaat-niet"}
    )
    jobs = [broken, render_module.gemeente_job("Vaals", regions)]
    monkeypatch.setattr(render_module, "region_jobs", lambda *args, **kwargs: jobs)
    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    monkeypatch.setenv("TRENDBREUK_REPORTS", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["render", "all", "--engine", "python"])
    assert result.exit_code == 1, result.output
    assert "MISLUKT factsheet-GM0917-heerlen.html" in result.output and "bestaat-niet" in result.output
    assert "1 van 2 rapporten" in result.output
    assert (tmp_path / "factsheet-GM0981-vaals.html").is_file() and not (
        tmp_path / "factsheet-GM0917-heerlen.html"
    ).exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="factsheet-GM0981-vaals.html"' in index and "heerlen" not in index
