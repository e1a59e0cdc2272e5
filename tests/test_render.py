"""Rendering with the Python engine, for real; Quarto's own tests are in test_quarto.py (a stand-in `quarto` here
only for what a real one cannot show: a Quarto that fails)."""

import re
import shutil
import subprocess

import nbformat
import pytest

from tests.conftest import ROOT, fake_quarto
from trendbreuk.geography.areas import load_regions
from trendbreuk.reports.render import RenderError, choose_engine, gemeente_job, render

ARTIFACTS = ROOT / "tests" / "artifacts"


def _elements_with_class(html: str, css_class: str) -> list[dict]:
    """Attributes of every element carrying css_class (attribute order does not matter)."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if css_class in (attributes.get("class") or "").split():
                found.append(attributes)

    Collector().feed(html)
    return found


@pytest.fixture(scope="module")
def heerlen(project):
    regions = load_regions(project / "config" / "regions.yaml")
    job = gemeente_job("Heerlen", regions)
    path = render(job, engine="python", root=project)
    return path, path.read_text(encoding="utf-8")


def test_factsheet_file_name_says_what_is_inside(heerlen):
    assert heerlen[0].name == "factsheet-GM0917-heerlen.html"


def test_factsheet_names_the_gemeente_and_warns_about_demo_data(heerlen):
    html = heerlen[1]
    assert "<h1>Heerlen</h1>" in html
    assert "DEMODATA – GEEN ECHTE CIJFERS" in html
    assert '<html lang="nl">' in html
    assert "Subregio Parkstad" in html


def _expected_charts(project, gemeente="GM0917"):
    """A spine chart and a map, plus per target-basket indicator a trend chart and (with a baseline) a gap chart,
    plus one chart of the gemeente's wijken when it has wijken with figures of a target indicator, plus one chart per
    indicator with at least 4 gaps before 2018 and 4 from 2018 on (Is er een trendbreuk?)."""
    import yaml

    from trendbreuk.processed import load_processed

    basket = {
        i["id"]
        for i in yaml.safe_load((project / "config/indicators.yaml").read_text())["indicators"]
        if i["target_basket"]
    }
    processed = load_processed(root=project)
    a = processed.assessments
    own = a[(a["area_code"] == gemeente) & (a["benchmark"] == "rest_nl") & a["indicator"].isin(basket)]
    v = processed.small_areas("small_area_values", gemeente_code=gemeente, area_level="wijk")
    wijken = v[v["indicator"].isin(basket)]
    gaps = processed.gaps[
        (processed.gaps["area_code"] == gemeente)
        & (processed.gaps["benchmark"] == "rest_nl")
        & processed.gaps["gap_lower"].notna()
    ]
    judged = {i["id"] for i in yaml.safe_load((project / "config/indicators.yaml").read_text())["indicators"]}
    per_indicator = gaps[gaps["indicator"].isin(judged)].groupby("indicator")["t"]
    breaks = sum(1 for _, t in per_indicator if (t < 2018).sum() >= 4 and (t >= 2018).sum() >= 4)
    return 2 + len(own) + int(own["baseline_gap"].notna().sum()) + int(not wijken.empty) + breaks


def test_plotly_is_embedded_once_and_charts_are_drawn(heerlen, project):
    html = heerlen[1]
    expected = _expected_charts(project)
    assert len(re.findall(r"\* plotly\.js (?:\(basic - minified\) )?v\d", html)) == 1  # the library, once
    assert "* plotly.js (basic - minified) v" in html  # the 1.2 MB basic bundle, not the 4.8 MB one
    assert html.count("Plotly.newPlot(") == expected
    assert not re.search(r"<script[^>]+src=\"https?://", html)  # nothing fetched from the internet
    plots = _elements_with_class(html, "tb-plot")
    # a group with the text alternative (not an image: it holds plotly's buttons), reachable by keyboard
    assert len(plots) == expected
    assert all(
        p.get("role") == "group" and len(p.get("aria-label", "")) > 40 and p.get("tabindex") == "0" for p in plots
    )


def test_factsheet_numbers_are_dutch(heerlen):
    html = heerlen[1]
    assert re.search(r"\d+,\d%", html)
    assert "procentpunt" in html
    assert not re.search(r">\s*\d+\.\d%", html)  # no '12.3%'


def test_factsheet_shows_the_processed_numbers(heerlen, project):
    from trendbreuk import formatting as fmt
    from trendbreuk.processed import load_processed

    processed = load_processed(root=project)
    values = processed.indicator_values
    row = values[
        (values["area_code"] == "GM0917")
        & (values["indicator"] == "kinderen_uitkeringsgezin")
        & (values["region"] == "zuid-limburg")
    ]
    latest = row.sort_values("year_end").iloc[-1]
    assert f'<td data-label="Heerlen">{fmt.percentage(latest["value"])}</td>' in heerlen[1]
    a = processed.assessments
    verdicts = a[(a["area_code"] == "GM0917") & (a["benchmark"] == "rest_nl")]["verdict_label"]
    for label in set(verdicts):
        assert f">{label}</span>" in heerlen[1]


def test_demo_factsheet_map_is_a_schematic_and_states_the_indeling(heerlen):
    html = heerlen[1]
    figures = _elements_with_class(html, "tb-figure")
    assert sum("Schematische kaart" in f.get("aria-label", "") for f in figures) == 1  # the overview map
    assert "Alle cijfers volgen de gemeentelijke indeling van 2024" in html


def test_factsheet_uses_real_boundaries_when_fetched(project, tmp_path):
    from tests.conftest import shared_file

    source = shared_file("geo", "gemeente_2023.geojson")
    folder = project / "data" / "raw" / "geo" / "gemeente_2023"
    folder.mkdir(parents=True)
    (folder / "gemeente_2023.geojson").symlink_to(source)  # read in place, never copied
    try:
        job = gemeente_job("Beekdaelen", load_regions(project / "config" / "regions.yaml"))
        html = render(job, engine="python", root=project, out_dir=tmp_path).read_text(encoding="utf-8")
    finally:
        shutil.rmtree(project / "data" / "raw" / "geo")
    assert "Schematische kaart" not in html
    assert "grens subregio" in html
    assert "Beekdaelen (2019): Nuth, Onderbanken, Schinnen" in html


def test_unknown_gemeente_fails_with_closest_matches(project):
    with pytest.raises(LookupError, match="closest matches"):
        gemeente_job("Heerlem", load_regions(project / "config" / "regions.yaml"))


def test_failing_notebook_names_the_report_and_error(project, tmp_path):
    regions = load_regions(project / "config" / "regions.yaml")
    job = gemeente_job("Vaals", regions, dataset="nonexistent")
    with pytest.raises(RenderError, match="factsheet-GM0981-vaals.*unknown dataset 'nonexistent'"):
        render(job, engine="python", root=project, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_notebooks_in_the_repository_carry_no_outputs():
    """Reports start from clean notebooks; a Quarto render writes outputs into the notebook it executed (undo with
    `git checkout notebooks/`). The report notebooks carry a front matter for Quarto and a parameters cell."""
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
            f"{path} carries outputs (Quarto or Jupyter wrote them): git checkout {path.relative_to(ROOT)}"
        )
        assert any("parameters" in c.metadata.get("tags", []) for c in notebook.cells), path
        if path.stem != "verkennen":
            assert notebook.cells[0].cell_type == "raw" and "pagetitle:" in notebook.cells[0].source, path


def test_quarto_failure_is_reported_with_its_message(project, tmp_path, monkeypatch):
    """A Quarto that fails (a stand-in): the report is named with Quarto's message, and nothing is written."""
    bin_dir = tmp_path / "bin"
    fake_quarto(bin_dir, "echo 'ERROR: pandoc died' >&2; exit 1\n", monkeypatch)
    job = gemeente_job("Vaals", load_regions(project / "config" / "regions.yaml"))
    with pytest.raises(
        RenderError, match="factsheet-GM0981-vaals.html: quarto failed \\(exit 1\\): ERROR: pandoc died"
    ):
        render(job, engine="quarto", root=project, out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / job.filename).exists()


