"""Editions: a build of a dataset kept as it was, under a name (`trendbreuk edition save 2025`), so that next year's
reports can say what changed since, and why, and so that an old edition renders again exactly.

An edition is a folder `data/editions/<dataset>/<name>/` that holds what `trendbreuk build` wrote: the processed
tables, build_info.json (every source file and CBS snapshot with its sha256, the workbook version) and the
configuration the tables were made with (`config/`). Its files are hard links to content-addressed copies in
`data/editions/<dataset>/objects/<sha256>`: a table that did not change between two editions, or the same build
saved twice, is stored once. Files are read-only and a name is never reused for other content. Editions hold raw
counts, like data/processed: not for sharing (NIET-DELEN.txt).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trendbreuk import __version__, io, paths
from trendbreuk.processed import INFO_FILE, read_info

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RESERVED = frozenset({"objects"})  # the content-addressed store beside the editions
MANIFEST = "edition.json"
NOT_FOR_SHARING = (
    "NIET DELEN. Edities zijn bewaarde builds: ze bevatten onbewerkte tellingen, ook kleine aantallen "
    "die personen herkenbaar kunnen maken.\nDeel alleen gerenderde rapporten.\n"
)


class EditionError(ValueError):
    """An edition that cannot be saved or found; the message names it and says what to do."""


@dataclass(frozen=True)
class Edition:
    name: str
    dataset: str
    folder: Path
    manifest: dict

    @property
    def build_info(self) -> dict:
        return read_info(self.folder)

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]


def editions_dir(dataset: str, root: Path | None = None) -> Path:
    return (root or paths.project_root()) / "data" / "editions" / dataset


def resolve_dataset(dataset: str | None, root: Path) -> str:
    """The dataset's name from config/sources.yaml (its default_dataset when None)."""
    from trendbreuk import config

    return config.project(root).sources.dataset(dataset).name


def _files(folder: Path) -> dict[str, Path]:
    """Every file of a build folder by its path inside it (with /)."""
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }


def build_id(hashes: dict[str, str]) -> str:
    """One sha256 for a build: of its files' names and contents."""
    return hashlib.sha256("\n".join(f"{name} {sha}" for name, sha in sorted(hashes.items())).encode()).hexdigest()


def check_name(name: str) -> str:
    """An edition name as given, if it can only ever name a folder inside the dataset's editions: letters, digits,
    '.', '_' and '-', starting with a letter or digit ('../x' and 'a/b' cannot), and not a reserved name."""
    if not NAME.fullmatch(name or "") or ".." in name:
        raise EditionError(f"edition name '{name}': use letters, digits, '.', '_' or '-' (e.g. 2025, 2025-voorjaar)")
    if name.lower() in RESERVED:
        raise EditionError(f"edition name '{name}' is reserved (the store of the editions' files); choose another")
    return name


def save(name: str, dataset: str | None = None, root: Path | None = None) -> tuple[Edition, bool]:
    """Keep the current build of `dataset` as edition `name`. Returns the edition and whether it was new (saving the
    same build under the same name again changes nothing). A name already used for other content is an error. A
    stored copy that no longer matches its sha256 (damaged) is never linked into the new edition: the build's file is
    stored afresh."""
    root = root or paths.project_root()
    dataset = resolve_dataset(dataset, root)
    check_name(name)
    source = paths.processed_dir(root) / dataset
    if not (source / INFO_FILE).is_file():
        raise EditionError(f"{source} holds no build; run `trendbreuk build --dataset {dataset}` first")
    store = editions_dir(dataset, root)
    files = _files(source)
    hashes = {rel: io.sha256_file(path) for rel, path in files.items()}
    identity = build_id(hashes)
    target = store / name
    if (target / MANIFEST).is_file():
        existing = load(name, dataset, root)
        if existing.build_id == identity:
            return existing, False
        raise EditionError(
            f"edition '{name}' of dataset {dataset} already exists with other content (saved "
            f"{existing.manifest['saved_at']}); editions do not change: choose another name"
        )
    info = read_info(source)
    with io.writing_in(store):
        objects = store / "objects"
        objects.mkdir(parents=True, exist_ok=True)
        if not (store.parent / "NIET-DELEN.txt").is_file():
            (store.parent / "NIET-DELEN.txt").write_text(NOT_FOR_SHARING, encoding="utf-8")
        for rel, path in files.items():
            blob = objects / hashes[rel]
            if not blob.is_file() or io.sha256_file(blob) != hashes[rel]:  # new, or damaged: store the build's copy
                with io.atomic_path(blob) as tmp:
                    shutil.copyfile(path, tmp)
                blob.chmod(0o444)
        manifest = {
            "name": name,
            "dataset": dataset,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "workbook_version": info.get("workbook_version"),
            "built_at": info.get("built_at"),
            "build_id": identity,
            "files": hashes,
            "saved_with": __version__,
        }
        with io.atomic_directory(target) as tmp:
            for rel in files:
                destination = tmp / rel
                destination.parent.mkdir(parents=True, exist_ok=True)
                _link(objects / hashes[rel], destination)
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return load(name, dataset, root), True


