"""Writing output files atomically: a crash never leaves half a plan or report behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stacks.errors import InputError
from stacks.input_files import read_input_bytes


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory + rename.

    A crash or an error at any point leaves the previous file as it was and no temporary
    file behind. An OS error (disk full, no permission) becomes an InputError naming the path.
    """
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError.single(str(path), "", f"directory {directory} does not exist")
    if path.is_dir():
        raise InputError.single(str(path), "", "is a directory")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError.single(str(path), "", f"cannot be written ({exc.strerror})") from None
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
            raise InputError.single(str(path), "", f"cannot be written ({reason})") from None
        raise


def make_directory(path: Path) -> None:
    """Create an output directory (and its parents) if missing, like ``mkdir -p``; an OS
    error, or a file in the way, becomes an InputError naming the path."""
    if path.exists() and not path.is_dir():
        raise InputError.single(str(path), "", "is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError.single(str(path), "", f"cannot be created ({reason})") from None


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0666 minus the umask.

    (mkstemp creates 0600 files, which other readers of a report could not open.)
    """
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def read_text(path: Path, source: str | None = None) -> str:
    """Read a user-supplied text file; problems become an InputError naming it."""
    name = source or str(path)
    try:
        return read_input_bytes(path, name).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError.single(name, "", "is not UTF-8 text") from None
