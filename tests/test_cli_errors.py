"""What every bad command line and every interrupt looks like: one line, the documented code."""

from __future__ import annotations

import pytest

from cli import exit_codes
from tests.conftest import invoke_llz


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan", "nope"], "error: llz plan: invalid value for 'ENV': unknown environment 'nope'"),
        (["plan"], "error: llz plan: missing argument 'ENV' (see 'llz plan --help')"),
        (["nosuch"], "error: llz: no such command 'nosuch' (see 'llz --help')"),
        (["cost", "dev", "--traffic-gb", "-5"], "error: llz cost: invalid value for"),
        (
            ["audit", "prod", "--no-color"],
            "error: llz audit run: no such option '--no-color'; --no-color is a global option: "
            "put it before the command (see 'llz audit run --help')",
        ),
    ],
)
def test_a_bad_command_line_is_one_error_line_and_exit_1(argv: list[str], expected: str) -> None:
    result = invoke_llz(argv)
    assert result.exit_code == exit_codes.ERROR
    assert result.stdout == ""
    assert result.stderr.startswith(expected), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # no Usage:/Try: block


def test_ctrl_c_during_an_offline_command_exits_130_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.engines.offline.plan_offline", interrupted)
    result = invoke_llz(["plan", "dev"])
    assert result.exit_code == exit_codes.INTERRUPTED == 130
    assert "interrupted: nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
