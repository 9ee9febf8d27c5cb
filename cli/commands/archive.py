"""`llz audit verify s3://bucket/prefix`: check an archive's hash chain end to end.

`llz audit` registers `verify` as its subcommand; the logic is in cli.archive.
"""

from __future__ import annotations

import click

from cli.output import emit_json


@click.command()
@click.argument("url", metavar="S3_URL")
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="S3-compatible endpoint, e.g. https://s3.oss-cn-shanghai.aliyuncs.com (default: AWS S3).",
)
@click.option(
    "--expect",
    "expect",
    multiple=True,
    metavar="SHA256",
    help="A manifest hash from an earlier archive receipt that must still be in the chain "
    "(repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(url: str, endpoint_url: str | None, expect: tuple[str, ...], as_json: bool) -> None:
    """Verify the archive at S3_URL (s3://bucket/prefix).

    Walks the hash chain from HEAD to the first report set, recomputing the SHA-256 of
    every manifest and every report. Exit 0 when intact, 1 with every problem listed
    (a removed or edited report, an edited or removed manifest, a broken link).
    Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
    ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET.
    """
    from cli.archive import verify_archive

    result = verify_archive(url, endpoint_url=endpoint_url, expect=expect)
    if as_json:
        emit_json(result.to_dict())
    else:
        for archived in result.sets:
            click.echo(
                f"set #{archived.sequence}  {archived.created}  {archived.environment}  "
                f"{archived.files} file(s)  manifest {archived.manifest_sha256}"
            )
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in result.problems:
            click.echo(f"problem: {problem}", err=True)
        if result.intact:
            click.echo(
                f"{result.url}: intact ({len(result.sets)} report set(s), "
                f"{result.objects_checked} report object(s) checked)"
            )
        else:
            click.echo(f"{result.url}: NOT intact ({len(result.problems)} problem(s))", err=True)
    if not result.intact:
        raise click.exceptions.Exit(1)
