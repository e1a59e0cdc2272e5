"""Where the project lives on disk: one place for every path the workbook uses.

The project root is the folder that holds `config/regions.yaml`. It is found from the environment variable
`TRENDBREUK_ROOT` (set by the renderer, which executes notebooks in a scratch folder), or else by walking up
from the current working directory, so that notebooks opened from `notebooks/` find it too.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "TRENDBREUK_ROOT"
MARKER = Path("config") / "regions.yaml"


class ProjectNotFoundError(RuntimeError):
    """Raised when no project root can be found."""


def project_root(start: Path | None = None) -> Path:
    """Return the project root: `$TRENDBREUK_ROOT`, or the nearest parent of `start` holding config/regions.yaml."""
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


def reports_dir(root: Path | None = None) -> Path:
    """reports/ of the project, or the folder in TRENDBREUK_REPORTS (set by the renderer for the site index)."""
    env = os.environ.get(REPORTS_ENV)
    return Path(env) if env else (root or project_root()) / "reports"


def notebooks_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "notebooks"


REGIONS_ENV = "TRENDBREUK_REGIONS"


def regions_file(root: Path | None = None) -> Path:
    """config/regions.yaml, or the regions file in TRENDBREUK_REGIONS (set by `trendbreuk --regions FILE`, e.g.
    the national file of `trendbreuk regions national`); a relative path counts from the project root."""
    root = root or project_root()
    env = os.environ.get(REGIONS_ENV)
    if env:
        path = Path(env)
        return path if path.is_absolute() else root / path
    return config_dir(root) / "regions.yaml"


def configuration_files(root: Path | None = None) -> dict[str, Path]:
    """The configuration a build depends on, by the name it gets in the build's config/ folder."""
    config = config_dir(root)
    return {
        "indicators.yaml": config / "indicators.yaml",
        "regions.yaml": regions_file(root),
        "sources.yaml": config / "sources.yaml",
        "programmes.yaml": config / "programmes.yaml",
    }
