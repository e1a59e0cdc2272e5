"""Measure incremental rendering and edition comparison on the national demo, in one run (issue 19).

    .venv/bin/python scripts/benchmark_editions.py [--runs 3] [--dataset demo-nl] [--regions config/regions-nl.yaml]

Works in a scratch copy of the project (configuration, notebooks and data/raw/<dataset>; `make landelijk` first),
each step as the user runs it, a fresh `trendbreuk` process:
1. build; `render all --region all --force` (every report rendered: the reference);
2. `render all --region all` with nothing changed (median of --runs): every report reused;
3. edition save A; build and render all (every report gains "Wat is er veranderd sinds editie A"); one Perined
   value revised (Heerlen, 2016, vroeggeboorte +12); build; edition save B; `edition diff A B` (median of --runs)
   and the comparison alone in this process;
4. `render all --region all` after that revision: how many reports were rendered again (only the revised
   region's) and how long it took.
Prints the seconds and ratios and a JSON summary. Not a test: record the numbers in notes, do not assert them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(root: Path, regions: Path, *args: str) -> tuple[float, str]:
    command = [str(Path(sys.executable).with_name("trendbreuk")), "--regions", str(regions), *args]
    env = {**os.environ, "TRENDBREUK_ROOT": str(root), "TRENDBREUK_REPORTS": str(root / "reports" / "landelijk")}
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout


def reused(output: str) -> int:
    found = re.search(r"waarvan (\d+) ongewijzigd hergebruikt", output)
    return int(found.group(1)) if found else 0


def revise_perined(root: Path, dataset: str) -> None:
    """Heerlen's 2016 count of births before 37 weeks +12, the percentage with it (a portal correction)."""
    export = next((root / "data" / "raw" / dataset / "perined").glob("*.csv"))
    text = export.read_bytes().decode("utf-8-sig")
    line = re.search(r"^GM0917;[^;\n]*;2016;Vroeggeboorte \(<37 weken\);[^\n]*$", text, re.M)
    parts = line.group(0).split(";")
    teller, noemer = int(parts[4].replace(".", "")) + 12, int(parts[5].replace(".", ""))
    parts[4], parts[6] = str(teller), f"{100 * teller / noemer:.1f}".replace(".", ",")
    export.write_bytes(("\ufeff" + text[: line.start()] + ";".join(parts) + text[line.end() :]).encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dataset", default="demo-nl")
    parser.add_argument("--regions", default="config/regions-nl.yaml")
    args = parser.parse_args()
    source_raw = ROOT / "data" / "raw" / args.dataset
    if not source_raw.is_dir() or not (ROOT / args.regions).is_file():
        raise SystemExit(f"no {source_raw} or {args.regions}: run `make landelijk` first")
    root = Path(tempfile.mkdtemp(prefix="trendbreuk-editions-bench-")) / "project"
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(source_raw, root / "data" / "raw" / args.dataset)
    regions = root / args.regions
    every = ("render", "all", "--region", "all", "--dataset", args.dataset)
    summary: dict = {"project": str(root)}

    summary["build_seconds"], _ = run(root, regions, "build", "--dataset", args.dataset)
    summary["render_all_force_seconds"], out = run(root, regions, *every, "--force")
    reports = int(re.search(r"(\d+) van (\d+) rapporten", out).group(2))
    nothing = [run(root, regions, *every) for _ in range(args.runs)]
    summary["reports"] = reports
    summary["render_all_unchanged_seconds"] = [round(s, 2) for s, _ in nothing]
    summary["render_all_unchanged_reused"] = [reused(o) for _, o in nothing]
    print(
        f"render all, {reports} reports: everything {summary['render_all_force_seconds']:.1f} s; nothing changed "
        f"{statistics.median(s for s, _ in nothing):.2f} s (median of {args.runs}), "
        f"{summary['render_all_unchanged_reused'][0]} reused"
    )

    run(root, regions, "edition", "save", "A", "--dataset", args.dataset)
    run(root, regions, "build", "--dataset", args.dataset)
    seconds, out = run(root, regions, *every)
    summary["render_all_after_saving_an_edition"] = {"seconds": round(seconds, 2), "reused": reused(out)}
    revise_perined(root, args.dataset)
    summary["build_after_revision_seconds"], _ = run(root, regions, "build", "--dataset", args.dataset)
    run(root, regions, "edition", "save", "B", "--dataset", args.dataset)
    diffs = [
        run(
            root,
            regions,
            "edition",
            "diff",
            "A",
            "B",
            "--dataset",
            args.dataset,
            "--csv",
            str(root / "wijzigingen.csv"),
        )
        for _ in range(args.runs)
    ]
    summary["edition_diff_seconds"] = [round(s, 2) for s, _ in diffs]
    summary["edition_diff_says"] = diffs[0][1].splitlines()[0]

    from trendbreuk.changes import BuildTables, compare
    from trendbreuk.editions import load

    started = time.perf_counter()
    a = BuildTables.read(load("A", args.dataset, root).folder, "A")
    b = BuildTables.read(load("B", args.dataset, root).folder, "B")
    read = time.perf_counter() - started
    started = time.perf_counter()
    found = compare(a, b)
    summary["compare_in_process_seconds"] = {
        "read": round(read, 2),
        "compare": round(time.perf_counter() - started, 2),
        "changes": len(found),
    }
    print(
        f"edition diff of two national builds: {statistics.median(s for s, _ in diffs):.2f} s as a command "
        f"(median of {args.runs}); in this process reading {read:.2f} s, comparing "
        f"{summary['compare_in_process_seconds']['compare']:.2f} s; {summary['edition_diff_says']}"
    )

    seconds, out = run(root, regions, *every)
    summary["render_all_after_revision"] = {
        "seconds": round(seconds, 2),
        "reused": reused(out),
        "rendered": reports - reused(out),
    }
    print(
        f"render all after the revision: {reports - reused(out)} rendered again, {reused(out)} reused, {seconds:.1f} s"
    )
    print(json.dumps(summary, indent=1))
    shutil.rmtree(root.parent)


if __name__ == "__main__":
    main()
