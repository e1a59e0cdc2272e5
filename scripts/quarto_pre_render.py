"""Quarto's pre-render step of the website (_quarto.yml): a full `quarto render` or `quarto preview` of the project
first renders every report of the default region, with the workbook's Quarto engine, into the website's output
folder, so that index.qmd lists them and the site holds them. Rendering a single page (`quarto render index.qmd`)
leaves the reports as they are.

Quarto runs this with its Python (QUARTO_PYTHON, or python3 on PATH): the one with the workbook installed
(.venv/bin/python). The data must be built first (`make reports`, or `trendbreuk demo` and `trendbreuk build`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> int:
    if os.environ.get("QUARTO_PROJECT_RENDER_ALL") != "1":
        return 0
    try:
        from trendbreuk import config, paths
        from trendbreuk.reports.render import region_jobs, render_many
    except ImportError as err:
        print(
            f"pre-render: the workbook is not installed in {sys.executable} ({err}); run Quarto with "
            "QUARTO_PYTHON=.venv/bin/python, or activate .venv first",
            file=sys.stderr,
        )
        return 1
    root = paths.project_root()
    out_dir = Path(os.environ.get("QUARTO_PROJECT_OUTPUT_DIR") or root / "_site")
    jobs = region_jobs(config.load(root).regions)  # the regions the default dataset's build was made with
    started = time.perf_counter()
    failed = 0
    for outcome in render_many(jobs, engine="quarto", root=root, out_dir=out_dir):
        if outcome.error:
            failed += 1
            print(f"MISLUKT {outcome.job.filename}: {outcome.error}", file=sys.stderr)
        else:
            print(f"{outcome.job.filename} ({outcome.seconds:.1f} s)", file=sys.stderr)
    print(
        f"pre-render: {len(jobs) - failed} van {len(jobs)} rapporten in {time.perf_counter() - started:.0f} s "
        f"naar {out_dir}",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
