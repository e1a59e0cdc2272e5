"""Render parameterised notebooks to self-contained HTML, with one of two engines:

- the Python engine (the default): papermill writes the parameters into the notebook, an IPython shell in this
  process executes it, and templates/page.html.j2 makes the page; the fastest way to many reports;
- Quarto (`engine="quarto"`): the same execution, then Quarto converts the executed notebooks (pandoc, its HTML
  theme, every resource embedded) with the options of notebooks/_quarto.yml, one Quarto process per core for a
  batch. `quarto render notebooks/factsheet.ipynb -P gemeente:GM0917` gives the same report with Quarto's own
  Jupyter execution.

Both engines take the same notebook and the same parameters. Each render works in its own scratch folder and
writes its result with an atomic rename, so renders never share figure folders and can run in parallel.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.geography.areas import RegionsConfig, slugify

log = logging.getLogger(__name__)

ENGINES = ("python", "quarto")
DEFAULT_ENGINE = "python"  # 0.2 s a report in a batch; Quarto about 2 s a report (README, "Renderen")
CSS_PATH = Path("lib/trendbreuk/reports/templates/trendbreuk.css")


class RenderError(RuntimeError):
    """A report that could not be rendered; the message names the report and the failing step."""


@dataclass(frozen=True)
class ReportJob:
    kind: str
    notebook: str  # relative to the project root, e.g. notebooks/factsheet.ipynb
    parameters: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    title: str = ""


def _variant(benchmark: str) -> str:
    """The file-name suffix of a report against another benchmark than the default (-nl01), so it sits beside
    the default report instead of overwriting it."""
    return f"-{benchmark.lower()}" if benchmark else ""


def gemeente_job(
    code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    """The factsheet of one gemeente, found by code or name."""
    _, gemeente = regions.locate_gemeente(code_or_name, region_key)
    parameters = {"gemeente": gemeente.code}
    if benchmark:
        parameters["benchmark"] = benchmark
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(
        kind="factsheet",
        notebook="notebooks/factsheet.ipynb",
        parameters=parameters,
        filename=f"factsheet-{gemeente.code}-{gemeente.slug}{_variant(benchmark)}.html",
        title=f"Factsheet Trendbreuk {gemeente.name}",
    )


def subregio_job(
    code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    region = regions.region(region_key)
    subregio = region.subregio(code_or_name)
    parameters = {"subregio": subregio.code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(
        kind="subregio",
        notebook="notebooks/subregio.ipynb",
        parameters=parameters,
        filename=f"subregio-{subregio.code}-{subregio.slug}{_variant(benchmark)}.html",
        title=f"Trendbreuk subregio {subregio.name}",
    )


def regio_job(
    regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(
        kind="regio",
        notebook="notebooks/regio.ipynb",
        parameters=parameters,
        filename=f"regio-{region.code}-{region.slug}{_variant(benchmark)}.html",
        title=f"Trendbreuk {region.name}: voortgang",
    )


def programma_job(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(
        kind="programma",
        notebook="notebooks/programma.ipynb",
        parameters=parameters,
        filename=f"programma-{region.code}-{region.slug}.html",
        title=f"Trendbreuk {region.name}: programma's",
    )


def area_job(
    code_or_name: str,
    regions: RegionsConfig,
    region_key: str | None = None,
    benchmark: str = "",
    dataset: str = "",
    root: Path | None = None,
) -> ReportJob:
    """The wijkprofiel of a wijk or buurt (code or name, found in the processed tables of the project at `root`) or
    of a focus area."""
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.wijk import locate

    place = locate(code_or_name, load_processed(dataset or None, root=root), regions, region_key)
    return _profile_job(place.level, place.code, place.name, place.region, benchmark, dataset)


def focus_job(
    name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    """The profile of a focus area of config/regions.yaml, in `region_key` or else in whichever region names it (no
    processed tables needed). Unknown: the message lists the configured focus areas."""
    if region_key is None:
        region_key = next(
            (r.key for r in regions.regions.values() if any(name in (f.name, f.code, f.slug) for f in r.focus_areas)),
            regions.default_region,
        )
    region = regions.region(region_key)
    area = region.focus_area(name)
    return _profile_job("focus", area.code, area.name, region, benchmark, dataset)


def _profile_job(level: str, code: str, name: str, region, benchmark: str, dataset: str) -> ReportJob:
    parameters = {"gebied": code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    stem = f"focus-{region.code}-{slugify(name)}" if level == "focus" else f"{level}-{code}-{slugify(name)}"
    return ReportJob(
        kind=level,
        notebook="notebooks/wijkprofiel.ipynb",
        parameters=parameters,
        filename=f"{stem}{_variant(benchmark)}.html",
        title=f"Trendbreuk wijkprofiel {name}",
    )


def wijken_jobs(
    gemeente: str | None,
    regions: RegionsConfig,
    region_key: str | None = None,
    benchmark: str = "",
    dataset: str = "",
    root: Path | None = None,
) -> list[ReportJob]:
    """The wijkprofiel of every wijk of a gemeente (or, without one, of every gemeente of the region) that has
    figures in the processed tables."""
    from trendbreuk.processed import load_processed

    if gemeente:
        region, found = regions.locate_gemeente(gemeente, region_key)
        codes, label = {found.code}, found.name
    else:
        region = regions.region(region_key)
        codes, label = {g.code for g in region.gemeenten}, region.name
    names = load_processed(dataset or None, root=root).small_area_names()
    wijken = names[
        (names["region"] == region.key) & (names["area_level"] == "wijk") & names["gemeente_code"].isin(codes)
    ].sort_values("area_code")
    if wijken.empty:
        raise LookupError(
            f"the processed tables hold no wijken of {label}: fetch the Kerncijfers wijken en buurten "
            "(trendbreuk fetch cbs) and build again"
        )
    return [
        _profile_job("wijk", code, name, region, benchmark, dataset)
        for code, name in zip(wijken["area_code"], wijken["area_name"])
    ]


def region_jobs(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> list[ReportJob]:
    """Every report of a region: the regional report, the programme report, the subregio reports, the factsheets
    and the profiles of its focus areas (Pluswijken)."""
    region = regions.region(region_key)
    return (
        [regio_job(regions, region.key, dataset=dataset), programma_job(regions, region.key, dataset=dataset)]
        + [subregio_job(s.code, regions, region.key, dataset=dataset) for s in region.subregios]
        + [gemeente_job(g.code, regions, region.key, dataset=dataset) for g in region.gemeenten]
        + [focus_job(f.name, regions, region.key, dataset=dataset) for f in region.focus_areas]
    )


def all_jobs(regions: RegionsConfig, dataset: str = "") -> list[ReportJob]:
    """The reports of every configured region (a national run): per region its regional report and factsheets,
    its subregio reports where it has more than one subregio, and the programme report of the default region
    (the programme's registrations are its own)."""
    jobs = []
    for region in regions.regions.values():
        jobs.append(regio_job(regions, region.key, dataset=dataset))
        if region.key == regions.default_region:
            jobs.append(programma_job(regions, region.key, dataset=dataset))
        if len(region.subregios) > 1:
            jobs += [subregio_job(s.code, regions, region.key, dataset=dataset) for s in region.subregios]
        jobs += [gemeente_job(g.code, regions, region.key, dataset=dataset) for g in region.gemeenten]
    return jobs


def choose_engine(engine: str = DEFAULT_ENGINE) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine == "quarto":
        quarto_binary()
    return engine


def render(
    job: ReportJob, *, engine: str = DEFAULT_ENGINE, root: Path | None = None, out_dir: Path | None = None
) -> Path:
    """Render one report and return the path of its HTML file."""
    root = root or paths.project_root()
    out_dir = Path(out_dir) if out_dir else paths.reports_dir(root)
    out_path = out_dir / job.filename
    if choose_engine(engine) == "quarto":
        render_quarto(job, root, out_path)
    else:
        render_python(job, root, out_path)
    return out_path


# Python engine -----------------------------------------------------------------------------------------


class NotebookShell:
    """Executes notebooks in this process, cell by cell, in an IPython shell: the interpreter that runs inside a
    Jupyter kernel, with the same display() machinery, so each cell's rich outputs (HTML, images, text) are kept
    as a kernel would keep them. A batch worker keeps one shell for all its reports: between notebooks its
    namespace is reset, while imported modules and what they read once (configuration, processed tables) stay.

    Running in-process saves a kernel start and the messaging of megabytes of output per report; the notebooks
    stay the documents, and Quarto executes the same ones in its own Jupyter kernel."""

    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell

        if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), _ReportShell):
            raise RenderError(
                "the Python engine cannot render inside a running IPython or Jupyter session; run "
                "`trendbreuk render ...` in a terminal (or `!trendbreuk render ...` in the notebook)"
            )
        self.shell = _report_shell_class().instance()

    def execute(self, notebook, *, root: Path, name: str):
        """Run every code cell of `notebook` (an nbformat node) and put its outputs into it; the working folder
        is `root` and TRENDBREUK_ROOT points at it while the cells run. Raises CellFailed on the first error."""
        import nbformat

        shell = self.shell
        # %reset without its garbage collection (0.1 s a report): forget the last notebook's names
        for variable in [n for n in shell.user_ns if n not in shell.user_ns_hidden]:
            del shell.user_ns[variable]
        saved_dir, saved_root = os.getcwd(), os.environ.get(paths.ROOT_ENV)
        os.chdir(root)
        os.environ[paths.ROOT_ENV] = str(root)
        try:
            for number, cell in enumerate(notebook.cells, start=1):
                if cell.cell_type != "code":
                    continue
                shell.collected.clear()
                from IPython.utils.capture import capture_output

                with capture_output(display=False) as streams:
                    result = shell.run_cell(cell.source, store_history=False)
                outputs = []
                for stream, text in (("stdout", streams.stdout), ("stderr", streams.stderr)):
                    if text:
                        outputs.append(nbformat.v4.new_output("stream", name=stream, text=text))
                for kind, data, metadata in shell.collected:
                    outputs.append(nbformat.v4.new_output(kind, data=data, metadata=metadata or {}))
                cell.outputs = outputs
                error = result.error_before_exec or result.error_in_exec
                if error is not None:
                    raise CellFailed(f"cell {number} of {name} failed: {type(error).__name__}: {error}") from error
        finally:
            os.chdir(saved_dir)
            if saved_root is None:
                os.environ.pop(paths.ROOT_ENV, None)
            else:
                os.environ[paths.ROOT_ENV] = saved_root
        return notebook


