"""Hostile stack configs: every one ends in one clear error, quickly, with nothing written.

The strategies (tests/fuzz_strategies.py) damage the shipped stack configs in a temp copy of
the project. Most examples go through the loader (cheap), fewer through `llz validate` and
`llz plan --out` in-process, and a few classics through a real `llz` subprocess. Thousands
more run in benchmarks/bench_fuzz_configs.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_strategies import (
    CLI_COMMANDS,
    ENVIRONMENTS,
    PLAN_FILE_COMMANDS,
    SHIPPED,
    SHIPPED_PRICES,
    SHIPPED_TEXT,
    TIME_LIMIT,
    FuzzCase,
    _dump,
    argv_lists,
    billion_laughs,
    check_argv,
    check_cli,
    check_input_file,
    check_loader,
    check_offline_plan,
    clear_error_problems,
    damaged_plan_files,
    damaged_price_files,
    hostile_configs,
    invalid_configs,
    make_project,
    restore,
)

FUZZ = settings(
    deadline=None,  # each case is timed against TIME_LIMIT instead
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


@contextlib.contextmanager
def hang_guard(seconds: int = 60) -> Iterator[None]:
    """Turn a real hang into a failure instead of a stuck CI job (main thread, POSIX)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"a single case ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("fuzz") / "project")


def _assert_ok(outcome_problems: list[str], case: FuzzCase, message: str) -> None:
    assert not outcome_problems, (
        f"{case.describe()}\nproblems: {outcome_problems}\nmessage: {message[:2000]}"
    )


@settings(FUZZ, max_examples=250)
@given(case=hostile_configs)
def test_loader_refuses_hostile_configs_clearly(project: Path, case: FuzzCase) -> None:
    try:
        with hang_guard():
            outcome = check_loader(project, case)
    finally:
        restore(project, case.env)
    _assert_ok(outcome.problems, case, outcome.message)


@settings(FUZZ, max_examples=40)
@given(case=invalid_configs, command=st.sampled_from(sorted(CLI_COMMANDS)))
def test_cli_refuses_invalid_configs_without_writing(
    project: Path, case: FuzzCase, command: str
) -> None:
    try:
        with hang_guard():
            outcome = check_cli(project, case, command)
    finally:
        restore(project, case.env)
    _assert_ok(outcome.problems, case, outcome.message)


# Mutations a valid config survives: new texts where free text is allowed, optional keys
# dropped. The spec accepts them, so the program must plan them too (no component may
# reject what the spec accepted with anything but a clear error).
_FREE_TEXT: list[tuple[str | int, ...]] = [
    ("llz:tags", "owner"), ("llz:systems", 0, "description"), ("llz:tags", "extra", "project"),
]
_OPTIONAL: list[tuple[str | int, ...]] = [
    ("llz:ingress", "loadBalancerSpec"), ("llz:database", "storageType"),
    ("llz:appServers", "keyPairName"), ("llz:appServers", "countPerZone"),
    ("llz:cache", "engineVersion"), ("llz:documentStore", "replicationFactor"),
    ("llz:bandwidth", "expectedPeakMbps"), ("llz:protection",), ("llz:policy",),
]


@st.composite
def benign_configs(draw: st.DrawFn) -> FuzzCase:
    import copy

    env = draw(st.sampled_from(ENVIRONMENTS))
    doc = copy.deepcopy(SHIPPED[env])
    config = doc["config"]
    if draw(st.booleans()):
        path = draw(st.sampled_from(_FREE_TEXT))
        target = config
        for part in path[:-1]:
            target = target[part]
        printable = st.characters(blacklist_categories=("Cc", "Cs"))  # one-line text fields
        text = draw(
            st.text(printable, min_size=1, max_size=40).filter(lambda t: t.strip() != "")
        )
        target[path[-1]] = text
        kind = "free-text"
    else:
        # prod must state its protection, so dropping it there is not a benign change
        optional = [p for p in _OPTIONAL if env != "prod" or p != ("llz:protection",)]
        path = draw(st.sampled_from(optional))
        target = config
        for part in path[:-1]:
            target = target[part]
        target.pop(path[-1], None)
        kind = "drop-optional"
    return FuzzCase(env, kind, _dump(doc), False)


@settings(FUZZ, max_examples=6)
@given(case=benign_configs())
def test_configs_the_spec_accepts_also_plan(project: Path, case: FuzzCase) -> None:
    try:
        with hang_guard():
            loaded = check_loader(project, case)
            planned = check_offline_plan(project, case) if loaded.accepted else None
    finally:
        restore(project, case.env)
    _assert_ok(loaded.problems, case, loaded.message)
    assert loaded.accepted, f"{case.describe()}: refused: {loaded.message}"
    assert planned is not None
    _assert_ok(planned.problems, case, planned.message)


