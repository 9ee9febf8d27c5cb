"""Plans at git revisions, built by each revision's own code, in a throwaway repository."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from cli.diff_engine import diff_plans
from cli.git_plans import (
    plan_at_revision,
    plan_in_directory,
    secret_config_warnings,
    secure_config,
)
from stacks.errors import InputError
from tests.conftest import PROJECT_DIR

NEW_CIPHERTEXT = "v1:rotatedrotated:cm90YXRlZCBrZXkgY2lwaGVydGV4dA=="
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.cn", *args],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def set_backup_days(repo: Path, old: int, new: int) -> None:
    """Change the database's backup retention (its first backupRetentionDays in the file)."""
    path = repo / "stacks" / "Pulumi.prod.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.index("llz:database:") < text.index(f"backupRetentionDays: {old}")
    path.write_text(
        text.replace(f"backupRetentionDays: {old}", f"backupRetentionDays: {new}", 1),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two commits (database backups 30 then 35 days) and an uncommitted change to 40."""
    root = tmp_path_factory.mktemp("gitrepo")
    for name in ("cli", "stacks", "components"):
        shutil.copytree(PROJECT_DIR / name, root / name, ignore=IGNORE)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", root / "Pulumi.yaml")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    set_backup_days(root, 30, 35)
    stack_file = root / "stacks" / "Pulumi.prod.yaml"
    text = stack_file.read_text(encoding="utf-8")
    old = text.split("llz:tlsPrivateKey:\n    secure: ", 1)[1].split("\n", 1)[0]
    stack_file.write_text(text.replace(old, NEW_CIPHERTEXT), encoding="utf-8")
    git(root, "commit", "-q", "-am", "second")
    set_backup_days(root, 35, 40)
    return root


class Recorder:
    """Runs the real subprocess and remembers how it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, args: Sequence[str], env: Mapping[str, str], cwd: Path) -> Any:
        self.calls.append((list(args), dict(env)))
        return subprocess.run(list(args), env=dict(env), cwd=cwd, capture_output=True,
                              text=True, check=False)


def backup_change(left: Any, right: Any) -> tuple[Any, Any]:
    diff = diff_plans(left, right, "a", "b")
    (change,) = diff.changes
    assert change.name == "prod-rds-backup" and change.action == "change"
    props = {p.path: (p.old, p.new) for p in change.properties}
    return props["backupRetentionPeriod"]


def test_revision_against_working_tree(repo: Path) -> None:
    recorder = Recorder()
    first, first_label = plan_at_revision(repo, "prod", "HEAD~1", recorder)
    work, work_label = plan_at_revision(repo, "prod", None, recorder)
    assert backup_change(first, work) == (30, 40)
    commit = git(repo, "rev-parse", "HEAD~1")
    assert first_label == f"HEAD~1 ({commit[:10]})" and work_label == "working tree"
    # The revision ran its own exported code: PYTHONPATH is the export, not a checkout.
    (rev_args, rev_env), (_, work_env) = recorder.calls
    assert rev_args[1:3] == ["-m", "cli.main"] and rev_args[-3:] == ["plan", "prod", "--json"]
    exported = Path(rev_env["PYTHONPATH"])
    assert exported not in (repo, PROJECT_DIR) and "llz-rev-" in str(exported)
    assert not exported.exists()  # the temporary export is cleaned up
    assert Path(work_env["PYTHONPATH"]) == repo


def test_unknown_ref_is_one_clear_line(repo: Path) -> None:
    with pytest.raises(InputError) as error:
        plan_at_revision(repo, "prod", "no-such-branch")
    assert str(error.value) == (
        "git: no-such-branch: unknown revision (no such branch, tag or commit)"
    )


def test_revision_without_the_stack(repo: Path) -> None:
    with pytest.raises(InputError) as error:
        plan_at_revision(repo, "qa", "HEAD")
    assert str(error.value) == "revision HEAD: has no stacks/Pulumi.qa.yaml"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        plan_at_revision(tmp_path, "prod", "HEAD")
    assert "is not inside a git repository" in str(error.value)


def test_failing_plan_reports_its_error(repo: Path) -> None:
    def runner(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> Any:
        return subprocess.CompletedProcess(
            list(args), 1, "", "error: stacks/Pulumi.prod.yaml: llz:database: bad value\n"
        )

    with pytest.raises(InputError) as error:
        plan_in_directory(repo, "prod", "revision HEAD", runner)
    assert str(error.value) == (
        "revision HEAD: the offline plan failed: stacks/Pulumi.prod.yaml: llz:database: bad value"
    )


def test_rotated_secret_config_is_told_without_values(repo: Path) -> None:
    old, new = secure_config(repo, "prod", "HEAD~1"), secure_config(repo, "prod", None)
    assert set(old) == set(new) == {"llz:tlsPrivateKey", "llz:alarmWebhook"}
    assert secret_config_warnings(old, new) == [
        "secret config llz:tlsPrivateKey changed: [secret] -> [secret] (its ciphertext differs)"
    ]
    assert NEW_CIPHERTEXT not in repr(new)
    assert secret_config_warnings(secure_config(repo, "prod", "HEAD"), new) == []
    assert secret_config_warnings({}, {"k": "x"}) == ["secret config k was set: (none) -> [secret]"]


def test_the_export_is_removed_when_the_plan_fails(repo: Path) -> None:
    seen: list[Path] = []

    def runner(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> Any:
        seen.append(Path(env["PYTHONPATH"]))
        raise subprocess.TimeoutExpired(list(args), 600)

    with pytest.raises(InputError) as error:
        plan_at_revision(repo, "prod", "HEAD~1", runner)
    assert str(error.value) == "revision HEAD~1: the offline plan timed out after 600 s"
    (exported,) = seen
    assert "llz-rev-" in str(exported) and not exported.exists()
