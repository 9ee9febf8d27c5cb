"""`llz backend bootstrap ENV`: the state bucket for the real engine (logic in
cli.backend_bootstrap)."""

from __future__ import annotations

import click

from cli.environments import ENV
from cli.output import emit_json


@click.group()
def backend() -> None:
    """Manage the Pulumi state backend (an OSS or S3 bucket)."""


@backend.command()
@click.argument("env", type=ENV)
@click.option("--bucket", metavar="NAME", help="Bucket name (default: llz-state-ENV).")
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="S3-compatible endpoint, e.g. https://s3.oss-cn-shanghai.aliyuncs.com (default: AWS S3).",
)
@click.option(
    "--region",
    metavar="REGION",
    help="Region of the bucket (default: taken from an OSS endpoint, else AWS_REGION).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def bootstrap(
    env: str,
    bucket: str | None,
    endpoint_url: str | None,
    region: str | None,
    as_json: bool,
) -> None:
    """Create the state bucket of ENV, or bring an existing one up to standard.

    Versioning on, default server-side encryption (AES256) and public access blocked.
    Idempotent: a second run changes nothing and says so. Prints the Pulumi backend URL
    to set as `llz:backend: {url: ...}` in stacks/Pulumi.ENV.yaml.
    Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
    ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET.
    """
    from cli.backend_bootstrap import bootstrap_backend, default_bucket_name
    from stacks.config import PROJECT

    name = bucket or default_bucket_name(PROJECT, env)
    result = bootstrap_backend(env, bucket=name, endpoint_url=endpoint_url, region=region)
    if as_json:
        emit_json(result.to_dict())
        return
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for change in result.changes:
        click.echo(f"  changed: {change}")
    for ok in result.unchanged:
        click.echo(f"  ok:      {ok}")
    if result.changed:
        summary = f"{len(result.changes)} change(s) made"
    else:
        summary = "already set up; nothing changed" if not result.warnings else "nothing changed"
    if result.warnings:
        summary += f"; {len(result.warnings)} setting(s) to check in the console (warnings above)"
    click.echo(f"{result.bucket}: {summary}.")
    click.echo(f"\nBackend URL for {env} (stacks/Pulumi.{env}.yaml):")
    click.echo("  llz:backend:")
    click.echo(f"    url: {result.backend_url}")
