"""Reading a user-supplied input file: every OS problem becomes one InputError naming it."""

from __future__ import annotations

from pathlib import Path

from stacks.errors import InputError


def read_input_bytes(path: Path, source: str | None = None) -> bytes:
    """The file's bytes; missing, a directory or unreadable is an InputError for ``source``."""
    name = source or str(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError.single(name, "", "file not found") from None
    except IsADirectoryError:
        raise InputError.single(name, "", "is a directory, not a file") from None
    except OSError as exc:
        raise InputError.single(name, "", f"cannot be read ({exc.strerror})") from None