# The classics, at full strength, deterministic.
CLASSICS: dict[str, bytes] = {
    "billion-laughs": (billion_laughs(12, 10) + "config: {}\n").encode(),
    "deep-nesting": b"config:\n  llz:systems: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "empty": b"",
    "binary": bytes(range(256)) * 4,
    "nul-bytes": b"config:\n  alicloud:region: cn-\x00shanghai\n",
    "utf-16": "config:\n  alicloud:region: cn-shanghai\n".encode("utf-16"),
    "python-tag": b"config: !!python/object/apply:os.system ['touch /tmp/llz-pwned']\n",
    "huge": b"config: {}\n#" + b"x" * (2 * 1024 * 1024) + b"\n",
}


@pytest.mark.parametrize("name", sorted(CLASSICS))
def test_classic_hostile_files_are_refused_by_the_loader(project: Path, name: str) -> None:
    case = FuzzCase("staging", name, CLASSICS[name], True)
    try:
        with hang_guard():
            outcome = check_loader(project, case)
    finally:
        restore(project, case.env)
    _assert_ok(outcome.problems, case, outcome.message)
    assert not Path("/tmp/llz-pwned").exists()


@pytest.mark.parametrize(
    ("name", "command"),
    [("billion-laughs", "validate"), ("binary", "plan"), ("deep-nesting", "plan-vv")],
)
def test_real_llz_process_refuses_classics(project: Path, name: str, command: str) -> None:
    """The installed entry point, in its own process: exit 1, one clear error, no plan."""
    case = FuzzCase("prod", name, CLASSICS[name], True)
    out = project / "out" / "plan.json"
    out.parent.mkdir(exist_ok=True)
    args = [p.format(env="prod", out=out) for p in CLI_COMMANDS[command]]
    (project / "stacks" / "Pulumi.prod.yaml").write_bytes(case.data)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "--project-dir", str(project), *args],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "NO_COLOR": "1"},
        )
    finally:
        restore(project, "prod")
    seconds = time.perf_counter() - start
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert not clear_error_problems(done.stderr, "prod", prefix="error: "), done.stderr
    assert not out.exists()
    assert seconds < TIME_LIMIT + 10  # + interpreter start-up on a loaded machine


def test_error_lines_cannot_be_forged_by_key_names(project: Path) -> None:
    """A key holding a newline must not start a line that looks like llz's own output."""
    doc = dict(SHIPPED["dev"])
    doc["config"] = {**doc["config"], "llz:x\nstacks/Pulumi.dev.yaml: ok": 1}
    case = FuzzCase("dev", "forged-line", _dump(doc), True)
    try:
        outcome = check_loader(project, case)
    finally:
        restore(project, "dev")
    _assert_ok(outcome.problems, case, outcome.message)
    assert len(outcome.message.splitlines()) == 1
    assert "\\n" in outcome.message


def test_many_problems_are_capped(project: Path) -> None:
    doc = dict(SHIPPED["dev"])
    doc["config"] = {**doc["config"], **{f"llz:x{i}": i for i in range(500)}}
    case = FuzzCase("dev", "many-keys", _dump(doc), True)
    try:
        outcome = check_loader(project, case)
    finally:
        restore(project, "dev")
    _assert_ok(outcome.problems, case, outcome.message)
    lines = outcome.message.splitlines()
    assert len(lines) == 25
    assert lines[-1].endswith("more problems (fix the ones above first)")


@pytest.mark.parametrize("command", ["plan", "plan-vv", "validate"])
def test_cli_prints_every_problem_as_its_own_error_line(project: Path, command: str) -> None:
    doc = dict(SHIPPED["staging"])
    doc["config"] = {**doc["config"], "aws:region": 1, "k8s:x": 2, "alicloud:zone": "z"}
    case = FuzzCase("staging", "three-problems", _dump(doc), True)
    try:
        outcome = check_cli(project, case, command)
    finally:
        restore(project, "staging")
    _assert_ok(outcome.problems, case, outcome.message)
    assert outcome.message.count("error: stacks/Pulumi.staging.yaml: ") == 3


# --------------------------------------------------------------------------- saved plans


@settings(FUZZ, max_examples=40)
@given(damaged=damaged_plan_files(), command=st.sampled_from(sorted(PLAN_FILE_COMMANDS)))
def test_damaged_plan_files_end_in_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, damaged: tuple[str, bytes], command: str
) -> None:
    how, data = damaged
    directory = tmp_path_factory.mktemp("plans")
    with hang_guard():
        problems = check_input_file(directory, data, command)
    assert not problems, f"{command} with a {how} plan file {data[:200]!r}: {problems}"


