"""Hypothesis strategies that turn the shipped stack configs into hostile ones.

Every strategy yields a ``FuzzCase``: the environment, what kind of damage was done, the raw
bytes of the damaged ``stacks/Pulumi.<env>.yaml``, and whether the loader *must* refuse it
(``must_fail``; ``None`` when the damage may leave a valid config, e.g. a new description).

Structured mutations work on the parsed config (drop keys, wrong types, extreme numbers,
random unicode, malformed CIDRs, duplicate systems, unknown keys) and dump it back to YAML;
textual ones work on the bytes (aliases that expand exponentially, duplicate keys, deep
nesting, truncation, NUL bytes, non-UTF-8, binary, empty, several documents, YAML tags).

Also the checks every case must pass (``clear_error_problems``) and a temp-project helper,
shared by tests/test_fuzz_config.py and benchmarks/bench_fuzz_configs.py.
"""

from __future__ import annotations

import contextlib
import copy
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("dev", "staging", "prod")
SHIPPED_TEXT: dict[str, str] = {
    env: (PROJECT_DIR / "stacks" / f"Pulumi.{env}.yaml").read_text(encoding="utf-8")
    for env in ENVIRONMENTS
}
SHIPPED: dict[str, dict[str, Any]] = {
    env: yaml.safe_load(text) for env, text in SHIPPED_TEXT.items()
}
# Top-level config keys the spec cannot do without.
REQUIRED_KEYS = (
    "alicloud:region", "llz:environment", "llz:tags", "llz:network", "llz:ingress",
    "llz:systems", "llz:bandwidth", "llz:database", "llz:cache", "llz:documentStore",
    "llz:appServers", "llz:monitoring",
)
SECRET_KEYS = ("llz:tlsPrivateKey", "llz:alarmWebhook")
_CIDR = re.compile(r"^\d+\.\d+\.\d+\.\d+/\d+$")
MALFORMED_CIDRS = (
    "10.0.0.0/33", "300.1.1.1/24", "10.30.1.1/24", "203.0.113.1/28", "10.0.0.0/", "/24",
    "abc/24", "10.0.0.0/24/8", "10.0.0/24", "::/0", "fd00::/8", "10.0.0.0/-1",
    "0.0.0.0/0", "10.0.0.0/24 ", "\uff11\uff10.0.0.0/8", "10.0.0.0\n/8", "",
)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class FuzzCase:
    env: str
    kind: str
    data: bytes
    must_fail: bool | None

    def describe(self) -> str:
        preview = self.data[:160]
        return f"{self.env}/{self.kind} ({len(self.data)} bytes): {preview!r}"


# --------------------------------------------------------------------------- helpers


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*path, index))


def _config_paths(env: str) -> list[tuple[Path_, Any]]:
    """Every place under ``config:`` except inside secure values."""
    return [
        (p, v) for p, v in _walk(SHIPPED[env]["config"])
        if p and p[0] not in SECRET_KEYS
    ]


def _leaves(env: str) -> list[Path_]:
    return [p for p, v in _config_paths(env) if not isinstance(v, (dict, list))]


def _int_leaves(env: str) -> list[Path_]:
    return [
        p for p, v in _config_paths(env) if isinstance(v, int) and not isinstance(v, bool)
    ]


def _str_leaves(env: str) -> list[Path_]:
    return [p for p, v in _config_paths(env) if isinstance(v, str)]


def _cidr_leaves(env: str) -> list[Path_]:
    return [p for p, v in _config_paths(env) if isinstance(v, str) and _CIDR.match(v)]


def _model_mappings(env: str) -> list[Path_]:
    """Mappings validated by a model with unknown keys forbidden (not tags.extra)."""
    return [
        p for p, v in _config_paths(env)
        if isinstance(v, dict) and p[:2] != ("llz:tags", "extra")
    ]


def _all_nested_keys(env: str) -> list[Path_]:
    return [p for p, _ in _config_paths(env) if len(p) > 1]


