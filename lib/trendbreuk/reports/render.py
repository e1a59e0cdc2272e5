"""Render parameterised notebooks to self-contained HTML, with Quarto when it is on PATH and otherwise with
the pure-Python engine (papermill writes the parameters into the notebook, a Jupyter kernel executes it, nbconvert
turns it into HTML).

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
from trendbreuk.geography.areas import RegionsConfig

log = logging.getLogger(__name__)

ENGINES = ("auto", "python", "quarto")
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


def gemeente_job(code_or_name: str, regions: RegionsConfig, region_key: str | None = None,
                 benchmark: str = "", dataset: str = "") -> ReportJob:
    """The factsheet of one gemeente, found by code or name."""
    _, gemeente = regions.locate_gemeente(code_or_name, region_key)
    parameters = {"gemeente": gemeente.code}
    if benchmark:
        parameters["benchmark"] = benchmark
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(kind="factsheet", notebook="notebooks/factsheet.ipynb", parameters=parameters,
                     filename=f"factsheet-{gemeente.code}-{gemeente.slug}{_variant(benchmark)}.html",
                     title=f"Factsheet Trendbreuk {gemeente.name}")


def subregio_job(code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "",
                 dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    subregio = region.subregio(code_or_name)
    parameters = {"subregio": subregio.code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(kind="subregio", notebook="notebooks/subregio.ipynb", parameters=parameters,
                     filename=f"subregio-{subregio.code}-{subregio.slug}{_variant(benchmark)}.html", title=f"Trendbreuk subregio {subregio.name}")


def regio_job(regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(kind="regio", notebook="notebooks/regio.ipynb", parameters=parameters,
                     filename=f"regio-{region.code}-{region.slug}{_variant(benchmark)}.html", title=f"Trendbreuk {region.name}: voortgang")


def programma_job(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(kind="programma", notebook="notebooks/programma.ipynb", parameters=parameters,
                     filename=f"programma-{region.code}-{region.slug}.html", title=f"Trendbreuk {region.name}: programma's")


def region_jobs(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> list[ReportJob]:
    """Every report of a region: the regional report, the programme report, the subregio reports, the factsheets."""
    region = regions.region(region_key)
    return ([regio_job(regions, region.key, dataset=dataset), programma_job(regions, region.key, dataset=dataset)]
            + [subregio_job(s.code, regions, region.key, dataset=dataset) for s in region.subregios]
            + [gemeente_job(g.code, regions, region.key, dataset=dataset) for g in region.gemeenten])


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


def choose_engine(engine: str = "auto") -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "python"
    if engine == "quarto" and not shutil.which("quarto"):
        raise RenderError("engine 'quarto' asked for, but no `quarto` on PATH; install Quarto or use --engine python")
    return engine


def render(job: ReportJob, *, engine: str = "auto", root: Path | None = None, out_dir: Path | None = None) -> Path:
    """Render one report and return the path of its HTML file."""
    root = root or paths.project_root()
    out_dir = Path(out_dir) if out_dir else paths.reports_dir(root)
    out_path = out_dir / job.filename
    chosen = choose_engine(engine)
    if chosen == "quarto":
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
            raise RenderError("the Python engine cannot render inside a running IPython or Jupyter session; run "
                              "`trendbreuk render ...` in a terminal (or `!trendbreuk render ...` in the notebook)")
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


def render_python(job: ReportJob, root: Path, out_path: Path, timings: dict | None = None) -> None:
    """Execute the notebook with the job's parameters (papermill's parameter cell) in this process's
    NotebookShell and write HTML. `timings`, when given, receives seconds per step."""
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
        notebook = _SHELL.execute(notebook, root=root, name=job.notebook)
    except CellFailed as err:
        raise RenderError(f"{job.filename}: {err}") from err
    finally:
        timings["execute"] = time.perf_counter() - started
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
    import html

    import mistune

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
                    parts.append(f"<pre>{html.escape(output.get('text', ''))}</pre>")
                continue
            data = output.get("data", {})
            if "text/html" in data:
                parts.append(_text(data["text/html"]))
            elif "text/markdown" in data:
                parts.append(markdown(_text(data["text/markdown"])))
            elif "image/svg+xml" in data:
                parts.append(_text(data["image/svg+xml"]))
            elif "image/png" in data:
                alt = html.escape(_text(data.get("text/plain", "")) or "afbeelding")
                png = data["image/png"]
                png = png if isinstance(png, str) else base64.b64encode(png).decode("ascii")
                parts.append(f'<img src="data:image/png;base64,{png}" alt="{alt}">')
            elif "text/plain" in data:
                parts.append(f"<pre>{html.escape(_text(data['text/plain']))}</pre>")
    return "\n".join(parts)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# Quarto engine -----------------------------------------------------------------------------------------
#
# `_quarto.yml` describes the website: index.qmd and docs/methode.md, rendered into reports/. Quarto cannot expand
# one parameterised document into many pages of a website (quarto-dev/quarto-cli#864), and `embed-resources` does
# not belong in a website project (quarto-cli#5748, #11316). So each report is rendered on its own in a scratch
# folder, with a project file derived from `_quarto.yml` (type default, embed-resources: true): one self-contained
# HTML file per report, in the same folder as the site pages that list it.

QUARTO_PROJECT = "_quarto.yml"
SITE_SOURCES = ("index.qmd", "docs/methode.md")


def quarto_command(job: ReportJob, quarto: str = "quarto") -> list[str]:
    """The `quarto render` command line for a job, run from a scratch copy of the project's documents."""
    command = [quarto, "render", job.notebook, "--to", "html", "--execute", "--output", job.filename,
               "--metadata", f"pagetitle:{job.title}"]
    for name, value in job.parameters.items():
        command += ["-P", f"{name}:{value}"]
    return command


