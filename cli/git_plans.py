"""Plans at git revisions: each built offline by that revision's own code and config.

The revision is exported with ``git archive`` into a temporary directory, and
``python -m cli.main --project-dir TMP plan ENV --json`` runs there in a subprocess with
``PYTHONPATH=TMP``, so the program, the components and the stack config are the
revision's, not the working tree's. Nothing in the repository or its index is touched.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cli.plan import Plan
from stacks.errors import InputError

WORKING_TREE = "working tree"

# (args, env, cwd) -> completed process; injectable so tests can stand in for the subprocess.
PlanRunner = Callable[[Sequence[str], Mapping[str, str], Path], "subprocess.CompletedProcess[str]"]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise InputError.single("git", "", "git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError.single("git", args[0], "timed out after 120 s") from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").strip()


def repository_root(project_dir: Path) -> Path:
    result = _git(project_dir, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise InputError.single(
            str(project_dir), "", "is not inside a git repository (needed for --from/--to)"
        )
    return Path(_text(result.stdout)).resolve()


def resolve_revision(repo: Path, ref: str) -> str:
    """The commit id of ``ref``; an unknown ref is an InputError naming it."""
    if not ref or ref.startswith("-"):
        raise InputError.single("git", ref, "not a revision")
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise InputError.single("git", ref, "unknown revision (no such branch, tag or commit)")
    return _text(result.stdout)


def file_at_revision(project_dir: Path, relative: Path | str, ref: str) -> bytes | None:
    """The bytes of ``project_dir/relative`` as committed at ``ref`` (None if not there)."""
    repo = repository_root(project_dir)
    inside = (project_dir.resolve().relative_to(repo) / relative).as_posix()
    result = _git(repo, "show", f"{resolve_revision(repo, ref)}:{inside}")
    return result.stdout if result.returncode == 0 else None


def export_revision(repo: Path, commit: str, destination: Path) -> None:
    """Write the files of ``commit`` under ``destination`` (``git archive`` + safe extract)."""
    result = _git(repo, "archive", "--format=tar", commit)
    if result.returncode != 0:
        raise InputError.single("git", commit[:12], f"git archive failed: {_text(result.stderr)}")
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(destination, filter="data")


def _run_plan(
    args: Sequence[str], env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=600,
        check=False,
    )


def plan_in_directory(
    project: Path, stack: str, label: str, runner: PlanRunner | None = None
) -> Plan:
    """Run ``llz plan STACK --json`` with the code found in ``project`` (a subprocess)."""
    if not (project / "stacks" / f"Pulumi.{stack}.yaml").is_file():
        raise InputError.single(label, "", f"has no stacks/Pulumi.{stack}.yaml")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(project)
    env.pop("PYTHONHOME", None)
    args = [sys.executable, "-m", "cli.main", "--project-dir", str(project), "plan", stack,
            "--json"]
    try:
        result = (runner or _run_plan)(args, env, project)
    except subprocess.TimeoutExpired as expired:
        raise InputError.single(
            label, "", f"the offline plan timed out after {expired.timeout:g} s"
        ) from None
    if result.returncode != 0:
        lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exited with status {result.returncode}"
        prefix = "error: "
        reason = reason[len(prefix):] if reason.startswith(prefix) else reason
        raise InputError.single(label, "", f"the offline plan failed: {reason}")
    return Plan.from_json(result.stdout, f"{label} (llz plan {stack} --json)")


def _loaded_from(project_dir: Path) -> bool:
    """Whether this process runs the code of ``project_dir`` (then no subprocess is needed)."""
    import cli

    return Path(cli.__file__).resolve().parent.parent == project_dir.resolve()


def secure_config(project_dir: Path, stack: str, ref: str | None) -> dict[str, str]:
    """Key -> SHA-256 of the ciphertext, for every ``secure:`` value of the stack's config.

    Read from the working tree (``ref`` None) or with ``git show REF:path``. Nothing is
    decrypted; a missing or unreadable file gives an empty mapping (the plan step reports
    real problems).
    """
    import hashlib

    import yaml

    relative = Path("stacks") / f"Pulumi.{stack}.yaml"
    if ref is None:
        path = project_dir / relative
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    else:
        data = file_at_revision(project_dir, relative, ref)
        text = data.decode("utf-8", errors="replace") if data is not None else ""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        return {}
    return {
        str(key): hashlib.sha256(str(value["secure"]).encode()).hexdigest()
        for key, value in config.items()
        if isinstance(value, dict) and "secure" in value
    }


def secret_config_warnings(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """One line per secret config key whose ciphertext was set, changed or removed."""
    lines = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            lines.append(f"secret config {key} was set: (none) -> [secret]")
        elif key not in new:
            lines.append(f"secret config {key} was removed: [secret] -> (none)")
        elif old[key] != new[key]:
            lines.append(
                f"secret config {key} changed: [secret] -> [secret] (its ciphertext differs)"
            )
    return lines


def plan_at_revision(
    project_dir: Path, stack: str, ref: str | None, runner: PlanRunner | None = None
) -> tuple[Plan, str]:
    """The offline Plan of ``stack`` at git ``ref`` (None: the working tree) and its label."""
    if ref is None:
        label = WORKING_TREE
        if runner is None and _loaded_from(project_dir):
            from cli.engines.offline import plan_offline

            return plan_offline(project_dir, stack), label
        return plan_in_directory(project_dir, stack, label, runner), label
    repo = repository_root(project_dir)
    commit = resolve_revision(repo, ref)
    label = f"{ref} ({commit[:10]})" if not commit.startswith(ref) else commit[:10]
    relative = project_dir.resolve().relative_to(repo)
    with tempfile.TemporaryDirectory(prefix="llz-rev-") as tmp:
        export_revision(repo, commit, Path(tmp))
        project = Path(tmp) / relative
        if not (project / "cli" / "main.py").is_file():
            raise InputError.single(
                f"revision {ref}", "", "has no cli/main.py (not an llz project)"
            )
        return plan_in_directory(project, stack, f"revision {ref}", runner), label
