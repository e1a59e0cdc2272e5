"""Every report type rendered through the Python engine on the demo data, then opened in headless Chromium:
charts drawn, no console errors, names and the demo warning present, no suppressed count visible. A screenshot
per report type is kept in tests/artifacts/."""

import base64
import json
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from trendbreuk.geography.areas import load_regions
from trendbreuk.reports.render import gemeente_job, programma_job, regio_job, render, subregio_job

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=10000",
]


@pytest.fixture(scope="module")
def reports(project, tmp_path_factory):
    regions = load_regions(project / "config" / "regions.yaml")
    out = tmp_path_factory.mktemp("reports")
    jobs = {
        "factsheet": gemeente_job("Vaals", regions),
        "subregio": subregio_job("Parkstad", regions),
        "regio": regio_job(regions),
        "programma": programma_job(regions),
    }
    return {kind: render(job, engine="python", root=project, out_dir=out) for kind, job in jobs.items()}


@pytest.mark.parametrize(
    "kind, name",
    [
        ("factsheet", "Vaals"),
        ("subregio", "Parkstad"),
        ("regio", "Zuid-Limburg"),
        ("programma", "Programma’s en bereik"),
    ],
)
def test_report_names_its_subject_and_warns_about_demo_data(reports, kind, name):
    html = reports[kind].read_text(encoding="utf-8")
    assert f"<h1>{name}</h1>" in html
    assert "DEMODATA – GEEN ECHTE CIJFERS" in html and "Bronnen en methode" in html
    assert len(re.findall(r"\* plotly\.js (?:\(basic - minified\) )?v\d", html)) == 1
    assert not re.search(r"<script[^>]+src=\"https?://", html)


def test_file_names_say_what_is_inside(reports):
    assert {p.name for p in reports.values()} == {
        "factsheet-GM0981-vaals.html",
        "subregio-PS-parkstad.html",
        "regio-ZL-zuid-limburg.html",
        "programma-ZL-zuid-limburg.html",
    }


def test_no_suppressed_count_appears_in_any_report_or_download(reports, project):
    """Read the programme report as an outsider would: every CSV download (one per programme measure, areas by
    year). Each cell the disclosure control hid must read '<10' or 'x', and no download holds a count from 1 to 9."""
    from io import StringIO

    import pandas as pd

    from trendbreuk.processed import load_processed
    from trendbreuk.sources.programmes import load_programmes

    about_people = {
        (p.id, m.id)
        for p in load_programmes(project / "config" / "programmes.yaml").programmes
        for m in p.measures
        if m.disclosure
    }
    shared = load_processed(root=project).registrations_shared
    html = reports["programma"].read_text(encoding="utf-8")
    links = re.findall(
        r'download="programma-([a-z_]+)-([a-z_]+)\.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', html
    )
    assert len(links) >= 8
    checked = 0
    for programme, measure, payload in links:
        table = pd.read_csv(
            StringIO(base64.b64decode(payload).decode("utf-8-sig")), sep=";", dtype=str, keep_default_na=False
        ).set_index("Gebied")
        for cell in table.to_numpy().ravel() if (programme, measure) in about_people else []:
            assert not (cell.isdigit() and 1 <= int(cell) <= 9), f"{programme}/{measure}: a count below 10: {cell}"
        hidden = shared[
            (shared["programme"] == programme) & (shared["measure"] == measure) & (shared["suppressed"] != "")
        ]
        for row in hidden.itertuples():
            assert table.loc[row.area_name, str(row.year)] in ("<10", "x"), (
                programme,
                measure,
                row.area_name,
                row.year,
            )
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("kind", ["factsheet", "subregio", "regio", "programma"])
def test_report_in_headless_chromium(reports, kind, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser checks not run")
    url = reports[kind].as_uri()
    flags = CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    result = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180)
    dom = result.stdout
    charts = reports[kind].read_text(encoding="utf-8").count("Plotly.newPlot(")
    assert charts >= 1
    assert dom.count('class="main-svg"') >= charts, "not every chart was drawn"
    console_errors = [l for l in result.stderr.splitlines() if "CONSOLE" in l and ("Error" in l or "ERROR" in l)]
    assert not console_errors, console_errors[:3]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{kind}.png"
    subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        timeout=180,
    )
    assert shot.is_file() and shot.stat().st_size > 30_000


def test_exploration_notebook_runs(project, tmp_path):
    """The notebook a researcher opens first must run top to bottom on the demo data."""
    import papermill

    papermill.execute_notebook(
        str(ROOT / "notebooks" / "verkennen.ipynb"),
        str(tmp_path / "out.ipynb"),
        cwd=str(project),
        kernel_name="python3",
        progress_bar=False,
    )
    import nbformat

    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps([o.get("data", o.get("text", "")) for o in outputs])
    assert "demodata: True" in text and "application/vnd.plotly.v1+json" in text


