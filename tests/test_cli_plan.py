"""`llz plan` and `llz validate`: output, files, snapshots, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from cli.output import short_type
from tests.conftest import ENVIRONMENTS, PROJECT_DIR, invoke_llz, shipped_plan


class JsonSnapshot(SingleFileSnapshotExtension):
    """One reviewable .json file per snapshot."""

    file_extension = "json"
    _write_mode = WriteMode.TEXT


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_offline_plan_matches_the_reviewed_snapshot(env: str, snapshot: SnapshotAssertion) -> None:
    assert shipped_plan(env).to_json() == snapshot(extension_class=JsonSnapshot)


def test_plan_json_is_byte_identical_across_runs() -> None:
    first = invoke_llz(["plan", "staging", "--json"])
    second = invoke_llz(["plan", "staging", "--json"])
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_plan_table_groups_resources_by_component() -> None:
    result = invoke_llz(["--no-color", "plan", "prod"])
    assert result.exit_code == 0, result.stderr
    # At 80 columns a long component heading may wrap at its space.
    assert "prod-rds (llz:database:Database)" in " ".join(result.stdout.split())
    assert "prod-rds-mysql" in result.stdout
    plan = shipped_plan("prod")
    custom = sum(1 for r in plan.resources if r.custom)
    protected = sum(1 for r in plan.resources if r.protect)
    assert protected > 0  # prod protects its stateful resources
    components = len(plan.resources) - custom
    assert f"{custom} resources in {components} components; {protected} protected." in (
        result.stdout
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_plan_table_shows_every_name_and_type_whole_at_80_columns(env: str) -> None:
    """Long names fold onto the next line; nothing is cut off with an ellipsis."""
    result = invoke_llz(["--no-color", "plan", env])  # invoke_llz pins COLUMNS=80
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("Resource"))
    type_at, protect_at = lines[header].index("Type"), lines[header].index("Protect")
    rows: list[list[str]] = []  # [name, type] of each resource row, folded parts joined
    in_row = False  # a heading follows a blank line; a folded part follows its row
    for line in lines[header + 2 :]:
        cell, kind = line[2:type_at].rstrip(), line[type_at:protect_at].strip()
        if not line.strip():
            in_row = False
        elif cell.startswith("  "):  # a resource, indented under its component heading
            rows.append([cell.strip(), kind])
            in_row = True
        elif in_row:
            rows[-1][0] += cell.strip()
            rows[-1][1] += kind
    expected = [[r.name, short_type(r.type)] for r in shipped_plan(env).custom_resources()]
    assert sorted(rows) == sorted(expected)


def test_piped_output_is_120_columns_unless_columns_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cli.output import PIPED_WIDTH, _width

    monkeypatch.delenv("COLUMNS", raising=False)
    assert _width(stderr=False) == PIPED_WIDTH == 120  # pytest's capture is not a terminal
    monkeypatch.setenv("COLUMNS", "200")
    assert _width(stderr=False) is None  # rich reads COLUMNS itself


def test_plan_out_writes_the_plan_file(tmp_path: Path) -> None:
    out = tmp_path / "dev.plan.json"
    result = invoke_llz(["plan", "dev", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["stack"] == "dev"
    assert f"wrote {out}" in result.stderr


def test_plan_out_into_a_missing_directory_is_one_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "plan.json"
    result = invoke_llz(["plan", "dev", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {out}: directory")
    assert "Traceback" not in result.output


def test_unknown_environment_is_a_usage_error_with_exit_1() -> None:
    result = invoke_llz(["plan", "qa"])
    assert result.exit_code == 1
    assert "unknown environment 'qa'" in result.stderr


def test_validate_all_shipped_stacks() -> None:
    result = invoke_llz(["validate"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["dev: ok", "staging: ok", "prod: ok"]


def _broken_project(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(PROJECT_DIR / "stacks", tmp_path / "stacks",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = tmp_path / "stacks" / "Pulumi.dev.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return tmp_path


def _run_in(project: Path, *args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from cli.main import run

    with CliRunner().isolation() as streams:
        code = run(["--project-dir", str(project), *args])
    return code, streams[0].getvalue().decode(), streams[1].getvalue().decode()


def test_validate_names_file_key_and_reason(tmp_path: Path) -> None:
    project = _broken_project(tmp_path, "zones: [cn-shanghai-e, cn-shanghai-f]",
                              "zones: [cn-shanghai-e, cn-shanghai-e]")
    code, _out, err = _run_in(project, "validate", "dev")
    assert code == 1
    assert err == (
        "error: stacks/Pulumi.dev.yaml: llz:network.zones: must be distinct zones, "
        "got cn-shanghai-e, cn-shanghai-e\n"
    )


def test_validate_json_reports_each_environment(tmp_path: Path) -> None:
    project = _broken_project(tmp_path, "storageGb: 50", "storageGb: fifty")
    code, out, _ = _run_in(project, "validate", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    assert data["environments"]["prod"] == []
    assert data["environments"]["dev"] == [
        "stacks/Pulumi.dev.yaml: llz:database.storageGb: Input should be a valid integer"
    ]


def test_plan_of_an_invalid_stack_writes_nothing(tmp_path: Path) -> None:
    project = _broken_project(tmp_path, "vpcCidr: 10.10.0.0/16", "vpcCidr: 10.10.0.0/33")
    out = tmp_path / "plan.json"
    code, stdout, err = _run_in(project, "plan", "dev", "--out", str(out))
    assert code == 1
    assert err.startswith("error: stacks/Pulumi.dev.yaml: llz:network.vpcCidr: ")
    assert stdout == ""
    assert not out.exists()


def test_project_dir_without_pulumi_yaml_is_refused(tmp_path: Path) -> None:
    code, _, err = _run_in(tmp_path, "validate")
    assert code == 1
    assert "no Pulumi.yaml here" in err


def test_written_files_are_readable_by_others_like_any_new_file(tmp_path: Path) -> None:
    import os

    from cli.files import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.json", "{}")
    finally:
        os.umask(umask)
    assert (tmp_path / "report.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["audit", "--help"]])
def test_help_imports_no_heavy_module(args: list[str]) -> None:
    """`llz --help` stays instant: pulumi, rich, boto3... load only in the command that runs."""
    import subprocess
    import sys

    probe = (
        "import sys; from click.testing import CliRunner; from cli.main import cli; "
        f"result = CliRunner().invoke(cli, {args!r}); assert result.exit_code == 0; "
        "heavy = ('pulumi', 'pulumi_alicloud', 'rich', 'pydantic', 'boto3', 'deepdiff', "
        "'jinja2', 'matplotlib', 'yaml'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
