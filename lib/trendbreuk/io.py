"""Safe writing: every file the workbook writes goes to a temporary file first and is renamed into place,
so that an interrupted run never leaves a half-written file behind or damages an existing one. A folder that
cannot be written (read-only, full disk, no permission) gives a WriteError that names it, and leaves what was
there unchanged."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteError(RuntimeError):
    """A folder the workbook cannot write in; the message names the folder and why, and says that the files
    already there are unchanged."""


# What an operating-system error on writing means for the reader (errno), and the same in the words of libraries
# that report it without an errno (pyarrow).
WRITE_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for the disk",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "no permission to write there",
    errno.EPERM: "no permission to write there",
}
WRITE_PROBLEM_TEXTS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
}


def write_problem(err: BaseException) -> str | None:
    """Why a write failed, in plain words, when `err` says the folder cannot be written; else None."""
    if not isinstance(err, OSError):
        return None
    number = err.errno or next((n for text, n in WRITE_PROBLEM_TEXTS.items() if text in str(err)), None)
    return WRITE_PROBLEMS.get(number)


@contextmanager
def writing_in(folder: Path) -> Iterator[None]:
    """Turn an error that says `folder` cannot be written into a WriteError naming it (other errors pass)."""
    try:
        yield
    except OSError as err:
        problem = write_problem(err)
        if problem is None:
            raise
        raise WriteError(
            f"cannot write in {folder}: {problem} ({err}). The files already there are unchanged; "
            "free space, make the folder writable, or choose another folder"
        ) from err


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` only if the block succeeds."""
    target = Path(target)
    with writing_in(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            yield tmp
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(target, text.encode(encoding))


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` (the folder itself, so that no lock file is left in it) for the block: one
    process at a time swaps a folder in it or updates a shared file in it. The operating system releases the lock
    when the process ends, killed or not."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock, as before
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def process_alive(pid: int) -> bool:
    """Whether process `pid` still runs (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


STALE_SECONDS = (
    3600  # a temporary folder of an older workbook (no process id in its name) counts as left over after this
)


def recover_directory(target: Path) -> list[str]:
    """Repair what an interrupted atomic_directory left beside `target`: when `target` is missing but the previous
    folder is still at its '.old' name (a kill between the two renames), put it back; remove temporary folders of
    processes that no longer run. Returns what was done, in words (for a log)."""
    target = Path(target)
    parent = target.parent
    done = []
    if not parent.is_dir():
        return done
    with locked(parent):
        old = parent / f".{target.name}.old"
        if not target.exists() and old.is_dir():
            os.replace(old, target)
            done.append(f"restored the previous {target.name} from {old.name} (an interrupted run had moved it aside)")
        for leftover in parent.glob(f".{target.name}.*.tmp"):
            owner = leftover.name[len(target.name) + 2 :].split("-", 1)[0]
            stale = (
                (not process_alive(int(owner)))
                if owner.isdigit()
                else (time.time() - leftover.stat().st_mtime > STALE_SECONDS)
            )
            if stale and leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
                done.append(f"removed {leftover.name}, left by an interrupted run")
    return done


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `target`; when the block succeeds it replaces `target` as a whole.

    The old folder is moved aside first and deleted only after the new one is in place, so at no moment
    is there a half-filled `target`. The swap holds a lock, and a run that was killed is repaired by the next one
    (recover_directory): its temporary folder removed, or the previous folder put back.
    """
    target = Path(target)
    with writing_in(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        for note in recover_directory(target):
            logging.getLogger(__name__).warning(note)
        # the process id in the name tells a later run whether the folder is still being written
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent))
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; give the folder the usual permissions
            yield tmp
            with locked(target.parent):
                old = None
                if target.exists():
                    old = target.with_name(f".{target.name}.old")
                    if old.exists():
                        shutil.rmtree(old)
                    os.replace(target, old)
                try:
                    os.replace(tmp, target)
                except OSError:
                    if old is not None:  # put the earlier folder back in its place
                        os.replace(old, target)
                    raise
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Reading once per process --------------------------------------------------------------------------------
#
# A batch renders many reports in one warm worker; each report reads the same configuration and the same
# processed tables. The readers below remember what they read for as long as the files are unchanged (same bytes
# for small configuration files, same size, time and inode for large tables), so an edited file is read again.

_REMEMBERED: dict[tuple, tuple[object, object]] = {}


def file_stamp(path: Path) -> tuple:
    """What identifies one version of a (large) file without reading it: inode, size, modification time."""
    stat = Path(path).stat()
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def remembered(key: tuple, stamp: object, load):
    """`load()`, or what it returned before for `key` when `stamp` has not changed since."""
    hit = _REMEMBERED.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = load()
    _REMEMBERED[key] = (stamp, value)
    return value


def read_yaml(path: Path):
    """A YAML file parsed (with libyaml where installed), parsed once per process for the same bytes.
    The result is shared: treat it as read-only. Raises FileNotFoundError and yaml.YAMLError as yaml does."""
    import yaml

    path = Path(path)
    data = path.read_bytes()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return remembered(
        ("yaml", str(path.resolve()), loader.__name__),
        hashlib.sha1(data).digest(),
        lambda: yaml.load(data.decode("utf-8"), Loader=loader),
    )


def read_config(path: Path, error: type[Exception] = ValueError, what: str = "configuration") -> dict:
    """A configuration file (YAML) as a mapping. A syntax error becomes `error` naming the file, line and column;
    a file that is empty or holds a list or a single value becomes `error` that says a mapping is expected.
    FileNotFoundError passes, for the caller's own message."""
    import yaml

    try:
        raw = read_yaml(path)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{path}{where}: not valid YAML ({problem}); the {what} was not read") from None
    if not isinstance(raw, dict):
        found = "nothing (an empty file)" if raw is None else f"a {type(raw).__name__}"
        raise error(f"{path}: the {what} should be a mapping of 'key: value' lines, but the file holds {found}")
    return raw