class CellFailed(RuntimeError):
    """A notebook cell raised; the message names the cell, the notebook and the error."""


_REPORT_SHELL = None


def _report_shell_class():
    """An IPython shell that collects display() and a cell's last value as notebook outputs instead of printing
    them (IPython's own extension points: a display publisher and a display hook)."""
    global _REPORT_SHELL
    if _REPORT_SHELL is not None:
        return _REPORT_SHELL
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.collected.append(("display_data", data, metadata))

        def clear_output(self, wait=False):
            self.shell.collected.clear()

    class Results(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.collected.append(("execute_result", format_dict, md_dict))

        def finish_displayhook(self):
            pass

    class ReportShell(_ReportShell, InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Results)

        def __init__(self, **kwargs):
            self.collected = []
            super().__init__(**kwargs)

        def init_history(self):  # no history database for executed reports
            from IPython.core.history import HistoryManager

            self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)

    _REPORT_SHELL = ReportShell
    return ReportShell


class _ReportShell:
    """Marks the shell of NotebookShell (see _report_shell_class)."""


def _parameterised(source: Path, parameters: dict):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    return parameterize_notebook(load_notebook_node(str(source)), dict(parameters))


_SHELL: NotebookShell | None = None


def execute_report(job: ReportJob, root: Path, timings: dict | None = None):
    """The job's notebook with its parameters, executed in this process's NotebookShell (an nbformat node with
    every cell's outputs). `timings`, when given, receives seconds per step."""
    global _SHELL
    timings = {} if timings is None else timings
    source = root / job.notebook
    if not source.is_file():
        raise RenderError(f"{job.filename}: notebook {source} not found")
    started = time.perf_counter()
    notebook = _parameterised(source, job.parameters)
    if _SHELL is None:
        _SHELL = NotebookShell()
    timings["parameters"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        return _SHELL.execute(notebook, root=root, name=job.notebook)
    except CellFailed as err:
        raise RenderError(f"{job.filename}: {err}") from err
    finally:
        timings["execute"] = time.perf_counter() - started


def render_python(job: ReportJob, root: Path, out_path: Path, timings: dict | None = None) -> None:
    """Execute the notebook with the job's parameters in this process and write HTML (templates/page.html.j2).
    `timings`, when given, receives seconds per step."""
    timings = {} if timings is None else timings
    notebook = execute_report(job, root, timings)
    started = time.perf_counter()
    write_python_html(job, notebook, out_path)
    timings["html"] = time.perf_counter() - started


def write_python_html(job: ReportJob, notebook, out_path: Path) -> None:
    """The executed notebook as one HTML page (templates/page.html.j2): markdown cells as text, code cells by
    their outputs only, as a report shows them. Text on stderr (warnings) goes to the log, not into the report."""
    from trendbreuk.reports.page import html_document

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                log.warning("%s: %s", job.filename, output.get("text", "").strip()[:500])
    io.write_text_atomic(out_path, html_document(job.title, notebook_html(notebook)))


def notebook_html(notebook) -> str:
    """The body of a report from an executed notebook: what nbconvert's basic template without inputs shows,
    without its second pass over the whole page (a BeautifulSoup parse that cost half of a factsheet's render)."""
    import base64

    import mistune
    from markupsafe import Markup

    markdown = mistune.create_markdown(escape=False, plugins=["table"])
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="tb-text">{markdown(cell.source)}</div>')
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout":
                    parts.append(str(Markup("<pre>{}</pre>").format(output.get("text", ""))))
                continue
            data = output.get("data", {})
            if "text/html" in data:
                parts.append(_text(data["text/html"]))
            elif "text/markdown" in data:
                parts.append(markdown(_text(data["text/markdown"])))
            elif "image/svg+xml" in data:
                parts.append(_text(data["image/svg+xml"]))
            elif "image/png" in data:
                alt = _text(data.get("text/plain", "")) or "afbeelding"
                png = data["image/png"]
                png = png if isinstance(png, str) else base64.b64encode(png).decode("ascii")
                parts.append(str(Markup('<img src="data:image/png;base64,{}" alt="{}">').format(png, alt)))
            elif "text/plain" in data:
                parts.append(str(Markup("<pre>{}</pre>").format(_text(data["text/plain"]))))
    return "\n".join(parts)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# Quarto engine -----------------------------------------------------------------------------------------
#
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
                data["text/markdown"] = raw_html_block(_text(data.pop("text/html")).replace(library, PLOTLY_MARK, 1))
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


def render_site(*, engine: str = DEFAULT_ENGINE, root: Path | None = None, out_dir: Path | None = None) -> Path:
    """The site pages around the reports: reports/index.html (every report in the folder, any region) and the
    method document. Returns the index's path."""
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.site import write_site

    root = root or paths.project_root()
    out_dir = Path(out_dir) if out_dir else paths.reports_dir(root)
    if choose_engine(engine) == "quarto":
        return render_quarto_site(root, out_dir)
    return write_site(out_dir, load_regions(paths.regions_file(root)), root)


# Batches -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderOutcome:
    job: ReportJob
    path: Path | None
    seconds: float
    error: str | None = None
    timings: dict = field(default_factory=dict)  # seconds per step: parameters, execute, html or quarto
    reused: bool = False  # its inputs had not changed since it was rendered (reports/freeze.py)


# What the notebooks import (pandas, plotly, statsmodels with them): loaded once per batch, before the first report.
REPORT_MODULES = ("trendbreuk.reports.area", "trendbreuk.reports.factsheet", "trendbreuk.reports.programme")


def step_totals(outcomes: list[RenderOutcome], wall: float, workers: int) -> dict[str, float]:
    """Seconds per step summed over a batch's reports, plus what the steps do not cover: the rest of each job, and
    the workers' start-up and idle time (wall time x workers - busy time)."""
    steps: dict[str, float] = {}
    for outcome in outcomes:
        for step, seconds in outcome.timings.items():
            steps[step] = steps.get(step, 0.0) + seconds
    busy = sum(o.seconds for o in outcomes)
    steps["other (jobs, files)"] = busy - sum(steps.values())
    steps["worker start-up and idle"] = max(0.0, wall * max(workers, 1) - busy)
    return steps


def _start_worker(parent: int | None = None) -> None:
    """Prepare a worker of render_many: the report modules and the notebook shell, once; and a watch on the process
    that started the batch, so that a worker ends when that process is gone (killed, say), instead of waiting for
    work forever."""
    global _SHELL
    import importlib
    import threading

    if parent is not None:

        def watch() -> None:
            while True:
                time.sleep(1.0)
                if not io.process_alive(parent):
                    os._exit(1)

        threading.Thread(target=watch, name="trendbreuk-parent-watch", daemon=True).start()

    for module in REPORT_MODULES:  # already there when the fork server preloaded them
        importlib.import_module(module)
    if _SHELL is None:
        _SHELL = NotebookShell()


def _worker_context():
    """Workers come from a fork server, not from a fork of the caller: the caller runs threads (the progress bar, a
    memory sampler), and forking a process while another thread holds a lock can leave the child waiting forever.
    The fork server imports the report modules once; each worker is a cheap fork of it."""
    import multiprocessing

    main = sys.modules.get("__main__")
    if main is not None and not hasattr(main, "__spec__"):
        # an IPython shell in this process (NotebookShell, Jupyter) put a module without __spec__ in its place,
        # which multiprocessing reads to prepare a new process: say there is no main module to re-import
        main.__spec__ = None
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    if os.name == "posix":
        context.set_forkserver_preload(list(REPORT_MODULES))
    return context


WORKBOOK_ENV = (paths.ROOT_ENV, paths.REPORTS_ENV, paths.REGIONS_ENV)


def _render_one(
    job: ReportJob, engine: str, root: str, out_dir: str | None, env: dict[str, str | None] | None = None
) -> RenderOutcome:
    """One job in a worker. Python engine: its HTML file into `out_dir` (default reports/). Quarto: its executed
    notebook for Quarto into `out_dir`, a scratch folder (render_many converts them in groups)."""
    start = time.perf_counter()
    timings: dict = {}
    for name, value in (env or {}).items():  # the caller's settings now, not the fork server's at its start
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        root_path = Path(root)
        folder = Path(out_dir) if out_dir else paths.reports_dir(root_path)
        if engine == "python":
            out_path = folder / job.filename
            render_python(job, root_path, out_path, timings)
        else:
            out_path = write_quarto_notebook(job, execute_report(job, root_path, timings), folder)
        return RenderOutcome(job, out_path, time.perf_counter() - start, timings=timings)
    except Exception as err:  # one failed report must not stop the others
        return RenderOutcome(job, None, time.perf_counter() - start, f"{type(err).__name__}: {err}", timings)


def _in_workers(jobs: list[ReportJob], engine: str, root: Path, out_dir: Path | None, workers: int):
    target = str(out_dir) if out_dir else None
    if not jobs:
        return
    if workers <= 1:
        for job in jobs:
            yield _render_one(job, engine, str(root), target)
        return
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_worker_context(), initializer=_start_worker, initargs=(os.getpid(),)
    ) as pool:
        env = {name: os.environ.get(name) for name in WORKBOOK_ENV}
        futures = [pool.submit(_render_one, job, engine, str(root), target, env) for job in jobs]
        for future in as_completed(futures):
            yield future.result()


