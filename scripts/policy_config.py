"""Generate policy-pack/config/<env>.json from the stack specs (stacks/Pulumi.<env>.yaml).

    python scripts/policy_config.py            # (re)write every environment's config
    python scripts/policy_config.py --check    # exit 1 if a file is missing or stale (CI)

The files are what the real engine reads through
``pulumi preview --policy-pack policy-pack --policy-pack-config policy-pack/config/<env>.json``;
the offline audit builds the same mapping in memory (``policies.config.pack_config``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cli.files import write_atomic  # noqa: E402
from policies.config import pack_config_for_spec  # noqa: E402
from stacks.config import load_spec  # noqa: E402
from stacks.errors import InputError  # noqa: E402

ENVIRONMENTS = ("dev", "staging", "prod")


def config_path(project_dir: Path, env: str) -> Path:
    return project_dir / "policy-pack" / "config" / f"{env}.json"


def render(project_dir: Path, env: str) -> str:
    """The config file's text for ``env`` (deterministic: sorted keys, trailing newline)."""
    spec = load_spec(project_dir, env)
    return json.dumps(pack_config_for_spec(spec), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    parser.add_argument("--project-dir", type=Path, default=ROOT)
    parser.add_argument("envs", nargs="*", default=list(ENVIRONMENTS))
    args = parser.parse_args(argv)
    stale: list[str] = []
    for env in args.envs:
        path = config_path(args.project_dir, env)
        try:
            text = render(args.project_dir, env)
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(args.project_dir)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
            print(f"wrote {path.relative_to(args.project_dir)}", file=sys.stderr)
    if stale:
        print(
            f"stale policy config: {', '.join(stale)} (run python scripts/policy_config.py)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