def _link(blob: Path, destination: Path) -> None:
    """A hard link to the stored copy (the file is then stored once), or a read-only copy where links cannot be."""
    try:
        os.link(blob, destination)
    except OSError:
        shutil.copyfile(blob, destination)
        destination.chmod(0o444)


def load(name: str, dataset: str | None = None, root: Path | None = None, verify: bool = True) -> Edition:
    """Edition `name` of `dataset`, its files checked against the sha256 they were saved with (an edition that was
    changed or damaged is an EditionError naming the edition and the table, never read as if it were intact)."""
    root = root or paths.project_root()
    dataset = resolve_dataset(dataset, root)
    check_name(name)
    folder = editions_dir(dataset, root) / name
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        known = ", ".join(e.name for e in list_editions(dataset, root)) or "geen"
        raise EditionError(
            f"dataset {dataset} has no edition '{name}' (editions: {known}); save one with "
            f"`trendbreuk edition save NAME --dataset {dataset}`"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise EditionError(f"edition '{name}' of dataset {dataset}: {manifest_path} is damaged ({err})") from None
    edition = Edition(name, dataset, folder, manifest)
    if verify:
        damaged = damaged_files(edition)
        if damaged:
            raise EditionError(
                f"edition '{name}' of dataset {dataset} does not match what was saved: "
                f"{', '.join(damaged)} changed or damaged since it was saved (sha256 differs). It is not "
                "read; `trendbreuk edition check` lists every damaged file, and a build of the same "
                "sources saved under a new name stores them afresh"
            )
    return edition


_VERIFIED: dict[tuple, list[str]] = {}


def damaged_files(edition: Edition) -> list[str]:
    """The files of an edition whose content is not what its manifest says (missing, changed, damaged), by name.
    Checked once per process for the same files (size, time and inode unchanged)."""
    files = edition.manifest.get("files") or {}
    stamps = []
    for rel in sorted(files):
        path = edition.folder / rel
        stamps.append((rel, io.file_stamp(path) if path.is_file() else None))
    key = (str(edition.folder), tuple(stamps))
    if key not in _VERIFIED:
        _VERIFIED[key] = [
            rel for rel, stamp in stamps if stamp is None or io.sha256_file(edition.folder / rel) != files[rel]
        ]
    return list(_VERIFIED[key])


def check_store(dataset: str | None = None, root: Path | None = None) -> dict[str, list[str]]:
    """Every edition of a dataset checked against its manifest, and every stored object against its name:
    {edition or 'objects': [damaged files]}, only where something is wrong."""
    root = root or paths.project_root()
    dataset = resolve_dataset(dataset, root)
    problems = {}
    for edition in list_editions(dataset, root):
        damaged = damaged_files(edition)
        if damaged:
            problems[edition.name] = damaged
    objects = editions_dir(dataset, root) / "objects"
    bad = (
        [
            p.name
            for p in sorted(objects.iterdir())
            if p.is_file() and not p.name.startswith(".") and io.sha256_file(p) != p.name
        ]
        if objects.is_dir()
        else []
    )
    if bad:
        problems["objects"] = bad
    return problems


def list_editions(dataset: str | None = None, root: Path | None = None) -> list[Edition]:
    """The editions of a dataset, oldest first (by the time they were saved)."""
    root = root or paths.project_root()
    dataset = resolve_dataset(dataset, root)
    store = editions_dir(dataset, root)
    found = []
    for folder in sorted(store.iterdir()) if store.is_dir() else []:
        if folder.name.lower() not in RESERVED and (folder / MANIFEST).is_file():
            found.append(
                Edition(folder.name, dataset, folder, json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
            )
    return sorted(found, key=lambda e: (e.manifest.get("saved_at", ""), e.name))


def stored_bytes(dataset: str | None = None, root: Path | None = None) -> int:
    """The bytes the editions of a dataset take (each stored file once)."""
    root = root or paths.project_root()
    objects = editions_dir(resolve_dataset(dataset, root), root) / "objects"
    return sum(p.stat().st_size for p in objects.iterdir()) if objects.is_dir() else 0