def quarto_report_project(root: Path) -> dict:
    """The project file for rendering one report: `_quarto.yml`'s execution and HTML options, as a plain
    (non-website) project, with every resource embedded so that the file can be mailed."""
    import yaml

    config = yaml.safe_load((root / QUARTO_PROJECT).read_text(encoding="utf-8")) or {}
    config.pop("website", None)
    config["project"] = {"type": "default"}
    html = config.setdefault("format", {}).setdefault("html", {})
    html["embed-resources"] = True
    return config


def _quarto_scratch(root: Path, work: Path, files: tuple[str, ...]) -> None:
    for relative in files:
        (work / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, work / relative)
    css = resources.files("trendbreuk.reports") / "templates" / "trendbreuk.css"
    (work / CSS_PATH).parent.mkdir(parents=True, exist_ok=True)
    (work / CSS_PATH).write_text(css.read_text(encoding="utf-8"), encoding="utf-8")


def _quarto_binary() -> str:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("no `quarto` on PATH")
    return quarto


def _run_quarto(command: list[str], work: Path, env: dict, what: str) -> None:
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(f"{what}: quarto failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def render_quarto(job: ReportJob, root: Path, out_path: Path) -> None:
    import yaml

    quarto = _quarto_binary()
    with tempfile.TemporaryDirectory(prefix="trendbreuk-quarto-") as scratch:
        work = Path(scratch)
        _quarto_scratch(root, work, (job.notebook,))
        (work / QUARTO_PROJECT).write_text(yaml.safe_dump(quarto_report_project(root), allow_unicode=True,
                                                          sort_keys=False), encoding="utf-8")
        env = {**os.environ, paths.ROOT_ENV: str(root), "QUARTO_PYTHON": sys.executable}
        _run_quarto(quarto_command(job, quarto), work, env, job.filename)
        produced = sorted(work.rglob(job.filename))
        if not produced:
            raise RenderError(f"{job.filename}: quarto finished but wrote no {job.filename} under {work}")
        io.write_bytes_atomic(out_path, produced[0].read_bytes())


def render_quarto_site(root: Path, out_dir: Path) -> Path:
    """Render the website of `_quarto.yml` (index.qmd lists the reports in `out_dir`; docs/methode.md) in a
    scratch folder and copy its output (pages, site_libs, search index) into `out_dir`, file by file."""
    import yaml

    quarto = _quarto_binary()
    config = yaml.safe_load((root / QUARTO_PROJECT).read_text(encoding="utf-8")) or {}
    site_dir = config.get("project", {}).get("output-dir", "_site")
    with tempfile.TemporaryDirectory(prefix="trendbreuk-quarto-site-") as scratch:
        work = Path(scratch)
        _quarto_scratch(root, work, (QUARTO_PROJECT, *SITE_SOURCES))
        env = {**os.environ, paths.ROOT_ENV: str(root), paths.REPORTS_ENV: str(out_dir), "QUARTO_PYTHON": sys.executable}
        _run_quarto([quarto, "render", "--to", "html"], work, env, "site index")
        produced = work / site_dir
        if not (produced / "index.html").is_file():
            raise RenderError(f"site index: quarto finished but wrote no {site_dir}/index.html under {work}")
        for path in sorted(p for p in produced.rglob("*") if p.is_file()):
            io.write_bytes_atomic(Path(out_dir) / path.relative_to(produced), path.read_bytes())
    return Path(out_dir) / "index.html"


def render_site(*, engine: str = "auto", root: Path | None = None, out_dir: Path | None = None) -> Path:
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
    timings: dict = field(default_factory=dict)  # seconds per step: parameters, execute, html (python engine)


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


def _start_worker() -> None:
    """Prepare a worker of render_many for the Python engine: the report modules and the shell, once."""
    global _SHELL
    import importlib

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


def _render_one(job: ReportJob, engine: str, root: str, out_dir: str | None,
                env: dict[str, str | None] | None = None) -> RenderOutcome:
    start = time.perf_counter()
    timings: dict = {}
    for name, value in (env or {}).items():  # the caller's settings now, not the fork server's at its start
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        root_path = Path(root)
        out_path = (Path(out_dir) if out_dir else paths.reports_dir(root_path)) / job.filename
        if engine == "python":
            render_python(job, root_path, out_path, timings)
        else:
            render(job, engine=engine, root=root_path, out_dir=out_path.parent)
        return RenderOutcome(job, out_path, time.perf_counter() - start, timings=timings)
    except Exception as err:  # one failed report must not stop the others
        return RenderOutcome(job, None, time.perf_counter() - start, f"{type(err).__name__}: {err}", timings)


def render_many(jobs: list[ReportJob], *, engine: str = "auto", root: Path | None = None,
                out_dir: Path | None = None, workers: int = 2, progress=None):
    """Render jobs in `workers` processes; yield a RenderOutcome per job as it finishes. With the Python engine
    each worker executes its notebooks in its own NotebookShell, so configuration and processed tables are read
    once per worker, not once per report."""
    root = root or paths.project_root()
    engine = choose_engine(engine)
    target = str(out_dir) if out_dir else None
    if workers <= 1:
        for job in jobs:
            yield _render_one(job, engine, str(root), target)
        return
    warm = dict(initializer=_start_worker) if engine == "python" else {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(), **warm) as pool:
        env = {name: os.environ.get(name) for name in WORKBOOK_ENV}
        futures = [pool.submit(_render_one, job, engine, str(root), target, env) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
