"""`build` and `render` on a real read-only or full disk: a small tmpfs mounted over data/processed or the reports
folder, in a user namespace of its own (unshare -Urm, no privileges needed). Each ends with a message naming the
folder, exit code 1, and the earlier files whole. Where the machine has no user namespaces the test is skipped;
tests/test_io.py simulates the same faults."""

import shutil
import subprocess
import sys

import pytest

from tests.conftest import copy_project


def _namespace_or_skip() -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode:
        pytest.skip(
            "no user namespaces here (unshare -Urm): the real read-only and full-disk tests are not run; "
            "tests/test_io.py simulates them"
        )


def _run(root, script: str) -> subprocess.CompletedProcess:
    """`script` (sh) in a mount namespace of its own, in the project folder, with the workbook's CLI as $TB."""
    return subprocess.run(
        ["unshare", "-Urm", "sh", "-euc", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "TRENDBREUK_ROOT": str(root),
            "TB": f"{sys.executable} -m trendbreuk.cli",
            "HOME": str(root),
        },
    )


def _size_kb(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) // 1024 + 64


# mount a tmpfs of SIZE over FOLDER holding what FOLDER held, read-only when RO=ro
MOUNT = """
mkdir -p /tmp/tb-disk && mount -t tmpfs -o size=${SIZE}k tmpfs /tmp/tb-disk
cp -a "$FOLDER"/. /tmp/tb-disk/ && mount --bind /tmp/tb-disk "$FOLDER"
[ "$RO" = ro ] && mount -o remount,ro,bind "$FOLDER"
find "$FOLDER" -type f | sort | xargs sha256sum > /tmp/before.txt
set +e
"""
AFTER = """
echo "exit=$rc"
find "$FOLDER" -type f | sort | xargs sha256sum | diff - /tmp/before.txt > /dev/null && echo UNCHANGED
ls -A "$FOLDER"
"""


@pytest.mark.parametrize(
    "mode, size_extra, problem", [("rw", 300, "the disk is full"), ("ro", 4000, "the disk is read-only")]
)
def test_build_on_a_full_or_read_only_disk(project, tmp_path, mode, size_extra, problem):
    _namespace_or_skip()
    root = copy_project(project, tmp_path / "project")
    folder = root / "data" / "processed"
    size = _size_kb(folder) + size_extra  # room for the tables there, not for a second copy
    result = _run(root, f"FOLDER={folder} SIZE={size} RO={mode}" + MOUNT + "$TB build; rc=$?" + AFTER)
    assert "exit=1" in result.stdout, result.stdout + result.stderr
    assert f"cannot write in {folder}: {problem}" in result.stderr and "Er is niets overschreven" in result.stderr
    assert "UNCHANGED" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "demo"  # no temporary folder left beside it


def test_render_in_a_read_only_reports_folder_keeps_the_report(project, tmp_path):
    _namespace_or_skip()
    root = copy_project(project, tmp_path / "project")
    reports = root / "reports"
    reports.mkdir()
    (reports / "factsheet-GM0917-heerlen.html").write_text("<html>eerdere factsheet</html>")
    result = _run(root, f"FOLDER={reports} SIZE=2000 RO=ro" + MOUNT + "$TB render gemeente Heerlen; rc=$?" + AFTER)
    assert "exit=1" in result.stdout and "UNCHANGED" in result.stdout, result.stdout + result.stderr
    assert f"cannot write in {reports}: the disk is read-only" in result.stderr


def test_render_all_on_a_full_reports_disk_names_each_report_and_keeps_the_earlier_one(project, tmp_path):
    _namespace_or_skip()
    root = copy_project(project, tmp_path / "project")
    reports = root / "reports"
    reports.mkdir()
    (reports / "factsheet-GM0917-heerlen.html").write_text("<html>eerdere factsheet</html>")
    result = _run(
        root,
        f"FOLDER={reports} SIZE=1024 RO=rw"
        + MOUNT
        + "$TB render all; rc=$?"
        + AFTER
        + 'cat "$FOLDER/factsheet-GM0917-heerlen.html"',
    )
    assert "exit=1" in result.stdout, result.stdout + result.stderr
    assert "MISLUKT factsheet-GM0917-heerlen.html" in result.stderr and "the disk is full" in result.stderr
    after = result.stdout.split("exit=1", 1)[1]
    assert not any(".tmp" in line for line in after.splitlines())  # no half-written file left
    assert after.strip().endswith("<html>eerdere factsheet</html>")  # the earlier factsheet, whole
