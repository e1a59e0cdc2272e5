"""Incremental rendering, like Quarto's freeze: `render all` renders again only the reports whose inputs changed.

A report's fingerprint is a sha256 of everything that can change what it shows:
- the job: kind, notebook, parameters, file name, engine;
- the notebook's bytes, the workbook's version and its code (every file of the trendbreuk package);
- the configuration the report reads (regions, indicators, sources, programmes; an edition's own);
- what build_info says that reports show (dataset, demo, description, the build date, the sources' names and
  retrieval dates, indeling and mergers, skipped indicators, the name of the edition compared with), not the
  hashes, row counts or the national summary of changes, which change when another region's numbers change;
- the digests of its slice of the processed tables (trendbreuk.processed.slice_digests): its region's rows, the wijken
  and buurten of its gemeente (of every gemeente of the region for the regional, subregio, programme and focus
  reports), and the shared rest (population, lineage);
- the boundary files in data/raw/geo (name, size, time).

The fingerprints of the last render are kept in `<reports>/.trendbreuk-freeze.json` with each report's file
stamp: a report is reused only when its fingerprint is the same and its file is the one that render wrote (a
report rendered since by another command, or deleted, is rendered again). A build without digests (made before
this existed) has no fingerprints: everything is rendered.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from trendbreuk import __version__, io, paths

FREEZE_FILE = ".trendbreuk-freeze.json"
SHOWN_INFO = ("dataset", "demo", "description", "indeling_year", "harmonisation", "skipped_indicators", "births_tables")
SHOWN_SOURCE = ("source", "file", "table", "title", "retrieved_at", "missing")
REGION_WIDE = {"regio", "subregio", "programma", "focus"}  # read the wijken of every gemeente of their region


def _sha(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


@cache
def code_digest() -> str:
    """The workbook's version and every file of the package (code, templates, styles)."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _sha(__version__, *[(p.relative_to(package).as_posix(), p.read_bytes()) for p in files])


def _files_digest(files: list[Path]) -> str:
    return _sha(*[(p.name, p.read_bytes()) for p in files if p.is_file()])


class Inputs:
    """What the reports of one dataset (or edition) read besides their own slice, computed once per batch."""

    def __init__(self, root: Path, dataset: str):
        from trendbreuk.processed import INFO_FILE, build_folder, read_info

        self.folder = build_folder(dataset or None, root)
        info = read_info(self.folder) if (self.folder / INFO_FILE).is_file() else {}
        self.digests = info.get("digests")
        from trendbreuk import config as configuration

        config = list(configuration.of_folder(self.folder, root).files.values())  # what the reports read
        shown = {k: info.get(k) for k in SHOWN_INFO}
        shown["built_on"] = str(info.get("built_at", ""))[:10]
        shown["since"] = (info.get("changes_since") or {}).get("edition")  # its changes are in the region's slice
        shown["sources"] = [{k: s.get(k) for k in SHOWN_SOURCE} for s in info.get("sources") or []]
        geo = paths.raw_dir(root) / "geo"
        boundaries = (
            [
                (p.relative_to(geo).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                for p in sorted(geo.rglob("*"))
                if p.is_file()
            ]
            if geo.is_dir()
            else []
        )
        self.shared = _sha(code_digest(), _files_digest(config), shown, boundaries, (self.digests or {}).get("rest"))

    def gemeenten_of(self, job, regions) -> list[str]:
        parameters = job.parameters
        if job.kind == "factsheet":
            return [parameters["gemeente"]]
        if job.kind in ("wijk", "buurt"):
            from trendbreuk.geography.areas import gemeente_of

            return [gemeente_of(parameters["gebied"])]
        region = regions.region(parameters.get("regio"))
        return [g.code for g in region.gemeenten]


class Freeze:
    """The fingerprints of the reports rendered into one folder."""

    def __init__(self, out_dir: Path, root: Path):
        self.out_dir, self.root = Path(out_dir), root
        self.path = self.out_dir / FREEZE_FILE
        try:
            self.entries: dict = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self._changed: dict[str, dict | None] = {}  # what this run recorded (None: forgotten), merged on save
        self._inputs: dict[str, Inputs] = {}
        self._regions: dict[str, object] = {}
        self._notebooks: dict[str, str] = {}

    def _inputs_of(self, dataset: str) -> Inputs:
        if dataset not in self._inputs:
            self._inputs[dataset] = Inputs(self.root, dataset)
        return self._inputs[dataset]

    def _regions_of(self, dataset: str):
        if dataset not in self._regions:
            from trendbreuk import config

            self._regions[dataset] = config.load(self.root, dataset or None).regions
        return self._regions[dataset]

    def fingerprint(self, job, engine: str) -> str | None:
        """The job's fingerprint, or None when it cannot be told (no build, a build without digests, an area the
        configuration does not know): such a report is always rendered, and rendering says what is wrong."""
        try:
            return self._fingerprint(job, engine)
        except (LookupError, OSError, ValueError):
            return None

    def _fingerprint(self, job, engine: str) -> str | None:
        dataset = job.parameters.get("dataset", "")
        inputs = self._inputs_of(dataset)
        if not inputs.digests:
            return None
        region = job.parameters.get("regio")
        regions = self._regions_of(dataset)
        if region is None:  # a factsheet names its gemeente only
            region = regions.locate_gemeente(job.parameters["gemeente"])[0].key
        gemeenten = inputs.gemeenten_of(job, regions)
        if job.notebook not in self._notebooks:  # a batch has hundreds of jobs and a handful of notebooks
            self._notebooks[job.notebook] = _sha((self.root / job.notebook).read_bytes())
        return _sha(
            engine,
            job.kind,
            job.notebook,
            job.parameters,
            job.filename,
            self._notebooks[job.notebook],
            inputs.shared,
            inputs.digests["regions"].get(region),
            [(g, inputs.digests["gemeenten"].get(g)) for g in gemeenten],
        )

    def fresh(self, job, fingerprint: str | None) -> bool:
        """Whether the report in the folder was rendered from exactly these inputs (and is still that file)."""
        entry = self.entries.get(job.filename)
        if fingerprint is None or not entry or entry.get("fingerprint") != fingerprint:
            return False
        target = self.out_dir / job.filename
        try:
            return list(io.file_stamp(target)[1:]) == entry["stamp"]
        except OSError:
            return False

    def record(self, job, fingerprint: str | None, path: Path | None) -> None:
        if fingerprint is None or path is None:
            self.forget(job)
        else:
            self.entries[job.filename] = {"fingerprint": fingerprint, "stamp": list(io.file_stamp(path)[1:])}
            self._changed[job.filename] = self.entries[job.filename]

    def forget(self, job) -> None:
        self.entries.pop(job.filename, None)
        self._changed[job.filename] = None

    def save(self) -> None:
        """Write this run's entries into the freeze file, keeping every other entry as it is on disk now: two
        renders into one folder at once (two regions) each keep their own reports' entries."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with io.locked(self.out_dir):
            try:
                current = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                current = {}
            for filename, entry in self._changed.items():
                if entry is None:
                    current.pop(filename, None)
                else:
                    current[filename] = entry
            io.write_text_atomic(self.path, json.dumps(current, indent=0, sort_keys=True))
            self.entries = current
            self._changed = {}
