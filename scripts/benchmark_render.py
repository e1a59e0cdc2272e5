"""Measure rendering on the built demo data, as ratios within one run (timings depend on the machine).

    .venv/bin/python scripts/benchmark_render.py [--workers 2] [--region zuid-limburg] [--single 3] [--engines python,quarto]
    .venv/bin/python scripts/benchmark_render.py --regions config/regions-nl.yaml --dataset demo-nl --region all --engines python

In one run, for each engine (the Python engine, and Quarto when `quarto` is on PATH), it measures
- one report as a user makes it: `trendbreuk render gemeente <first gemeente> --engine E` as its own process (the
  median of `--single` runs), which pays for starting Python, the imports, reading the data and the site index;
- the batch: every report of the region (or of every region with `--region all`) with `render_many`, as
  `trendbreuk render all` does, amortised per report, with the peak memory of all processes together;
and once a factsheet's content (every figure and table, no notebook) in a warm process. It prints a table per
step (seconds summed over the reports, share), the ratios single/batch and Quarto/Python, and a JSON summary.
Build first (`make reports`; `make landelijk` for the national run).
Not a test: record the numbers in notes, do not assert them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trendbreuk import config, paths
from trendbreuk.reports.render import all_jobs, region_jobs, render_many, step_totals, wijken_jobs


def single_process(code: str, out: Path, runs: int, dataset: str, engine: str) -> list[float]:
    """Seconds for `trendbreuk render gemeente CODE --engine ENGINE` as a fresh process, `runs` times."""
    command = [str(Path(sys.executable).with_name("trendbreuk")), "render", "gemeente", code, "--engine", engine]
    if dataset:
        command += ["--dataset", dataset]
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, paths.REPORTS_ENV: str(out)})
        seconds.append(time.perf_counter() - started)
    return seconds


class MemorySampler:
    """The largest total resident memory of this process and its children (the workers), sampled every 0.1 s
    (psutil, which Jupyter's kernel machinery already installs)."""

    def __init__(self):
        import threading

        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def factsheet_content(codes: list[str], dataset: str) -> list[float]:
    """Seconds to build each factsheet's content in this (warm) process; the first one warms up and is left out."""
    from trendbreuk.reports.factsheet import Factsheet

    seconds = []
    for code in codes:
        started = time.perf_counter()
        sheet = Factsheet.load(code, dataset=dataset)
        [
            sheet.header(),
            sheet.headline(),
            sheet.spine_chart(),
            sheet.summary_table(),
            sheet.missing(),
            sheet.overview_map(),
            *sheet.life_phase_sections(),
            sheet.programme_section(),
            sheet.sources(),
        ]
        seconds.append(time.perf_counter() - started)
    return seconds[1:]


def batch(jobs, engine: str, workers: int, out: Path) -> dict:
    """Render every job with render_many; wall time, outcomes, step table and peak memory."""
    started = time.perf_counter()
    with MemorySampler() as memory:
        outcomes = list(render_many(jobs, engine=engine, workers=workers, out_dir=out))
    wall = time.perf_counter() - started
    for o in outcomes:
        if o.error:
            print(f"MISLUKT {o.job.filename}: {o.error}")
    return {
        "outcomes": outcomes,
        "wall": wall,
        "peak_mb": memory.peak / 1e6,
        "steps": step_totals(outcomes, wall, workers),
    }


def summarise(engine: str, jobs, result: dict, single: list[float], workers: int) -> dict:
    outcomes, wall = result["outcomes"], result["wall"]
    steps = result["steps"]
    total = sum(steps.values())
    print(f"\n{engine}: {len(jobs)} reports, {workers} workers, {wall:.1f} s wall; per step (summed over workers):")
    print(f"{'step':28} {'seconds':>8} {'share':>6}")
    for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"{step:28} {seconds:8.2f} {seconds / total:6.0%}")
    per_report = wall / len(jobs)
    single_median = statistics.median(single)
    per_kind = {}
    for kind in sorted({o.job.kind for o in outcomes}):
        part = [o.seconds for o in outcomes if o.job.kind == kind and not o.error]
        per_kind[kind] = {"reports": len(part), "median_seconds_in_worker": round(statistics.median(part), 3)}
    sizes = [o.path.stat().st_size for o in outcomes if o.path]
    print(
        f"{engine}: one report as its own process {single_median:.2f} s (median of {len(single)}); in the batch "
        f"{per_report:.3f} s per report: {single_median / per_report:.1f}x cheaper."
    )
    return {
        "engine": engine,
        "reports": len(jobs),
        "failed": sum(1 for o in outcomes if o.error),
        "workers": workers,
        "batch_seconds": round(wall, 2),
        "batch_seconds_per_report": round(per_report, 3),
        "single_report_process_seconds": [round(s, 2) for s in single],
        "single_over_batch_per_report": round(single_median / per_report, 1),
        "peak_memory_mb_all_processes": round(result["peak_mb"]),
        "median_report_megabytes": round(statistics.median(sizes) / 1e6, 2) if sizes else None,
        "largest_report_megabytes": round(max(sizes) / 1e6, 3) if sizes else None,
        "per_kind": per_kind,
    }


def main() -> None:
    import shutil

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--region", default=None, help="a region key, or 'all' for every configured region")
    parser.add_argument("--dataset", default="")
    parser.add_argument(
        "--regions",
        default="",
        help="regions file, when no build of the dataset holds its own (e.g. config/regions-nl.yaml)",
    )
    parser.add_argument("--single", type=int, default=3, help="runs of the single-report process")
    parser.add_argument(
        "--engines",
        default="python,quarto" if shutil.which("quarto") else "python",
        help="comma-separated: python, quarto (default: both when quarto is on PATH)",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary folder)")
    parser.add_argument("--wijken", action="store_true", help="the wijkprofiel of every wijk of the region instead")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="trendbreuk-bench-"))
    # the regions the build was made with (a national build: its national regions file), as `trendbreuk render` uses
    regions = config.load(None, args.dataset or None, regions=Path(args.regions) if args.regions else None).regions
    jobs = (
        all_jobs(regions, dataset=args.dataset)
        if args.region == "all"
        else region_jobs(regions, args.region, dataset=args.dataset)
    )
    if args.wijken:
        jobs = wijken_jobs(None, regions, None if args.region == "all" else args.region, dataset=args.dataset)
    first = regions.region(None if args.region == "all" else args.region).gemeenten[0].code

    summaries = {}
    for engine in args.engines.split(","):
        single = single_process(first, out / engine / "single", args.single, args.dataset, engine)
        result = batch(jobs, engine, args.workers, out / engine)
        summaries[engine] = summarise(engine, jobs, result, single, args.workers)

    codes = [g.code for g in regions.region(None if args.region == "all" else args.region).gemeenten][:9]
    content = factsheet_content(codes, args.dataset)
    summary = {
        "engines": summaries,
        "factsheet_content_warm_seconds_median": round(statistics.median(content), 3) if content else None,
    }
    if {"python", "quarto"} <= set(summaries):
        ratio = summaries["quarto"]["batch_seconds"] / summaries["python"]["batch_seconds"]
        summary["quarto_over_python_batch"] = round(ratio, 1)
        print(
            f"\nQuarto takes {ratio:.1f}x as long as the Python engine for the batch "
            f"({summaries['quarto']['batch_seconds']:.1f} s against {summaries['python']['batch_seconds']:.1f} s)."
        )
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