def _set(document: dict[str, Any], path: Path_, value: Any) -> None:
    target: Any = document["config"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _delete(document: dict[str, Any], path: Path_) -> None:
    target: Any = document["config"]
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]


def _dump(document: Any) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode("utf-8")


def _fresh(env: str) -> dict[str, Any]:
    return copy.deepcopy(SHIPPED[env])


envs = st.sampled_from(ENVIRONMENTS)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40)
)
containers = st.one_of(
    st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=8), scalars, max_size=4)
)


# --------------------------------------------------------------------------- structured


@st.composite
def drop_required_key(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    key = draw(st.sampled_from(REQUIRED_KEYS))
    del doc["config"][key]
    return FuzzCase(env, "drop-required-key", _dump(doc), True)


@st.composite
def drop_any_key(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_all_nested_keys(env)))
    _delete(doc, path)
    return FuzzCase(env, "drop-key", _dump(doc), None)


@st.composite
def container_for_scalar(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    _set(doc, draw(st.sampled_from(_leaves(env))), draw(containers))
    return FuzzCase(env, "wrong-type-container", _dump(doc), True)


@st.composite
def wrong_scalar_type(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_leaves(env)))
    _set(doc, path, draw(scalars))
    return FuzzCase(env, "wrong-type-scalar", _dump(doc), None)


@st.composite
def scalar_for_section(draw: st.DrawFn) -> FuzzCase:
    """A whole section (a mapping or a list) replaced by a scalar."""
    env = draw(envs)
    doc = _fresh(env)
    sections = [p for p, v in _config_paths(env) if isinstance(v, (dict, list))]
    path = draw(st.sampled_from(sections))
    value = draw(st.one_of(st.booleans(), st.integers(), st.text(min_size=1, max_size=20)))
    _set(doc, path, value)
    # a tags.extra mapping or an optional list may not be required, but a scalar is never one
    return FuzzCase(env, "scalar-for-section", _dump(doc), True)


@st.composite
def extreme_number(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_int_leaves(env)))
    value = draw(
        st.one_of(
            st.integers(max_value=-1),
            st.integers(min_value=10**8),
            st.sampled_from([-1, -(2**63), 2**63, 2**64 + 1, 10**30, -(10**400), 10**400]),
        )
    )
    _set(doc, path, value)
    return FuzzCase(env, "extreme-number", _dump(doc), True)


@st.composite
def odd_float(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_int_leaves(env)))
    value = draw(st.one_of(st.floats(), st.sampled_from([float("nan"), float("inf"), 0.5])))
    _set(doc, path, value)
    return FuzzCase(env, "odd-float", _dump(doc), None)


@st.composite
def random_unicode(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_str_leaves(env)))
    _set(doc, path, draw(st.text(max_size=60)))
    return FuzzCase(env, "random-unicode", _dump(doc), None)


