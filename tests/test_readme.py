"""The README is assembled from docs/ and states the two commands CI and newcomers run."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_DIR


def test_readme_is_built_from_the_current_sections() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/build_readme.py", "--check"],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in readme
    assert "./scripts/test.sh" in ci
    assert "./scripts/setup.sh && .venv/bin/llz plan dev" in readme
