"""Editions that cannot lie and names that cannot escape (issue 29): an edition's files are checked against the
sha256 they were saved with whenever it is read; a damaged stored copy is never linked into a new edition; edition
names that could name another folder are refused by every command."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import copy_project


@pytest.fixture
def saved(project, tmp_path, monkeypatch):
    from trendbreuk import editions

    root = copy_project(project, tmp_path / "p")
    monkeypatch.setenv("TRENDBREUK_ROOT", str(root))
    edition, _ = editions.save("2024", root=root)
    return root, edition


def _writable(path):
    path.chmod(0o644)
    return path


def test_a_table_rewritten_as_valid_parquet_with_one_value_changed_is_refused(saved):
    from trendbreuk import editions
    from trendbreuk.processed import load_processed

    root, edition = saved
    table = _writable(edition.folder / "indicator_values.parquet")
    frame = pd.read_parquet(table)
    frame.loc[0, "value"] = frame.loc[0, "value"] + 1.0  # a valid file, one number different
    os.unlink(table)  # (its own inode: the stored copy stays as it was)
    frame.to_parquet(table)
    editions._VERIFIED.clear()
    with pytest.raises(
        editions.EditionError,
        match=r"edition '2024' of dataset demo does not match what was saved: "
        r"indicator_values\.parquet changed or damaged",
    ):
        editions.load("2024", root=root)
    with pytest.raises(editions.EditionError, match="indicator_values.parquet"):
        load_processed("demo@2024", root=root)
    assert editions.check_store(root=root) == {"2024": ["indicator_values.parquet"]}


def test_a_damaged_stored_copy_is_named_and_never_linked_into_a_new_edition(saved):
    from trendbreuk import editions

    root, edition = saved
    sha = edition.manifest["files"]["gaps.parquet"]
    blob = _writable(root / "data/editions/demo/objects" / sha)
    with blob.open("r+b") as handle:  # 64 zero bytes in the middle of the stored copy
        handle.seek(blob.stat().st_size // 2)
        handle.write(b"\0" * 64)
    editions._VERIFIED.clear()
    problems = editions.check_store(root=root)
    assert problems == {"2024": ["gaps.parquet"], "objects": [sha]}
    with pytest.raises(editions.EditionError, match="gaps.parquet"):
        editions.load("2024", root=root)
    fresh, new = editions.save("2024-b", root=root)  # the untouched build, saved again
    assert new and editions.io.sha256_file(fresh.folder / "gaps.parquet") == sha
    assert editions.damaged_files(fresh) == []
    assert "objects" not in editions.check_store(root=root)  # the store holds the good copy again


@pytest.mark.parametrize("name", ["objects", "OBJECTS", "../x", "..", "a/b", "../../reports", ".verborgen", ""])
def test_edition_names_that_could_name_another_folder_are_refused(saved, name):
    from trendbreuk import editions

    root, _ = saved
    with pytest.raises(editions.EditionError):
        editions.save(name, root=root)
    with pytest.raises(editions.EditionError):
        editions.load(name, root=root)
    assert not (root / "data/editions/demo/objects" / "edition.json").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["edition", "show", "../x"],
        ["edition", "diff", "../../x"],
        ["edition", "save", "objects"],
        ["render", "regio", "--edition", "../x"],
    ],
)
def test_every_command_that_takes_an_edition_name_checks_it(saved, command):
    root, _ = saved
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDBREUK_")}
    env["TRENDBREUK_ROOT"] = str(root)
    before = {p for p in root.parent.rglob("*")}
    result = subprocess.run(
        [sys.executable, "-m", "trendbreuk.cli", *command], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "edition name" in result.stderr
    assert {p for p in root.parent.rglob("*")} == before  # nothing written anywhere


def test_edition_check_on_the_command_line(saved):
    root, edition = saved
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDBREUK_")}
    env["TRENDBREUK_ROOT"] = str(root)
    run = lambda: subprocess.run(
        [sys.executable, "-m", "trendbreuk.cli", "edition", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    ok = run()
    assert ok.returncode == 0 and "1 editie gecontroleerd" in ok.stdout
    table = _writable(edition.folder / "build_info.json")
    os.unlink(table)
    table.write_text("{}", encoding="utf-8")
    bad = run()
    assert bad.returncode == 1 and "editie 2024: beschadigd of veranderd: build_info.json" in bad.stderr
