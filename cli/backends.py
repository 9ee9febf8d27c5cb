"""Where each environment's Pulumi state lives, and what the engine needs to reach it.

* default: a file backend inside the project, ``file://<project>/.pulumi-state``
  (git-ignored, created on first use);
* for teams: ``llz:backend.url`` in the stack config, e.g. an OSS bucket through Pulumi's
  S3 backend ``s3://bucket?endpoint=https://s3.oss-cn-shanghai.aliyuncs.com&region=cn-shanghai``.

The secrets provider comes from ``llz:backend.secretsProvider`` (``passphrase`` by
default). A passphrase is only ever read from the user's environment
(``PULUMI_CONFIG_PASSPHRASE`` or ``PULUMI_CONFIG_PASSPHRASE_FILE``): this module checks that
one is there and never reads or prints its value; the Pulumi CLI inherits it from the
user's environment (``engine_env`` never holds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stacks.spec import LandingZoneSpec

STATE_DIR = ".pulumi-state"
BACKEND_URL_VAR = "PULUMI_BACKEND_URL"
PASSPHRASE_VARS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


class BackendError(Exception):
    """The backend or the secrets provider cannot be used as configured (one line)."""


@dataclass(frozen=True)
class Backend:
    """One environment's state backend."""

    env: str
    url: str
    secrets_provider: str
    default: bool  # True for the project's local file backend

    @property
    def local_path(self) -> Path | None:
        """The directory of a ``file://`` backend (None for remote backends)."""
        if not self.url.startswith("file://"):
            return None
        return Path(self.url[len("file://") :].split("?", 1)[0]).expanduser()

    @property
    def uses_passphrase(self) -> bool:
        return self.secrets_provider == "passphrase"

    def engine_env(self) -> dict[str, str]:
        """Environment variables for the Pulumi CLI (never a secret)."""
        return {BACKEND_URL_VAR: self.url, "PULUMI_SKIP_UPDATE_CHECK": "true"}

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "secrets_provider": self.secrets_provider,
            "default": self.default,
        }


def default_url(project_dir: Path) -> str:
    return f"file://{project_dir.resolve() / STATE_DIR}"


def backend_for(project_dir: Path, env: str, spec: LandingZoneSpec) -> Backend:
    """The backend of ``env`` from its validated spec."""
    url = spec.backend.url
    return Backend(
        env=env,
        url=url if url else default_url(project_dir),
        secrets_provider=spec.backend.secrets_provider,
        default=url is None,
    )


def prepare(backend: Backend) -> None:
    """Create the state directory of a file backend (no-op for remote backends)."""
    path = backend.local_path
    if path is None:
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackendError(
            f"cannot create the state directory {path} of backend {backend.url} ({exc.strerror})"
        ) from None


def check_secrets_provider(backend: Backend, environ: Mapping[str, str]) -> None:
    """A passphrase stack needs the passphrase from the user's environment."""
    if not backend.uses_passphrase:
        return
    if "PULUMI_CONFIG_PASSPHRASE" in environ:
        return
    passphrase_file = environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if passphrase_file:
        if Path(passphrase_file).expanduser().is_file():
            return
        raise BackendError(
            f"stack {backend.env!r} uses the passphrase secrets provider and "
            f"PULUMI_CONFIG_PASSPHRASE_FILE names {passphrase_file}, which is not a file"
        )
    raise BackendError(
        f"stack {backend.env!r} uses the passphrase secrets provider: set "
        "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE in your environment"
    )