def balanced_groups(sizes: dict[str, int], groups: int) -> list[list[str]]:
    """Split items into at most `groups` groups of about equal total size: largest first, each into the group with
    the least so far (longest-processing-time-first scheduling; a report's conversion time follows its size)."""
    buckets: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(groups, len(sizes))))]
    for name in sorted(sizes, key=lambda n: (-sizes[n], n)):
        total, members = min(buckets, key=lambda b: b[0])
        buckets.remove((total, members))
        buckets.append((total + sizes[name], members + [name]))
    return [members for _, members in buckets if members]


def _convert_in_groups(executed: list[RenderOutcome], root: Path, out_dir: Path, workers: int):
    """Convert executed reports with `workers` Quarto processes at once, one scratch project each; yield a
    RenderOutcome per report as its group finishes (its timings get an equal share of the group's Quarto time)."""
    from concurrent.futures import ThreadPoolExecutor

    by_name = {o.path.name: o for o in executed}
    groups = balanced_groups({name: o.path.stat().st_size for name, o in by_name.items()}, workers)

    def convert(names: list[str]):
        started = time.perf_counter()
        errors = convert_with_quarto([(by_name[n].job, by_name[n].path) for n in names], root, out_dir)
        return names, errors, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        for future in as_completed([pool.submit(convert, group) for group in groups]):
            names, errors, seconds = future.result()
            for name in names:
                done = by_name[name]
                error = errors.get(done.job.filename)
                timings = {**done.timings, "quarto": seconds / len(names)}
                yield RenderOutcome(
                    done.job,
                    None if error else Path(out_dir) / done.job.filename,
                    done.seconds + seconds / len(names),
                    error,
                    timings,
                )


