"""Batches: render many jobs in worker processes (each with its own NotebookShell, so configuration and tables are
read once per worker), reuse what did not change (reports/freeze.py), and with Quarto convert the executed notebooks
in groups. A worker ends with the process that started the batch."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.reports.jobs import DEFAULT_ENGINE, ReportJob, choose_engine
from trendbreuk.reports.python_engine import execute_report, render_python, shell
from trendbreuk.reports.quarto_engine import convert_with_quarto, write_quarto_notebook


@dataclass(frozen=True)
class RenderOutcome:
    job: ReportJob
    path: Path | None
    seconds: float
    error: str | None = None
    timings: dict = field(default_factory=dict)  # seconds per step: parameters, execute, html or quarto
    reused: bool = False  # its inputs had not changed since it was rendered (reports/freeze.py)


# What the notebooks import (pandas, plotly, statsmodels with them): loaded once per batch, before the first report.
REPORT_MODULES = (
    "trendbreuk.reports.area",
    "trendbreuk.reports.factsheet",
    "trendbreuk.reports.programme",
    "trendbreuk.reports.wijk",
)


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
    shell()


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


def _render_one(job: ReportJob, engine: str, root: str, out_dir: str) -> RenderOutcome:
    """One job in a worker. Python engine: its HTML file into `out_dir`. Quarto: its executed notebook for Quarto
    into `out_dir`, a scratch folder (render_many converts them in groups). Everything it needs is in its
    arguments: a worker reads no settings from the environment."""
    start = time.perf_counter()
    timings: dict = {}
    try:
        root_path, folder = Path(root), Path(out_dir)
        if engine == "python":
            out_path = folder / job.filename
            render_python(job, root_path, out_path, timings)
        else:
            out_path = write_quarto_notebook(job, execute_report(job, root_path, timings), folder)
        return RenderOutcome(job, out_path, time.perf_counter() - start, timings=timings)
    except Exception as err:  # one failed report must not stop the others
        return RenderOutcome(job, None, time.perf_counter() - start, f"{type(err).__name__}: {err}", timings)


def _in_workers(jobs: list[ReportJob], engine: str, root: Path, out_dir: Path, workers: int):
    if not jobs:
        return
    if workers <= 1:
        for job in jobs:
            yield _render_one(job, engine, str(root), str(out_dir))
        return
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_worker_context(), initializer=_start_worker, initargs=(os.getpid(),)
    ) as pool:
        futures = [pool.submit(_render_one, job, engine, str(root), str(out_dir)) for job in jobs]
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
        for outcome in _render_stale(stale, engine, root, folder, workers):
            freeze.record(outcome.job, None if outcome.error else prints[outcome.job.filename], outcome.path)
            yield outcome
    finally:
        freeze.save()


def _render_stale(jobs: list[ReportJob], engine: str, root: Path, out_dir: Path, workers: int):
    if engine == "python":
        yield from _in_workers(jobs, "python", root, out_dir, workers)
        return
    if not jobs:
        return
    with tempfile.TemporaryDirectory(prefix="trendbreuk-executed-") as scratch:
        executed = []
        for outcome in _in_workers(jobs, "quarto", root, Path(scratch), workers):
            if outcome.error:
                yield outcome
            else:
                executed.append(outcome)
        yield from _convert_in_groups(executed, root, out_dir, workers)