def test_batch_in_warm_workers_gives_the_same_reports_and_survives_a_failure(project, reports, tmp_path):
    """render_many reuses one notebook shell per worker; the result must equal a cold render (apart from papermill's random
    id of the injected-parameters cell), and a failing report must not break the next one in the same worker."""
    from dataclasses import replace

    from trendbreuk.reports.render import render_many

    regions = load_regions(project / "config" / "regions.yaml")
    broken = replace(
        gemeente_job("Heerlen", regions),
        parameters={"gemeente": "GM0917", "dataset": "bestaat-niet"},
        filename="kapot.html",
    )
    jobs = [broken, gemeente_job("Vaals", regions), regio_job(regions)]
    outcomes = {
        o.job.filename: o for o in render_many(jobs, engine="python", root=project, out_dir=tmp_path, workers=2)
    }
    assert "bestaat-niet" in outcomes["kapot.html"].error and outcomes["kapot.html"].path is None
    strip = lambda text: re.sub(r'id="cell-id=[0-9a-f]+"', "", text)
    for kind, name in (("factsheet", "factsheet-GM0981-vaals.html"), ("regio", "regio-ZL-zuid-limburg.html")):
        assert outcomes[name].error is None
        assert strip(outcomes[name].path.read_text(encoding="utf-8")) == strip(
            reports[kind].read_text(encoding="utf-8")
        )


def test_second_region_renders_every_report_type(project, tmp_path):
    """Nothing may assume Zuid-Limburg: the reports of Noord- en Midden-Limburg render too (its demo data has no
    programme registrations, which the programme report must say rather than show another region's)."""
    regions = load_regions(project / "config" / "regions.yaml")
    key = "noord-en-midden-limburg"
    jobs = [
        gemeente_job("Venlo", regions, key),
        subregio_job("Midden-Limburg", regions, key),
        regio_job(regions, key),
        programma_job(regions, key),
    ]
    htmls = [render(job, engine="python", root=project, out_dir=tmp_path).read_text(encoding="utf-8") for job in jobs]
    assert "<h1>Venlo</h1>" in htmls[0] and "Programma’s van Trendbreuk" not in htmls[0]
    assert "<h1>Midden-Limburg</h1>" in htmls[1] and "<h1>Noord- en Midden-Limburg</h1>" in htmls[2]
    assert "Er zijn geen programmaregistraties van Noord- en Midden-Limburg ingelezen" in htmls[3]
    assert "Heerlen" not in htmls[3]


def _breaks_section(html_text: str) -> str:
    """From the section's heading to the next report section's heading."""
    start = html_text.index("<h2>Is er een trendbreuk?</h2>")
    end = html_text.find("<h2", start + 10)
    return html_text[start : end if end > 0 else len(html_text)]


def test_the_regional_report_finds_the_breaks_the_demo_was_made_with(reports):
    # config/demo.yaml gives bijstand and kinderen_armoede a gap that narrows faster from 2018 on (break_trend < 0) and
    # kinderen_overgewicht one that widens (break_trend > 0); the surveys have two rounds before 2018.
    import html as html_lib

    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", _breaks_section(reports["regio"].read_text(encoding="utf-8"))))
    text = re.sub(r"\s+", " ", text)
    for label in ("trendbreuk zichtbaar", "trend verslechterd", "trend onveranderd", "te weinig jaren"):
        assert label in text
    assert re.search(r"Personen met bijstand [-0-9,]+ [-0-9,]+ ▼ trendbreuk zichtbaar", text)
    assert re.search(r"Kinderen in armoede [-0-9,]+ [-0-9,]+ ▼ trendbreuk zichtbaar", text)
    assert re.search(r"Kinderen met overgewicht [-0-9,]+ [-0-9,]+ ▲ trend verslechterd", text)
    assert re.search(r"Rokers – – – te weinig jaren 2 metingen vóór 2018: niet vast te stellen", text)


def test_every_report_with_a_series_asks_whether_the_trend_breaks(reports):
    for kind in ("factsheet", "subregio", "regio"):
        html_text = reports[kind].read_text(encoding="utf-8")
        section = _breaks_section(html_text)
        # a chart per analysed indicator (a fold each), described in words with the course before continued
        charts = section.count('class="tb-figure"')
        assert charts > 0 and charts == section.count('<section class="tb-indicator">')
        assert "als het verloop van vóór 2018 was doorgegaan" in section