def render_many(
    jobs: list[ReportJob],
    *,
    engine: str = DEFAULT_ENGINE,
    root: Path | None = None,
    out_dir: Path | None = None,
    workers: int = 2,
    reuse: bool = False,
):
    """Render jobs in `workers` processes; yield a RenderOutcome per job as it finishes. Each worker executes its
    notebooks in its own NotebookShell, so configuration and processed tables are read once per worker, not once
    per report. With Quarto, the executed notebooks are then converted by `workers` Quarto processes at once.

    With `reuse`, a report whose inputs have not changed since it was rendered into the folder is not rendered
    again (its outcome says `reused`; reports/freeze.py says what counts as an input)."""
    from trendbreuk.reports.freeze import Freeze

    root = root or paths.project_root()
    engine = choose_engine(engine)
    folder = Path(out_dir) if out_dir else paths.reports_dir(root)
    started = time.perf_counter()
    freeze = Freeze(folder, root)
    prints = {job.filename: freeze.fingerprint(job, engine) for job in jobs}
    share = (time.perf_counter() - started) / max(len(jobs), 1)
    stale = []
    for job in jobs:
        if reuse and freeze.fresh(job, prints[job.filename]):
            yield RenderOutcome(job, folder / job.filename, share, reused=True, timings={"inputs unchanged?": share})
        else:
            freeze.forget(job)
            stale.append(job)
    try:
        for outcome in _render_stale(stale, engine, root, out_dir, workers):
            freeze.record(outcome.job, None if outcome.error else prints[outcome.job.filename], outcome.path)
            yield outcome
    finally:
        freeze.save()


def _render_stale(jobs: list[ReportJob], engine: str, root: Path, out_dir: Path | None, workers: int):
    if engine == "python":
        yield from _in_workers(jobs, "python", root, out_dir, workers)
        return
    if not jobs:
        return
    out_dir = Path(out_dir) if out_dir else paths.reports_dir(root)
    with tempfile.TemporaryDirectory(prefix="trendbreuk-executed-") as scratch:
        executed = []
        for outcome in _in_workers(jobs, "quarto", root, Path(scratch), workers):
            if outcome.error:
                yield outcome
            else:
                executed.append(outcome)
        yield from _convert_in_groups(executed, root, out_dir, workers)
