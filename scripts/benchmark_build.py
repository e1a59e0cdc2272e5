"""Measure `trendbreuk build` as a user runs it: a fresh process, start-up and imports included.

    .venv/bin/python scripts/benchmark_build.py                                   # the regional demo
    .venv/bin/python scripts/benchmark_build.py --regions config/regions-nl.yaml --dataset demo-nl

Runs the build `--runs` times (it rebuilds data/processed/<dataset>, as `trendbreuk build` does) and prints the
wall time (median and fastest) and a table per step from the build's own timings (`trendbreuk -v build`): the
median seconds of each step and its share of the wall time; "start-up and the rest" is what no step accounts for
(starting Python, imports, reading the configuration). Make the data first (`make reports`; `make landelijk`).
Not a test: record the numbers in notes, do not assert them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

STEP = re.compile(r".*build: (?P<step>.+) in (?P<seconds>\d+\.\d+) s$")  # the last "build: " of a log line


def run_build(regions: str, dataset: str) -> tuple[float, dict[str, float]]:
    """(wall seconds, seconds per step) of one `trendbreuk -v build` process."""
    command = [str(Path(sys.executable).with_name("trendbreuk")), "-v"]
    if regions:
        command += ["--regions", regions]
    command += ["build"] + (["--dataset", dataset] if dataset else [])
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"build failed:\n{done.stderr[-2000:]}")
    steps = {m["step"]: float(m["seconds"]) for m in map(STEP.search, done.stderr.splitlines()) if m}
    return wall, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", default="", help="regions file (e.g. config/regions-nl.yaml)")
    parser.add_argument("--dataset", default="")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [run_build(args.regions, args.dataset) for _ in range(args.runs)]
    walls = [wall for wall, _ in runs]
    wall = statistics.median(walls)
    steps = {step: statistics.median(s.get(step, 0.0) for _, s in runs) for step in runs[0][1]}
    steps["start-up and the rest"] = max(0.0, wall - sum(steps.values()))
    print(
        f"trendbreuk build {args.dataset or '(default dataset)'}: {wall:.2f} s wall (median of {len(walls)}, "
        f"fastest {min(walls):.2f} s)"
    )
    print(f"{'step':50} {'seconds':>8} {'share':>6}")
    for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"{step:50} {seconds:8.2f} {seconds / wall:6.0%}")
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "regions": args.regions,
                "runs": [round(w, 2) for w in walls],
                "median_seconds": round(wall, 2),
                "steps": {k: round(v, 2) for k, v in steps.items()},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
