"""Quarto for real (skipped, with the reason, only where no Quarto can be had): what a Quarto user types, and the
workbook's Quarto engine. Every report must be one self-contained file with the same numbers as the Python
engine's."""

import subprocess

import pytest

from tests.conftest import REPORT_KINDS, copy_project, quarto_env, quarto_or_skip
from tests.report_html import external_references, figures, read_page, table_texts
from trendbreuk.geography.areas import load_regions
from trendbreuk.reports.render import region_jobs

PLOTLY_LIBRARY = r"\* plotly\.js (?:\(basic - minified\) )?v\d"


def _region_files(project) -> list[str]:
    return [job.filename for job in region_jobs(load_regions(project / "config" / "regions.yaml"))]


def test_quarto_render_builds_the_site_with_every_report(quarto_site, project):
    """`quarto render` at the top: _site/ holds every report of the region, and its index links to each of them
    and to the method page they link to."""
    index = (quarto_site / "index.html").read_text(encoding="utf-8")
    files = _region_files(project)
    assert len(files) == 24  # 21 reports and 3 focus areas
    for name in files:
        assert f'href="{name}"' in index, name
        assert (quarto_site / name).is_file(), name
    assert (quarto_site / "docs" / "methode.html").is_file()
    assert read_page(index).lang == "nl"
    assert not [url for url in external_references(index) if url.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("name", [name for name in REPORT_KINDS.values()])
def test_quarto_reports_are_one_self_contained_file(quarto_site, name):
    html = (quarto_site / name).read_text(encoding="utf-8")
    page = read_page(html)
    assert external_references(html) == []  # no script, stylesheet, image or font from elsewhere
    assert page.lang == "nl"
    assert 'name="generator" content="quarto-' in html  # made by Quarto, not the Python engine
    assert len(__import__("re").findall(PLOTLY_LIBRARY, html)) == 1
    assert "DEMODATA – GEEN ECHTE CIJFERS" in html


def test_every_report_of_the_region_is_self_contained(quarto_site, project):
    for name in _region_files(project):
        html = (quarto_site / name).read_text(encoding="utf-8")
        assert external_references(html) == [], name
        assert read_page(html).lang == "nl", name


@pytest.mark.parametrize("kind", sorted(REPORT_KINDS))
def test_both_engines_show_the_same_numbers(quarto_site, python_reports, kind):
    """The figures' data and layout, and the text of every table, are the same in both engines' reports."""
    quarto = (quarto_site / REPORT_KINDS[kind]).read_text(encoding="utf-8")
    python = python_reports[kind].read_text(encoding="utf-8")
    quarto_figures, python_figures = figures(quarto), figures(python)
    assert len(python_figures) >= 1 and len(quarto_figures) == len(python_figures)
    for ours, theirs in zip(quarto_figures, python_figures):
        assert ours == theirs, f"{kind}: figure {ours['id']} differs"
    assert table_texts(quarto) == table_texts(python) and len(table_texts(python)) >= 1


def test_quarto_native_factsheet(project, tmp_path, python_reports):
    """The first thing a Quarto user types: Quarto executes the notebook in its own Jupyter kernel with -P; the
    factsheet is complete, self-contained and shows the same figures as the Python engine's."""
    quarto = quarto_or_skip()
    root = copy_project(project, tmp_path / "project")
    result = subprocess.run(
        [quarto, "render", "notebooks/factsheet.ipynb", "-P", "gemeente:GM0917"],
        cwd=root,
        env=quarto_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    html = (root / "notebooks" / "factsheet.html").read_text(encoding="utf-8")
    assert "<h1>Heerlen</h1>" in html and "DEMODATA – GEEN ECHTE CIJFERS" in html
    assert external_references(html) == [] and read_page(html).lang == "nl"
    assert "sheet = Factsheet.load" not in html  # code cells are not shown
    python = python_reports["factsheet"].read_text(encoding="utf-8")
    assert figures(html) == figures(python)
    assert table_texts(html) == table_texts(python)


def test_trendbreuk_render_with_quarto_writes_the_report_and_the_site(project, tmp_path, monkeypatch):
    """`trendbreuk render gemeente Vaals --engine quarto`: the factsheet through Quarto, and the Quarto website
    around the reports folder (its index lists the factsheet)."""
    from typer.testing import CliRunner

    from trendbreuk import cli

    quarto_or_skip()
    monkeypatch.setenv("TRENDBREUK_ROOT", str(project))
    monkeypatch.setenv("TRENDBREUK_REPORTS", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["render", "gemeente", "Vaals", "--engine", "quarto"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "factsheet-GM0981-vaals.html").read_text(encoding="utf-8")
    assert "<h1>Vaals</h1>" in html and 'content="quarto-' in html and external_references(html) == []
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="factsheet-GM0981-vaals.html"' in index and 'content="quarto-' in index
    assert (tmp_path / "site_libs").is_dir() and (tmp_path / "docs" / "methode.html").is_file()
