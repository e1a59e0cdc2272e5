"""Render parameterised notebooks to self-contained HTML: the entry points, and the rooms they use.

- reports/jobs.py: what to render (ReportJob and a constructor for every kind of report);
- reports/python_engine.py: the Python engine (the default): the notebook executed in this process, the page made
  with templates/page.html.j2; the fastest way to many reports;
- reports/quarto_engine.py: the same execution, then Quarto converts the executed notebooks with the options of
  notebooks/_quarto.yml (needs `quarto` on PATH);
- reports/batch.py: many reports in worker processes, reusing those whose inputs did not change.

Both engines take the same notebook and the same parameters. Each render works in its own scratch folder and
writes its result with an atomic rename, so renders never share figure folders and can run in parallel. The names
below are the workbook's rendering API (the CLI and the tests import them from here).
"""

from __future__ import annotations

from pathlib import Path

from trendbreuk import config, paths
from trendbreuk.reports.batch import RenderOutcome, balanced_groups, render_many, step_totals  # noqa: F401
from trendbreuk.reports.jobs import (  # noqa: F401
    DEFAULT_ENGINE,
    ENGINES,
    RenderError,
    ReportJob,
    all_jobs,
    area_job,
    choose_engine,
    focus_job,
    gemeente_job,
    programma_job,
    regio_job,
    region_jobs,
    subregio_job,
    wijken_jobs,
)
from trendbreuk.reports.python_engine import render_python
from trendbreuk.reports.quarto_engine import (  # noqa: F401
    PLOTLY_MARK,
    quarto_binary,
    quarto_report_project,
    render_quarto,
    render_quarto_site,
    with_plotly,
)


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


def render_site(
    *, engine: str = DEFAULT_ENGINE, root: Path | None = None, out_dir: Path | None = None, regions=None
) -> Path:
    """The site pages around the reports: reports/index.html (every report in the folder, grouped by the regions of
    `regions`, default the project's) and the method document. Returns the index's path."""
    from trendbreuk.reports.site import write_site

    root = root or paths.project_root()
    out_dir = Path(out_dir) if out_dir else paths.reports_dir(root)
    if choose_engine(engine) == "quarto":
        return render_quarto_site(root, out_dir)
    return write_site(out_dir, regions or config.project(root).regions, root)