def test_asking_for_quarto_without_quarto_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("QUARTO_BIN_PATH", raising=False)
    with pytest.raises(RenderError, match="--engine python"):
        choose_engine("quarto")


def test_the_python_engine_is_the_default_and_auto_is_gone():
    assert choose_engine() == "python"
    with pytest.raises(ValueError, match="choose one of python, quarto"):
        choose_engine("auto")


# In a real browser -----------------------------------------------------------------------------------


def test_factsheet_in_headless_chromium(heerlen, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium) - browser check not run")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=8000",
    ]
    url = heerlen[0].as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="main-svg"') >= 9, "plotly did not draw the charts"
    assert "Plotly is not defined" not in dom
    assert "Heerlen" in dom and "DEMODATA" in dom
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "factsheet.png"
    subprocess.run(
        [browser, *flags, "--window-size=1200,3000", f"--screenshot={shot}", url], capture_output=True, timeout=120
    )
    assert shot.is_file() and shot.stat().st_size > 50_000


def test_a_chart_the_basic_plotly_bundle_cannot_draw_is_refused():
    import plotly.graph_objects as go

    from trendbreuk.reports.page import Page, plotly_script

    if not plotly_script()[1]:
        pytest.skip("plotly.py's plotly.js version differs from the vendored basic bundle; the full bundle is used")
    with pytest.raises(ValueError, match="heatmap"):
        Page().chart(go.Figure(go.Heatmap(z=[[1, 2]]), layout_title_text="warmte"), alt="x")


