"""The Quarto engine: the notebooks are executed as the Python engine does (reports/python_engine.py), then Quarto
converts the executed notebooks (pandoc, its HTML theme, every resource embedded) with the options of
notebooks/_quarto.yml, one Quarto process per core for a batch. `quarto render notebooks/factsheet.ipynb -P
gemeente:GM0917` gives the same report with Quarto's own Jupyter execution. Quarto is not installed by the
workbook: users run their own (`quarto` on PATH)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.reports.jobs import RenderError, ReportJob
from trendbreuk.reports.python_engine import execute_report, output_text

CSS_PATH = Path("lib/trendbreuk/reports/templates/trendbreuk.css")

# The reports' Quarto options live in notebooks/_quarto.yml (a plain project: one self-contained HTML file per
# notebook). Quarto cannot expand one parameterised notebook into many pages (quarto-dev/quarto-cli#864) and its
# Jupyter execution costs seconds per report, so the workbook executes the notebooks itself (execute_report, the
# same code as the Python engine) and hands Quarto the executed notebooks with execution switched off: one
# `quarto render` of a scratch project converts many reports and pays Quarto's start-up once. `_quarto.yml` at the
# top is the website (index.qmd, docs/methode.md); render_quarto_site renders it for the reports folder.

REPORT_PROJECT = Path("notebooks") / "_quarto.yml"
SITE_PROJECT = "_quarto.yml"
SITE_SOURCES = ("index.qmd", "docs/methode.md", "docs/verkennen.md")


def quarto_binary() -> str:
    """The `quarto` on PATH, or the one running us (QUARTO_BIN_PATH, set by Quarto for a pre-render script)."""
    quarto = shutil.which("quarto")
    if quarto is None and os.environ.get("QUARTO_BIN_PATH"):
        quarto = shutil.which("quarto", path=os.environ["QUARTO_BIN_PATH"])
    if quarto is None:
        raise RenderError(
            "engine 'quarto' asked for, but no `quarto` on PATH; install Quarto "
            "(README, 'Renderen met Quarto') or use --engine python"
        )
    return quarto


def quarto_report_project(root: Path) -> dict:
    """The project file for converting executed reports: notebooks/_quarto.yml with execution switched off (the
    workbook has executed them) and every notebook in the folder rendered."""
    import yaml

    config = yaml.safe_load((root / REPORT_PROJECT).read_text(encoding="utf-8")) or {}
    config["project"] = {"type": "default"}
    config.setdefault("execute", {})["enabled"] = False
    return config


# Stands in for plotly.js (1.2 MB, the same in every report) while Quarto converts a report; put back afterwards.
# Quarto has nothing to do with the library, and passing it through pandoc twice and Quarto's HTML post-processing
# cost about a third of each report's conversion (measured: 8 reports 19.4 s -> 12.7 s).
PLOTLY_MARK = "/* trendbreuk: plotly.js, put back after Quarto */"


def quarto_notebook(job: ReportJob, notebook):
    """An executed notebook as Quarto converts it: its front matter (the first raw cell) with the report's title,
    and every HTML output as a raw HTML block of markdown, as page.HTML shows itself in a kernel that Quarto runs
    (Quarto leaves the block untouched, and adds no require.js or jQuery from a CDN for it); plotly.js replaced by
    PLOTLY_MARK (see with_plotly)."""
    import nbformat
    import yaml

    from trendbreuk.reports.page import plotly_library, raw_html_block

    front = {}
    if notebook.cells and notebook.cells[0].cell_type == "raw":
        front = yaml.safe_load(notebook.cells[0].source.strip().strip("-")) or {}
        notebook.cells.pop(0)
    front["pagetitle"] = job.title
    notebook.cells.insert(0, nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---"))
    library = plotly_library()[0]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/markdown"] = raw_html_block(
                    output_text(data.pop("text/html")).replace(library, PLOTLY_MARK, 1)
                )
    return notebook


def with_plotly(html: str, document: Path) -> str:
    """A page converted by Quarto with plotly.js back in the place of PLOTLY_MARK, which must be there exactly as
    often as in the document Quarto was given (once, or not at all in a report without charts)."""
    from trendbreuk.reports.page import plotly_library

    expected = int(PLOTLY_MARK in document.read_text(encoding="utf-8"))
    if html.count(PLOTLY_MARK) != expected:
        raise RenderError(
            f"{document.name}: Quarto's output holds the stand-in for plotly.js "
            f"{html.count(PLOTLY_MARK)} times instead of {expected}"
        )
    return html.replace(PLOTLY_MARK, plotly_library()[0])


def write_quarto_notebook(job: ReportJob, notebook, folder: Path) -> Path:
    import nbformat

    path = Path(folder) / Path(job.filename).with_suffix(".ipynb").name
    nbformat.write(quarto_notebook(job, notebook), str(path))
    return path


def _quarto_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a Quarto process we start: the caller's, without what a Quarto that runs us set for its
    own project (we may be its pre-render script), plus the project root and this Python."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("QUARTO_PROJECT")}
    return {**env, paths.ROOT_ENV: str(root), "QUARTO_PYTHON": sys.executable, **extra}


def _run_quarto(command: list[str], work: Path, env: dict, what: str) -> None:
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(f"{what}: quarto failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def convert_with_quarto(documents: list[tuple[ReportJob, Path]], root: Path, out_dir: Path) -> dict[str, str | None]:
    """Convert executed notebooks (from write_quarto_notebook) to self-contained HTML with one `quarto render` of a
    scratch project, and put each file in `out_dir` (atomically). Returns an error message per report file name,
    None where it succeeded; when Quarto fails on a batch, each report is tried alone so that one failure is named
    and does not take the others with it."""
    import yaml

    quarto = quarto_binary()
    if not documents:
        return {}
    with tempfile.TemporaryDirectory(prefix="trendbreuk-quarto-") as scratch:
        work = Path(scratch) / REPORT_PROJECT.parent
        work.mkdir(parents=True)
        css = resources.files("trendbreuk.reports") / "templates" / "trendbreuk.css"
        (Path(scratch) / CSS_PATH).parent.mkdir(parents=True, exist_ok=True)
        (Path(scratch) / CSS_PATH).write_text(css.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "_quarto.yml").write_text(
            yaml.safe_dump(quarto_report_project(root), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        for _, document in documents:
            shutil.copy2(document, work / document.name)
        names = [document.name for _, document in documents]
        what = documents[0][0].filename if len(documents) == 1 else f"{len(documents)} reports"
        try:
            _run_quarto([quarto, "render", *names, "--to", "html"], work, _quarto_env(root), what)
        except RenderError as err:
            if len(documents) == 1:
                return {documents[0][0].filename: str(err)}
            errors: dict[str, str | None] = {}
            for item in documents:
                errors.update(convert_with_quarto([item], root, out_dir))
            return errors
        errors = {}
        for job, document in documents:
            produced = work / document.with_suffix(".html").name
            if produced.is_file():
                try:
                    page = with_plotly(produced.read_text(encoding="utf-8"), work / document.name)
                except RenderError as err:
                    errors[job.filename] = f"{job.filename}: {err}"
                    continue
                io.write_text_atomic(Path(out_dir) / job.filename, page)
                errors[job.filename] = None
            else:
                errors[job.filename] = f"{job.filename}: quarto finished but wrote no {produced.name} in {work}"
        return errors


def render_quarto(job: ReportJob, root: Path, out_path: Path, timings: dict | None = None) -> None:
    """Execute the report in this process and convert it with Quarto."""
    timings = {} if timings is None else timings
    notebook = execute_report(job, root, timings)
    with tempfile.TemporaryDirectory(prefix="trendbreuk-executed-") as folder:
        document = write_quarto_notebook(job, notebook, Path(folder))
        started = time.perf_counter()
        error = convert_with_quarto([(job, document)], root, out_path.parent)[job.filename]
        timings["quarto"] = time.perf_counter() - started
    if error:
        raise RenderError(error)


def quarto_site_project(root: Path) -> dict:
    """`_quarto.yml` for rendering the website around a folder of reports: without its pre-render step, which
    renders the reports themselves on a plain `quarto render`."""
    import yaml

    config = yaml.safe_load((root / SITE_PROJECT).read_text(encoding="utf-8")) or {}
    config.get("project", {}).pop("pre-render", None)
    return config


def render_quarto_site(root: Path, out_dir: Path) -> Path:
    """Render the website of `_quarto.yml` (index.qmd lists the reports in `out_dir`; docs/methode.md) in a
    scratch folder and copy its output (pages, site_libs, search index) into `out_dir`, file by file."""
    import yaml

    quarto = quarto_binary()
    config = quarto_site_project(root)
    site_dir = config.get("project", {}).get("output-dir", "_site")
    with tempfile.TemporaryDirectory(prefix="trendbreuk-quarto-site-") as scratch:
        work = Path(scratch)
        for relative in SITE_SOURCES:
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, work / relative)
        css = resources.files("trendbreuk.reports") / "templates" / "trendbreuk.css"
        (work / CSS_PATH).parent.mkdir(parents=True, exist_ok=True)
        (work / CSS_PATH).write_text(css.read_text(encoding="utf-8"), encoding="utf-8")
        (work / SITE_PROJECT).write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        env = _quarto_env(root, **{paths.REPORTS_ENV: str(out_dir)})
        _run_quarto([quarto, "render", "--to", "html"], work, env, "site index")
        produced = work / site_dir
        if not (produced / "index.html").is_file():
            raise RenderError(f"site index: quarto finished but wrote no {site_dir}/index.html under {work}")
        for path in sorted(p for p in produced.rglob("*") if p.is_file()):
            io.write_bytes_atomic(Path(out_dir) / path.relative_to(produced), path.read_bytes())
    return Path(out_dir) / "index.html"
