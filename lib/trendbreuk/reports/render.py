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

from trendbreuk import __version__, io, paths
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


def gemeente_job(code_or_name: str, regions: RegionsConfig, region_key: str | None = None,
                 benchmark: str = "", dataset: str = "") -> ReportJob:
    """The factsheet of one gemeente, found by code or name."""
    _, gemeente = regions.locate_gemeente(code_or_name, region_key)
    parameters = {"gemeente": gemeente.code}
    if benchmark:
        parameters["benchmark"] = benchmark
    if dataset:
        parameters["dataset"] = dataset
    suffix = f"-{benchmark.lower()}" if benchmark else ""
    return ReportJob(kind="factsheet", notebook="notebooks/factsheet.ipynb", parameters=parameters,
                     filename=f"factsheet-{gemeente.code}-{gemeente.slug}{suffix}.html",
                     title=f"Factsheet Trendbreuk {gemeente.name}")


def subregio_job(code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "",
                 dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    subregio = region.subregio(code_or_name)
    parameters = {"subregio": subregio.code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(kind="subregio", notebook="notebooks/subregio.ipynb", parameters=parameters,
                     filename=f"subregio-{subregio.code}-{subregio.slug}.html", title=f"Trendbreuk subregio {subregio.name}")


def regio_job(regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(kind="regio", notebook="notebooks/regio.ipynb", parameters=parameters,
                     filename=f"regio-{region.code}-{region.slug}.html", title=f"Trendbreuk {region.name}: voortgang")


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


KIND_TITLES = {"regio": "Regionale voortgangsrapportage", "programma": "Programma's en bereik",
               "subregio": "Subregio's", "factsheet": "Factsheets per gemeente"}


def write_index(out_dir: Path, jobs: list[ReportJob], region_name: str, demo: bool) -> Path:
    """reports/index.html: every report of the batch by type, with links (works for both engines)."""
    import html as _html

    from jinja2 import Template

    sections = []
    for kind, title in KIND_TITLES.items():
        items = [j for j in jobs if j.kind == kind and (out_dir / j.filename).is_file()]
        if items:
            links = "".join(f'<li><a href="{_html.escape(j.filename)}">{_html.escape(j.title.replace("Trendbreuk ", "").replace("Factsheet ", ""))}</a></li>'
                            for j in items)
            sections.append(f"<h2>{_html.escape(title)}</h2><ul>{links}</ul>")
    banner = ('<div class="tb-demo" role="alert"><strong>DEMODATA – GEEN ECHTE CIJFERS.</strong> Deze rapporten zijn '
              "gemaakt met verzonnen cijfers om de werkwijze te tonen.</div>") if demo else ""
    templates = resources.files("trendbreuk.reports") / "templates"
    page = Template((templates / "page.html.j2").read_text(encoding="utf-8")).render(
        title=f"Trendbreuk {region_name}: rapporten", css=(templates / "trendbreuk.css").read_text(encoding="utf-8"),
        body=banner + f"<h1>Trendbreuk {_html.escape(region_name)}: rapporten</h1>" + "".join(sections), version=__version__)
    target = out_dir / "index.html"
    io.write_text_atomic(target, page)
    return target


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
    from jinja2 import Template
    from nbconvert import HTMLExporter

    for cell in notebook.cells:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("name") == "stderr":
                    log.warning("%s: %s", job.filename, output.get("text", "").strip()[:500])
            cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(notebook)
    templates = resources.files("trendbreuk.reports") / "templates"
    page = Template((templates / "page.html.j2").read_text(encoding="utf-8")).render(
        title=job.title, css=(templates / "trendbreuk.css").read_text(encoding="utf-8"), body=body,
        version=__version__,
    )
    io.write_text_atomic(out_path, page)


# Quarto engine -----------------------------------------------------------------------------------------

def quarto_command(job: ReportJob, quarto: str = "quarto") -> list[str]:
    """The `quarto render` command line for a job, run from a scratch copy of the project's documents."""
    command = [quarto, "render", job.notebook, "--to", "html", "--execute", "--output", job.filename,
               "--metadata", f"pagetitle:{job.title}"]
    for name, value in job.parameters.items():
        command += ["-P", f"{name}:{value}"]
    return command


def render_quarto(job: ReportJob, root: Path, out_path: Path) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("no `quarto` on PATH")
    with tempfile.TemporaryDirectory(prefix="trendbreuk-quarto-") as scratch:
        work = Path(scratch)
        for relative in ("_quarto.yml", job.notebook):
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, work / relative)
        css = resources.files("trendbreuk.reports") / "templates" / "trendbreuk.css"
        (work / CSS_PATH).parent.mkdir(parents=True, exist_ok=True)
        (work / CSS_PATH).write_text(css.read_text(encoding="utf-8"), encoding="utf-8")
        env = {**os.environ, paths.ROOT_ENV: str(root), "QUARTO_PYTHON": sys.executable}
        result = subprocess.run(quarto_command(job, quarto), cwd=work, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RenderError(f"{job.filename}: quarto failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
        produced = sorted(work.rglob(job.filename))
        if not produced:
            raise RenderError(f"{job.filename}: quarto finished but wrote no {job.filename} under {work}")
        io.write_bytes_atomic(out_path, produced[0].read_bytes())


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
