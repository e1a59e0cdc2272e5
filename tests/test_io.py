"""Safe writing: a folder that cannot be written (read-only, full, no permission) gives an error that names it, and
what was there before stays whole, whether the write fails at the start, halfway or at the final rename."""

import errno
import os

import pytest

from trendbreuk import io


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_read_only_folder_is_named_and_the_file_stays(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("oud")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    with pytest.raises(io.WriteError, match=f"cannot write in {tmp_path}: the disk is read-only"):
        io.write_text_atomic(target, "nieuw")
    assert target.read_text() == "oud"


def test_a_disk_that_fills_halfway_leaves_the_earlier_folder_whole(tmp_path):
    target = tmp_path / "processed" / "demo"
    target.mkdir(parents=True)
    (target / "a.parquet").write_bytes(b"oud a")
    (target / "b.parquet").write_bytes(b"oud b")
    before = _files(target)
    with pytest.raises(io.WriteError, match="the disk is full .*files already there are unchanged"):
        with io.atomic_directory(target) as tmp:
            (tmp / "a.parquet").write_bytes(b"nieuw a")
            raise OSError(errno.ENOSPC, "No space left on device")  # as writing b.parquet would
    assert _files(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["demo"]  # no temporary folder left behind


def test_a_library_that_reports_a_full_disk_without_errno_is_understood(tmp_path):
    """pyarrow says "[errno 28] No space left on device" in its message, with no errno on the exception."""
    target = tmp_path / "demo"
    with pytest.raises(io.WriteError, match="the disk is full"):
        with io.atomic_directory(target):
            raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
    assert not target.exists()


def test_a_failing_final_rename_puts_the_earlier_folder_back(tmp_path, monkeypatch):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "a.parquet").write_bytes(b"oud")
    calls = []
    real_replace = os.replace

    def replace(source, destination):
        calls.append((os.path.basename(source), os.path.basename(destination)))
        if len(calls) == 2:  # the new folder onto the target
            raise OSError(errno.EACCES, "Permission denied")
        real_replace(source, destination)

    monkeypatch.setattr("os.replace", replace)
    with pytest.raises(io.WriteError, match="no permission to write there"):
        with io.atomic_directory(target) as tmp:
            (tmp / "a.parquet").write_bytes(b"nieuw")
    assert _files(target) == {"a.parquet": b"oud"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_other_errors_pass_unchanged(tmp_path):
    with pytest.raises(FileNotFoundError):
        with io.atomic_directory(tmp_path / "demo"):
            open(tmp_path / "bestaat-niet.csv")


def test_written_files_and_folders_get_the_permissions_of_a_plain_mkdir_and_open(tmp_path):
    """Colleagues who share a project folder can read what the workbook writes: a folder replaced as a whole and a
    file written through a temporary one have the modes that mkdir and open give under the same umask (the
    temporary ones start as 0700 and 0600)."""
    import stat

    plain_folder, plain_file = tmp_path / "plain", tmp_path / "plain.txt"
    plain_folder.mkdir()
    plain_file.write_text("x")
    with io.atomic_directory(tmp_path / "snapshot") as folder:
        (folder / "a.txt").write_text("x")
    io.write_bytes_atomic(tmp_path / "report.html", b"x")
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)
    assert mode(tmp_path / "snapshot") == mode(plain_folder)
    assert mode(tmp_path / "report.html") == mode(plain_file)
