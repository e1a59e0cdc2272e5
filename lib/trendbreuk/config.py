"""One way to load the workbook's configuration: the four files of config/ (indicators, regions, sources,
programmes) as one `Configuration`, each part read from its file when first used and named in every message.

Which configuration goes with which numbers is decided here, once:
- `project(root, regions=...)`: the project's config/ as it is now (what `trendbreuk build` reads); `regions` is
  another regions file (`trendbreuk --regions config/regions-nl.yaml`), passed on, never put in the environment;
- `load(root, dataset)`: the configuration the tables of `dataset` were made with, saved beside them by the build
  (data/processed/<dataset>/config/, or a saved edition's: "demo@2025"), so that the names, regions and indicators
  a report shows always belong to its numbers. A folder without that copy (no build yet) gets the project's.
  `changed_since_build()` names the project files that changed since, for a warning to build again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from trendbreuk import io, paths

FILES = ("indicators.yaml", "regions.yaml", "sources.yaml", "programmes.yaml")
DEMO_FILE = "demo.yaml"  # the demo's truth: read by trendbreuk.demo only, never by a build or a report


@dataclass
class Configuration:
    """The workbook's configuration: regions, catalogue, sources and programmes, each from its own file (`files`).
    `origin` says where it came from: "project", or the build or edition folder whose copy it is."""

    root: Path | None  # None: the project root is looked up when a part needs it (the sources' paths)
    files: dict[str, Path]
    origin: str = "project"
    _project: dict[str, Path] = field(default_factory=dict, repr=False)

    @cached_property
    def regions(self):
        from trendbreuk.geography.areas import load_regions

        return load_regions(self.files["regions.yaml"])

    @cached_property
    def catalogue(self):
        from trendbreuk.indicators.catalogue import load_catalogue

        return load_catalogue(self.files["indicators.yaml"])

    @cached_property
    def sources(self):
        from trendbreuk.sources.datasets import load_sources

        return load_sources(self.files["sources.yaml"], root=self.root)

    @cached_property
    def programmes(self):
        from trendbreuk.sources.programmes import load_programmes

        return load_programmes(self.files["programmes.yaml"])

    def changed_since_build(self) -> list[str]:
        """The project's configuration files that differ from this build's copy (empty for the project's own)."""
        return [
            str(path)
            for name, path in self._project.items()
            if path.is_file() and self.files[name].is_file() and path.read_bytes() != self.files[name].read_bytes()
        ]


def project_files(root: Path | None = None, regions: Path | None = None) -> dict[str, Path]:
    """The project's configuration files by their name in a build's config/ folder; `regions` replaces
    config/regions.yaml (a relative path counts from the project root)."""
    root = root or paths.project_root()
    files = {name: paths.config_dir(root) / name for name in FILES}
    if regions is not None:
        regions = Path(regions)
        files["regions.yaml"] = regions if regions.is_absolute() else root / regions
    return files


def project(root: Path | None = None, regions: Path | None = None) -> Configuration:
    """The project's configuration as it is now (config/, or another regions file)."""
    root = root or paths.project_root()
    return Configuration(root, project_files(root, regions))


def load(root: Path | None = None, dataset: str | None = None, regions: Path | None = None) -> Configuration:
    """The configuration the tables of `dataset` ("demo", "demo@2025", None for the default) were made with: the
    copy in their build folder; without a build yet, the project's (with `regions` instead of config/regions.yaml).
    changed_since_build() compares the copy with the files the build was made from (`regions`, when given, instead
    of the regions file the build names in build_info.json)."""
    from trendbreuk.processed import INFO_FILE, build_folder, read_info

    root = root or paths.project_root()
    folder = build_folder(dataset, root)
    if regions is None and (folder / INFO_FILE).is_file():  # the regions file the build was made with
        made_with = (read_info(folder).get("configuration") or {}).get("regions.yaml", {}).get("file")
        regions = Path(made_with) if made_with and (root / made_with).is_file() else None
    return of_folder(folder, root, project_files(root, regions))


def of_folder(folder: Path | None, root: Path | None = None, current: dict[str, Path] | None = None) -> Configuration:
    """The configuration saved in a build or edition folder (its config/), else the project's (`current`: the
    project's files to compare with, for changed_since_build)."""
    saved = {name: Path(folder) / "config" / name for name in FILES} if folder is not None else {}
    if not saved or not all(saved[name].is_file() for name in ("regions.yaml", "indicators.yaml")):
        return Configuration(root or paths.project_root(), current or project_files(root))
    if current is None and not all(path.is_file() for path in saved.values()):
        current = project_files(root)
    files = {name: saved[name] if saved[name].is_file() else current[name] for name in FILES}
    return Configuration(root, files, origin=str(folder), _project=current or {})


class DemoConfigError(ValueError):
    """config/demo.yaml cannot be used; the message names the file and the field."""


def read_demo(root: Path | None = None) -> dict:
    """config/demo.yaml, the truth the demo data are drawn from, as a mapping (errors name the file and line)."""
    return io.read_config(paths.config_dir(root) / DEMO_FILE, DemoConfigError, "demo configuration")
