"""Measure rendering: time per report and per batch, and file sizes, on the bundled demo data.

    .venv/bin/python scripts/benchmark_render.py [--workers 2] [--engine python] [--out /tmp/bench]

Builds nothing: run `make reports` (or `trendbreuk demo && trendbreuk build`) first. Prints a table and a JSON
summary. Not a test: timings depend on the machine; record them in notes, do not assert them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from trendbreuk.geography.areas import load_regions
from trendbreuk.reports.render import region_jobs, render_many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", default="python")
    parser.add_argument("--region", default=None)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="trendbreuk-bench-"))
    jobs = region_jobs(load_regions(), args.region)
    started = time.perf_counter()
    outcomes = list(render_many(jobs, engine=args.engine, workers=args.workers, out_dir=out))
    wall = time.perf_counter() - started
    rows = []
    for o in sorted(outcomes, key=lambda o: o.job.filename):
        size = o.path.stat().st_size if o.path else 0
        rows.append({"report": o.job.filename, "kind": o.job.kind, "seconds": round(o.seconds, 2),
                     "megabytes": round(size / 1e6, 2), "error": o.error})
        print(f"{o.job.filename:48} {o.seconds:6.1f} s {size / 1e6:6.2f} MB {o.error or ''}")
    per_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        part = [r for r in rows if r["kind"] == kind and not r["error"]]
        per_kind[kind] = {"reports": len(part), "median_seconds": statistics.median(r["seconds"] for r in part),
                          "median_megabytes": statistics.median(r["megabytes"] for r in part)}
    summary = {"reports": len(rows), "failed": sum(bool(r["error"]) for r in rows), "workers": args.workers,
               "engine": args.engine, "batch_seconds": round(wall, 1),
               "seconds_per_report_in_batch": round(wall / len(rows), 2),
               "total_megabytes": round(sum(r["megabytes"] for r in rows), 1), "per_kind": per_kind}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
