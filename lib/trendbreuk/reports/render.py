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

class WarmKernel:
    """One Jupyter kernel reused for a series of reports, so that a batch does not pay the kernel start-up and
    the imports (pandas, plotly, statsmodels) for every report. Between reports the kernel's namespace is reset
    (%reset -f); modules stay imported. A dead kernel is restarted.

    The kernel talks over local IPC sockets where the platform has them (no open TCP port, and no
    "running over TCP without encryption" warning), and one client is kept for the kernel's life."""

    def __init__(self, root: Path):
        from jupyter_client.manager import KernelManager

        self.root = Path(root)
        self.km = KernelManager(kernel_name="python3", transport="ipc" if os.name == "posix" else "tcp")
        if self.km.transport == "ipc":
            self.km.ip = str(Path(tempfile.mkdtemp(prefix="trendbreuk-kernel-")) / "kernel")
        self.km.start_kernel(cwd=str(self.root), env={**os.environ, paths.ROOT_ENV: str(self.root)})
        self.kc = self._client()

    def _client(self):
        kc = self.km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        return kc

    def execute(self, notebook, timeout: int = 600):
        from nbclient import NotebookClient

        if not self.km.is_alive():
            self.kc.stop_channels()
            self.km.restart_kernel(now=True)
            self.kc = self._client()
        self.kc.execute_interactive("get_ipython().run_line_magic('reset', '-f')", timeout=60)
        client = NotebookClient(notebook, km=self.km, timeout=timeout, allow_errors=False)
        client.kc = self.kc
        return client.execute()

    def shutdown(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        if self.km.transport == "ipc":
            shutil.rmtree(Path(self.km.ip).parent, ignore_errors=True)

    def __enter__(self) -> "WarmKernel":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _parameterised(source: Path, parameters: dict):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    return parameterize_notebook(load_notebook_node(str(source)), dict(parameters))


def render_python(job: ReportJob, root: Path, out_path: Path, kernel: WarmKernel | None = None) -> None:
    """Execute the notebook with the job's parameters (papermill's parameter cell; in `kernel` when given,
    otherwise in a kernel of its own) and write HTML."""
    from nbclient.exceptions import CellExecutionError

    source = root / job.notebook
    if not source.is_file():
        raise RenderError(f"{job.filename}: notebook {source} not found")
    if kernel is None:
        with WarmKernel(root) as own:
            return render_python(job, root, out_path, kernel=own)
    try:
        notebook = kernel.execute(_parameterised(source, job.parameters))
    except CellExecutionError as err:
        message = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise RenderError(f"{job.filename}: a cell of {job.notebook} failed: {message}") from err
    write_python_html(job, notebook, out_path)


def write_python_html(job: ReportJob, notebook, out_path: Path) -> None:
    from nbconvert import HTMLExporter

    from trendbreuk.reports.page import html_document

    for cell in notebook.cells:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("name") == "stderr":
                    log.warning("%s: %s", job.filename, output.get("text", "").strip()[:500])
            cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(notebook)
    page = html_document(job.title, body)
    io.write_text_atomic(out_path, page)


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
    return write_site(out_dir, load_regions(paths.config_dir(root) / "regions.yaml"), root)


# Batches -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RenderOutcome:
    job: ReportJob
    path: Path | None
    seconds: float
    error: str | None = None


_WORKER_KERNEL: WarmKernel | None = None  # one per worker process of render_many (a resource pool of one)


def _start_worker_kernel(root: str) -> None:
    from multiprocessing.util import Finalize

    global _WORKER_KERNEL
    _WORKER_KERNEL = WarmKernel(Path(root))
    # worker processes end without running atexit handlers; multiprocessing's finalizers do run
    Finalize(_WORKER_KERNEL, _WORKER_KERNEL.shutdown, exitpriority=10)


def _render_one(job: ReportJob, engine: str, root: str, out_dir: str | None) -> RenderOutcome:
    start = time.perf_counter()
    try:
        root_path = Path(root)
        out_path = (Path(out_dir) if out_dir else paths.reports_dir(root_path)) / job.filename
        if engine == "python" and _WORKER_KERNEL is not None:
            render_python(job, root_path, out_path, kernel=_WORKER_KERNEL)
        else:
            render(job, engine=engine, root=root_path, out_dir=out_path.parent)
        return RenderOutcome(job, out_path, time.perf_counter() - start)
    except Exception as err:  # one failed report must not stop the others
        return RenderOutcome(job, None, time.perf_counter() - start, f"{type(err).__name__}: {err}")


def render_many(jobs: list[ReportJob], *, engine: str = "auto", root: Path | None = None,
                out_dir: Path | None = None, workers: int = 2, progress=None):
    """Render jobs in `workers` processes; yield a RenderOutcome per job as it finishes."""
    root = root or paths.project_root()
    engine = choose_engine(engine)
    if workers <= 1:
        for job in jobs:
            outcome = _render_one(job, engine, str(root), str(out_dir) if out_dir else None)
            yield outcome
        return
    warm = dict(initializer=_start_worker_kernel, initargs=(str(root),)) if engine == "python" else {}
    with ProcessPoolExecutor(max_workers=workers, **warm) as pool:
        futures = [pool.submit(_render_one, job, engine, str(root), str(out_dir) if out_dir else None) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