def test_factsheet_headline_names_the_indicators_by_verdict(heerlen, project):
    """The headline names which target indicators are on track and which gaps grew, as the processed table says."""
    import pandas as pd

    from trendbreuk.indicators.catalogue import load_catalogue

    html = heerlen[1]
    a = pd.read_parquet(project / "data" / "processed" / "demo" / "assessments.parquet")
    own = a[(a["area_code"] == "GM0917") & (a["benchmark"] == "rest_nl") & a["target_basket"]]
    catalogue = load_catalogue(project / "config" / "indicators.yaml")
    grew = [catalogue[i].short_title for i in own.loc[own["verdict"] == "achterstand_groeit", "indicator"]]
    assert grew, "the demo data should give Heerlen at least one growing gap"
    listed = ", ".join(grew[:-1]) + " en " + grew[-1] if len(grew) > 1 else grew[0]
    assert f"<strong>Achterstand gegroeid ({len(grew)}):</strong> {listed}." in html.replace("&lt;", "<")
    assert "<strong>Doel (25% van de achterstand ingelopen) al bereikt of op koers (" in html


def test_plotly_comes_back_where_it_stood_in_for_quarto(tmp_path):
    """Quarto converts a report with a stand-in for plotly.js; the library goes back in its place, and a stand-in
    that Quarto lost or doubled is an error rather than a report whose charts stay empty."""
    from trendbreuk.reports.page import plotly_library
    from trendbreuk.reports.render import PLOTLY_MARK, with_plotly

    document = tmp_path / "factsheet.ipynb"
    document.write_text(f'{{"source": "<script>{PLOTLY_MARK}</script>"}}')
    library = plotly_library()[0]
    assert with_plotly(f"<p>a</p><script>{PLOTLY_MARK}</script>", document) == f"<p>a</p><script>{library}</script>"
    with pytest.raises(RenderError, match="0 times instead of 1"):
        with_plotly("<p>a</p>", document)
    with pytest.raises(RenderError, match="2 times instead of 1"):
        with_plotly(PLOTLY_MARK * 2, document)
    (tmp_path / "no-charts.ipynb").write_text("{}")
    assert with_plotly("<p>a</p>", tmp_path / "no-charts.ipynb") == "<p>a</p>"


def test_the_python_engine_renders_after_a_library_made_a_bare_ipython_shell(project, tmp_path):
    """ipywidgets' Output (the explorer of `trendbreuk.open()`) makes IPython's InteractiveShell singleton outside any
    session; the Python engine must still render in that process. In a fresh process, so that no earlier render
    made the report shell first."""
    import sys

    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance()  # what ipywidgets.Output.append_display_data does\n"
        "from trendbreuk.geography.areas import load_regions\n"
        "from trendbreuk.reports.render import gemeente_job, render\n"
        f"root = {str(project)!r}\n"
        "job = gemeente_job('Vaals', load_regions(root + '/config/regions.yaml'))\n"
        f"print(render(job, engine='python', root=__import__('pathlib').Path(root), out_dir={str(tmp_path)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<h1>Vaals</h1>" in (tmp_path / "factsheet-GM0981-vaals.html").read_text(encoding="utf-8")