@pytest.mark.parametrize("command", sorted(PLAN_FILE_COMMANDS))
def test_deeply_nested_plan_file_is_a_clear_error(tmp_path: Path, command: str) -> None:
    """Found by this file's fuzzing (RecursionError from json.loads), fixed in 0050c55."""
    data = b"[" * 100_000 + b"]" * 100_000
    problems = check_input_file(tmp_path, data, command)
    assert not problems, problems


# --------------------------------------------------------------------------- wrong flags


@settings(FUZZ, max_examples=60)
@given(argv=argv_lists)
def test_any_argument_list_gets_an_answer_or_one_clear_error(
    tmp_path_factory: pytest.TempPathFactory, argv: list[str]
) -> None:
    with hang_guard():
        problems, _seconds = check_argv(tmp_path_factory.mktemp("argv"), argv)
    assert not problems, f"llz {argv}: {problems}"


WRONG_FLAGS = [
    ["cost", "dev", "--traffic-gb", "inf"],
    ["cost", "dev", "--traffic-gb", "1e309"],
    ["cost", "dev", "--traffic-gb", "nan"],
    ["cost", "dev", "--peak-mbps", "nan"],
    ["cost", "dev", "--chart", "{dir}/chart.bmp"],
    ["cost", "dev", "--prices", "{dir}"],
    ["audit", "dev", "--plan", "{dir}"],
    ["audit", "dev", "--plan", "{missing}"],
    ["audit", "dev", "--out-dir", "{file}"],
    ["audit", "dev", "--format", "xml"],
    ["diff", "prod", "--from", "no-such-ref"],
    ["diff", "--from-state", "{file}"],
    ["plan", "dev", "--out", "{dir}"],
    ["plan", "Prod"],
    ["validate", "qa"],
    ["-vv", "audit", "verify", "not-a-url"],
]


@pytest.mark.parametrize("argv", WRONG_FLAGS, ids=lambda a: " ".join(a))
def test_wrong_flags_get_one_clear_error(tmp_path: Path, argv: list[str]) -> None:
    problems, _seconds = check_argv(tmp_path, argv)
    assert not problems, problems


def test_a_key_without_namespace_is_explained(project: Path) -> None:
    """Found by the benchmark: a lost ':' turned llz:network into a bare key."""
    text = SHIPPED_TEXT["dev"].replace("  llz:network:", "  llznetwork:", 1)
    case = FuzzCase("dev", "lost-colon", text.encode(), True)
    try:
        outcome = check_loader(project, case)
    finally:
        restore(project, "dev")
    _assert_ok(outcome.problems, case, outcome.message)
    assert outcome.message == (
        "stacks/Pulumi.dev.yaml: llznetwork: keys look like NAMESPACE:NAME, e.g. llz:network"
    )


def test_hostile_stack_file_names(tmp_path: Path) -> None:
    """Stack names come from file names: odd ones are refused, none can forge a line."""
    from click.testing import CliRunner

    from cli.main import run

    project = make_project(tmp_path / "project")
    stacks = project / "stacks"
    for name in ("q a", "x\nprod: ok", "trailing\n", "ünïcode"):
        (stacks / f"Pulumi.{name}.yaml").write_text(SHIPPED_TEXT["dev"])
    (stacks / "Pulumi.dir.yaml").mkdir()
    (stacks / "Pulumi.link.yaml").symlink_to(tmp_path / "nowhere")
    with CliRunner().isolation(color=False) as streams:
        code = run(["--project-dir", str(project), "validate"])
    stdout = streams[0].getvalue().decode()
    stderr = streams[1].getvalue().decode()
    assert code == 1
    assert stdout.splitlines() == ["dev: ok", "staging: ok", "prod: ok"]
    errors = stderr.splitlines()
    assert len(errors) == 6, stderr
    for line in errors:
        assert line.startswith("error: stacks/Pulumi."), line
        assert line.isprintable(), line
    assert sum("stack name: may only contain" in line for line in errors) == 4


# --------------------------------------------------------------------------- price files


@settings(FUZZ, max_examples=25)
@given(damaged=damaged_price_files(), replace=st.booleans())
def test_damaged_price_files_end_in_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, damaged: tuple[str, bytes], replace: bool
) -> None:
    how, data = damaged
    command = "cost --prices-replace" if replace else "cost --prices"
    with hang_guard():
        problems = check_input_file(tmp_path_factory.mktemp("prices"), data, command)
    assert not problems, f"{command} with a {how} price file {data[:200]!r}: {problems}"


@pytest.mark.parametrize("value", ["1.0e+25", str(10**30)])
def test_huge_price_is_a_clear_error(tmp_path: Path, value: str) -> None:
    text = SHIPPED_PRICES.read_text(encoding="utf-8").replace(
        "        value: 0.02\n", f"        value: {value}\n", 1
    )
    assert value in text
    problems = check_input_file(tmp_path, text.encode(), "cost --prices")
    assert not problems, problems
