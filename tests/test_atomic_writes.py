"""A plan or report file is written atomically: a crash never leaves a half file.

Crashes are simulated at each step of cli.files.write_atomic (creating the temporary file,
writing it, syncing it, renaming it over the target), directly and through the commands
that write files. After every crash the previous file is intact and no temporary file is
left in the directory.
"""

from __future__ import annotations

import ast
import errno
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli import exit_codes
from cli.files import write_atomic
from stacks.errors import InputError
from tests.conftest import PROJECT_DIR, invoke_llz

PREVIOUS = b'{"previous": "complete file"}\n'
NEW = ("x" * 100_000 + "\n").encode()


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


class _HalfWriter:
    """A file object that writes half of what it is given, then fails like a full disk."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _fail_replace(target: Path, error: BaseException) -> Callable[[Any, Any], None]:
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            raise error
        real(src, dst)

    return replace


CRASHES: dict[str, Callable[[pytest.MonkeyPatch, Path], type[BaseException]]] = {}


def crash(name: str) -> Callable[[Any], Any]:
    def register(func: Any) -> Any:
        CRASHES[name] = func
        return func

    return register


@crash("disk-full-midway")
def _disk_full(mp: pytest.MonkeyPatch, target: Path) -> type[BaseException]:
    real = os.fdopen
    mp.setattr("cli.files.os.fdopen", lambda fd, mode: _HalfWriter(real(fd, mode)))
    return InputError


@crash("killed-before-sync")
def _killed(mp: pytest.MonkeyPatch, target: Path) -> type[BaseException]:
    def fsync(fd: int) -> None:
        raise KeyboardInterrupt

    mp.setattr("cli.files.os.fsync", fsync)
    return KeyboardInterrupt


@crash("rename-fails")
def _rename(mp: pytest.MonkeyPatch, target: Path) -> type[BaseException]:
    error = OSError(errno.EIO, os.strerror(errno.EIO))
    mp.setattr("cli.files.os.replace", _fail_replace(target, error))
    return InputError


@crash("killed-at-rename")
def _killed_at_rename(mp: pytest.MonkeyPatch, target: Path) -> type[BaseException]:
    mp.setattr("cli.files.os.replace", _fail_replace(target, KeyboardInterrupt()))
    return KeyboardInterrupt


@crash("no-permission")
def _no_permission(mp: pytest.MonkeyPatch, target: Path) -> type[BaseException]:
    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    mp.setattr("cli.files.tempfile.mkstemp", mkstemp)
    return InputError


@pytest.mark.parametrize("name", sorted(CRASHES))
@pytest.mark.parametrize("payload", [NEW, NEW.decode()], ids=["bytes", "text"])
def test_crash_keeps_previous_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, payload: str | bytes
) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(PREVIOUS)
    expected = CRASHES[name](monkeypatch, target)
    with pytest.raises(expected) as caught:
        write_atomic(target, payload)
    assert target.read_bytes() == PREVIOUS
    assert _leftovers(tmp_path, {"plan.json"}) == []
    if expected is InputError:
        assert str(caught.value).startswith(f"{target}: cannot be written (")


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_crash_on_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    target = tmp_path / "report.html"
    expected = CRASHES[name](monkeypatch, target)
    with pytest.raises(expected):
        write_atomic(target, NEW)
    assert _leftovers(tmp_path, set()) == []


def test_success_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(PREVIOUS + b"a longer previous file than the new one" * 100)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert _leftovers(tmp_path, {"plan.json"}) == []


def test_bad_destinations_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_atomic(tmp_path / "missing" / "plan.json", "x")
    with pytest.raises(InputError, match="is a directory"):
        write_atomic(tmp_path, "x")


# --------------------------------------------------------------------------- commands

# Commands that write a file: (module that must exist, argv with {out} and {dir}, the file).
WRITERS: dict[str, tuple[str, list[str], str]] = {
    "plan --out": ("cli.commands.plan", ["plan", "dev", "--out", "{dir}/plan.json"], "plan.json"),
    "audit --out-dir": (
        "cli.commands.audit",
        ["audit", "dev", "--format", "json", "--out-dir", "{dir}"],
        "report.json",
    ),
    "cost --out": ("cli.commands.cost", ["cost", "dev", "--out", "{dir}/cost.txt"], "cost.txt"),
    "diff --out": (
        "cli.commands.diff", ["diff", "staging", "prod", "--no-cost", "--out", "{dir}/diff.md"],
        "diff.md",
    ),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("name", ["disk-full-midway", "killed-at-rename"])
def test_command_crash_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str, name: str
) -> None:
    module, argv, file_name = WRITERS[writer]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet")
    target = tmp_path / file_name
    target.write_bytes(PREVIOUS)
    CRASHES[name](monkeypatch, target)
    result = invoke_llz(["--no-color", *(a.format(dir=tmp_path) for a in argv)])
    assert target.read_bytes() == PREVIOUS
    assert _leftovers(tmp_path, {file_name}) == []
    assert "Traceback" not in result.output
    if name == "killed-at-rename":
        # click turns the interrupt into Abort: "aborted: nothing was changed.", exit 1
        assert result.exit_code in (exit_codes.ERROR, exit_codes.INTERRUPTED), result.output
    else:
        assert result.exit_code == exit_codes.ERROR, result.output
        assert f"error: {target}: cannot be written (" in result.stderr


def _writes_outside_cli_files(source: str) -> list[int]:
    """Lines that write files by hand instead of through cli.files.write_atomic."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("write_text", "write_bytes"):
            lines.append(node.lineno)
        elif name in ("open", "fdopen"):
            modes = node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"]
            for mode in modes:
                if isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+"):
                    lines.append(node.lineno)
    return lines


def test_cli_writes_files_only_through_write_atomic() -> None:
    offenders = []
    for path in sorted((PROJECT_DIR / "cli").rglob("*.py")):
        if path.name == "files.py" and path.parent.name == "cli":
            continue
        for line in _writes_outside_cli_files(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PROJECT_DIR)}:{line}")
    assert offenders == [], "write files with cli.files.write_atomic: " + ", ".join(offenders)