@st.composite
def malformed_cidr(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    path = draw(st.sampled_from(_cidr_leaves(env)))
    value = draw(
        st.one_of(
            st.sampled_from(MALFORMED_CIDRS),
            st.builds(
                "{}.{}.{}.{}/{}".format,
                st.integers(256, 99999), st.integers(0, 255), st.integers(0, 255),
                st.integers(0, 255), st.integers(0, 32),
            ),
            st.builds(
                "10.{}.0.0/{}".format, st.integers(0, 255), st.integers(33, 10**6)
            ),
        )
    )
    _set(doc, path, value)
    return FuzzCase(env, "malformed-cidr", _dump(doc), True)


@st.composite
def duplicate_system(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    systems = doc["config"]["llz:systems"]
    original = draw(st.sampled_from(systems))
    clone = copy.deepcopy(original)
    if draw(st.booleans()):  # same name on another port: only the name clashes
        clone["listenerPort"] = 40000 + draw(st.integers(0, 999))
        clone.pop("redirectHttpPort", None)
    systems.insert(draw(st.integers(0, len(systems))), clone)
    return FuzzCase(env, "duplicate-system", _dump(doc), True)


@st.composite
def unknown_key(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    doc = _fresh(env)
    name = "x-" + draw(st.text(max_size=20))
    value = draw(st.one_of(scalars, containers))
    if draw(st.booleans()):
        doc["config"][f"llz:{name}"] = value
    else:
        path = draw(st.sampled_from(_model_mappings(env)))
        target: Any = doc["config"]
        for part in path:
            target = target[part]
        target[name] = value
    return FuzzCase(env, "unknown-key", _dump(doc), True)


@st.composite
def bad_document_shape(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    shape = draw(
        st.sampled_from(["config-list", "config-scalar", "top-list", "top-scalar", "top-key",
                         "int-key", "secret-elsewhere", "plain-secret"])
    )
    doc: Any = _fresh(env)
    if shape == "config-list":
        doc["config"] = list(doc["config"].items())
    elif shape == "config-scalar":
        doc["config"] = draw(st.one_of(st.integers(), st.text(min_size=1)))
    elif shape == "top-list":
        doc = [doc]
    elif shape == "top-scalar":
        doc = draw(st.one_of(st.integers(), st.text(min_size=1), st.booleans()))
    elif shape == "top-key":
        doc["x-" + draw(st.text(max_size=10))] = 1
    elif shape == "int-key":
        doc["config"][draw(st.integers())] = "x"
    elif shape == "secret-elsewhere":  # a secure value where no secret belongs
        path = draw(st.sampled_from(_leaves(env)))
        _set(doc, path, {"secure": "v1:abc"})
    else:  # a secret setting given in plain text
        doc["config"][draw(st.sampled_from(SECRET_KEYS))] = draw(st.text(max_size=20))
    return FuzzCase(env, f"shape-{shape}", _dump(doc), True)


# --------------------------------------------------------------------------- textual


def billion_laughs(levels: int, width: int) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


@st.composite
def alias_bomb(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    levels = draw(st.integers(2, 12))
    width = draw(st.integers(2, 10))
    bomb = billion_laughs(levels, width)
    where = draw(st.sampled_from(["top", "config", "merge", "value"]))
    text = SHIPPED_TEXT[env]
    if where == "top":
        text = bomb + text
    elif where == "config":
        indented = "".join(f"  llz:{line}\n" for line in bomb.splitlines())
        text = text.replace("config:\n", "config:\n" + indented, 1)
    elif where == "merge":
        text = text.replace(
            "  llz:cache:\n", "  llz:cacheBase: &base {engineVersion: '7.0'}\n"
            "  llz:cache:\n    <<: *base\n", 1,
        )
    else:
        text = text.replace("  llz:environment:", "  llz:x: &x [a, b]\n  llz:y: *x\n"
                            "  llz:environment:", 1)
    return FuzzCase(env, f"alias-{where}", text.encode(), True)


@st.composite
def duplicate_key(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    lines = SHIPPED_TEXT[env].splitlines(keepends=True)
    # a "key: value" line; repeating it right after itself duplicates the key in its mapping
    candidates = [
        i for i, line in enumerate(lines)
        if re.match(r"^\s*[A-Za-z:]+: \S", line) and not line.lstrip().startswith("-")
        and not line.rstrip().endswith("|")
    ]
    index = draw(st.sampled_from(candidates))
    lines.insert(index + 1, lines[index])
    return FuzzCase(env, "duplicate-key", "".join(lines).encode(), True)


@st.composite
def deep_nesting(draw: st.DrawFn) -> FuzzCase:
    """Nested lists or mappings, as a new key or where the spec walks them (tags, systems)."""
    env = draw(envs)
    depth = draw(st.one_of(st.integers(20, 400), st.integers(400, 20000)))
    style = draw(st.sampled_from(["flow-list", "flow-map"]))
    if style == "flow-list":
        value = "[" * depth + "]" * depth
    else:
        value = "{a: " * depth + "1" + "}" * depth
    where = draw(st.sampled_from(["new-key", "systems", "tags"]))
    text = SHIPPED_TEXT[env]
    if where == "new-key":
        text = text.replace("  llz:environment:", f"  llz:deep: {value}\n  llz:environment:", 1)
    elif where == "systems":
        text = text.replace("  llz:systems:\n", f"  llz:systems:\n    - {value}\n", 1)
    else:
        text = text.replace("    extra:\n", f"    extra:\n      deep: {value}\n", 1)
    return FuzzCase(env, f"deep-{style}-{where}", text.encode(), True)


@st.composite
def truncated(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    data = SHIPPED_TEXT[env].encode()
    cut = draw(st.integers(0, len(data) - 1))
    return FuzzCase(env, "truncated", data[:cut], None)


@st.composite
def byte_damage(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    data = bytearray(SHIPPED_TEXT[env].encode())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at]
    return FuzzCase(env, "byte-damage", bytes(data), None)


@st.composite
def nul_bytes(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    data = SHIPPED_TEXT[env].encode()
    at = draw(st.integers(0, len(data)))
    return FuzzCase(env, "nul-byte", data[:at] + b"\x00" + data[at:], True)


@st.composite
def not_utf8(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    how = draw(st.sampled_from(["latin1", "utf16", "lone-byte"]))
    text = SHIPPED_TEXT[env].replace("Office automation", "Bürokommunikation Ärger")
    if how == "latin1":
        data = text.encode("latin-1", errors="replace")
    elif how == "utf16":
        data = text.encode("utf-16")
    else:
        raw = text.encode()
        at = draw(st.integers(0, len(raw)))
        data = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + raw[at:]
    return FuzzCase(env, f"not-utf8-{how}", data, True)


@st.composite
def not_yaml(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    data = draw(
        st.one_of(
            st.binary(max_size=512),
            st.sampled_from([
                b"", b"\n", b"   \n\t\n", b"# only a comment\n", b"---\n", b"...\n", b"~\n",
                b"[1, 2, 3]\n", b"config:\n", b"config: ~\n", b"\xef\xbb\xbf",
                b"[section]\nkey = value\n", b"<xml><config/></xml>\n", b"{{{{", b"]]]",
                b"config: !!python/object/apply:os.system ['echo pwned']\n",
                b"config: !!binary aGVsbG8=\n", b"config: !!set {a, b}\n",
                b"config: {a: 1}\n---\nconfig: {b: 2}\n",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04\x14\x00",
                b"config:\n  llz:network: 2026-11-24T21:00:00Z\n",
                b"config:\n  alicloud:region: !!timestamp 2001-12-14\n",
                b"\t config: {}\n", b"config:\n\tllz:x: 1\n",
            ]),
            st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        )
    )
    return FuzzCase(env, "not-yaml", data, True)


@st.composite
def huge_file(draw: st.DrawFn) -> FuzzCase:
    env = draw(envs)
    size = draw(st.integers(256 * 1024 + 1, 3 * 1024 * 1024))
    data = SHIPPED_TEXT[env].encode()
    padding = b"# " + b"x" * (size - len(data)) + b"\n"
    return FuzzCase(env, "huge-file", data + padding, True)


@st.composite
def many_keys(draw: st.DrawFn) -> FuzzCase:
    """Many unknown keys or many systems: the error stays bounded and quick."""
    env = draw(envs)
    doc = _fresh(env)
    count = draw(st.integers(50, 1500))
    if draw(st.booleans()):
        for i in range(count):
            doc["config"][f"llz:x{i}"] = i
    else:
        base = doc["config"]["llz:systems"][0]
        doc["config"]["llz:systems"] = [dict(base, name=f"s{i}") for i in range(count)]
    return FuzzCase(env, "many-keys", _dump(doc), True)


STRUCTURED = (
    drop_required_key(), drop_any_key(), container_for_scalar(), wrong_scalar_type(),
    scalar_for_section(), extreme_number(), odd_float(), random_unicode(), malformed_cidr(),
    duplicate_system(), unknown_key(), bad_document_shape(), many_keys(),
)
TEXTUAL = (
    alias_bomb(), duplicate_key(), deep_nesting(), truncated(), byte_damage(), nul_bytes(),
    not_utf8(), not_yaml(), huge_file(),
)
hostile_configs = st.one_of(*STRUCTURED, *TEXTUAL)
invalid_configs = hostile_configs.filter(lambda case: case.must_fail is True)


# --------------------------------------------------------------------------- checks


def make_project(root: Path) -> Path:
    """A copy of the project (Pulumi.yaml and the stack configs) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "stacks").mkdir(exist_ok=True)
    for env in ENVIRONMENTS:
        name = f"Pulumi.{env}.yaml"
        shutil.copy(PROJECT_DIR / "stacks" / name, root / "stacks" / name)
    return root


def install(project: Path, case: FuzzCase) -> Path:
    path = project / "stacks" / f"Pulumi.{case.env}.yaml"
    path.write_bytes(case.data)
    return path


def restore(project: Path, env: str) -> None:
    shutil.copy(PROJECT_DIR / "stacks" / f"Pulumi.{env}.yaml",
                project / "stacks" / f"Pulumi.{env}.yaml")


# file: KEY: REASON, where KEY is a quoted key (one holding spaces or colons), a config key
# (llz:..., alicloud:region, with .field and [index] parts), a top-level key or a key as
# misspelt, or a position: "line L, column C" or "document".
_WHERE = (
    r"(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
    r"|[^\s:]*:.*?|line \d+, column \d+|document|config|[^\s:]+)"
)
MAX_LINES = 60
MAX_LINE = 600


def clear_error_problems(message: str, env: str, prefix: str = "") -> list[str]:
    """What is wrong with an error message (an empty list when it is one clear error).

    Each line must be ``PREFIXstacks/Pulumi.<env>.yaml: KEY: REASON`` with a non-empty
    reason; no traceback, a bounded number of lines of bounded length.
    """
    problems: list[str] = []
    if "Traceback" in message:
        problems.append("a traceback reached the user")
    lines = message.rstrip("\n").split("\n")
    if not message.strip():
        problems.append("no error message")
    if len(lines) > MAX_LINES:
        problems.append(f"{len(lines)} lines of errors (more than {MAX_LINES})")
    pattern = re.compile(
        re.escape(f"{prefix}stacks/Pulumi.{env}.yaml: ") + _WHERE + r": \S.*"
    )
    for line in lines[:MAX_LINES]:
        if len(line) > MAX_LINE:
            problems.append(f"line longer than {MAX_LINE} characters: {line[:120]!r}...")
        elif not line.isprintable():
            problems.append(f"control characters in the message: {line!r}")
        elif not pattern.fullmatch(line):
            problems.append(f"not 'file: key: reason': {line!r}")
    return problems


# --------------------------------------------------------------------------- running a case

TIME_LIMIT = 10.0  # seconds for one case: a hang guard, not a performance assertion


@dataclass
class Outcome:
    case: FuzzCase
    stage: str
    seconds: float
    accepted: bool
    message: str
    problems: list[str]


def check_loader(project: Path, case: FuzzCase) -> Outcome:
    """Load the damaged stack: accepted, or refused with one clear InputError."""
    from stacks.config import load_spec
    from stacks.errors import InputError

    install(project, case)
    message, crash = "", ""
    start = time.perf_counter()
    try:
        load_spec(project, case.env)
    except InputError as exc:
        message = str(exc)
    except Exception as exc:
        crash = f"{type(exc).__name__}: {exc}"[:500]
    seconds = time.perf_counter() - start
    problems: list[str] = []
    if crash:
        problems.append(f"loader raised {crash}")
    elif not message and case.must_fail:
        problems.append("accepted although it must be refused")
    elif message:
        problems.extend(clear_error_problems(message, case.env))
    if seconds > TIME_LIMIT:
        problems.append(f"took {seconds:.1f} s (limit {TIME_LIMIT:.0f} s)")
    accepted = not message and not crash
    return Outcome(case, "loader", seconds, accepted, message or crash, problems)


def check_offline_plan(project: Path, case: FuzzCase) -> Outcome:
    """An accepted config must also plan: the program may not reject what the spec took."""
    from cli.engines.offline import plan_offline
    from stacks.errors import InputError

    install(project, case)
    problems: list[str] = []
    start = time.perf_counter()
    try:
        plan_offline(project, case.env)
    except InputError as exc:
        problems.extend(clear_error_problems(str(exc), case.env))
    except Exception as exc:
        problems.append(f"offline plan raised {type(exc).__name__}: {exc}"[:500])
    seconds = time.perf_counter() - start
    if seconds > TIME_LIMIT:
        problems.append(f"took {seconds:.1f} s (limit {TIME_LIMIT:.0f} s)")
    return Outcome(case, "plan", seconds, not problems, "", problems)


CLI_COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate", "{env}"),
    "validate-json": ("validate", "{env}", "--json"),
    "plan": ("plan", "{env}", "--out", "{out}"),
    "plan-json": ("plan", "{env}", "--json", "--out", "{out}"),
    "plan-vv": ("-vv", "plan", "{env}", "--out", "{out}"),
}


def check_cli(project: Path, case: FuzzCase, command: str) -> Outcome:
    """`llz` on a config the loader refuses: exit 1, one clear error, no plan file."""
    from click.testing import CliRunner

    from cli.main import run

    install(project, case)
    out = project / "out" / "plan.json"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    args = [part.format(env=case.env, out=out) for part in CLI_COMMANDS[command]]
    runner = CliRunner()
    start = time.perf_counter()
    with runner.isolation(color=False) as streams:
        code = run(["--project-dir", str(project), "--no-color", *args])
    seconds = time.perf_counter() - start
    stdout = streams[0].getvalue().decode("utf-8", "replace")
    stderr = streams[1].getvalue().decode("utf-8", "replace")
    problems: list[str] = []
    if code != 1:
        problems.append(f"exit code {code}, expected 1")
    if "Traceback" in stdout + stderr:
        problems.append("a traceback reached the user")
    if command == "validate-json":
        import json

        try:
            data = json.loads(stdout)
            lines = data["environments"][case.env]
            if data["valid"] is not False:
                problems.append("--json says valid")
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"--json output unreadable ({exc})")
            lines = []
        problems.extend(clear_error_problems("\n".join(lines), case.env))
    else:
        if stdout.strip():
            problems.append(f"unexpected stdout: {stdout[:200]!r}")
        problems.extend(clear_error_problems(stderr, case.env, prefix="error: "))
    if out.exists():
        problems.append("a plan file was written")
    if list(out.parent.iterdir()):
        problems.append(f"files left behind: {sorted(p.name for p in out.parent.iterdir())}")
    if seconds > TIME_LIMIT:
        problems.append(f"took {seconds:.1f} s (limit {TIME_LIMIT:.0f} s)")
    return Outcome(case, f"cli:{command}", seconds, False, stderr, problems)


# --------------------------------------------------------------------------- other input files
# Saved plans (`audit --plan`, `audit --baseline`, `diff --from-state`) come from CI
# artifacts and people too. Damage a real plan's JSON the same way.

_PLAN_JSON: dict[str, Any] = {}


def shipped_plan_dict() -> dict[str, Any]:
    if not _PLAN_JSON:
        import json

        from cli.engines.offline import plan_offline

        _PLAN_JSON.update(json.loads(plan_offline(PROJECT_DIR, "dev").to_json()))
    return _PLAN_JSON


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def damaged_plan_files(draw: st.DrawFn) -> tuple[str, bytes]:
    import json

    plan = copy.deepcopy(shipped_plan_dict())
    how = draw(st.sampled_from(["drop", "retype", "whole", "truncate", "bytes", "resource"]))
    if how in ("drop", "retype"):
        paths = [p for p, _ in _walk(plan) if p and len(p) <= 4]
        path = draw(st.sampled_from(paths))
        target: Any = plan
        for part in path[:-1]:
            target = target[part]
        if how == "drop":
            del target[path[-1]]
        else:
            target[path[-1]] = draw(json_values)
        return how, json.dumps(plan).encode()
    if how == "whole":
        return how, json.dumps(draw(json_values)).encode()
    if how == "resource":
        plan["resources"].append(draw(json_values))
        return how, json.dumps(plan).encode()
    data = json.dumps(plan).encode()
    if how == "truncate":
        return how, data[: draw(st.integers(0, len(data) - 1))]
    return how, draw(st.one_of(st.binary(max_size=300), st.sampled_from(
        [b"", b"\xff\xfe{}", b"null", b"NaN", b"[]", b"{}", b'{"format": "llz.plan/v1"}']
    )))


PLAN_FILE_COMMANDS: dict[str, tuple[str, ...]] = {
    "audit --plan": ("audit", "dev", "--plan", "{file}", "--format", "json"),
    "audit --baseline": ("audit", "dev", "--baseline", "{file}", "--format", "text"),
    "diff --from-state": ("diff", "--from-state", "{file}", "--to-state", "{good}", "--json"),
    "cost --prices": ("cost", "dev", "--prices", "{file}", "--json"),
    "cost --prices-replace": ("cost", "dev", "--prices", "{file}", "--prices-replace"),
}


def check_input_file(directory: Path, data: bytes, command: str) -> list[str]:
    """`llz` given a damaged input file: either it is usable, or one clear error naming it."""
    import json

    from click.testing import CliRunner

    from cli.main import run

    bad = directory / "input.json"
    good = directory / "good.json"
    bad.write_bytes(data)
    if not good.exists():
        good.write_text(json.dumps(shipped_plan_dict()))
    args = [a.format(file=bad, good=good) for a in PLAN_FILE_COMMANDS[command]]
    with CliRunner().isolation(color=False) as streams:
        code = run(["--project-dir", str(PROJECT_DIR), "--no-color", *args])
    stderr = streams[1].getvalue().decode("utf-8", "replace")
    output = streams[0].getvalue().decode("utf-8", "replace") + stderr
    problems: list[str] = []
    if "Traceback" in output:
        problems.append("a traceback reached the user")
    if "error: unexpected" in stderr:
        problems.append(f"an unexpected error: {stderr.strip()[:300]}")
    if code == 1:
        lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
        if not lines:
            problems.append(f"exit 1 without an error line: {stderr[:300]!r}")
        for line in lines:
            if str(bad) not in line:
                problems.append(f"error does not name the file: {line[:200]!r}")
    elif code not in (0, 2, 3):
        problems.append(f"exit code {code}")
    return problems


# --------------------------------------------------------------------------- wrong flags

_WORDS = (
    "plan", "validate", "audit", "run", "verify", "diff", "cost", "stacks", "outputs",
    "preview", "deploy", "destroy", "refresh", "dev", "staging", "prod", "qa", "Prod",
    "--json", "--format", "json", "html", "sarif", "xml", "--out", "--out-dir", "--plan",
    "--baseline", "--prices", "--chart", "--from", "--to", "--from-state", "--to-state",
    "--traffic-gb", "--peak-mbps", "-1", "1e309", "nan", "--region", "--yes", "--help", "-h",
    "-v", "-vv", "--no-color", "--version", "--engine", "offline", "pulumi", "--", "-", "",
    "HEAD", "HEAD~1", "s3://", "--generated-at", "yesterday", "--show-secrets", "{file}",
    "{dir}", "{missing}",
)
# Never: anything that could reach the network or change the world (backend bootstrap,
# archive uploads); deploy/destroy cannot run without the Pulumi CLI and a confirmation.
_COMMAND_WORDS = (
    ("plan",), ("validate",), ("audit",), ("audit", "run"), ("audit", "verify"), ("diff",),
    ("cost",), ("stacks",), ("outputs",), ("preview",), ("deploy",), ("destroy",),
    ("refresh",),
)
_word = st.one_of(st.sampled_from(_WORDS), st.text(max_size=12))
argv_lists = st.one_of(
    st.lists(_word, max_size=6),
    st.builds(
        lambda verbosity, command, env, rest: [*verbosity, *command, *env, *rest],
        st.sampled_from([[], ["-v"], ["-vv"], ["--no-color"]]),
        st.sampled_from(_COMMAND_WORDS),
        st.sampled_from([[], ["dev"], ["prod"], ["staging", "prod"], ["nope"]]),
        st.lists(_word, max_size=4),
    ),
)


# A valid argument list does real work (`diff --from HEAD~1` plans two git revisions), so
# the hang guard is wider here than for a refused config.
ARGV_TIME_LIMIT = 60.0


def check_argv(directory: Path, argv: list[str]) -> tuple[list[str], float]:
    """Any argument list: an answer or one clear error; never a traceback or a crash."""
    from click.testing import CliRunner

    from cli.main import run

    (directory / "file.json").write_text("{}")
    args = [a.format(file=directory / "file.json", dir=directory, missing=directory / "no")
            if a in ("{file}", "{dir}", "{missing}") else a for a in argv]
    if any(a in ("backend", "--archive", "--endpoint-url") for a in args):
        return [], 0.0
    start = time.perf_counter()
    # In the scratch directory: a relative --out or --out-dir must not write into the repo.
    with contextlib.chdir(directory), CliRunner().isolation(input="", color=False) as streams:
        code = run(["--project-dir", str(PROJECT_DIR), *args])
    seconds = time.perf_counter() - start
    stderr = streams[1].getvalue().decode("utf-8", "replace")
    output = streams[0].getvalue().decode("utf-8", "replace") + stderr
    problems: list[str] = []
    if "Traceback" in output and "-vv" not in args:
        problems.append("a traceback reached the user")
    if "error: unexpected" in stderr:
        problems.append(f"an unexpected error: {stderr.strip()[:300]}")
    if code not in (0, 1, 2, 3):
        problems.append(f"exit code {code}")
    if code == 1 and not stderr.strip():
        problems.append("exit 1 without a message")
    if seconds > ARGV_TIME_LIMIT:
        problems.append(f"took {seconds:.1f} s (limit {ARGV_TIME_LIMIT:.0f} s)")
    return problems, seconds


SHIPPED_PRICES = PROJECT_DIR / "cli" / "data" / "prices.yaml"


@st.composite
def damaged_price_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """The shipped price table (`cost --prices FILE`), damaged like a stack config."""
    prices = yaml.safe_load(SHIPPED_PRICES.read_text(encoding="utf-8"))
    how = draw(st.sampled_from(["drop", "retype", "number", "whole", "truncate", "bytes"]))
    if how in ("drop", "retype", "number"):
        paths = [p for p, _ in _walk(prices) if p]
        if how == "number":
            paths = [p for p, v in _walk(prices) if isinstance(v, float | int)] or paths
        path = draw(st.sampled_from(paths))
        target: Any = prices
        for part in path[:-1]:
            target = target[part]
        if how == "drop":
            del target[path[-1]]
        elif how == "retype":
            target[path[-1]] = draw(st.one_of(scalars, containers))
        else:
            target[path[-1]] = draw(st.sampled_from(
                [-1, 0, -0.5, 1e-30, 1e25, 10**30, 2**64, float("nan"), float("inf"),
                 float("-inf"), "12", True]
            ))
        return how, _dump(prices)
    if how == "whole":
        return how, _dump(draw(st.one_of(scalars, containers)))
    data = SHIPPED_PRICES.read_bytes()
    if how == "truncate":
        return how, data[: draw(st.integers(0, len(data) - 1))]
    return how, draw(st.binary(max_size=300))
