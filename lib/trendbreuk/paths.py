"""Where the project lives on disk: one place for every path the workbook uses.

The project root is the folder that holds `config/regions.yaml`. It is found from the environment variable
`TRENDBREUK_ROOT` when the user set it, or else by walking up from the current working directory, so that notebooks
opened from `notebooks/` find it too (the renderer runs a report's cells with the project root as working folder).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

ROOT_ENV = "TRENDBREUK_ROOT"
MARKER = Path("config") / "regions.yaml"


_WORKING_ROOT: ContextVar[Path | None] = ContextVar("working_root", default=None)


class ProjectNotFoundError(RuntimeError):
    """Raised when no project root can be found."""


@contextmanager
def working_root(root: Path):
    """While a report's cells run, the project they belong to (the renderer's `root`): set for this thread of this
    process only, so a worker never reads a project from settings it inherited."""
    token = _WORKING_ROOT.set(Path(root).resolve())
    try:
        yield
    finally:
        _WORKING_ROOT.reset(token)


def project_root(start: Path | None = None) -> Path:
    """Return the project root: the renderer's (working_root), `$TRENDBREUK_ROOT`, or the nearest parent of `start`
    holding config/regions.yaml."""
    working = _WORKING_ROOT.get()
    if working is not None:
        return working
    env = os.environ.get(ROOT_ENV)
    if env:
        root = Path(env).resolve()
        if not (root / MARKER).is_file():
            raise ProjectNotFoundError(
                f"{ROOT_ENV}={env} does not contain {MARKER}; point it at the workbook's top folder"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise ProjectNotFoundError(
        f"no {MARKER} found in {here} or any parent folder; run from inside the workbook or set {ROOT_ENV}"
    )


def config_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "config"


def raw_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "raw"


def processed_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "processed"


REPORTS_ENV = "TRENDBREUK_REPORTS"


def reports_dir(root: Path | None = None, subfolder: str | None = None) -> Path:
    """Where reports go: the folder in TRENDBREUK_REPORTS when the user set it, else reports/ (or reports/SUBFOLDER,
    e.g. editie-2025 for an edition's reports). Read once, by the command that renders, and passed on from there."""
    env = os.environ.get(REPORTS_ENV)
    if env:
        return Path(env)
    folder = (root or project_root()) / "reports"
    return folder / subfolder if subfolder else folder


def notebooks_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "notebooks"
