"""Shared fixtures: paths to the real CBS/PDOK files beside the repository, and a scratch project."""

from __future__ import annotations

import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """A file in ../shared/data; the test is skipped (with the reason) when this clone has no such folder."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data file {path} not available (a clone outside the workplace has no ../shared/data)")
    return path


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A scratch copy of the project's configuration and notebooks with the demo data built into it."""
    from trendbreuk.build import build
    from trendbreuk.demo import write_demo

    root = tmp_path_factory.mktemp("project")
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy2(ROOT / name, root / name)
    write_demo(root)
    build(root=root)
    return root


def fake_quarto(folder: Path, body: str, monkeypatch) -> None:
    """Put a stand-in `quarto` (a bash script with `body`) first on PATH. Quarto itself cannot be installed on the
    CI machines; the stand-in checks how the workbook calls it and writes output where Quarto would."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "quarto"
    script.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
